/**
 * Owner of the `batches` table: one flush of one burst, the unit of
 * analytics and of "at most one reply". A batch is claimed (processing),
 * may record a draft (sending), and ends exactly once in settleBatch.
 *
 * "At most one reply per batch": every step checks the batch's outcome and
 * attempt number, so a retry, a watchdog re-run or a redelivered job that
 * arrives late finds the batch already moved on and does nothing.
 */
import { recordBatchSettled } from "./analytics";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { EscalationCause } from "../../lib/analytics/events";
import { renderMessage } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { MINUTE, SECOND } from "../../lib/time";
import type { FlushReason } from "../validators";
import { goIdle, releaseConversation, escalate, startProcessing } from "./conversations";
import { cancelBatchMeetings } from "./meetings";
import { bufferedMessages, markBatched, settleBatchMessages } from "./messages";
import { withdrawBatchActions } from "./scheduledActions";
import { claimSlot, freeSlot, occupySlot } from "./slots";

/** Headroom past the model's own timeout before the watchdog steps in. */
export const LEASE_SLACK_MS = 30 * SECOND;
/** How long a reply may take to go out (incl. platform retries) before the watchdog flags it. */
export const DELIVERY_LEASE_MS = 5 * MINUTE;

export function modelLease(now: number, settings: Settings, delayMs = 0) {
  return now + delayMs + settings.llmTimeoutMs + LEASE_SLACK_MS;
}

/**
 * Claims the oldest buffered messages (up to `maxBatchMessages`) as one
 * batch, atomically, and hands it to the model. Returns the batch id, or
 * null when nothing was buffered. `slot` is the model slot the tick
 * claimed; an operator's or a shutdown's flush takes a free one if there
 * is one and otherwise runs without (as before slots, they skip the bound).
 */
export async function claimBatch(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  reason: FlushReason,
  now: number,
  settings: Settings,
  slot?: { slot: number; docId?: Id<"modelSlots"> } | null,
): Promise<Id<"batches"> | null> {
  const state = conversation.state;
  if (state.kind !== "buffering") return null;
  const buffered = await bufferedMessages(ctx, conversation._id, settings.maxBatchMessages + 1);
  const claimed = buffered.slice(0, settings.maxBatchMessages);
  if (claimed.length === 0) {
    await goIdle(ctx, conversation);
    return null;
  }
  const held = slot === undefined ? await claimSlot(ctx, conversation, settings) : slot;
  const batchId = await ctx.db.insert("batches", {
    conversationId: conversation._id,
    channel: conversation.channel,
    flushReason: reason,
    outcome: "processing",
    messageCount: claimed.length,
    totalCharacters: claimed.reduce((sum, m) => sum + renderMessage(m).length, 0),
    bufferDurationMs: now - state.firstPendingAt,
    flushedAt: now,
    attempts: 0,
    leaseUntil: modelLease(now, settings),
    slot: held?.slot,
  });
  if (held) await occupySlot(ctx, held, batchId);
  await markBatched(ctx, claimed, batchId);
  const leftover = buffered[settings.maxBatchMessages];
  const { typingNow } = await startProcessing(ctx, conversation, { batchId, claimed: claimed.length, leftoverReceivedAt: leftover?.receivedAt }, now, settings);
  // A typing refresh due at the claim goes out with the model call: one job, not two.
  await ctx.scheduler.runAfter(0, internal.batching.batch.answer, typingNow ? { batchId, typing: true } : { batchId });
  return batchId;
}

/** Starts a model attempt: counts it and extends the lease. A retry's earlier tools are taken back. */
export async function beginAttempt(ctx: MutationCtx, batch: Doc<"batches">, now: number, settings: Settings) {
  const attempt = batch.attempts + 1;
  await ctx.db.patch("batches", batch._id, { attempts: attempt, leaseUntil: modelLease(now, settings) });
  // A failed attempt's tools may have scheduled follow-ups; this attempt decides afresh (bookings stand).
  if (attempt > 1) await withdrawBatchActions(ctx, batch._id, true);
  return attempt;
}

/**
 * Whether this attempt still owns the batch. A slow attempt the watchdog
 * gave up on, or a draft already superseded, must not act any more.
 */
export async function assertCurrentAttempt(ctx: QueryCtx, batchId: Id<"batches">, attempt: number) {
  const batch = await ctx.db.get("batches", batchId);
  if (!batch || batch.outcome !== "processing" || batch.attempts !== attempt) {
    throw new Error(`Batch ${batchId} attempt ${attempt} is no longer current`);
  }
  return batch;
}

