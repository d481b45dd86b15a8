/**
 * Completion of an outbound send, the way a workpool hands a job's result
 * to its `onComplete`: the sender (../outbound.ts) reports what the
 * platform said, and this decides what it means for whatever the message
 * belongs to. The sender knows nothing about batches or follow-ups, and
 * they import nothing from the sender.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { nextSendAttemptAt } from "../../lib/backoff";
import { MINUTE } from "../../lib/time";
import type { SendResult } from "../channels/adapter";
import { DELIVERY_LEASE_MS, extendLease, settleBatch } from "./batches";
import { noteHumanAnswer, notePreview } from "./conversations";
import { noteAwaitingEcho, noteSendAttempt, settleReply } from "./messages";
import { endAction } from "./scheduledActions";
import { loadSettings } from "./settings";

/**
 * How long to wait for the platform's echo of a send whose answer was lost
 * (the connection dropped after the request went out) before asking a
 * human. Meta echoes within seconds; a minute is generous.
 */
const ECHO_CONFIRM_WAIT_MS = 1 * MINUTE;

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

  if (result.ok) {
    await succeed(ctx, message, result.externalIds[0], attempts, now);
    return;
  }
  // Retried for as long as the budget lasts, counted from when the reply was recorded;
  // the platform's retry_after is a floor on the wait, not a replacement for the backoff.
  const settings = await loadSettings(ctx);
  const retryAt =
    result.retryable && !result.blocked
      ? nextSendAttemptAt(attempts, now, {
          firstAttemptAt: message._creationTime,
          budgetMs: settings.sendRetryBudgetMinutes * MINUTE,
          retryAfterMs: result.retryAfterMs,
        })
      : null;
  const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
  const owningBatch = batch?.outcome === "sending" ? batch : null;
  if (retryAt !== null) {
    const delay = retryAt - now;
    await noteSendAttempt(ctx, message, attempts, result.error);
    if (owningBatch) await extendLease(ctx, owningBatch._id, now + delay + DELIVERY_LEASE_MS);
    await ctx.scheduler.runAfter(delay, internal.outbound.deliverLater, { messageId });
    return;
  }
  if (result.awaitEcho) {
    // Check before asking a human: the platform's echo of this send settles it (confirmByEcho).
    await noteAwaitingEcho(ctx, message, attempts, `${result.error} (waiting for the platform's echo to confirm)`);
    if (owningBatch) await extendLease(ctx, owningBatch._id, now + ECHO_CONFIRM_WAIT_MS + DELIVERY_LEASE_MS);
    await ctx.scheduler.runAfter(ECHO_CONFIRM_WAIT_MS, internal.outbound.settleUnconfirmed, { messageId, error: result.error });
    return;
  }
  await fail(ctx, message, { status: result.blocked ? "blocked" : "send_failed", error: result.error, attempts }, now);
}

/**
 * The platform echoed a send whose answer was lost (Messenger's metadata
 * marker names the message): it was delivered. Returns whether this
 * settled it; an echo racing a send still in flight changes nothing.
 */
export async function confirmByEcho(ctx: MutationCtx, messageId: Id<"messages">, externalId: string): Promise<boolean> {
  const message = await ctx.db.get("messages", messageId);
  if (!message || message.status !== "sending" || !message.awaitingEcho) return false;
  await succeed(ctx, message, externalId, message.attempts ?? 1, Date.now());
  return true;
}

/** No echo came for a send whose outcome was unknown: now a human is asked. */
export async function settleUnconfirmed(ctx: MutationCtx, messageId: Id<"messages">, error: string) {
  const message = await ctx.db.get("messages", messageId);
  if (!message || message.status !== "sending") return; // confirmed meanwhile
  const failure = { status: "send_failed" as const, error: `${error}; no echo from the platform confirmed it`, attempts: message.attempts ?? 1 };
  await fail(ctx, message, failure, Date.now());
}

async function owners(ctx: MutationCtx, message: Doc<"messages">) {
  const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
  const action = message.scheduledActionId ? await ctx.db.get("scheduledActions", message.scheduledActionId) : null;
  return {
    owningBatch: batch?.outcome === "sending" ? batch : null,
    // Cancelled meanwhile (a customer reply, an operator): the cancel already ended it.
    owningAction: action?.status === "pending" ? action : null,
  };
}

async function succeed(ctx: MutationCtx, message: Doc<"messages">, externalId: string | undefined, attempts: number, now: number) {
  const { owningBatch, owningAction } = await owners(ctx, message);
  await settleReply(ctx, message, { status: "sent", externalId, attempts, at: now });
  await notePreview(ctx, message.conversationId, message.text, now, message.author === "human" ? "human" : "agent");
  // lifecycle: an operator's reply processes what the customer wrote before it
  if (message.author === "human" && !owningAction) await noteHumanAnswer(ctx, message.conversationId, now);
  if (owningAction) await endAction(ctx, owningAction._id, { status: "sent" });
  if (owningBatch) await settleBatch(ctx, owningBatch, { outcome: "replied" }, now, await loadSettings(ctx));
}

async function fail(
  ctx: MutationCtx,
  message: Doc<"messages">,
  end: { status: "send_failed" | "blocked"; error: string; attempts: number },
  now: number,
) {
  const { owningBatch, owningAction } = await owners(ctx, message);
  await settleReply(ctx, message, end);
  if (owningAction) {
    await endAction(ctx, owningAction._id, { status: end.status === "blocked" ? "blocked" : "failed", lastError: end.error });
  }
  if (owningBatch) {
    const reason = `The reply could not be sent: ${end.error}`;
    await settleBatch(ctx, owningBatch, { outcome: "failed", reason, cause: "send_failed" }, now, await loadSettings(ctx));
  }
}
