// How the inbox describes a conversation to an operator: its status in
// words and how long the customer has waited. Pure: time comes in as `now`.
import { utcFromWallClock, wallClockAt } from "./followups/tz";
import { DAY, HOUR, MINUTE } from "./time";

export type InboxStatus = "needs_human" | "human" | "bot_answering" | "bot_waiting" | "waiting" | "answered";

export const INBOX_STATUS_LABELS: Record<InboxStatus, string> = {
  needs_human: "Needs a human",
  human: "Human handling",
  bot_answering: "Bot answering",
  bot_waiting: "Bot waiting for the burst to end",
  waiting: "Waiting for a reply",
  answered: "Answered",
};

/**
 * The one word an operator needs first. A flag for a human beats everything;
 * then who is in charge (a human under takeover, else the bot's batching
 * state); a customer line nobody answered reads "waiting".
 */
export function inboxStatus(c: {
  needsHuman: boolean;
  takeover: boolean;
  state: "idle" | "buffering" | "processing";
  waitingSince: number | undefined;
}): InboxStatus {
  if (c.needsHuman) return "needs_human";
  if (c.takeover) return "human";
  if (c.state === "processing") return "bot_answering";
  if (c.state === "buffering") return "bot_waiting";
  return c.waitingSince !== undefined ? "waiting" : "answered";
}

/** Inbox order: needs a human, then longest waiting, then newest activity. */
export function compareInboxRows(
  a: { status: InboxStatus; waitingSince?: number; needsHumanSince?: number; lastMessageAt: number },
  b: { status: InboxStatus; waitingSince?: number; needsHumanSince?: number; lastMessageAt: number },
): number {
  const rank = (r: typeof a) => (r.status === "needs_human" ? 0 : r.waitingSince !== undefined ? 1 : 2);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  const since = (r: typeof a) => r.needsHumanSince ?? r.waitingSince;
  const sa = since(a);
  const sb = since(b);
  if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
  return b.lastMessageAt - a.lastMessageAt;
}

/** "< 1 m", "4 m", "3 h", "2 d": how long, for a waiting time. No seconds. */
export function shortDuration(ms: number): string {
  if (ms < MINUTE) return "< 1 m";
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} m`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY)} d`;
}

/** Tags stay short and few: they are labels for filtering, not notes. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

/** Trimmed, de-duplicated tags, or what is wrong with them in words. */
export function normalizeTags(tags: string[]): string[] | string {
  const result: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === "") continue;
    if (tag.length > MAX_TAG_LENGTH) return `A tag has at most ${MAX_TAG_LENGTH} characters ("${tag.slice(0, 12)}…" is longer)`;
    if (!result.includes(tag)) result.push(tag);
  }
  if (result.length > MAX_TAGS) return `At most ${MAX_TAGS} tags per conversation`;
  return result;
}

export type ReplyProblem = "blocked_by_customer" | "window_closed" | "failed";

/**
 * Why the newest reply did not reach the customer, if it did not. Telegram
 * answers 403 "bot was blocked by the user"; Meta and WhatsApp refuse
 * outside their reply window (stored as status `blocked`).
 */
export function replyProblem(reply: { status: string; error?: string } | undefined): ReplyProblem | undefined {
  if (!reply) return undefined;
  if (/blocked by the user|user is deactivated/i.test(reply.error ?? "")) return "blocked_by_customer";
  if (reply.status === "blocked") return "window_closed";
  if (reply.status === "send_failed") return "failed";
  return undefined;
}

/** The customer's newest line as the inbox list shows it, kept on the conversation so the list reads no messages. */
export const CUSTOMER_LINE_CHARS = 140;

/**
 * Conversation fields the inbox list reads, as a customer message arrives:
 * their line, and since when they wait (kept from the first unanswered
 * message). Chatter the bot is not asked to answer (a group message not
 * addressed to it) does not make anyone wait.
 */
export function inboxFieldsOnCustomerMessage(
  conversation: { awaitingReplySince?: number },
  message: { text: string; attachmentCount: number },
  forUs: boolean,
  now: number,
): { lastCustomerText: string; awaitingReplySince?: number } {
  const text = message.text || (message.attachmentCount > 0 ? "[attachment]" : "");
  return {
    lastCustomerText: text.slice(0, CUSTOMER_LINE_CHARS),
    ...(forUs ? { awaitingReplySince: conversation.awaitingReplySince ?? now } : {}),
  };
}

