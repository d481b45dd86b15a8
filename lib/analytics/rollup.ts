/**
 * Rollup math: events → per-bucket statistics per dimension value, and the
 * merge that combines buckets (hour rows into a day, closed rows with the
 * raw tail). Pure; the Convex side only loads and stores what this returns.
 *
 * A bucket's statistics are mergeable by construction: count, and for each
 * measure (value, durationMs) its count, sum, min, max and a quantile
 * sketch. Merging two buckets gives exactly what rolling up the union of
 * their events would give (the tests check this).
 */
import { v, type Infer } from "convex/values";
import { dimensionValue, ROLLUP_DIMENSIONS, type AnalyticsEvent, type EventType, type RollupDimension } from "./events";
import { bucketStart, type Granularity } from "./buckets";
import { Sketch, type SerializedSketch } from "./sketch";

export const vSerializedSketch = v.object({ zeroCount: v.number(), keys: v.array(v.number()), counts: v.array(v.number()) });

export const vMeasureStats = v.object({
  count: v.number(),
  sum: v.number(),
  min: v.number(),
  max: v.number(),
  sketch: vSerializedSketch,
});
export type MeasureStats = Infer<typeof vMeasureStats>;

export const vBucketStats = v.object({
  count: v.number(),
  value: v.optional(vMeasureStats),
  duration: v.optional(vMeasureStats),
});
export type BucketStats = Infer<typeof vBucketStats>;

/** Which series a bucket belongs to. */
export type SeriesKey = { type: EventType; dimension: RollupDimension; dimensionValue: string };
export type BucketKey = SeriesKey & { granularity: Granularity; start: number };

export function emptyStats(): BucketStats {
  return { count: 0 };
}

function addMeasure(stats: MeasureStats | undefined, x: number): MeasureStats {
  const sketch = Sketch.from(stats?.sketch).add(x);
  return {
    count: (stats?.count ?? 0) + 1,
    sum: (stats?.sum ?? 0) + x,
    min: stats ? Math.min(stats.min, x) : x,
    max: stats ? Math.max(stats.max, x) : x,
    sketch: sketch.serialize(),
  };
}

function mergeMeasure(a: MeasureStats | undefined, b: MeasureStats | undefined): MeasureStats | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sketch: Sketch.from(a.sketch).merge(b.sketch).serialize(),
  };
}

export function mergeStats(a: BucketStats, b: BucketStats): BucketStats {
  const out: BucketStats = { count: a.count + b.count };
  const value = mergeMeasure(a.value, b.value);
  const duration = mergeMeasure(a.duration, b.duration);
  if (value) out.value = value;
  if (duration) out.duration = duration;
  return out;
}

export function addEvent(stats: BucketStats, event: Pick<AnalyticsEvent, "value" | "durationMs">): BucketStats {
  const out: BucketStats = { ...stats, count: stats.count + 1 };
  if (event.value !== undefined) out.value = addMeasure(stats.value, event.value);
  if (event.durationMs !== undefined) out.duration = addMeasure(stats.duration, Math.max(0, event.durationMs));
  return out;
}

export function bucketKeyString(key: BucketKey): string {
  return `${key.granularity}|${key.start}|${key.type}|${key.dimension}|${key.dimensionValue}`;
}

/**
 * Rolls events into buckets of the given granularities, one entry per
 * (bucket, type, dimension, value). Accumulates with mutable sketches and
 * serializes once, so a page of 1,000 events costs one pass.
 */
export function rollupEvents(
  events: readonly AnalyticsEvent[],
  granularities: readonly Granularity[],
  timeZone: string,
  dimensions: readonly RollupDimension[] = ROLLUP_DIMENSIONS,
): Map<string, { key: BucketKey; stats: BucketStats }> {
  type Acc = { key: BucketKey; count: number; value?: MeasureAcc; duration?: MeasureAcc };
  const acc = new Map<string, Acc>();
  const startCache = new Map<string, number>();
  for (const event of events) {
    for (const granularity of granularities) {
      // Bucket starts are the slow part (Intl); events in one hour share them.
      const hourKey = `${granularity}|${Math.floor(event.at / 60_000)}`;
      let start = startCache.get(hourKey);
      if (start === undefined) {
        start = bucketStart(event.at, granularity, timeZone);
        startCache.set(hourKey, start);
      }
      for (const dimension of dimensions) {
        const dv = dimensionValue(event, dimension);
        if (dv === null) continue;
        const key: BucketKey = { granularity, start, type: event.type, dimension, dimensionValue: dv };
        const id = bucketKeyString(key);
        let entry = acc.get(id);
        if (!entry) acc.set(id, (entry = { key, count: 0 }));
        entry.count += 1;
        if (event.value !== undefined) entry.value = accumulate(entry.value, event.value);
        if (event.durationMs !== undefined) entry.duration = accumulate(entry.duration, Math.max(0, event.durationMs));
      }
    }
  }
  const out = new Map<string, { key: BucketKey; stats: BucketStats }>();
  for (const [id, entry] of acc) {
    const stats: BucketStats = { count: entry.count };
    if (entry.value) stats.value = finish(entry.value);
    if (entry.duration) stats.duration = finish(entry.duration);
    out.set(id, { key: entry.key, stats });
  }
  return out;
}

type MeasureAcc = { count: number; sum: number; min: number; max: number; sketch: Sketch };
function accumulate(m: MeasureAcc | undefined, x: number): MeasureAcc {
  if (!m) return { count: 1, sum: x, min: x, max: x, sketch: new Sketch().add(x) };
  m.count += 1;
  m.sum += x;
  m.min = Math.min(m.min, x);
  m.max = Math.max(m.max, x);
  m.sketch.add(x);
  return m;
}
function finish(m: MeasureAcc): MeasureStats {
  return { count: m.count, sum: m.sum, min: m.min, max: m.max, sketch: m.sketch.serialize() };
}

/** What a chart or card shows of one bucket. */
export type Summary = {
  count: number;
  valueSum: number | null;
  valueAvg: number | null;
  p50: number | null;
  p95: number | null;
  avgMs: number | null;
};

export function summarize(stats: BucketStats | undefined): Summary {
  if (!stats) return { count: 0, valueSum: null, valueAvg: null, p50: null, p95: null, avgMs: null };
  const sketch = stats.duration ? Sketch.from(stats.duration.sketch) : null;
  return {
    count: stats.count,
    valueSum: stats.value ? stats.value.sum : null,
    valueAvg: stats.value ? stats.value.sum / stats.value.count : null,
    p50: sketch ? sketch.quantile(0.5) : null,
    p95: sketch ? sketch.quantile(0.95) : null,
    avgMs: stats.duration ? stats.duration.sum / stats.duration.count : null,
  };
}

/** The sketch of a measure, for distributions. */
export function measureSketch(stats: BucketStats | undefined, measure: "value" | "duration"): Sketch {
  return Sketch.from(stats?.[measure]?.sketch as SerializedSketch | undefined);
}
