/**
 * Messenger and Instagram DMs: one webhook shape (`entry[].messaging[]`) and
 * one Send API, so one module. Also home of the Graph API version, which
 * WhatsApp shares.
 */
import { z } from "zod";
import type { Attachment, InboundEvent } from "../../convex/validators";
import { buttonText, describeAttachments, parseOrThrow, WebhookParseError, type Normalized } from "../webhooks/normalize";
import { callPlatform, readEnv, unexpectedResponse, type HttpDeps, type PartResult, type PlatformResult } from "./http";
import type { TextLimit } from "./split";

export const META_DEFAULT_GRAPH_API_BASE_URL = "https://graph.facebook.com";
export const INSTAGRAM_DEFAULT_GRAPH_API_BASE_URL = "https://graph.instagram.com";
/**
 * Pinned so a Meta default-version bump never changes payloads under us.
 * v25.0 is what the Messenger docs use and is supported until mid-2028;
 * META_GRAPH_API_VERSION overrides it without a deploy.
 */
export const GRAPH_API_VERSION = "v25.0";

export function graphApiVersion(): string {
  return readEnv("META_GRAPH_API_VERSION") ?? GRAPH_API_VERSION;
}

/** Send API: "Must be UTF-8 and has a 2000 character limit". */
export const MESSENGER_TEXT_LIMIT: TextLimit = { max: 2000, unit: "chars" };
/** Instagram: "Message text must be UTF-8 and 1000 bytes or less": Cyrillic halves it. */
export const INSTAGRAM_TEXT_LIMIT: TextLimit = { max: 1000, unit: "utf8-bytes" };
/** Back-to-back Send API calls can arrive out of order; a short gap keeps parts in sequence. */
export const META_PART_GAP_MS = 300;

/**
 * Prefix of the `metadata` we attach to every Messenger send. Meta echoes it
 * back, which is how we tell our own replies from a human answering in the
 * Page inbox.
 */
export const OUR_SEND_METADATA_PREFIX = "burstreply";
const METADATA_MAX_CHARS = 1000; // Send API limit on `metadata`

export function sendMetadata(outboundKey: string): string {
  return `${OUR_SEND_METADATA_PREFIX}:${outboundKey}`.slice(0, METADATA_MAX_CHARS);
}

// ---------------------------------------------------------------------------
// Webhook shapes

type MetaChannel = "messenger" | "instagram";

/** The `object` each product's webhook carries. */
const OBJECT_OF: Record<MetaChannel, string> = { messenger: "page", instagram: "instagram" };
const LABEL_OF: Record<MetaChannel, string> = { messenger: "Messenger", instagram: "Instagram" };

const zObject = z.object({ object: z.string() });
const zEnvelope = z.object({
  entry: z.array(
    z.object({
      /** Page id (Messenger) or Instagram professional account id. */
      id: z.string(),
      // Events are validated one by one below, so an error names the event.
      messaging: z.array(z.record(z.string(), z.unknown())).optional(),
      /** Events for threads another app controls (handover protocol): not ours to answer. */
      standby: z.array(z.unknown()).optional(),
    }),
  ),
});

const zParty = z.object({ id: z.string() });
const zBase = { sender: zParty, recipient: zParty, timestamp: z.number() };

const zAttachment = z.object({
  type: z.string(),
  payload: z
    .object({
      url: z.string().optional(),
      title: z.string().optional(),
      sticker_id: z.number().optional(),
      coordinates: z.object({ lat: z.number(), long: z.number() }).optional(),
    })
    .nullish(),
});
type MetaAttachment = z.infer<typeof zAttachment>;

const zMessage = z.object({
  mid: z.string(),
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  app_id: z.union([z.number(), z.string()]).optional(),
  metadata: z.string().optional(),
  quick_reply: z.object({ payload: z.string() }).optional(),
  attachments: z.array(zAttachment).optional(),
  reply_to: z.object({ story: z.object({ url: z.string().optional() }).optional() }).optional(),
  /** Instagram: the customer unsent the message. */
  is_deleted: z.boolean().optional(),
  /** Instagram: content the API cannot show (e.g. some GIFs). */
  is_unsupported: z.boolean().optional(),
});

const zMessageEvent = z.object({ ...zBase, message: zMessage });
const zEditEvent = z.object({ ...zBase, message_edit: z.object({ mid: z.string(), text: z.string().optional() }) });
const zPostbackEvent = z.object({
  ...zBase,
  postback: z.object({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() }),
});
const zDeliveryEvent = z.object({
  ...zBase,
  delivery: z.object({ mids: z.array(z.string()).optional(), watermark: z.number() }),
});
/** Messenger reads carry a watermark; Instagram's messaging_seen names the message. */
const zReadEvent = z.object({
  ...zBase,
  read: z.object({ watermark: z.number().optional(), mid: z.string().optional() }),
});
const zReactionEvent = z.object({
  ...zBase,
  reaction: z.object({
    mid: z.string(),
    action: z.string(),
    emoji: z.string().optional(),
    reaction: z.string().optional(),
  }),
});

