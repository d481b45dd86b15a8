// History sync with the platforms that have a history API: Messenger and
// Instagram through the Graph API Conversations endpoints
// (https://developers.facebook.com/docs/messenger-platform/conversations):
// `GET /{page-id}/conversations?platform=…&user_id=…` finds the chat with one
// person, and `fields=messages{id,created_time,from,message}` lists its
// messages, newest first. Meta returns details for only the most recent
// messages of a conversation, so a "full" sync is as deep as Meta allows.
// Pure: parsing, what to store, and the retry policy.
import { z } from "zod";
import { MINUTE } from "../time";

export type SyncChannel = "telegram" | "messenger" | "instagram" | "whatsapp" | "web";

/** Why a channel cannot be synced, in words an operator reads; null when it can. */
export function syncUnsupportedReason(channel: SyncChannel): string | null {
  switch (channel) {
    case "messenger":
    case "instagram":
      return null;
    case "telegram":
      return "Telegram has no API to read a chat's history: bots only receive new updates";
    case "whatsapp":
      return "WhatsApp Cloud API has no history endpoint: messages arrive only by webhook";
    case "web":
      return "Web chat messages are stored as they are sent: there is nothing to sync";
  }
}

const graphMessage = z.object({
  id: z.string().min(1),
  created_time: z.string().min(1),
  from: z.object({ id: z.string().min(1) }).passthrough(),
  message: z.string().optional(),
});
export type GraphMessage = z.infer<typeof graphMessage>;

export const graphConversations = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      messages: z
        .object({ data: z.array(graphMessage), paging: z.object({ next: z.string().optional() }).passthrough().optional() })
        .optional(),
    }),
  ),
});

export const graphMessagePage = z.object({
  data: z.array(graphMessage),
  paging: z.object({ next: z.string().optional() }).passthrough().optional(),
});

/** Graph times look like "2026-11-30T18:04:11+0000"; Date.parse wants a colon in the offset. */
export function parseGraphTime(text: string): number {
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(normalized);
  if (Number.isNaN(ms)) throw new Error(`Unreadable Graph API time "${text}"`);
  return ms;
}

export type SyncedMessage = { externalId: string; senderId: string; text: string; sentAt: number; late: boolean };

/**
 * The customer's messages worth storing: not ours (sent by the business
 * account), newer than `since` (incremental) and oldest first. `late`
 * marks ones older than the reply horizon: a human answers those, the bot
 * does not answer hours-old messages as if they were new.
 */
export function customerMessages(
  messages: GraphMessage[],
  options: { businessId: string; since: number; now: number; replyHorizonMs: number },
): SyncedMessage[] {
  return messages
    .filter((m) => m.from.id !== options.businessId)
    .map((m) => ({ externalId: m.id, senderId: m.from.id, text: m.message ?? "", sentAt: parseGraphTime(m.created_time) }))
    .filter((m) => m.sentAt > options.since)
    .sort((a, b) => a.sentAt - b.sentAt)
    .map((m) => ({ ...m, late: options.now - m.sentAt > options.replyHorizonMs }));
}

/** Attempts before a conversation's sync is marked failed and flagged for a human. */
export const SYNC_MAX_RETRIES = 3;
const SYNC_BACKOFF_MS = [1 * MINUTE, 5 * MINUTE, 25 * MINUTE];

/** When to try again after the `retryCount`-th failure, or null when retries are used up. */
export function syncRetryAt(retryCount: number, now: number): number | null {
  if (retryCount > SYNC_MAX_RETRIES) return null;
  return now + SYNC_BACKOFF_MS[Math.min(retryCount - 1, SYNC_BACKOFF_MS.length - 1)];
}
