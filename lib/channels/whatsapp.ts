/**
 * WhatsApp Cloud API: `entry[].changes[].value` webhooks → `InboundEvent`s,
 * and the text and typing-indicator sends. The Graph host and version are
 * Meta's (lib/channels/meta.ts).
 */
import { z } from "zod";
import type { Attachment, InboundEvent } from "../../convex/validators";
import { buttonText, parseOrThrow, WebhookParseError, type Normalized } from "../webhooks/normalize";
import { callPlatform, unexpectedResponse, type HttpDeps, type PartResult, type PlatformResult } from "./http";
import type { TextLimit } from "./split";
import { SECOND } from "../time";

/** Text message body limit. */
export const WHATSAPP_TEXT_LIMIT: TextLimit = { max: 4096, unit: "chars" };
/** Same pacing as the other Meta channels: keeps parts in order. */
export const WHATSAPP_PART_GAP_MS = 300;

const EXPECTED_OBJECT = "whatsapp_business_account";

// ---------------------------------------------------------------------------
// Webhook shapes. Timestamps are Unix seconds as strings.

const zSeconds = z.string().regex(/^\d+$/, "expected Unix seconds as a string");
const zMedia = z.object({
  id: z.string(),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
});

const zMessage = z.object({
  from: z.string(),
  id: z.string(),
  timestamp: zSeconds,
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  image: zMedia.optional(),
  audio: zMedia.optional(),
  voice: zMedia.optional(),
  video: zMedia.optional(),
  document: zMedia.optional(),
  sticker: zMedia.optional(),
  location: z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  contacts: z
    .array(
      z.object({
        name: z.object({ formatted_name: z.string() }).optional(),
        phones: z.array(z.object({ phone: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string(), title: z.string() }).optional(),
    })
    .optional(),
  /** A quick-reply button on a template message. */
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
});
type WhatsAppMessage = z.infer<typeof zMessage>;

const zStatus = z.object({
  id: z.string(),
  status: z.string(),
  timestamp: zSeconds,
  recipient_id: z.string(),
  errors: z
    .array(
      z.object({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.object({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

const zValue = z.object({
  metadata: z.object({ phone_number_id: z.string() }),
  contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const zObject = z.object({ object: z.string() });
const zEnvelope = z.object({
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

// ---------------------------------------------------------------------------
// Normalization

/** The account is the business phone number (`phone_number_id`), the chat the customer's wa_id. */
export function normalizeWhatsAppWebhook(body: unknown): Normalized {
  // The product first: a body meant for another webhook deserves that reason, not a missing field.
  const { object } = parseOrThrow(zObject, body, "WhatsApp webhook");
  if (object !== EXPECTED_OBJECT) {
    throw new WebhookParseError(`not a WhatsApp webhook: object is "${object}", expected "${EXPECTED_OBJECT}"`);
  }
  const envelope = parseOrThrow(zEnvelope, body, "WhatsApp webhook");
  const events: InboundEvent[] = [];
  let ignored = 0;
  for (const [i, entry] of envelope.entry.entries()) {
    for (const [j, change] of entry.changes.entries()) {
      // Template reviews, quality ratings, account updates: not conversations.
      if (change.field !== "messages") {
        ignored += 1;
        continue;
      }
      const at = ["entry", i, "changes", j, "value"];
      const value = parseOrThrow(zValue, change.value, "WhatsApp messages change", at);
      const accountId = value.metadata.phone_number_id;
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name]));

      for (const [k, raw] of (value.messages ?? []).entries()) {
        const message = parseOrThrow(zMessage, raw, "WhatsApp message", [...at, "messages", k]);
        const event = messageEvent(message, accountId, names.get(message.from));
        if (event) events.push(event);
        else ignored += 1;
      }
      for (const [k, raw] of (value.statuses ?? []).entries()) {
        const status = parseOrThrow(zStatus, raw, "WhatsApp status", [...at, "statuses", k]);
        const event = statusEvent(status, accountId);
        if (event) events.push(event);
        else ignored += 1;
      }
    }
  }
  return { events, ignored };
}

function messageEvent(m: WhatsAppMessage, accountId: string, name: string | undefined): InboundEvent | null {
  const sentAt = Number(m.timestamp) * SECOND;
  const sender = { externalId: m.from, displayName: name };
  const where = { channel: "whatsapp" as const, accountId, chatId: m.from };

  if (m.type === "reaction" && m.reaction) {
    // An empty emoji means the customer took the reaction back.
    return { kind: "reaction", ...where, externalId: m.reaction.message_id, emoji: m.reaction.emoji ?? "", sender, at: sentAt };
  }
  const content = contentOf(m);
  if (!content) return null; // system notices, "unsupported", orders…
  return { kind: "message", ...where, externalId: m.id, sender, ...content, sentAt };
}

function contentOf(m: WhatsAppMessage): { text: string; attachments: Attachment[] } | null {
  const media = (kind: Attachment["kind"], file: z.infer<typeof zMedia> | undefined, caption?: string) =>
    file ? { text: file.caption ?? "", attachments: [{ kind, caption, ref: file.id, mimeType: file.mime_type }] } : null;

  switch (m.type) {
    case "text":
      return m.text ? { text: m.text.body, attachments: [] } : null;
    case "image":
      return media("photo", m.image);
    case "audio":
      // Voice notes arrive as audio with `voice: true`.
      return media(m.audio?.voice ? "voice" : "audio", m.audio);
    case "voice":
      return media("voice", m.voice);
    case "video":
      return media("video", m.video);
    case "document":
      return media("document", m.document, m.document?.filename);
    case "sticker":
      return media("sticker", m.sticker);
    case "location": {
      if (!m.location) return null;
      const { latitude, longitude, name, address } = m.location;
      const place = [name, address].filter(Boolean).join(", ");
      return {
        text: "",
        attachments: [{ kind: "location", caption: `${place ? `${place} ` : ""}(${latitude}, ${longitude})` }],
      };
    }
    case "contacts":
      return {
        text: "",
        attachments: (m.contacts ?? []).map((c) => ({
          kind: "contact" as const,
          caption: [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone)].filter(Boolean).join(" "),
        })),
      };
    case "interactive": {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply ? { text: buttonText(reply.title, reply.id), attachments: [] } : null;
    }
    case "button":
      return m.button ? { text: buttonText(m.button.text, m.button.payload), attachments: [] } : null;
    default:
      return null;
  }
}

/**
 * Receipts for our sends. "sent" only means Meta accepted it, which the send
 * call already told us; "played" (voice notes) says nothing new either.
 */
function statusEvent(s: z.infer<typeof zStatus>, accountId: string): InboundEvent | null {
  if (s.status !== "delivered" && s.status !== "read" && s.status !== "failed") return null;
  const firstError = s.errors?.[0];
  const error = firstError
    ? [firstError.code, firstError.title ?? firstError.message, firstError.error_data?.details].filter(Boolean).join(": ")
    : undefined;
  return {
    kind: "status",
    channel: "whatsapp",
    accountId,
    chatId: s.recipient_id,
    externalId: s.id,
    status: s.status,
    at: Number(s.timestamp) * SECOND,
    error: s.status === "failed" ? (error ?? "failed without details") : undefined,
  };
}

// ---------------------------------------------------------------------------
// Cloud API client

export type WhatsAppConfig = HttpDeps & {
  /** META_GRAPH_API_BASE_URL. */
  baseUrl: string;
  version: string;
  token: string;
  phoneNumberId: string;
};

function messagesUrl(config: WhatsAppConfig): string {
  return `${config.baseUrl.replace(/\/+$/, "")}/${config.version}/${config.phoneNumberId}/messages`;
}

export async function sendWhatsAppText(config: WhatsAppConfig, to: string, text: string): Promise<PartResult> {
  const body = { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body: text } };
  const result = await callPlatform(messagesUrl(config), { body, bearerToken: config.token, platform: "WhatsApp" }, config);
  if (!result.ok) return result;
  const id = (result.body as { messages?: { id?: unknown }[] })?.messages?.[0]?.id;
  if (typeof id !== "string") return unexpectedResponse("WhatsApp", result.body);
  return { ok: true, externalId: id };
}

/**
 * Shows "typing…" for up to 25 s. WhatsApp ties it to a received message,
 * which this also marks as read (blue ticks).
 */
export function sendWhatsAppTyping(config: WhatsAppConfig, inboundMessageId: string): Promise<PlatformResult> {
  const body = {
    messaging_product: "whatsapp",
    status: "read",
    message_id: inboundMessageId,
    typing_indicator: { type: "text" },
  };
  return callPlatform(messagesUrl(config), { body, bearerToken: config.token, platform: "WhatsApp" }, config);
}
