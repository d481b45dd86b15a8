/**
 * The rollup: merges events created after the watermark into hour, day,
 * week and month rows, one page at a time, and moves the watermark. A run
 * reads the new events and the rows they touch, never the history.
 *
 * Every granularity is merged straight from the new events rather than
 * rebuilt from smaller buckets when a period closes: the result is the
 * same (a merge is exact; tests/analytics/core.test.ts), an open day is
 * always ready to read, and an event that arrives late still lands.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { GRANULARITIES } from "../../lib/analytics/buckets";
import { mergeStats, rollupEvents } from "../../lib/analytics/rollup";
import { SECOND } from "../../lib/time";
import { loadSettings } from "../settings";

/** Events per rollup transaction; with ≤ 5 dimensions × 4 granularities a page stays far inside Convex's limits. */
export const ROLLUP_PAGE = 200;
/**
 * Events younger than this wait for the next run: a transaction that began
 * before the run may still commit an event with an earlier creation time.
 * The queries read them from the raw tail meanwhile, so nothing is late.
 */
export const ROLLUP_LAG_MS = 10 * SECOND;

export async function loadState(ctx: QueryCtx): Promise<Doc<"analyticsState"> | null> {
  return await ctx.db
    .query("analyticsState")
    .withIndex("by_key", (q) => q.eq("key", "rollup"))
    .unique();
}

export type RollupRun = { events: number; rows: number; more: boolean };

/** One page: the helper the cron, the tests and the bench call. */
export async function rollupPage(ctx: MutationCtx, now: number, pageSize = ROLLUP_PAGE): Promise<RollupRun> {
  const settings = await loadSettings(ctx);
  const timeZone = settings.workingHours.timeZone;
  const state = await loadState(ctx);
  const watermark = state?.watermark ?? 0;
  const page = await ctx.db
    .query("analyticsEvents")
    .withIndex("by_creation_time", (q) => q.gt("_creationTime", watermark).lt("_creationTime", now - ROLLUP_LAG_MS))
    .take(pageSize + 1);
  const more = page.length > pageSize;
  let events = page.slice(0, pageSize);
  if (more) {
    // Events sharing the boundary's creation time go together into the next page.
    const boundary = page[pageSize]!._creationTime;
    const kept = events.filter((e) => e._creationTime < boundary);
    if (kept.length > 0) events = kept;
  }
  if (events.length === 0) {
    if (!state) await ctx.db.insert("analyticsState", { key: "rollup", watermark, timeZone, eventsRolled: 0, lastRunAt: now });
    return { events: 0, rows: 0, more: false };
  }

  let rows = 0;
  for (const { key, stats } of rollupEvents(events, GRANULARITIES, timeZone).values()) {
    const row = await ctx.db
      .query("analyticsRollups")
      .withIndex("by_series_and_start", (q) =>
        q
          .eq("granularity", key.granularity)
          .eq("type", key.type)
          .eq("dimension", key.dimension)
          .eq("dimensionValue", key.dimensionValue)
          .eq("start", key.start),
      )
      .unique();
    if (row) await ctx.db.patch("analyticsRollups", row._id, { stats: mergeStats(row.stats, stats) });
    else await ctx.db.insert("analyticsRollups", { ...key, stats });
    rows += 1;
  }
  const next = {
    watermark: events[events.length - 1]!._creationTime,
    timeZone,
    eventsRolled: (state?.eventsRolled ?? 0) + events.length,
    lastRunAt: now,
  };
  if (state) await ctx.db.patch("analyticsState", state._id, next);
  else await ctx.db.insert("analyticsState", { key: "rollup", ...next });
  return { events: events.length, rows, more };
}

/** Cron entry: one page, then the next page right away while the backlog lasts. */
export const run = internalMutation({
  args: {},
  returns: v.object({ events: v.number(), rows: v.number(), more: v.boolean() }),
  handler: async (ctx) => {
    const result = await rollupPage(ctx, Date.now());
    if (result.more) await ctx.scheduler.runAfter(0, internal.analytics.rollup.run, {});
    return result;
  },
});