// ---------------------------------------------------------------------------
// Normalization

export type MetaOptions = {
  channel: MetaChannel;
  /** META_APP_ID when set: echoes carrying it are our own sends. */
  ownAppId?: string;
};

/**
 * One POST may batch many entries (up to 1000 updates), each with its
 * events; all become one list, in order.
 */
export function normalizeMetaWebhook(body: unknown, options: MetaOptions): Normalized {
  const label = LABEL_OF[options.channel];
  // The product first: a body meant for another webhook deserves that reason, not a missing field.
  const { object } = parseOrThrow(zObject, body, `${label} webhook`);
  const expected = OBJECT_OF[options.channel];
  if (object !== expected) {
    throw new WebhookParseError(
      `not a ${label} webhook: object is "${object}", expected "${expected}" (check the callback URL configured for this product)`,
    );
  }
  const envelope = parseOrThrow(zEnvelope, body, `${label} webhook`);
  const events: InboundEvent[] = [];
  let ignored = 0;
  for (const [i, entry] of envelope.entry.entries()) {
    ignored += entry.standby?.length ?? 0;
    for (const [j, raw] of (entry.messaging ?? []).entries()) {
      const produced = normalizeEvent(raw, entry.id, options, ["entry", i, "messaging", j]);
      if (produced.length === 0) ignored += 1;
      events.push(...produced);
    }
  }
  return { events, ignored };
}

function normalizeEvent(
  raw: Record<string, unknown>,
  accountId: string,
  options: MetaOptions,
  at: (string | number)[],
): InboundEvent[] {
  const channel = options.channel;
  const what = `${LABEL_OF[channel]} messaging event`;
  const where = { channel, accountId };

  if (raw.message !== undefined) {
    const { sender, recipient, timestamp, message } = parseOrThrow(zMessageEvent, raw, what, at);
    if (message.is_echo) {
      if (isOurOwnSend(message, options.ownAppId)) return [];
      // Sent from the Page inbox or the Instagram app: a human is answering.
      return [
        {
          kind: "echo",
          ...where,
          chatId: recipient.id,
          externalId: message.mid,
          text: message.text ?? describeAttachments(attachmentsOf(message.attachments ?? [])),
          sentAt: timestamp,
        },
      ];
    }
    if (message.is_deleted) return [];
    const attachments = attachmentsOf(message.attachments ?? []);
    if (message.reply_to?.story) {
      attachments.push({ kind: "other", caption: "reply to a story", ref: message.reply_to.story.url });
    }
    if (message.is_unsupported) attachments.push({ kind: "other", caption: "unsupported message" });
    const text = message.quick_reply
      ? buttonText(message.text, message.quick_reply.payload)
      : (message.text ?? "");
    if (text === "" && attachments.length === 0) return [];
    return [
      {
        kind: "message",
        ...where,
        chatId: sender.id,
        externalId: message.mid,
        sender: { externalId: sender.id },
        text,
        attachments,
        sentAt: timestamp,
      },
    ];
  }

  if (raw.message_edit !== undefined) {
    const { sender, timestamp, message_edit: edit } = parseOrThrow(zEditEvent, raw, what, at);
    return [
      {
        kind: "edit",
        ...where,
        chatId: sender.id,
        externalId: edit.mid,
        text: edit.text ?? "",
        attachments: [],
        editedAt: timestamp,
      },
    ];
  }

  if (raw.postback !== undefined) {
    const { sender, timestamp, postback } = parseOrThrow(zPostbackEvent, raw, what, at);
    return [
      {
        kind: "message",
        ...where,
        chatId: sender.id,
        // Older API versions send postbacks without a mid; sender + time is unique enough.
        externalId: postback.mid ?? `postback:${sender.id}:${timestamp}`,
        sender: { externalId: sender.id },
        text: buttonText(postback.title, postback.payload),
        attachments: [],
        sentAt: timestamp,
      },
    ];
  }

  if (raw.delivery !== undefined) {
    const { sender, timestamp, delivery } = parseOrThrow(zDeliveryEvent, raw, what, at);
    const base = { kind: "status", ...where, chatId: sender.id, status: "delivered", at: timestamp } as const;
    // "watermark is always present and mids is sometimes present".
    if (!delivery.mids?.length) return [{ ...base, watermark: delivery.watermark }];
    return delivery.mids.map((mid) => ({ ...base, externalId: mid, watermark: delivery.watermark }));
  }

  if (raw.read !== undefined) {
    const { sender, timestamp, read } = parseOrThrow(zReadEvent, raw, what, at);
    return [
      {
        kind: "status",
        ...where,
        chatId: sender.id,
        status: "read",
        at: timestamp,
        externalId: read.mid,
        // Instagram names one message instead; everything up to its arrival was seen.
        watermark: read.watermark ?? (read.mid ? undefined : timestamp),
      },
    ];
  }

  if (raw.reaction !== undefined) {
    const { sender, timestamp, reaction } = parseOrThrow(zReactionEvent, raw, what, at);
    return [
      {
        kind: "reaction",
        ...where,
        chatId: sender.id,
        externalId: reaction.mid, // the message reacted to
        // Empty when taken back; Meta may omit both names on "unreact".
        emoji: reaction.action === "unreact" ? "" : (reaction.emoji ?? reaction.reaction ?? ""),
        sender: { externalId: sender.id },
        at: timestamp,
      },
    ];
  }

  // Opt-ins, referrals, handovers, account linking…: nothing for the agent.
  return [];
}

