/**
 * Completion of an outbound send, the way a workpool hands a job's result
 * to its `onComplete`: the sender (../outbound.ts) reports what the
 * platform said, and this decides what it means for whatever the message
 * belongs to. The sender knows nothing about batches or follow-ups, and
 * they import nothing from the sender.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { retryDelayMs } from "../../lib/backoff";
import type { SendResult } from "../channels/adapter";
import { DELIVERY_LEASE_MS, extendLease, settleBatch } from "./batches";
import { noteHumanAnswer, notePreview } from "./conversations";
import { noteSendAttempt, settleReply } from "./messages";
import { endAction } from "./scheduledActions";
import { loadSettings } from "./settings";

/** Platform send attempts before a reply is given to a human. */
export const MAX_SEND_ATTEMPTS = 5;

/**
 * HOOK (dispatcher): one platform send of an outbound message finished.
 * A retryable failure schedules the next attempt; anything else settles
 * the message (settleReply) and then what it belongs to:
 * - a batch's reply → settleBatch (replied, or failed),
 * - a follow-up or reminder → endAction (sent, failed or blocked),
 * - neither: an operator's send; nothing else to settle.
 */
export async function completeDelivery(ctx: MutationCtx, messageId: Id<"messages">, result: SendResult) {
  const message = await ctx.db.get("messages", messageId);
  if (!message || message.status !== "sending") return;
  const now = Date.now();
  const attempts = (message.attempts ?? 0) + 1;
  const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
  const owningBatch = batch?.outcome === "sending" ? batch : null;
  const action = message.scheduledActionId ? await ctx.db.get("scheduledActions", message.scheduledActionId) : null;
  // Cancelled meanwhile (a customer reply, an operator): the cancel already ended it.
  const owningAction = action?.status === "pending" ? action : null;
  const settings = await loadSettings(ctx);

  if (result.ok) {
    await settleReply(ctx, message, { status: "sent", externalId: result.externalIds[0], attempts, at: now });
    await notePreview(ctx, message.conversationId, message.text, now);
    // lifecycle: an operator's reply processes what the customer wrote before it
    if (message.author === "human" && !owningAction) await noteHumanAnswer(ctx, message.conversationId, now);
    if (owningAction) await endAction(ctx, owningAction._id, { status: "sent" });
    if (owningBatch) await settleBatch(ctx, owningBatch, { outcome: "replied" }, now, settings);
    return;
  }
  if (result.retryable && !result.blocked && attempts < MAX_SEND_ATTEMPTS) {
    const delay = retryDelayMs(attempts, { retryAfterMs: result.retryAfterMs });
    await noteSendAttempt(ctx, message, attempts, result.error);
    if (owningBatch) await extendLease(ctx, owningBatch._id, now + delay + DELIVERY_LEASE_MS);
    await ctx.scheduler.runAfter(delay, internal.outbound.deliverLater, { messageId });
    return;
  }
  await settleReply(ctx, message, { status: result.blocked ? "blocked" : "send_failed", attempts, error: result.error });
  if (owningAction) {
    await endAction(ctx, owningAction._id, { status: result.blocked ? "blocked" : "failed", lastError: result.error });
  }
  if (owningBatch) {
    await settleBatch(ctx, owningBatch, { outcome: "failed", reason: `The reply could not be sent: ${result.error}` }, now, settings);
  }
}
