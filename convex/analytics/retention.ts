/** The daily retention sweep: pages until nothing old is left (convex/model/analytics.ts does the work). */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { retentionPage, vRetentionCounts } from "../model/analytics";

export const sweep = internalMutation({
  args: { counts: v.optional(vRetentionCounts) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { counts, more } = await retentionPage(ctx, Date.now(), args.counts ?? { events: 0, hour: 0, day: 0, week: 0, month: 0 });
    if (more) await ctx.scheduler.runAfter(0, internal.analytics.retention.sweep, { counts });
    return null;
  },
});
