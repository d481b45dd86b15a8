/**
 * Owner of the `messages` table: every customer message in and every reply
 * out. Inbound statuses move with the batch that answers them
 * (buffered → batched → answered / failed / ignored, or back to buffered
 * when a draft is superseded); outbound ones with their delivery
 * (sending → sent / send_failed / blocked, then platform receipts).
 */
import { recordReceipt, recordReplySettled } from "./analytics";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Channel } from "../validators";

/** A batch never holds more than `maxBatchMessages` (≤ 100) plus its reply. */
const BATCH_MESSAGES_CAP = 101;
/** Messages still waiting when a human takes over; a burst is far smaller. */
const MAX_BUFFERED = 200;

type Where = { channel: Channel; accountId: string };

/** The message a platform id names (dedupe key with channel + account). */
export async function findByExternalId(ctx: QueryCtx, where: Where & { externalId?: string }) {
  if (where.externalId === undefined) return null;
  return await ctx.db
    .query("messages")
    .withIndex("by_channel_and_account_and_external_id", (q) =>
      q.eq("channel", where.channel).eq("accountId", where.accountId).eq("externalId", where.externalId),
    )
    .first();
}

/**
 * The conversation's newest messages, newest first, by the message's own
 * time: restored history gets a new _creationTime but keeps `receivedAt`,
 * so it never counts as newer than what the customer wrote since.
 */
