/**
 * GET /api/metrics reads a bounded number of documents however long the
 * history is: counters come from monthly rollup rows (months × label
 * values, not events), gauges from indexed reads of live state only.
 * Pinned with transaction metrics at 10× history.
 */
import { describe, expect, test } from "vitest";
import { metricsSnapshot } from "../../convex/analytics/metrics";
import { rollupPage } from "../../convex/model/analytics";
import { DAY, HOUR } from "../../lib/time";
import { newTest } from "../convex/setup";
import { generateEvents } from "./traffic";

const FROM = Date.UTC(2026, 7, 1);
const TO = Date.UTC(2026, 10, 1); // three months of history

async function readsAt(history: number) {
  const t = newTest();
  const events = generateEvents(history, FROM, TO, 7);
  for (let i = 0; i < events.length; i += 500) {
    await t.run(async (ctx) => {
      for (const e of events.slice(i, i + 500)) await ctx.db.insert("analyticsEvents", e);
    });
  }
  for (;;) {
    const run = await t.run((ctx) => rollupPage(ctx, Date.now() + HOUR));
    if (!run.more) break;
  }
  return await t.run(async (ctx) => {
    const snapshot = await metricsSnapshot(ctx, TO + DAY);
    const read = (await ctx.meta.getTransactionMetrics()).documentsRead.used;
    const monthRows = (await ctx.db.query("analyticsRollups").withIndex("by_granularity_and_start", (q) => q.eq("granularity", "month")).collect()).length;
    return { read, monthRows, complete: snapshot.complete, received: snapshot.messages };
  });
}

describe("metrics cost", () => {
  test("documents read are flat in history (150 vs 1,500 events over the same months)", async () => {
    const small = await readsAt(150);
    const large = await readsAt(1500);
    expect(small.complete && large.complete).toBe(true);
    expect(large.received.reduce((n, m) => n + m.count, 0)).toBeGreaterThan(small.received.reduce((n, m) => n + m.count, 0));
    // Monthly rows (months × label values), settings and state; never the events.
    for (const run of [small, large]) expect(run.read).toBeLessThanOrEqual(run.monthRows + 2);
    expect(large.read).toBeLessThanOrEqual(small.read * 1.2);
    console.log(`metrics snapshot: ${small.read} documents read at 150 events, ${large.read} at 1,500 (month rows: ${small.monthRows} / ${large.monthRows})`);
  }, 300_000); // mostly convex-test inserting and rolling up 1,650 events: minutes on a loaded machine
});
