/**
 * Time buckets in the business's time zone: hour, day, week (ISO, Monday
 * first) and month. Day, week and month start at local midnight, so a DST
 * day is 23 or 25 hours long; hours follow the local clock, so the
 * repeated hour of a fall-back is two buckets, not one of two hours.
 */
import { z } from "zod";
import { addWallDays, utcFromWallClock, wallClockAt, wallClockMs, weekdayOf } from "../followups/tz";
import { HOUR } from "../time";

export const GRANULARITIES = ["hour", "day", "week", "month"] as const;
export const granularitySchema = z.enum(GRANULARITIES);
export type Granularity = (typeof GRANULARITIES)[number];

/** Offset of the zone from UTC at an instant (east positive), in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallClockMs(wallClockAt(whole, timeZone)) - whole;
}

/** Start (UTC ms) of the bucket containing `ms`. */
export function bucketStart(ms: number, granularity: Granularity, timeZone: string): number {
  if (granularity === "hour") {
    // Local hour boundaries; zones off by whole or half hours both land on them.
    const offset = offsetAt(ms, timeZone);
    return Math.floor((ms + offset) / HOUR) * HOUR - offset;
  }
  const wall = wallClockAt(ms, timeZone);
  const midnight = { ...wall, hour: 0, minute: 0, second: 0 };
  if (granularity === "day") return utcFromWallClock(midnight, timeZone);
  if (granularity === "week") {
    const sinceMonday = (weekdayOf(midnight) + 6) % 7;
    return utcFromWallClock(addWallDays(midnight, -sinceMonday), timeZone);
  }
  return utcFromWallClock({ ...midnight, day: 1 }, timeZone);
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucketStart(start: number, granularity: Granularity, timeZone: string): number {
  if (granularity === "hour") return bucketStart(start + HOUR, "hour", timeZone);
  const wall = wallClockAt(start, timeZone);
  const midnight = { ...wall, hour: 0, minute: 0, second: 0 };
  if (granularity === "day") return utcFromWallClock(addWallDays(midnight, 1), timeZone);
  if (granularity === "week") return utcFromWallClock(addWallDays(midnight, 7), timeZone);
  const month = midnight.month === 12 ? { year: midnight.year + 1, month: 1 } : { year: midnight.year, month: midnight.month + 1 };
  return utcFromWallClock({ ...midnight, ...month, day: 1 }, timeZone);
}

/** Bucket starts covering [from, to), at most `limit` of them. */
export function bucketStarts(from: number, to: number, granularity: Granularity, timeZone: string, limit = 1000): number[] {
  const starts: number[] = [];
  for (let s = bucketStart(from, granularity, timeZone); s < to && starts.length < limit; s = nextBucketStart(s, granularity, timeZone)) {
    starts.push(s);
  }
  return starts;
}

/** A label for a bucket in the business zone: "2026-03-29 02:00", "2026-03-29", "2026-03". */
export function bucketLabel(start: number, granularity: Granularity, timeZone: string): string {
  const w = wallClockAt(start, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  const date = `${w.year}-${p(w.month)}-${p(w.day)}`;
  if (granularity === "hour") return `${date} ${p(w.hour)}:00`;
  if (granularity === "month") return `${w.year}-${p(w.month)}`;
  return date;
}
