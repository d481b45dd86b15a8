/**
 * Numbers exact at any moment: rollup rows hold every event up to the
 * watermark, the raw tail holds every event after it, so their merge is
 * everything, each event once, without waiting for the next rollup run.
 */
import type { AnalyticsEvent, EventType, RollupDimension } from "./events";
import { bucketStart, type Granularity } from "./buckets";
import { mergeStats, rollupEvents, type BucketStats } from "./rollup";

export type RollupRow = {
  granularity: Granularity;
  start: number;
  type: EventType;
  dimension: RollupDimension;
  dimensionValue: string;
  stats: BucketStats;
};

/** One series point: bucket start → dimension value → stats. */
export type SeriesTable = Map<number, Map<string, BucketStats>>;

export function combine(args: {
  rows: readonly RollupRow[];
  tail: readonly AnalyticsEvent[];
  type: EventType;
  granularity: Granularity;
  dimension: RollupDimension;
  timeZone: string;
  from: number;
  to: number;
}): SeriesTable {
  const table: SeriesTable = new Map();
  const put = (start: number, dv: string, stats: BucketStats) => {
    if (start < bucketStart(args.from, args.granularity, args.timeZone) || start >= args.to) return;
    let byValue = table.get(start);
    if (!byValue) table.set(start, (byValue = new Map()));
    const prior = byValue.get(dv);
    byValue.set(dv, prior ? mergeStats(prior, stats) : stats);
  };
  for (const row of args.rows) {
    if (row.type !== args.type || row.granularity !== args.granularity || row.dimension !== args.dimension) continue;
    put(row.start, row.dimensionValue, row.stats);
  }
  const tail = args.tail.filter((e) => e.type === args.type);
  for (const { key, stats } of rollupEvents(tail, [args.granularity], args.timeZone, [args.dimension]).values()) {
    put(key.start, key.dimensionValue, stats);
  }
  return table;
}

/** All of a table merged into one bucket per dimension value (a card's number over a range). */
export function total(table: SeriesTable): Map<string, BucketStats> {
  const out = new Map<string, BucketStats>();
  for (const byValue of table.values()) {
    for (const [dv, stats] of byValue) {
      const prior = out.get(dv);
      out.set(dv, prior ? mergeStats(prior, stats) : stats);
    }
  }
  return out;
}
