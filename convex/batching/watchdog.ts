/**
 * Recovers batches whose action died (a crash, a deploy, a lost process):
 * the lease on every in-flight batch says when it should have moved on.
 * A batch still with the model is re-run (its reply was never sent); a
 * batch that was mid-send is flagged for a human, never sent again.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { extendLease, modelLease, settleBatch } from "../model/batches";
import { settleReply } from "../model/messages";
import { loadSettings } from "../model/settings";
import { longBuffering, rearmStuckBurst } from "../model/conversations";
import type { MutationCtx } from "../_generated/server";
import { MINUTE } from "../../lib/time";

/**
 * A burst's first turn runs as an action (tick.start), and actions run at
 * most once: if one never ran, its conversation stays buffering with no
 * tick. Any burst older than the longest wait plus this margin has had its
 * flush due for a while; one whose tick job is not pending is re-armed.
 */
const STUCK_BURST_MARGIN_MS = 1 * MINUTE;

export async function rearmStuckBursts(ctx: MutationCtx, now: number, maxWaitMs: number) {
  let rearmed = 0;
  for (const conversation of await longBuffering(ctx, now - maxWaitMs - STUCK_BURST_MARGIN_MS, PAGE)) {
    if (await rearmStuckBurst(ctx, conversation, now)) rearmed += 1;
  }
  return rearmed;
}

/** Batches handled per run; the cron comes back soon for the rest. */
const PAGE = 25;

export const sweep = internalMutation({
  args: {},
  returns: v.object({ rerun: v.number(), failed: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const settings = await loadSettings(ctx);
    let rerun = 0;
    let failed = 0;
    const stuckWithModel = await ctx.db
      .query("batches")
      .withIndex("by_outcome_and_lease", (q) => q.eq("outcome", "processing").lt("leaseUntil", now))
      .take(PAGE);
    for (const batch of stuckWithModel) {
      if (batch.attempts >= settings.llmMaxAttempts) {
        const reason = "The model call never finished (the process stopped) on the last attempt";
        await settleBatch(ctx, batch, { outcome: "failed", reason, cause: "model_failed" }, now, settings);
        failed += 1;
        continue;
      }
      await extendLease(ctx, batch._id, modelLease(now, settings));
      await ctx.scheduler.runAfter(0, internal.batching.batch.answer, { batchId: batch._id });
      rerun += 1;
    }
    const stuckSending = await ctx.db
      .query("batches")
      .withIndex("by_outcome_and_lease", (q) => q.eq("outcome", "sending").lt("leaseUntil", now))
      .take(PAGE);
    for (const batch of stuckSending) {
      const reply = batch.replyMessageId ? await ctx.db.get("messages", batch.replyMessageId) : null;
      if (reply) {
        await settleReply(ctx, reply, {
          status: "send_failed",
          error: "Delivery unknown: the process stopped while sending. Check the channel before resending.",
        });
      }
      await settleBatch(ctx, batch, { outcome: "failed", reason: "The reply may or may not have reached the customer", cause: "delivery_unknown" }, now, settings);
      failed += 1;
    }
    const rearmed = await rearmStuckBursts(ctx, now, settings.maxBatchWaitMs);
    if (rearmed > 0) console.warn(`watchdog: re-armed ${rearmed} burst(s) whose first tick never ran`);
    return { rerun, failed };
  },
});