/** Moves the batch's lease (a tool round, a retry, a watchdog re-run, a delivery retry). */
export async function extendLease(ctx: MutationCtx, batchId: Id<"batches">, leaseUntil: number, lastError?: string) {
  await ctx.db.patch("batches", batchId, { leaseUntil, ...(lastError !== undefined ? { lastError } : {}) });
}

export type DraftMetrics = Pick<Doc<"batches">, "model" | "responder" | "usage" | "toolCalls" | "processingDurationMs">;

/**
 * The draft is the batch's one reply, recorded and about to be sent. The
 * model is done with it, so its model slot goes to the next due burst now:
 * a send can be retried for minutes through a platform outage, and holding
 * the slot meanwhile would starve every other channel's answers. The batch
 * itself still ends only in settleBatch, when the delivery does.
 */
export async function markSending(
  ctx: MutationCtx,
  batch: Doc<"batches">,
  metrics: DraftMetrics,
  reply: { messageId: Id<"messages">; length: number },
  now: number,
) {
  await freeSlot(ctx, batch);
  await ctx.db.patch("batches", batch._id, {
    ...metrics,
    outcome: "sending",
    responseLength: reply.length,
    replyMessageId: reply.messageId,
    leaseUntil: now + DELIVERY_LEASE_MS,
    slot: undefined,
  });
}

export type BatchEnd =
  /** The reply reached the platform. */
  | { outcome: "replied" }
  /** No reply: the model or the send failed for good, or the process died. */
  | { outcome: "failed"; reason: string; cause: Extract<EscalationCause, "model_failed" | "send_failed" | "delivery_unknown"> }
  /** The customer wrote after the claim: the messages go back to be answered together. */
  | { outcome: "superseded"; metrics: DraftMetrics }
  /** A human took over while the model wrote. */
  | { outcome: "skipped"; metrics: DraftMetrics };

/**
 * HOOK: the one place a batch's outcome becomes terminal (replied, failed,
 * superseded, skipped). It settles everything the batch touched: its
 * customer messages, what its tools scheduled or booked (taken back unless
 * the reply went out), its model slot if it still holds one (a batch that
 * reached "sending" gave it back in markSending), the conversation's escalation flag
 * on failure, and the conversation's batching state (idle, or the next
 * burst armed).
 */
export async function settleBatch(ctx: MutationCtx, batch: Doc<"batches">, end: BatchEnd, now: number, settings: Settings) {
  await recordBatchSettled(ctx, batch, end, now, settings);
  let returned: { count: number; firstPendingAt: number } | undefined;
  switch (end.outcome) {
    case "replied":
      await ctx.db.patch("batches", batch._id, { outcome: "replied", completedAt: now });
      await settleBatchMessages(ctx, batch._id, "answered");
      break;
    case "failed":
      await ctx.db.patch("batches", batch._id, { outcome: "failed", lastError: end.reason, completedAt: now });
      await withdraw(ctx, batch._id);
      await settleBatchMessages(ctx, batch._id, "failed");
      await escalate(ctx, batch.conversationId, end.reason, now, end.cause);
      break;
    case "superseded":
    case "skipped":
      await withdraw(ctx, batch._id);
      await ctx.db.patch("batches", batch._id, { ...end.metrics, outcome: end.outcome, completedAt: now });
      if (end.outcome === "skipped") {
        await settleBatchMessages(ctx, batch._id, "ignored");
      } else {
        const inbound = await settleBatchMessages(ctx, batch._id, "buffered");
        returned = { count: inbound.length, firstPendingAt: batch.flushedAt - batch.bufferDurationMs };
      }
      break;
  }
  await freeSlot(ctx, batch);
  await releaseConversation(ctx, batch.conversationId, now, settings, returned);
}

/** A draft that is not sent takes back its follow-ups, its bookings and their reminders. */
async function withdraw(ctx: MutationCtx, batchId: Id<"batches">) {
  await withdrawBatchActions(ctx, batchId, false);
  await cancelBatchMeetings(ctx, batchId);
}

// ---- Lifecycle: archive removal and restore (convex/lifecycle) ----

export async function removeBatch(ctx: MutationCtx, batchId: Id<"batches">) {
  await ctx.db.delete("batches", batchId);
}

export async function restoreBatch(ctx: MutationCtx, fields: Omit<Doc<"batches">, "_id" | "_creationTime">) {
  return await ctx.db.insert("batches", fields);
}

/** Unarchive's last step: the batch's reply message exists again under a new id. */
export async function relinkBatch(ctx: MutationCtx, batchId: Id<"batches">, patch: { replyMessageId?: Id<"messages"> }) {
  await ctx.db.patch("batches", batchId, patch);
}
