/**
 * Recovers batches whose action died (a crash, a deploy, a lost process):
 * the lease on every in-flight batch says when it should have moved on.
 * A batch still with the model is re-run (its reply was never sent); a
 * batch that was mid-send is flagged for a human, never sent again.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { loadSettings } from "../settings";
import { failBatch } from "./batch";
import { LEASE_SLACK_MS } from "./state";

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
        await failBatch(ctx, batch, "The model call never finished (the process stopped) on the last attempt", now, settings);
        failed += 1;
        continue;
      }
      await ctx.db.patch("batches", batch._id, { leaseUntil: now + settings.llmTimeoutMs + LEASE_SLACK_MS });
      await ctx.scheduler.runAfter(0, internal.batching.batch.answer, { batchId: batch._id });
      rerun += 1;
    }
    const stuckSending = await ctx.db
      .query("batches")
      .withIndex("by_outcome_and_lease", (q) => q.eq("outcome", "sending").lt("leaseUntil", now))
      .take(PAGE);
    for (const batch of stuckSending) {
      if (batch.replyMessageId) {
        await ctx.db.patch("messages", batch.replyMessageId, {
          status: "send_failed",
          error: "Delivery unknown: the process stopped while sending. Check the channel before resending.",
        });
      }
      await failBatch(ctx, batch, "The reply may or may not have reached the customer", now, settings);
      failed += 1;
    }
    return { rerun, failed };
  },
});
