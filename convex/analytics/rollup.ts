/**
 * The rollup cron: one page, then the next after a short pause while a
 * backlog lasts (convex/model/analytics.ts does the work).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { rollupPage } from "../model/analytics";

/**
 * Between two pages of a backlog. A minute of heavy traffic is dozens of
 * pages; run back to back they took every turn of the local runtime's one
 * transaction at a time for a second or two each minute, and webhooks
 * waited behind them (at 50 messages/s, acks p95 2.7 s for the 5 s after
 * each minute mark). Paced, a page runs every ~0.2 s: still 1,000 events a
 * second, far above what a business's traffic records.
 */
export const ROLLUP_PAGE_PAUSE_MS = 200;

export const run = internalMutation({
  args: {},
  returns: v.object({ events: v.number(), rows: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const result = await rollupPage(ctx, Date.now());
    if (result.more) await ctx.scheduler.runAfter(ROLLUP_PAGE_PAUSE_MS, internal.analytics.rollup.run, {});
    return result;
  },
});
