/**
 * Messenger and Instagram DMs: one webhook shape (`entry[].messaging[]`) and
 * one Send API, so one module. Also home of the Graph API version, which
 * WhatsApp shares.
 */
import { z } from "zod";
import type { Attachment, InboundEvent } from "../../convex/validators";
import {
  buttonText,
  describeAttachments,
  parseOrThrow,
  toMillis,
  tolerant,
  WebhookParseError,
  zTimeValue,
  type Normalized,
} from "../webhooks/normalize";
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

/** The outbound key our marker carries, or undefined for any other metadata. */
export function ownSendKeyOf(metadata: string | null | undefined): string | undefined {
  const prefix = `${OUR_SEND_METADATA_PREFIX}:`;
  return metadata?.startsWith(prefix) ? metadata.slice(prefix.length) || undefined : undefined;
}

// ---------------------------------------------------------------------------
// Webhook shapes

type MetaChannel = "messenger" | "instagram";

/** The `object` each product's webhook carries. */
const OBJECT_OF: Record<MetaChannel, string> = { messenger: "page", instagram: "instagram" };
const LABEL_OF: Record<MetaChannel, string> = { messenger: "Messenger", instagram: "Instagram" };

const zObject = z.object({ object: z.string() });
const zEnvelope = z.object({
  // Entries and events are validated one by one below, so one bad item is skipped, not the POST.
  entry: z.array(z.unknown()),
});
const zEntry = z.object({
  /** Page id (Messenger) or Instagram professional account id; the dashboard sample sends "0". */
  id: z.union([z.string(), z.number()]).transform(String),
  messaging: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Events for threads another app controls (handover protocol): not ours to answer. */
  standby: z.array(z.unknown()).optional(),
});

const zParty = z.object({ id: z.union([z.string(), z.number()]).transform(String) });
/** Receipts in Meta's own reference carry no `timestamp`; the receive time stands in. */
const zBase = { sender: zParty, recipient: zParty, timestamp: zTimeValue.optional() };

const zAttachment = z.object({
  type: z.string(),
  payload: z
    .object({
      url: z.string().nullish(),
      title: z.string().nullish(),
      sticker_id: z.union([z.number(), z.string()]).nullish(),
      coordinates: z.object({ lat: z.number(), long: z.number() }).nullish(),
    })
    .nullish(),
  /** `fallback` attachments (shared links) may put these beside the payload instead. */
  url: z.string().nullish(),
  title: z.string().nullish(),
});
type MetaAttachment = z.infer<typeof zAttachment>;

const zMessage = z.object({
  mid: z.string(),
  text: z.string().nullish(),
  is_echo: z.boolean().optional(),
  app_id: z.union([z.number(), z.string()]).nullish(),
  metadata: z.string().nullish(),
  quick_reply: z.object({ payload: z.string() }).nullish(),
  attachments: z.array(zAttachment).nullish(),
  reply_to: z.object({ story: z.object({ url: z.string().nullish() }).nullish() }).nullish(),
  /** Instagram: the customer unsent the message. */
  is_deleted: z.boolean().optional(),
  /** Instagram: content the API cannot show (e.g. some GIFs). */
  is_unsupported: z.boolean().optional(),
});

const zMessageEvent = z.object({ ...zBase, message: zMessage });
const zEditEvent = z.object({ ...zBase, message_edit: z.object({ mid: z.string(), text: z.string().nullish() }) });
const zPostbackEvent = z.object({
  ...zBase,
  postback: z.object({ mid: z.string().nullish(), title: z.string().nullish(), payload: z.string().nullish() }),
});
const zDeliveryEvent = z.object({
  ...zBase,
  delivery: z.object({ mids: z.array(z.string()).nullish(), watermark: zTimeValue.nullish() }),
});
/** Messenger reads carry a watermark; Instagram's messaging_seen names the message. */
const zReadEvent = z.object({
  ...zBase,
  read: z.object({ watermark: zTimeValue.nullish(), mid: z.string().nullish() }),
});
/** Unreacts may carry `emoji: null` or nothing; a reaction without `mid` names no message. */
const zReactionEvent = z.object({
  ...zBase,
  reaction: z.object({
    mid: z.string().nullish(),
    action: z.string().nullish(),
    emoji: z.string().nullish(),
    reaction: z.string().nullish(),
  }),
});

// ---------------------------------------------------------------------------
// Normalization

export type MetaOptions = {
  channel: MetaChannel;
  /** META_APP_ID when set: echoes carrying it are our own sends. */
  ownAppId?: string;
  /** When the POST arrived (ms): the time of events that carry none. Defaults to now. */
  receivedAt?: number;
};

