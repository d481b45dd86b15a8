import { describe, expect, test } from "vitest";
import { bucketLabel, bucketStart, bucketStarts, nextBucketStart, GRANULARITIES } from "../../lib/analytics/buckets";
import { combine, total } from "../../lib/analytics/combine";
import type { AnalyticsEvent } from "../../lib/analytics/events";
import { mergeStats, rollupEvents, summarize, type BucketStats } from "../../lib/analytics/rollup";
import { exactQuantile, RELATIVE_ACCURACY, Sketch } from "../../lib/analytics/sketch";
import { wallClockAt } from "../../lib/followups/tz";
import { HOUR } from "../../lib/time";
import { generateEvents, seededRandom } from "./traffic";

const BERLIN = "Europe/Berlin";
// Across the spring-forward (29 March 2026) and the March → April month end.
const FROM = Date.UTC(2026, 2, 20);
const TO = Date.UTC(2026, 3, 8);

function expectWithin(actual: number | null, exact: number | null) {
  expect(actual === null).toBe(exact === null);
  if (actual === null || exact === null) return;
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(exact * RELATIVE_ACCURACY + 1e-9);
}

describe("quantile sketch", () => {
  test("p50, p95 and p99 stay within 1 % of exact on skewed data", () => {
    const random = seededRandom(7);
    const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 14));
    const sketch = new Sketch();
    for (const x of values) sketch.add(x);
    for (const q of [0, 0.5, 0.95, 0.99, 1]) expectWithin(sketch.quantile(q), exactQuantile(values, q));
  });

  test("merging sketches equals sketching the union, through serialization", () => {
    const random = seededRandom(3);
    const a = Array.from({ length: 500 }, () => random() * 10_000);
    const b = Array.from({ length: 700 }, () => random() * 100);
    const sa = new Sketch();
    a.forEach((x) => sa.add(x));
    const sb = new Sketch();
    b.forEach((x) => sb.add(x));
    const all = new Sketch();
    [...a, ...b].forEach((x) => all.add(x));
    const merged = Sketch.from(sa.serialize()).merge(sb.serialize());
    expect(merged.serialize()).toEqual(all.serialize());
    expectWithin(merged.quantile(0.95), exactQuantile([...a, ...b], 0.95));
  });

  test("zeros are counted exactly and an empty sketch has no quantile", () => {
    expect(new Sketch().quantile(0.5)).toBeNull();
    const s = new Sketch().add(0).add(0).add(5);
    expect(s.quantile(0.5)).toBe(0);
    expectWithin(s.quantile(1), 5);
  });

  test("a malformed stored sketch is refused, not misread", () => {
    expect(() => Sketch.from({ zeroCount: 0, keys: [1, 2], counts: [1] })).toThrow(/Malformed/);
  });
});

describe("buckets in the business time zone", () => {
  test("the spring-forward day has 23 hours and the fall-back day 25", () => {
    const spring = bucketStart(Date.UTC(2026, 2, 29, 12), "day", BERLIN);
    expect(nextBucketStart(spring, "day", BERLIN) - spring).toBe(23 * HOUR);
    expect(bucketStarts(spring, nextBucketStart(spring, "day", BERLIN), "hour", BERLIN)).toHaveLength(23);
    const autumn = bucketStart(Date.UTC(2026, 9, 25, 12), "day", BERLIN);
    expect(nextBucketStart(autumn, "day", BERLIN) - autumn).toBe(25 * HOUR);
    const hours = bucketStarts(autumn, nextBucketStart(autumn, "day", BERLIN), "hour", BERLIN);
    expect(hours.map((h) => bucketLabel(h, "hour", BERLIN)).filter((l) => l.endsWith("02:00"))).toHaveLength(2);
  });

  test("weeks start on Monday and months on the 1st, at local midnight", () => {
    const week = bucketStart(Date.UTC(2026, 3, 1, 10), "week", BERLIN); // Wednesday 1 April
    expect(bucketLabel(week, "week", BERLIN)).toBe("2026-03-30");
    expect(wallClockAt(week, BERLIN).hour).toBe(0);
    const month = bucketStart(Date.UTC(2026, 2, 31, 22, 30), "month", BERLIN); // 00:30 on 1 April in Berlin
    expect(bucketLabel(month, "month", BERLIN)).toBe("2026-04");
    expect(nextBucketStart(bucketStart(Date.UTC(2026, 11, 15), "month", BERLIN), "month", BERLIN)).toBe(Date.UTC(2026, 11, 31, 23));
  });

  test("a zone half an hour off UTC gets its own hour boundaries", () => {
    const start = bucketStart(Date.UTC(2026, 0, 1, 10, 45), "hour", "Asia/Kolkata");
    expect(start).toBe(Date.UTC(2026, 0, 1, 10, 30));
  });
});

