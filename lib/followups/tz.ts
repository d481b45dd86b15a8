// Wall clock ↔ UTC in an IANA time zone, with nothing but Intl.DateTimeFormat
// (no tz database to ship; Convex's V8 runtime and Node both carry ICU).
// Shared by follow-up parsing, working hours and the built-in calendar.
import { DAY } from "../time";

/** A local date and time as a clock on the wall shows it; month is 1–12. */
export type WallClock = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

// One formatter per zone: constructing Intl.DateTimeFormat is the slow part.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23", // "h23", not hour12: false, which prints midnight as 24 in some engines
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at the instant `utcMs` (milliseconds dropped). */
export function wallClockAt(utcMs: number, timeZone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(utcMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year,
    month: fields.month,
    day: fields.day,
    hour: fields.hour,
    minute: fields.minute,
    second: fields.second,
  };
}

/** The wall clock read as if it were UTC: a zone-free number to do date arithmetic on. */
export function wallClockMs(wall: WallClock): number {
  return Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
  );
}

function wallClockFromMs(ms: number): WallClock {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** 0 = Sunday … 6 = Saturday, like Date#getDay. */
export function weekdayOf(wall: WallClock): number {
  return new Date(wallClockMs(wall)).getUTCDay();
}

/** The same time of day `days` calendar days later (or earlier), whatever DST does in between. */
export function addWallDays(wall: WallClock, days: number): WallClock {
  return wallClockFromMs(wallClockMs(wall) + days * DAY);
}

/** Offset of the zone from UTC at an instant, in ms (east positive: Moscow is +3 h). */
function offsetAt(utcMs: number, timeZone: string): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  return wallClockMs(wallClockAt(whole, timeZone)) - whole;
}

/**
 * The instant the wall clock in `timeZone` shows `wall`. DST is resolved the
 * way Temporal's "compatible" mode does: a time skipped by a spring-forward
 * gap moves later by the gap (02:30 → 03:30), and a time repeated by a
 * fall-back overlap takes its first occurrence.
 */
export function utcFromWallClock(wall: WallClock, timeZone: string): number {
  const local = wallClockMs(wall);
  // A zone changes offset at most once within a day, so the offsets a day
  // either side are the only two candidates.
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const fits = (offset: number) =>
    offsetAt(local - offset, timeZone) === offset;
  if (fits(before)) return local - before; // the earlier instant, if the time occurs twice
  if (fits(after)) return local - after;
  return local - before; // in a gap: the pre-change offset lands after the jump
}