/** Outbound statuses that mean the reply reached the customer (what `inboxFieldsOnReply` is written on). */
export const DELIVERED_REPLY_STATUSES: readonly string[] = ["sent", "delivered", "read"];

/**
 * The list fields for a conversation stored before they were kept, from its
 * history: the newest customer message, the newest reply that reached the
 * customer, and the first customer message after that reply. Without any
 * customer message the line is "" (the list then shows the preview), so the
 * backfill does not pick the conversation up again.
 */
export function inboxFieldsFromHistory(history: {
  newestCustomer: { text: string; attachmentCount: number } | null;
  newestReply: { author: "agent" | "human" | "customer" } | null;
  firstUnanswered: { receivedAt: number } | null;
}): { lastCustomerText: string; awaitingReplySince?: number; lastReplyAuthor?: "agent" | "human" } {
  const { newestCustomer, newestReply, firstUnanswered } = history;
  const line = newestCustomer ? inboxFieldsOnCustomerMessage({}, newestCustomer, false, 0).lastCustomerText : "";
  return {
    lastCustomerText: line,
    ...(firstUnanswered && newestCustomer ? { awaitingReplySince: firstUnanswered.receivedAt } : {}),
    ...(newestReply && newestReply.author !== "customer" ? { lastReplyAuthor: newestReply.author } : {}),
  };
}

/** As a reply reaches the customer (the bot's, a follow-up, a person's): nobody waits, and who answered. */
export function inboxFieldsOnReply(author: "agent" | "human"): {
  awaitingReplySince: undefined;
  lastReplyAuthor: "agent" | "human";
} {
  return { awaitingReplySince: undefined, lastReplyAuthor: author };
}

/**
 * The instant showing the same wall-clock time in `toZone` as `at` shows in
 * `fromZone`: "10:00" the customer asked for, read in the business's zone,
 * moved to 10:00 in theirs once it is known.
 */
export function sameWallClockIn(at: number, fromZone: string, toZone: string): number {
  return utcFromWallClock(wallClockAt(at, fromZone), toZone);
}

/** How far ahead an operator may move a follow-up; further is a new conversation, not a follow-up. */
export const MAX_RESCHEDULE_AHEAD_MS = 365 * DAY;

/** Why a new time for a follow-up cannot be used, in words; undefined when it can. */
export function rescheduleProblem(at: number, now: number): string | undefined {
  if (!Number.isFinite(at)) return "Pick a date and time";
  if (at <= now) return "Pick a time in the future";
  if (at > now + MAX_RESCHEDULE_AHEAD_MS) return "Pick a time within a year";
  return undefined;
}

/** The lifecycle's status in the inbox's words (shown beside the handling status above). */
export type LifecycleStatus = "open" | "resolved";
export const LIFECYCLE_STATUS_LABELS: Record<LifecycleStatus, string> = { open: "Open", resolved: "Resolved" };

/**
 * What one operator has not read of a conversation, from the conversation's
 * running count of customer messages and the operator's read marker: no
 * message is read. `count` is absent when it cannot be known exactly (a
 * conversation or marker from before the count was kept): then only
 * whether something is new, from the times.
 */
export function unreadOf(
  conversation: { inboundCount?: number; lastInboundAt: number },
  marker: { lastReadAt: number; inboundSeen?: number } | null,
): { unread: boolean; count?: number } {
  if (conversation.inboundCount !== undefined && (marker === null || marker.inboundSeen !== undefined)) {
    const count = Math.max(0, conversation.inboundCount - (marker?.inboundSeen ?? 0));
    return { unread: count > 0, count };
  }
  return { unread: marker === null || conversation.lastInboundAt > marker.lastReadAt };
}

/**
 * Customer messages an operator has seen when marking read up to a time:
 * all stored ones minus those received after it (`newerInbound`, counted by
 * the caller). Absent when the conversation keeps no count.
 */
export function inboundSeenUpTo(inboundCount: number | undefined, newerInbound: number): number | undefined {
  return inboundCount === undefined ? undefined : Math.max(0, inboundCount - newerInbound);
}

/** "3", "99+": an unread count as a badge shows it. */
export function unreadLabel(count: number, cap = 99): string {
  return count > cap ? `${cap}+` : String(count);
}
