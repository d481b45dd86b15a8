/**
 * Owner of the analytics tables: `analyticsEvents` (insert-only, through
 * `recordEvent`), `analyticsRollups` and `analyticsState` (the rollup and
 * retention). Pure math is in lib/analytics/; the cron registrations and the
 * page's queries are in convex/analytics/.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { GRANULARITIES, type Granularity } from "../../lib/analytics/buckets";
import type { AnalyticsEvent } from "../../lib/analytics/events";
import { mergeStats, rollupEvents } from "../../lib/analytics/rollup";
import type { Settings } from "../../lib/settings";
import { DAY, SECOND } from "../../lib/time";
import { loadSettings } from "../settings";

/**
 * Inserts the event unless analytics is off or the same fact (type and
 * `dedupeKey`) was already recorded. Costs one insert; plus one indexed read
 * when the event carries a dedupe key, plus the settings read when the
 * caller does not pass the settings it already holds.
 * Returns whether an event was written.
 */
export async function recordEvent(
  ctx: MutationCtx,
  event: AnalyticsEvent,
  settings?: Pick<Settings, "analyticsEnabled">,
): Promise<boolean> {
  const { analyticsEnabled } = settings ?? (await loadSettings(ctx));
  if (!analyticsEnabled) return false;
  if (event.dedupeKey !== undefined) {
    const seen = await ctx.db
      .query("analyticsEvents")
      .withIndex("by_type_and_dedupe_key", (q) => q.eq("type", event.type).eq("dedupeKey", event.dedupeKey))
      .first();
    if (seen) return false;
  }
  await ctx.db.insert("analyticsEvents", event);
  return true;
}

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

/** Documents deleted per transaction. */
export const RETENTION_PAGE = 500;

export const vRetentionCounts = v.object({ events: v.number(), hour: v.number(), day: v.number(), week: v.number(), month: v.number() });
type Counts = typeof vRetentionCounts.type;

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
