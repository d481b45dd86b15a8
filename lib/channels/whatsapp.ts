/**
 * WhatsApp Cloud API: `entry[].changes[].value` webhooks → `InboundEvent`s,
 * and the text and typing-indicator sends. The Graph host and version are
 * Meta's (lib/channels/meta.ts).
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
import { callPlatform, unexpectedResponse, type HttpDeps, type PartResult, type PlatformResult } from "./http";
import { ownSendKeyOf } from "./meta";
import type { TextLimit } from "./split";

/** Text message body limit. */
export const WHATSAPP_TEXT_LIMIT: TextLimit = { max: 4096, unit: "chars" };
/** Same pacing as the other Meta channels: keeps parts in order. */
export const WHATSAPP_PART_GAP_MS = 300;

const EXPECTED_OBJECT = "whatsapp_business_account";

// ---------------------------------------------------------------------------
// Webhook shapes. Timestamps are Unix seconds, usually as strings.

const zMedia = z.object({
  id: z.string().optional(),
  url: z.string().optional(),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
});
type WhatsAppMedia = z.infer<typeof zMedia>;

/** What a message says; also the shape of an edit's new version. */
const zContent = z.object({
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
        name: z.object({ formatted_name: z.string().optional() }).optional(),
        phones: z.array(z.object({ phone: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      /** A completed WhatsApp Flow. */
      nfm_reply: z.object({ body: z.string().optional(), name: z.string().optional() }).optional(),
    })
    .optional(),
  /** A quick-reply button on a template message. */
  button: z.object({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  order: z
    .object({
      catalog_id: z.string().optional(),
      text: z.string().optional(),
      product_items: z
        .array(
          z.object({
            product_retailer_id: z.string(),
            quantity: z.union([z.number(), z.string()]).optional(),
            item_price: z.union([z.number(), z.string()]).optional(),
            currency: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  unsupported: z.object({ type: z.string().optional() }).optional(),
  errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional() })).optional(),
});
type WhatsAppContent = z.infer<typeof zContent>;

const zMessage = zContent.extend({
  /**
   * The customer's number. Customers known only by a business-scoped user id
   * (usernames) come with `from_user_id` instead.
   */
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  id: z.string(),
  timestamp: zTimeValue,
  reaction: z.object({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  edit: z.object({ original_message_id: z.string(), message: zContent.optional() }).optional(),
});
type WhatsAppMessage = z.infer<typeof zMessage>;

/** The owner writing from the WhatsApp Business app (coexistence): `smb_message_echoes`. */
const zEcho = zContent.extend({
  to: z.string().optional(),
  to_user_id: z.string().optional(),
  id: z.string(),
  timestamp: zTimeValue,
});

const zStatus = z.object({
  id: z.string(),
  status: z.string(),
  timestamp: zTimeValue,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  /** What the send set (ours: our marker naming the outbound message). */
  biz_opaque_callback_data: z.string().optional(),
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
  metadata: z.object({ phone_number_id: z.union([z.string(), z.number()]).transform(String) }),
  contacts: z
    .array(
      z.object({
        wa_id: z.string().optional(),
        user_id: z.string().optional(),
        profile: z.object({ name: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  messages: z.array(z.unknown()).optional(),
  message_echoes: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});
type WhatsAppValue = z.infer<typeof zValue>;

const zObject = z.object({ object: z.string() });
const zEnvelope = z.object({ entry: z.array(z.unknown()) });
const zEntry = z.object({ changes: z.array(z.object({ field: z.string(), value: z.unknown() })) });

/** The change fields that carry conversations; the rest (templates, account, calls) are acknowledged. */
const CONVERSATION_FIELDS = new Set(["messages", "smb_message_echoes"]);

// ---------------------------------------------------------------------------
// Normalization

/**
 * The account is the business phone number (`phone_number_id`), the chat the
 * customer's wa_id (or business-scoped user id). One unreadable item is
 * skipped with its reason; the rest of the POST still counts.
 */
export function normalizeWhatsAppWebhook(body: unknown): Normalized {
  // The product first: a body meant for another webhook deserves that reason, not a missing field.
  const { object } = parseOrThrow(zObject, body, "WhatsApp webhook");
  if (object !== EXPECTED_OBJECT) {
    throw new WebhookParseError(`not a WhatsApp webhook: object is "${object}", expected "${EXPECTED_OBJECT}"`);
  }
  const envelope = parseOrThrow(zEnvelope, body, "WhatsApp webhook");
  const events: InboundEvent[] = [];
  const skipped: string[] = [];
  let ignored = 0;
  const collect = (produced: InboundEvent[]) => {
    if (produced.length === 0) ignored += 1;
    events.push(...produced);
  };
  for (const [i, rawEntry] of envelope.entry.entries()) {
    const [entry] = tolerant(skipped, () => [parseOrThrow(zEntry, rawEntry, "WhatsApp entry", ["entry", i])]);
    if (!entry) continue;
    for (const [j, change] of entry.changes.entries()) {
      if (!CONVERSATION_FIELDS.has(change.field)) {
        ignored += 1;
        continue;
      }
      const at = ["entry", i, "changes", j, "value"];
      const [value] = tolerant(skipped, () => [parseOrThrow(zValue, change.value, "WhatsApp messages change", at)]);
      if (!value) continue;
      const accountId = value.metadata.phone_number_id;
      const names = new Map<string, string | undefined>();
      for (const c of value.contacts ?? []) {
        if (c.wa_id) names.set(c.wa_id, c.profile?.name);
        if (c.user_id) names.set(c.user_id, c.profile?.name);
      }

      for (const [k, raw] of (value.messages ?? []).entries()) {
        collect(
          tolerant(skipped, () => {
            const message = parseOrThrow(zMessage, raw, "WhatsApp message", [...at, "messages", k]);
            const customer = customerOf(message, value);
            if (!customer) {
              throw new WebhookParseError(`${formatAt([...at, "messages", k])}: no from, from_user_id or contact wa_id`);
            }
            const event = messageEvent(message, accountId, customer, names.get(customer));
            return event ? [event] : [];
          }),
        );
      }
      for (const [k, raw] of (value.message_echoes ?? []).entries()) {
        collect(
          tolerant(skipped, () => {
            const echo = parseOrThrow(zEcho, raw, "WhatsApp message echo", [...at, "message_echoes", k]);
            const chatId = echo.to ?? echo.to_user_id;
            const content = contentOf(echo);
            // Edits and deletions from the app carry no reply to record.
            if (!chatId || !content) return [];
            const text = content.text || describeAttachments(content.attachments);
            const sentAt = toMillis(echo.timestamp);
            return [{ kind: "echo", channel: "whatsapp", accountId, chatId, externalId: echo.id, text, sentAt }];
          }),
        );
      }
      for (const [k, raw] of (value.statuses ?? []).entries()) {
        collect(
          tolerant(skipped, () => {
            const status = parseOrThrow(zStatus, raw, "WhatsApp status", [...at, "statuses", k]);
            const event = statusEvent(status, accountId);
            return event ? [event] : [];
          }),
        );
      }
    }
  }
  return { events, ignored, skipped };
}

function formatAt(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** The customer: their number, else their business-scoped user id, else the change's only contact. */
function customerOf(m: WhatsAppMessage, value: WhatsAppValue): string | undefined {
  if (m.from) return m.from;
  if (m.from_user_id) return m.from_user_id;
  const contacts = value.contacts ?? [];
  return contacts.length === 1 ? (contacts[0]!.wa_id ?? contacts[0]!.user_id) : undefined;
}

function messageEvent(m: WhatsAppMessage, accountId: string, customer: string, name: string | undefined): InboundEvent | null {
  const sentAt = toMillis(m.timestamp);
  const sender = { externalId: customer, displayName: name };
  const where = { channel: "whatsapp" as const, accountId, chatId: customer };

  if (m.type === "reaction" && m.reaction) {
    // An empty emoji means the customer took the reaction back.
    return { kind: "reaction", ...where, externalId: m.reaction.message_id, emoji: m.reaction.emoji ?? "", sender, at: sentAt };
  }
  if (m.type === "edit" && m.edit) {
    const content = m.edit.message ? contentOf(m.edit.message) : null;
    if (!content) return null;
    return { kind: "edit", ...where, externalId: m.edit.original_message_id, ...content, editedAt: sentAt };
  }
  const content = contentOf(m);
  if (!content) return null; // system notices, deletions ("revoke"), empty interactive…
  return { kind: "message", ...where, externalId: m.id, sender, ...content, sentAt };
}

function contentOf(m: WhatsAppContent): { text: string; attachments: Attachment[] } | null {
  const media = (kind: Attachment["kind"], file: WhatsAppMedia | undefined, caption?: string) =>
    file
      ? { text: file.caption ?? "", attachments: [{ kind, caption, ref: file.id ?? file.url, mimeType: file.mime_type }] }
      : null;

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
      if (reply) return { text: buttonText(reply.title, reply.id), attachments: [] };
      const flow = m.interactive?.nfm_reply;
      return flow ? { text: flow.body ?? flow.name ?? "", attachments: [{ kind: "other", caption: "form reply" }] } : null;
    }
    case "button":
      return m.button ? { text: buttonText(m.button.text, m.button.payload), attachments: [] } : null;
    case "order": {
      // Stored with its items so a person (and the agent) can see what was ordered.
      const items = (m.order?.product_items ?? []).map(
        (item) =>
          `${item.quantity ?? 1} × ${item.product_retailer_id}${item.item_price !== undefined ? ` @ ${item.item_price}${item.currency ? ` ${item.currency}` : ""}` : ""}`,
      );
      return {
        text: m.order?.text ?? "",
        attachments: [{ kind: "other", caption: `order${items.length ? `: ${items.join(", ")}` : ""}`, ref: m.order?.catalog_id }],
      };
    }
    case "unsupported": {
      // Kept as such: a person can open the chat on the phone to see what it was.
      const what = m.unsupported?.type ?? m.errors?.[0]?.title;
      return { text: "", attachments: [{ kind: "other", caption: `unsupported message${what ? ` (${what})` : ""}` }] };
    }
    default:
      return null;
  }
}

/**
 * Receipts for our sends. "sent" only means Meta accepted it, which the send
 * call already told us; "played" (voice notes) says nothing new either.
 */
function statusEvent(s: z.infer<typeof zStatus>, accountId: string): InboundEvent | null {
  const ownSendKey = ownSendKeyOf(s.biz_opaque_callback_data);
  // "sent" matters only for our own marked sends: it confirms one whose answer was lost.
  const known = s.status === "delivered" || s.status === "read" || s.status === "failed" || (s.status === "sent" && ownSendKey !== undefined);
  if (!known) return null;
  const firstError = s.errors?.[0];
  const error = firstError
    ? [firstError.code, firstError.title ?? firstError.message, firstError.error_data?.details].filter(Boolean).join(": ")
    : undefined;
  return {
    kind: "status",
    channel: "whatsapp",
    accountId,
    // Receipts are matched by message id; the chat is informational.
    chatId: s.recipient_id ?? s.recipient_user_id ?? "",
    externalId: s.id,
    status: s.status as "sent" | "delivered" | "read" | "failed",
    at: toMillis(s.timestamp),
    error: s.status === "failed" ? (error ?? "failed without details") : undefined,
    ...(ownSendKey !== undefined ? { ownSendKey } : {}),
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

/** The Cloud API's limit on `biz_opaque_callback_data` (512 characters); our marker is far shorter. */
const WHATSAPP_CALLBACK_DATA_MAX_CHARS = 512;

function messagesUrl(config: WhatsAppConfig): string {
  return `${config.baseUrl.replace(/\/+$/, "")}/${config.version}/${config.phoneNumberId}/messages`;
}

/**
 * `callbackData`: our marker (sendMetadata), sent as `biz_opaque_callback_data`;
 * WhatsApp returns it in this message's `statuses` webhooks, so a send whose
 * answer was lost is confirmed by its status (convex/ingest.ts applyReceipt).
 */
export async function sendWhatsAppText(config: WhatsAppConfig, to: string, text: string, callbackData?: string): Promise<PartResult> {
  const body = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "text",
    text: { body: text },
    ...(callbackData ? { biz_opaque_callback_data: callbackData.slice(0, WHATSAPP_CALLBACK_DATA_MAX_CHARS) } : {}),
  };
  const result = await callPlatform(messagesUrl(config), { body, bearerToken: config.token, platform: "WhatsApp" }, config);
  if (!result.ok) return result;
  const id = (result.body as { messages?: { id?: unknown }[] })?.messages?.[0]?.id;
  if (typeof id !== "string") return unexpectedResponse("WhatsApp", result.body);
  return { ok: true, externalId: id };
}

// ---------------------------------------------------------------------------
// Interactive messages: native buttons under a question (a survey's ratings).
// Limits from the Cloud API's interactive reply-buttons and list messages
// (sources in tests/fixtures/whatsapp/SOURCES.md).

/** An interactive message's body is at most 1024 characters; the text before it goes as plain text. */
export const WHATSAPP_INTERACTIVE_BODY_LIMIT: TextLimit = { max: 1024, unit: "chars" };
/** Reply buttons: at most 3, titles ≤ 20 characters, ids ≤ 256. */
const MAX_REPLY_BUTTONS = 3;
const BUTTON_TITLE_MAX = 20;
const BUTTON_ID_MAX = 256;
/** A list: at most 10 rows over all its sections, row titles ≤ 24 characters, ids ≤ 200; the button that opens it ≤ 20. */
export const WHATSAPP_MAX_LIST_ROWS = 10;
const ROW_TITLE_MAX = 24;
const ROW_ID_MAX = 200;
/** Footer ≤ 60 characters. */
const FOOTER_MAX = 60;

export type WhatsAppChoice = { label: string; payload: string };

/** Russian wording for the list's button and footer when the question is mostly Cyrillic (the survey asks in the customer's language). */
function russian(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  return letters.length > 0 && letters.filter((c) => /[\u0400-\u04FF]/u.test(c)).length * 2 >= letters.length;
}

/**
 * The `interactive` object for a question with choices: up to 3 reply
 * buttons, else a list (one section). A list holds 10 rows: choices are
 * ordered low to high (a rating scale), so a longer one keeps its top 10
 * and the footer says the rest can be typed (NPS 0–10 loses the 0 button;
 * 0 and 1 are both detractors, and a typed "0" is read all the same).
 * A tap comes back as `interactive.button_reply` / `list_reply` with the
 * choice's payload as its id.
 */
export function whatsappInteractive(body: string, choices: WhatsAppChoice[]) {
  if (choices.length <= MAX_REPLY_BUTTONS) {
    return {
      type: "button",
      body: { text: body },
      action: {
        buttons: choices.map((c) => ({ type: "reply", reply: { id: c.payload.slice(0, BUTTON_ID_MAX), title: c.label.slice(0, BUTTON_TITLE_MAX) } })),
      },
    };
  }
  const ru = russian(body);
  const rows = choices.slice(-WHATSAPP_MAX_LIST_ROWS);
  const typed = choices.slice(0, choices.length - rows.length).map((c) => c.label);
  return {
    type: "list",
    body: { text: body },
    ...(typed.length ? { footer: { text: `${ru ? "Или напишите" : "Or type"}: ${typed.join(", ")}`.slice(0, FOOTER_MAX) } } : {}),
    action: {
      button: ru ? "Выбрать" : "Choose",
      sections: [{ rows: rows.map((c) => ({ id: c.payload.slice(0, ROW_ID_MAX), title: c.label.slice(0, ROW_TITLE_MAX) })) }],
    },
  };
}

/** A question with native choices (`whatsappInteractive`); the body must fit `WHATSAPP_INTERACTIVE_BODY_LIMIT`. */
export async function sendWhatsAppInteractive(
  config: WhatsAppConfig,
  to: string,
  body: string,
  choices: WhatsAppChoice[],
  callbackData?: string,
): Promise<PartResult> {
  const request = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "interactive",
    interactive: whatsappInteractive(body, choices),
    ...(callbackData ? { biz_opaque_callback_data: callbackData.slice(0, WHATSAPP_CALLBACK_DATA_MAX_CHARS) } : {}),
  };
  const result = await callPlatform(messagesUrl(config), { body: request, bearerToken: config.token, platform: "WhatsApp" }, config);
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