function isOurOwnSend(message: z.infer<typeof zMessage>, ownAppId: string | undefined): boolean {
  if (message.metadata?.startsWith(OUR_SEND_METADATA_PREFIX)) return true;
  return ownAppId !== undefined && message.app_id !== undefined && String(message.app_id) === ownAppId;
}

/** Messenger's thumbs-up "like" button sends this sticker. */
const LIKE_STICKER_ID = 369239263222822;

const KIND_OF: Record<string, Attachment["kind"]> = {
  image: "photo",
  audio: "audio", // Messenger voice clips arrive as audio
  video: "video",
  file: "document",
  sticker: "sticker",
  location: "location",
};

function attachmentsOf(list: MetaAttachment[]): Attachment[] {
  // Until Aug 2026 a sticker arrives twice: a new `sticker` attachment and the
  // old `image` one with a sticker_id. Keep one.
  const hasStickerType = list.some((a) => a.type === "sticker");
  const out: Attachment[] = [];
  for (const a of list) {
    const url = a.payload?.url;
    const stickerId = a.payload?.sticker_id;
    if (a.type === "image" && stickerId !== undefined) {
      if (!hasStickerType) out.push(sticker(stickerId, url));
      continue;
    }
    if (a.type === "sticker") {
      out.push(sticker(stickerId, url));
      continue;
    }
    const kind = KIND_OF[a.type] ?? "other";
    const coordinates = a.payload?.coordinates;
    const caption =
      kind === "location" && coordinates
        ? `${coordinates.lat}, ${coordinates.long}`
        : kind === "other"
          ? [a.type.replace(/_/g, " "), a.payload?.title].filter(Boolean).join(": ")
          : a.payload?.title;
    out.push({ kind, caption, ref: url });
  }
  return out;
}

function sticker(stickerId: number | undefined, url: string | undefined): Attachment {
  return { kind: "sticker", caption: stickerId === LIKE_STICKER_ID ? "👍" : undefined, ref: url };
}


// ---------------------------------------------------------------------------
// Send API

export type MetaSendConfig = HttpDeps & {
  /** Graph host: graph.facebook.com (Page token) or graph.instagram.com (Instagram Login token). */
  baseUrl: string;
  version: string;
  token: string;
  platform: "Messenger" | "Instagram";
};

function messagesUrl(config: MetaSendConfig): string {
  // /me resolves to the Page (or IG account) the token belongs to.
  return `${config.baseUrl.replace(/\/+$/, "")}/${config.version}/me/messages`;
}

export async function sendMetaText(
  config: MetaSendConfig,
  recipientId: string,
  text: string,
  options: { fromHuman?: boolean; metadata?: string },
): Promise<PartResult> {
  const body = {
    recipient: { id: recipientId },
    // HUMAN_AGENT extends the window to 7 days but is only allowed for messages
    // a person wrote: tagging the agent's replies would break Meta policy.
    ...(options.fromHuman ? { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" } : { messaging_type: "RESPONSE" }),
    message: { text, ...(options.metadata !== undefined && { metadata: options.metadata }) },
  };
  const result = await callPlatform(
    messagesUrl(config),
    { body, bearerToken: config.token, platform: config.platform },
    config,
  );
  if (!result.ok) return result;
  const messageId = (result.body as { message_id?: unknown })?.message_id;
  if (typeof messageId !== "string") return unexpectedResponse(config.platform, result.body);
  return { ok: true, externalId: messageId };
}

/** Sender actions go alone, without a message. typing_on lasts about 20 s. */
export function sendMetaSenderAction(
  config: MetaSendConfig,
  recipientId: string,
  action: "typing_on" | "typing_off" | "mark_seen",
): Promise<PlatformResult> {
  return callPlatform(
    messagesUrl(config),
    { body: { recipient: { id: recipientId }, sender_action: action }, bearerToken: config.token, platform: config.platform },
    config,
  );
}
