/**
 * Limits every inbound event is held to before it is stored, whoever sent
 * it (webhook routes, web chat): sane times and bounded sizes. A platform
 * or a forger can send a 400-digit timestamp or a 2 MB text; neither may
 * crash the dashboard or push a document past Convex's 1 MiB cap.
 */
import type { Attachment, InboundEvent } from "../../convex/validators";
import { DAY, HOUR } from "../time";

/**
 * The longest text any channel lets a customer send (Telegram and WhatsApp:
 * 4096 characters); longer is not from the platform and is cut.
 */
export const MAX_INBOUND_TEXT_CHARS = 4096;
/** Captions, names, ids, URLs: generous for signed CDN URLs, small next to 1 MiB. */
export const MAX_INBOUND_FIELD_CHARS = 2048;
/** More parts than any platform delivers in one message. */
export const MAX_INBOUND_ATTACHMENTS = 20;

/** Before any of the platforms existed: such a time is garbage, not history. */
const EARLIEST_SANE_TIME = Date.UTC(2009, 0, 1);
/** Clocks drift, but not by more than this. */
const MAX_CLOCK_AHEAD_MS = 1 * HOUR;
/** Platforms redeliver for days at most (Meta: up to 7 days; some queues longer). */
const MAX_DELIVERY_DELAY_MS = 60 * DAY;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function truncationMarker(omitted: number): string {
  return ` … [truncated: ${omitted} more characters]`;
}

/**
 * Cuts `text` to at most `max` characters, including the marker; never
 * splits a surrogate pair, and replaces lone surrogates (which no platform
 * sends on purpose and Convex may refuse) with U+FFFD.
 */
export function truncateText(raw: string, max: number): string {
  const text = raw.replace(LONE_SURROGATE, "\uFFFD");
  if (text.length <= max) return text;
  let cut = max - truncationMarker(text.length).length;
  if (cut > 0 && /[\uD800-\uDBFF]/.test(text[cut - 1]!)) cut -= 1;
  cut = Math.max(cut, 0);
  return text.slice(0, cut) + truncationMarker(text.length - cut);
}

/** Whether `time` (ms) could be when a message was really sent, given when it arrived. */
export function isSaneTime(time: number, receivedAt: number): boolean {
  return (
    Number.isFinite(time) &&
    time >= Math.max(EARLIEST_SANE_TIME, receivedAt - MAX_DELIVERY_DELAY_MS) &&
    time <= receivedAt + MAX_CLOCK_AHEAD_MS
  );
}

function field(value: string, max?: number): string;
function field(value: string | undefined, max?: number): string | undefined;
function field(value: string | undefined, max = MAX_INBOUND_FIELD_CHARS) {
  return value === undefined ? undefined : truncateText(value, max);
}

function attachments(list: Attachment[]): Attachment[] {
  return list.slice(0, MAX_INBOUND_ATTACHMENTS).map((a) => ({
    ...a,
    caption: field(a.caption),
    ref: field(a.ref),
    mimeType: field(a.mimeType, 256),
  }));
}

/**
 * The event as it may be stored. Times outside a sane range become
 * `receivedAt`; a message's or echo's is then flagged `sentAtEstimated`.
 * Idempotent, so the route and the mutation can both apply it.
 */
export function sanitizeInbound(event: InboundEvent, receivedAt: number): InboundEvent {
  const time = (t: number) => (isSaneTime(t, receivedAt) ? t : receivedAt);
  const where = { channel: event.channel, accountId: field(event.accountId), chatId: field(event.chatId) };
  switch (event.kind) {
    case "message": {
      const sane = isSaneTime(event.sentAt, receivedAt);
      return {
        ...event,
        ...where,
        externalId: field(event.externalId),
        sender: {
          externalId: field(event.sender.externalId),
          displayName: field(event.sender.displayName, 256),
          username: field(event.sender.username, 256),
          languageCode: field(event.sender.languageCode, 35),
        },
        text: truncateText(event.text, MAX_INBOUND_TEXT_CHARS),
        attachments: attachments(event.attachments),
        sentAt: sane ? event.sentAt : receivedAt,
        ...(sane ? {} : { sentAtEstimated: true }),
        threadId: field(event.threadId),
        callbackQueryId: field(event.callbackQueryId),
        businessConnectionId: field(event.businessConnectionId),
      };
    }
    case "echo": {
      const sane = isSaneTime(event.sentAt, receivedAt);
      return {
        ...event,
        ...where,
        externalId: field(event.externalId),
        text: truncateText(event.text, MAX_INBOUND_TEXT_CHARS),
        sentAt: sane ? event.sentAt : receivedAt,
        ...(sane ? {} : { sentAtEstimated: true }),
      };
    }
    case "edit":
      return {
        ...event,
        ...where,
        externalId: field(event.externalId),
        text: truncateText(event.text, MAX_INBOUND_TEXT_CHARS),
        attachments: attachments(event.attachments),
        editedAt: time(event.editedAt),
      };
    case "reaction":
      return {
        ...event,
        ...where,
        externalId: field(event.externalId),
        emoji: field(event.emoji, 64),
        sender: { ...event.sender, externalId: field(event.sender.externalId), displayName: field(event.sender.displayName, 256) },
        at: time(event.at),
      };
    case "status":
      return {
        ...event,
        ...where,
        externalId: field(event.externalId),
        at: time(event.at),
        watermark: event.watermark === undefined ? undefined : Number.isFinite(event.watermark) ? event.watermark : undefined,
        error: field(event.error),
      };
  }
}