export async function recentMessages(ctx: QueryCtx, conversationId: Id<"conversations">, limit: number) {
  return await ctx.db
    .query("messages")
    .withIndex("by_conversation_and_received_at", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .take(limit);
}

type NewMessage = Omit<Doc<"messages">, "_id" | "_creationTime">;

/** A customer message (ingest), or a human's reply echoed from the platform's app. */
export async function insertMessage(ctx: MutationCtx, message: NewMessage) {
  return await ctx.db.insert("messages", message);
}

/**
 * Records a message to send as `sending`, the state the sender picks up.
 * One place for every outbound message: batch replies, follow-ups and
 * operators' replies. What it belongs to (`batchId`, `scheduledActionId`,
 * or neither: an operator's send) decides what its delivery completes
 * (./delivery.ts).
 */
export async function recordOutbound(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  message: {
    text: string;
    author: "agent" | "human";
    /** author "human": who wrote it. */
    operatorId?: Id<"users">;
    batchId?: Id<"batches">;
    scheduledActionId?: Id<"scheduledActions">;
    /** A satisfaction survey's question (model/surveys.ts). */
    survey?: "csat" | "nps";
  },
) {
  const now = Date.now();
  return await ctx.db.insert("messages", {
    conversationId: conversation._id,
    channel: conversation.channel,
    accountId: conversation.accountId,
    direction: "out",
    attachments: [],
    status: "sending",
    sentAt: now,
    receivedAt: now,
    attempts: 0,
    ...message,
  });
}

export async function editMessage(ctx: MutationCtx, message: Doc<"messages">, edit: Pick<Doc<"messages">, "text" | "attachments" | "editedAt">) {
  await ctx.db.patch("messages", message._id, edit);
}

export async function addReaction(ctx: MutationCtx, message: Doc<"messages">, reaction: { emoji: string; at: number }) {
  await ctx.db.patch("messages", message._id, { reactions: [...(message.reactions ?? []), reaction] });
}

// ---------------------------------------------------------------------------
// Inbound messages and their batch

/** The conversation's buffered messages, oldest first. */
export async function bufferedMessages(ctx: QueryCtx, conversationId: Id<"conversations">, limit: number) {
  return await ctx.db
    .query("messages")
    .withIndex("by_conversation_and_status", (q) => q.eq("conversationId", conversationId).eq("status", "buffered"))
    .take(limit);
}

export async function markBatched(ctx: MutationCtx, messages: Doc<"messages">[], batchId: Id<"batches">) {
  for (const message of messages) await ctx.db.patch("messages", message._id, { status: "batched", batchId });
}

/** The customer messages a batch answers. */
export async function batchInbound(ctx: QueryCtx, batchId: Id<"batches">) {
  const messages = await ctx.db
    .query("messages")
    .withIndex("by_batch", (q) => q.eq("batchId", batchId))
    .take(BATCH_MESSAGES_CAP);
  return messages.filter((m) => m.direction === "in");
}

/**
 * A batch ended: its customer messages are answered, failed (kept for a
 * human, never re-answered silently), ignored (a human took over) or
 * returned to the buffer (superseded: the next batch answers them).
 * Called only by settleBatch (./batches.ts).
 */
export async function settleBatchMessages(
  ctx: MutationCtx,
  batchId: Id<"batches">,
  status: "answered" | "failed" | "ignored" | "buffered",
) {
  const inbound = await batchInbound(ctx, batchId);
  for (const message of inbound) {
    await ctx.db.patch("messages", message._id, status === "buffered" ? { status, batchId: undefined } : { status });
  }
  return inbound;
}

/** A human took over: the buffered burst is theirs (kept, marked ignored, never answered by the bot). */
export async function ignoreBuffered(ctx: MutationCtx, conversationId: Id<"conversations">) {
  const buffered = await bufferedMessages(ctx, conversationId, MAX_BUFFERED);
  for (const message of buffered) await ctx.db.patch("messages", message._id, { status: "ignored" });
}

// ---------------------------------------------------------------------------
// Outbound delivery

/** A send failed in a way worth retrying: count the attempt, keep it `sending`. */
export async function noteSendAttempt(ctx: MutationCtx, message: Doc<"messages">, attempts: number, error: string) {
  await ctx.db.patch("messages", message._id, { attempts, error });
}

/** The send's answer was lost; the platform's echo of it will confirm delivery (./delivery.ts). */
export async function noteAwaitingEcho(ctx: MutationCtx, message: Doc<"messages">, attempts: number, error: string) {
  await ctx.db.patch("messages", message._id, { attempts, error, awaitingEcho: true });
}

export type ReplyEnd =
  | { status: "sent"; externalId?: string; attempts: number; at: number }
  | { status: "send_failed" | "blocked"; error: string; attempts?: number };

/**
 * HOOK: an outbound message leaves `sending` for good (sent, failed,
 * blocked by the reply window, or given up as unknown). The one place a
 * reply's final delivery status is written; later platform receipts
 * (delivered/read) only move a sent message forward (advanceReceipt).
 */
export async function settleReply(ctx: MutationCtx, message: Doc<"messages">, end: ReplyEnd) {
  await recordReplySettled(ctx, message, end);
  if (end.status === "sent") {
    await ctx.db.patch("messages", message._id, {
      status: "sent",
      externalId: end.externalId,
      attempts: end.attempts,
      sentAt: end.at,
      ...(message.awaitingEcho ? { awaitingEcho: undefined, error: undefined } : {}),
    });
    return;
  }
  await ctx.db.patch("messages", message._id, {
    status: end.status,
    error: end.error,
    ...(message.awaitingEcho ? { awaitingEcho: undefined } : {}),
    ...(end.attempts !== undefined ? { attempts: end.attempts } : {}),
  });
}

const RECEIPT_RANK = { sending: 0, sent: 1, delivered: 2, read: 3 } as Record<string, number | undefined>;

/** Delivery and read receipts move an outbound message forward, never back. Returns whether it changed. */
export async function advanceReceipt(
  ctx: MutationCtx,
  message: Doc<"messages">,
  receipt: { status: "delivered" | "read" | "sent" | "failed"; error?: string },
) {
  await recordReceipt(ctx, message, receipt.status);
  if (receipt.status === "failed") {
    if (message.status === "send_failed") return false;
    await ctx.db.patch("messages", message._id, { status: "send_failed", error: receipt.error ?? "The platform reported a failure" });
    return true;
  }
  const current = RECEIPT_RANK[message.status];
  if (current === undefined || current >= RECEIPT_RANK[receipt.status]!) return false;
  await ctx.db.patch("messages", message._id, { status: receipt.status });
  return true;
}

// ---- Lifecycle: archive removal and restore, labels (convex/lifecycle) ----

/** Archiving: the message is in a verified archive blob; its platform id stays as a dedupe key (model/archives). */
export async function removeMessage(ctx: MutationCtx, messageId: Id<"messages">) {
  await ctx.db.delete("messages", messageId);
}

/** Unarchive: the archived fields, references already remapped; the schema validates them on insert. */
export async function restoreMessage(ctx: MutationCtx, fields: Omit<Doc<"messages">, "_id" | "_creationTime">) {
  return await ctx.db.insert("messages", fields);
}

export async function setMessageLabels(ctx: MutationCtx, messageId: Id<"messages">, labels: NonNullable<Doc<"messages">["labels"]>) {
  await ctx.db.patch("messages", messageId, { labels });
}
