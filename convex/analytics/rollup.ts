/** The rollup cron: one page, then the next right away while a backlog lasts (convex/model/analytics.ts does the work). */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { rollupPage } from "../model/analytics";

export const run = internalMutation({
  args: {},
  returns: v.object({ events: v.number(), rows: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const result = await rollupPage(ctx, Date.now());
    if (result.more) await ctx.scheduler.runAfter(0, internal.analytics.rollup.run, {});
    return result;
  },
});