/** The oracle: group by the event's local wall clock read directly, no bucket math. */
function directKey(at: number, granularity: string): string {
  const w = wallClockAt(at, BERLIN);
  const p = (n: number) => String(n).padStart(2, "0");
  if (granularity === "hour") return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:00@${at - (at % HOUR)}`;
  if (granularity === "day") return `${w.year}-${p(w.month)}-${p(w.day)}`;
  if (granularity === "month") return `${w.year}-${p(w.month)}`;
  const local = Date.UTC(w.year, w.month - 1, w.day);
  const monday = new Date(local - ((new Date(local).getUTCDay() + 6) % 7) * 24 * HOUR);
  return monday.toISOString().slice(0, 10);
}

describe("rollups equal a direct computation from raw events", () => {
  const events = generateEvents(6000, FROM, TO, 11);

  test.for(GRANULARITIES)("%s buckets: counts, sums, min, max exact; p50/p95 within 1 percent", (granularity) => {
    const sampleOf = new Map<string, AnalyticsEvent>();
    for (const e of events) sampleOf.set(`${e.type}|${e.channel}|${bucketStart(e.at, granularity, BERLIN)}`, e);
    const rolled = rollupEvents(events, [granularity], BERLIN, ["all", "channel"]);
    const direct = new Map<string, AnalyticsEvent[]>();
    for (const e of events) {
      const id = `${directKey(e.at, granularity)}|${e.type}|${e.channel}`;
      direct.set(id, [...(direct.get(id) ?? []), e]);
    }
    let checked = 0;
    for (const { key, stats } of rolled.values()) {
      if (key.dimension !== "channel") continue;
      const sample = sampleOf.get(`${key.type}|${key.dimensionValue}|${key.start}`)!;
      const group = direct.get(`${directKey(sample.at, granularity)}|${key.type}|${key.dimensionValue}`)!;
      expect(stats.count).toBe(group.length);
      const durations = group.flatMap((e) => (e.durationMs === undefined ? [] : [e.durationMs]));
      expect(stats.duration?.count ?? 0).toBe(durations.length);
      if (durations.length) {
        expect(stats.duration!.sum).toBe(durations.reduce((a, b) => a + b, 0));
        expect(stats.duration!.min).toBe(Math.min(...durations));
        expect(stats.duration!.max).toBe(Math.max(...durations));
        const s = summarize(stats);
        expectWithin(s.p50, exactQuantile(durations, 0.5));
        expectWithin(s.p95, exactQuantile(durations, 0.95));
      }
      checked += 1;
    }
    // Every event is in exactly one bucket per dimension.
    const totalCount = [...rolled.values()].filter((r) => r.key.dimension === "all").reduce((a, r) => a + r.stats.count, 0);
    expect(totalCount).toBe(events.length);
    expect(checked).toBeGreaterThan(0);
  });

  test("day, week and month merged from hours equal rolling them up directly", () => {
    const hours = rollupEvents(events, ["hour"], BERLIN, ["all", "kind"]);
    for (const granularity of ["day", "week", "month"] as const) {
      const direct = rollupEvents(events, [granularity], BERLIN, ["all", "kind"]);
      const merged = new Map<string, BucketStats>();
      for (const { key, stats } of hours.values()) {
        const id = `${bucketStart(key.start, granularity, BERLIN)}|${key.type}|${key.dimension}|${key.dimensionValue}`;
        const prior = merged.get(id);
        merged.set(id, prior ? mergeStats(prior, stats) : stats);
      }
      expect(merged.size).toBe(direct.size);
      for (const { key, stats } of direct.values()) {
        const m = merged.get(`${key.start}|${key.type}|${key.dimension}|${key.dimensionValue}`)!;
        expect(m.count).toBe(stats.count);
        expect(m.duration?.sketch).toEqual(stats.duration?.sketch);
        expect(m.value?.sum).toBe(stats.value?.sum);
      }
    }
  });

  test("closed rows plus the raw tail give the same numbers as all raw events, at any watermark", () => {
    const all = combine({ rows: [], tail: events, type: "batch.flushed", granularity: "day", dimension: "kind", timeZone: BERLIN, from: FROM, to: TO });
    for (const cut of [0.1, 0.5, 0.93]) {
      const watermarkIndex = Math.floor(events.length * cut);
      const rows = [...rollupEvents(events.slice(0, watermarkIndex), ["day"], BERLIN).values()].map(({ key, stats }) => ({ ...key, stats }));
      const split = combine({ rows, tail: events.slice(watermarkIndex), type: "batch.flushed", granularity: "day", dimension: "kind", timeZone: BERLIN, from: FROM, to: TO });
      const a = total(all);
      const b = total(split);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [kind, stats] of a) {
        expect(b.get(kind)!.count).toBe(stats.count);
        expect(b.get(kind)!.duration!.sketch).toEqual(stats.duration!.sketch);
      }
    }
  });
});
