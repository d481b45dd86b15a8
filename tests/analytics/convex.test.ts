import { describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { ROLLUP_PAGE_PAUSE_MS } from "../../convex/analytics/rollup";
import { recordEvent, retentionPage, rollupPage } from "../../convex/model/analytics";
import { saveSettings } from "../../convex/model/settings";
import { bucketStart } from "../../lib/analytics/buckets";
import type { AnalyticsEvent } from "../../lib/analytics/events";
import { rollupEvents, summarize } from "../../lib/analytics/rollup";
import { DEFAULT_SETTINGS } from "../../lib/settings";
import { DAY, HOUR, SECOND } from "../../lib/time";
import { asOwner, newTest, offlineSuite, settle, type Test } from "../convex/setup";
import { generateEvents } from "./traffic";

const BERLIN = "Europe/Berlin";
const FROM = Date.UTC(2026, 2, 25);
const TO = Date.UTC(2026, 3, 3); // across the 29 March DST change and the month end
const suite = offlineSuite(Date.UTC(2026, 3, 3, 12));

async function useBerlin(t: Test) {
  await t.run((ctx) => saveSettings(ctx, { workingHours: { ...DEFAULT_SETTINGS.workingHours, timeZone: BERLIN } }));
}

async function insert(t: Test, events: AnalyticsEvent[]) {
  for (let i = 0; i < events.length; i += 500) {
    await t.run(async (ctx) => {
      for (const e of events.slice(i, i + 500)) await ctx.db.insert("analyticsEvents", e);
    });
  }
}

/** Runs the rollup until it has caught up; returns each page's cost. */
async function rollUpAll(t: Test) {
  vi.advanceTimersByTime(11 * SECOND); // past the rollup's lag
  const costs = [];
  for (;;) {
    const { run, metrics } = await t.run(async (ctx) => ({ run: await rollupPage(ctx, Date.now()), metrics: await ctx.meta.getTransactionMetrics() }));
    costs.push({ ...run, read: metrics.documentsRead.used });
    if (!run.more) return costs;
  }
}

describe("recording events", () => {
  test("a redelivered fact is recorded once, and nothing is recorded with analytics off", async () => {
    const { t } = suite;
    const event: AnalyticsEvent = { type: "message.delivered", at: Date.now(), channel: "telegram", dedupeKey: "m1" };
    const written = await t.run(async (ctx) => [await recordEvent(ctx, event), await recordEvent(ctx, event), await recordEvent(ctx, { ...event, dedupeKey: "m2" })]);
    expect(written).toEqual([true, false, true]);
    await t.run((ctx) => saveSettings(ctx, { analyticsEnabled: false }));
    expect(await t.run((ctx) => recordEvent(ctx, { ...event, dedupeKey: "m3" }))).toBe(false);
    expect(await t.run((ctx) => ctx.db.query("analyticsEvents").collect())).toHaveLength(2);
  });
});

describe("rollups in Convex", () => {
  test("hour, day, week and month series equal a direct computation from the raw events, before and after the rollup catches up", async () => {
    const { t } = suite;
    await useBerlin(t);
    const events = generateEvents(500, FROM, TO, 5);
    await insert(t, events.slice(0, 350));
    await rollUpAll(t);
    await insert(t, events.slice(350)); // the raw tail: not rolled up yet

    for (const granularity of ["hour", "day", "week", "month"] as const) {
      const from = granularity === "hour" ? Date.UTC(2026, 2, 28, 12) : FROM;
      const to = granularity === "hour" ? Date.UTC(2026, 2, 29, 12) : TO;
      const expected = rollupEvents(events, [granularity], BERLIN, ["channel"]);
      const got = await asOwner(t).query(api.analytics.queries.series, { type: "batch.flushed", granularity, dimension: "channel", from, to });
      expect(got.timeZone).toBe(BERLIN);
      let compared = 0;
      for (const { key, stats } of expected.values()) {
        if (key.type !== "batch.flushed" || key.start < bucketStart(from, granularity, BERLIN) || key.start >= to) continue;
        const point = got.points.find((p) => p.start === key.start)!;
        expect(point.values[key.dimensionValue]).toEqual(summarize(stats));
        compared += 1;
      }
      expect(compared).toBeGreaterThan(0);
      // 24 real hours across the spring-forward: 24 buckets, one local hour label skipped.
      if (granularity === "hour") {
        expect(got.points).toHaveLength(24);
        expect(got.points.map((p) => p.label)).not.toContain("2026-03-29 02:00");
      }
    }
  });

  test("a run reads only what is new: the same 60 new events cost the same at 1× and 10× history", async () => {
    const newEvents = generateEvents(60, TO - DAY, TO, 99);
    const costAt = async (t: Test, history: number) => {
      // History in one hour keeps the setup cheap; what is measured is the run after it.
      await insert(t, generateEvents(history, FROM, FROM + HOUR, history));
      await rollUpAll(t);
      await insert(t, newEvents);
      const costs = await rollUpAll(t);
      expect(costs.reduce((a, c) => a + c.events, 0)).toBe(60);
      return { read: costs.reduce((a, c) => a + c.read, 0), rows: costs.reduce((a, c) => a + c.rows, 0) };
    };
    const small = await costAt(suite.t, 100);
    const large = await costAt(newTest(), 1000);
    // New events, the rows they touch (each read once if it exists), settings, state, the page's look-ahead.
    for (const cost of [small, large]) expect(cost.read).toBeLessThanOrEqual(60 + cost.rows + 3);
    expect(large.rows).toBe(small.rows);
    // Ten times the history adds at most the month/week rows that now exist already: never a history scan.
    expect(large.read - small.read).toBeLessThanOrEqual(small.rows);
  });

  test("the cron works through a backlog page by page, each page a pause after the last, until it has caught up", async () => {
    const { t } = suite;
    await insert(t, generateEvents(450, FROM, TO, 7));
    vi.advanceTimersByTime(11 * SECOND); // past the rollup's lag
    const first = await t.mutation(internal.analytics.rollup.run, {});
    expect(first).toMatchObject({ more: true });
    const next = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(next.map((j) => [j.name, j.scheduledTime - Date.now()])).toEqual([["analytics/rollup:run", ROLLUP_PAGE_PAUSE_MS]]);
    await settle(t);
    const pages = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.every((j) => j.state.kind === "success")).toBe(true);
    const state = await t.run((ctx) => ctx.db.query("analyticsState").unique());
    expect(state!.eventsRolled).toBe(450);
  });

  test("retention removes only what is older than each granularity's limit and counts it", async () => {
    const { t } = suite;
    const now = Date.now();
    await insert(t, generateEvents(50, now - 40 * DAY, now - 35 * DAY, 3));
    await rollUpAll(t);
    const before = await t.run((ctx) => ctx.db.query("analyticsRollups").collect());
    const { counts, more } = await t.run((ctx) => retentionPage(ctx, Date.now() + 100 * DAY, { events: 0, hour: 0, day: 0, week: 0, month: 0 }));
    expect(more).toBe(false);
    expect(counts.events).toBe(50); // 90 days: all older than that a hundred days on
    expect(counts.hour).toBe(before.filter((r) => r.granularity === "hour").length);
    expect(counts.month).toBe(0);
    const state = await t.run(async (ctx) => ctx.db.query("analyticsState").first());
    expect(state?.lastRetention?.events).toBe(50);
  });
});
