/**
 * Retention: raw events and each granularity's buckets are kept for their
 * own number of days (settings). A daily sweep deletes in pages and
 * re-schedules itself until nothing old is left, then records the counts.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { GRANULARITIES, type Granularity } from "../../lib/analytics/buckets";
import { DAY } from "../../lib/time";
import { loadSettings } from "../settings";
import { loadState } from "./rollup";

/** Documents deleted per transaction. */
export const RETENTION_PAGE = 500;

const vCounts = v.object({ events: v.number(), hour: v.number(), day: v.number(), week: v.number(), month: v.number() });
type Counts = typeof vCounts.type;

export async function retentionPage(ctx: MutationCtx, now: number, counts: Counts): Promise<{ counts: Counts; more: boolean }> {
  const settings = await loadSettings(ctx);
  const state = await loadState(ctx);
  const next = { ...counts };
  let budget = RETENTION_PAGE;
  // Raw events the rollup has not read yet are kept whatever their age.
  const eventCutoff = Math.min(now - settings.analyticsRawRetentionDays * DAY, state?.watermark ?? 0);
  const events = await ctx.db
    .query("analyticsEvents")
    .withIndex("by_creation_time", (q) => q.lte("_creationTime", eventCutoff))
    .take(budget);
  for (const e of events) await ctx.db.delete("analyticsEvents", e._id);
  next.events += events.length;
  budget -= events.length;
  const keepDays: Record<Granularity, number> = {
    hour: settings.analyticsHourlyRetentionDays,
    day: settings.analyticsDailyRetentionDays,
    week: settings.analyticsWeeklyRetentionDays,
    month: settings.analyticsMonthlyRetentionDays,
  };
  for (const granularity of GRANULARITIES) {
    if (budget <= 0) break;
    const rows = await ctx.db
      .query("analyticsRollups")
      .withIndex("by_granularity_and_start", (q) => q.eq("granularity", granularity).lt("start", now - keepDays[granularity] * DAY))
      .take(budget);
    for (const row of rows) await ctx.db.delete("analyticsRollups", row._id);
    next[granularity] += rows.length;
    budget -= rows.length;
  }
  const more = budget <= 0;
  if (!more && state) await ctx.db.patch("analyticsState", state._id, { lastRetention: { at: now, ...next } });
  return { counts: next, more };
}

export const sweep = internalMutation({
  args: { counts: v.optional(vCounts) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { counts, more } = await retentionPage(ctx, Date.now(), args.counts ?? { events: 0, hour: 0, day: 0, week: 0, month: 0 });
    if (more) await ctx.scheduler.runAfter(0, internal.analytics.retention.sweep, { counts });
    return null;
  },
});