/**
 * One POST may batch many entries (up to 1000 updates), each with its
 * events; all become one list, in order. An event that cannot be read is
 * skipped with its reason; its siblings still count.
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
  const skipped: string[] = [];
  let ignored = 0;
  for (const [i, rawEntry] of envelope.entry.entries()) {
    const [entry] = tolerant(skipped, () => [parseOrThrow(zEntry, rawEntry, `${label} entry`, ["entry", i])]);
    if (!entry) continue;
    ignored += entry.standby?.length ?? 0;
    for (const [j, raw] of (entry.messaging ?? []).entries()) {
      const at = ["entry", i, "messaging", j];
      const produced = tolerant(skipped, () => normalizeEvent(raw, entry.id, options, at));
      if (produced.length === 0) ignored += 1;
      events.push(...produced);
    }
  }
  return { events, ignored, skipped };
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
  const receivedAt = options.receivedAt ?? Date.now();
  const timeOf = (timestamp: number | undefined) => (timestamp === undefined ? receivedAt : toMillis(timestamp));

  if (raw.message !== undefined) {
    const { sender, recipient, timestamp, message } = parseOrThrow(zMessageEvent, raw, what, at);
    const attachments = attachmentsOf(message.attachments ?? []);
    if (message.is_echo) {
      const ownSendKey = ownSendKeyOf(message.metadata);
      if (ownSendKey) {
        // Our reply, echoed: it confirms a send whose answer we never got.
        return [
          { kind: "echo", ...where, chatId: recipient.id, externalId: message.mid, text: "", sentAt: timeOf(timestamp), ownSendKey },
        ];
      }
      if (isOurOwnSend(message, options.ownAppId)) return [];
      // Sent from the Page inbox or the Instagram app: a human is answering.
      return [
        {
          kind: "echo",
          ...where,
          chatId: recipient.id,
          externalId: message.mid,
          text: message.text ?? describeAttachments(attachments),
          sentAt: timeOf(timestamp),
          // Messenger marks every send of ours; only Instagram leaves text as the last resort.
          matchOwnByText: channel === "instagram" ? true : undefined,
        },
      ];
    }
    if (message.is_deleted) return [];
    if (message.reply_to?.story) {
      attachments.push({ kind: "other", caption: "reply to a story", ref: message.reply_to.story.url ?? undefined });
    }
    if (message.is_unsupported) attachments.push({ kind: "other", caption: "unsupported message" });
    const text = message.quick_reply
      ? buttonText(message.text ?? undefined, message.quick_reply.payload)
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
        sentAt: timeOf(timestamp),
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
        editedAt: timeOf(timestamp),
      },
    ];
  }

  if (raw.postback !== undefined) {
    const { sender, timestamp, postback } = parseOrThrow(zPostbackEvent, raw, what, at);
    const sentAt = timeOf(timestamp);
    return [
      {
        kind: "message",
        ...where,
        chatId: sender.id,
        // Older API versions send postbacks without a mid; sender + time is unique enough.
        externalId: postback.mid ?? `postback:${sender.id}:${sentAt}`,
        sender: { externalId: sender.id },
        text: buttonText(postback.title ?? undefined, postback.payload ?? undefined),
        attachments: [],
        sentAt,
      },
    ];
  }

  if (raw.delivery !== undefined) {
    const { sender, timestamp, delivery } = parseOrThrow(zDeliveryEvent, raw, what, at);
    const watermark = delivery.watermark ?? undefined;
    const base = { kind: "status", ...where, chatId: sender.id, status: "delivered", at: timeOf(timestamp ?? watermark) } as const;
    // "watermark is always present and mids is sometimes present".
    if (!delivery.mids?.length) return watermark === undefined ? [] : [{ ...base, watermark: toMillis(watermark) }];
    return delivery.mids.map((mid) => ({ ...base, externalId: mid, watermark: watermark && toMillis(watermark) }));
  }

  if (raw.read !== undefined) {
    const { sender, timestamp, read } = parseOrThrow(zReadEvent, raw, what, at);
    const time = timeOf(timestamp ?? read.watermark ?? undefined);
    return [
      {
        kind: "status",
        ...where,
        chatId: sender.id,
        status: "read",
        at: time,
        externalId: read.mid ?? undefined,
        // Instagram names one message instead; everything up to its arrival was seen.
        watermark: read.watermark ? toMillis(read.watermark) : read.mid ? undefined : time,
      },
    ];
  }

  if (raw.reaction !== undefined) {
    const { sender, timestamp, reaction } = parseOrThrow(zReactionEvent, raw, what, at);
    if (!reaction.mid) return []; // nothing to attach it to
    return [
      {
        kind: "reaction",
        ...where,
        chatId: sender.id,
        externalId: reaction.mid, // the message reacted to
        // Empty when taken back; Meta may omit both names (or send null) on "unreact".
        emoji: reaction.action === "unreact" ? "" : (reaction.emoji ?? reaction.reaction ?? ""),
        sender: { externalId: sender.id },
        at: timeOf(timestamp),
      },
    ];
  }

  // Opt-ins, referrals, handovers, account linking…: nothing for the agent.
  return [];
}

function isOurOwnSend(message: z.infer<typeof zMessage>, ownAppId: string | undefined): boolean {
  if (message.metadata?.startsWith(OUR_SEND_METADATA_PREFIX)) return true;
  return ownAppId !== undefined && message.app_id != null && String(message.app_id) === ownAppId;
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
    const url = a.payload?.url ?? a.url ?? undefined;
    const title = a.payload?.title ?? a.title ?? undefined;
    const stickerId = a.payload?.sticker_id == null ? undefined : Number(a.payload.sticker_id);
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
          ? [a.type.replace(/_/g, " "), title].filter(Boolean).join(": ")
          : title;
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
  options: { fromHuman?: boolean; metadata?: string; quickReplies?: { label: string; payload: string }[] },
): Promise<PartResult> {
  // Meta allows 13 quick replies with titles of at most 20 characters.
  const quickReplies = options.quickReplies
    ?.slice(0, 13)
    .map((c) => ({ content_type: "text", title: c.label.slice(0, 20), payload: c.payload }));
  const body = {
    recipient: { id: recipientId },
    // HUMAN_AGENT extends the window to 7 days but is only allowed for messages
    // a person wrote: tagging the agent's replies would break Meta policy.
    ...(options.fromHuman ? { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" } : { messaging_type: "RESPONSE" }),
    message: {
      text,
      ...(options.metadata !== undefined && { metadata: options.metadata }),
      ...(quickReplies?.length ? { quick_replies: quickReplies } : {}),
    },
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
