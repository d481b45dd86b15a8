// Turns the time phrase a customer used ("in 2 hours", "завтра в 10",
// "2026-12-01T10:00") into an instant for a follow-up, resolved in the
// customer's IANA time zone.
//
// chrono-node does the reading. It knows only fixed UTC offsets, so it is
// handed the customer's wall clock dressed up as UTC (offset 0), and what it
// returns is read back as wall-clock fields and placed in the real zone here.
// That keeps DST right: "tomorrow at 10" on the eve of a clock change is
// 10:00 on the new offset, while "in 2 hours" stays exactly two hours.
import * as chrono from "chrono-node";
import { DAY, MINUTE } from "../time";
import {
  addWallDays,
  isValidTimeZone,
  utcFromWallClock,
  wallClockAt,
  wallClockMs,
  weekdayOf,
  type WallClock,
} from "./tz";

export type ParseWhenOptions = {
  /** The current instant, ms since the epoch. */
  now: number;
  /** The customer's IANA time zone, e.g. "Europe/Moscow". */
  timeZone: string;
  /** Hour of day (0–23) for phrases that name a day but no time: "tomorrow", "в понедельник". */
  defaultHour?: number;
  /** A start of a search range rather than a send time: "today" (already begun) reads as now. */
  clampPastToNow?: boolean;
};

export type ParseWhenResult =
  { ok: true; at: number; description: string } | { ok: false; error: string };

/** A day without a time means the start of a working morning. */
export const DEFAULT_FOLLOWUP_HOUR = 10;

/** Follow-ups further out than this are almost certainly a misreading; a year, plus room for a leap day. */
export const MAX_FOLLOWUP_LEAD_MS = 366 * DAY;

// chrono's tags for phrases that carry their own time of day ("tonight",
// "завтра вечером"); only these keep chrono's implied hour over defaultHour.
// "Morning" is left out: chrono makes it 06:00, too early to message anyone,
// so it falls to defaultHour, the start of a working morning.
const PART_OF_DAY_TAGS = [
  "casualReference/afternoon",
  "casualReference/evening",
  "casualReference/tonight",
  "casualReference/noon",
  "casualReference/midnight",
];

// chrono reads "next week" as seven days from now; people mean the coming Monday.
const NEXT_WEEK =
  /\bnext week\b|(?:на\s+)?(?:следующей|будущей|след\.?)\s+неделе/i;

const CYRILLIC = /[а-яё]/i;

// "Last Friday" means the past one; it must not roll forward to the next.
const LOOKS_BACK = /\b(?:last|past|previous)\b|прошл/i;

const DAYS_PER_WEEK = 7;

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

export function parseWhen(
  text: string,
  opts: ParseWhenOptions,
): ParseWhenResult {
  const { now, timeZone } = opts;
  const defaultHour = opts.defaultHour ?? DEFAULT_FOLLOWUP_HOUR;
  const phrase = text.trim();
  if (!isValidTimeZone(timeZone)) {
    return {
      ok: false,
      error: `Unknown time zone “${timeZone}”; the customer's time zone must be an IANA name like “Europe/Moscow”.`,
    };
  }

  const at = resolve(phrase, now, timeZone, defaultHour);
  if (at === null) {
    return {
      ok: false,
      error:
        `Could not read “${phrase}” as a time. Ask the customer for a time such as “tomorrow at 10”, ` +
        `“in 2 hours”, “завтра в 10” or “через 2 часа”, or pass ISO 8601 like “2026-12-01T10:00”.`,
    };
  }
  if (opts.clampPastToNow && at <= now) {
    return { ok: true, at: now, description: describeInstant(now, timeZone) };
  }
  const description = describeInstant(at, timeZone);
  if (at <= now) {
    const when = at === now ? "which is right now" : "which is in the past";
    return {
      ok: false,
      error: `“${phrase}” means ${description}, ${when}; ask the customer for a future time.`,
    };
  }
  if (at - now > MAX_FOLLOWUP_LEAD_MS) {
    return {
      ok: false,
      error: `“${phrase}” means ${description}, more than a year ahead; follow-ups go at most a year out, so ask for a nearer time.`,
    };
  }
  return { ok: true, at, description };
}

/** "Sun 22 Nov 2026, 10:00 (Europe/Moscow)"; seconds only when there are some ("in 25 seconds"). */
export function describeInstant(at: number, timeZone: string): string {
  const wall = wallClockAt(at, timeZone);
  const time = [wall.hour, wall.minute, ...(wall.second ? [wall.second] : [])]
    .map(pad2)
    .join(":");
  return `${WEEKDAY_NAMES[weekdayOf(wall)]} ${wall.day} ${MONTH_NAMES[wall.month - 1]} ${wall.year}, ${time} (${timeZone})`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** The instant the phrase names, or null when nothing in it reads as a time. */
function resolve(
  phrase: string,
  now: number,
  timeZone: string,
  defaultHour: number,
): number | null {
  const nowWall = wallClockAt(now, timeZone);
  const nowWallMs = wallClockMs(nowWall);
  const readings = readWithChrono(phrase, nowWallMs);

  if (NEXT_WEEK.test(phrase)) {
    // The coming Monday (tomorrow on a Sunday, a week on a Monday), or the
    // weekday the phrase names in that week: "в среду на следующей неделе".
    const toMonday = DAYS_PER_WEEK + 1 - isoWeekday(nowWall);
    const weekday = readings
      .find((r) => r.isCertain("weekday"))
      ?.get("weekday");
    const intoWeek =
      weekday == null ? 0 : (weekday + DAYS_PER_WEEK - 1) % DAYS_PER_WEEK;
    const day = addWallDays(nowWall, toMonday + intoWeek);
    const timed = readings.find((r) => r.isCertain("hour"));
    const time = timed
      ? chronoWallClock(timed)
      : { hour: defaultHour, minute: 0 };
    return utcFromWallClock(
      { ...day, hour: time.hour, minute: time.minute, second: 0 },
      timeZone,
    );
  }
  const [parsed] = readings;
  if (!parsed) return null;

  const wall = chronoWallClock(parsed);
  const tags = parsed.tags();
  if (
    tags.has("result/relativeDateAndTime") ||
    tags.has("casualReference/now")
  ) {
    // A duration in hours, minutes or seconds is elapsed time, not wall time
    // (chrono stamps these with the reference's fake offset, so this test comes first).
    return now + (wallClockMs(wall) - nowWallMs);
  }
  const offsetMinutes = parsed.get("timezoneOffset");
  if (parsed.isCertain("timezoneOffset") && offsetMinutes !== null) {
    // The text named its own offset ("…T10:00:00+03:00", "10am EST").
    return wallClockMs(wall) - offsetMinutes * MINUTE;
  }
  const keepsTime =
    parsed.isCertain("hour") || PART_OF_DAY_TAGS.some((tag) => tags.has(tag));
  const named = keepsTime
    ? wall
    : { ...wall, hour: defaultHour, minute: 0, second: 0 };
  const at = utcFromWallClock(named, timeZone);
  if (at > now || LOOKS_BACK.test(phrase)) return at;
  return utcFromWallClock(nextOccurrence(parsed, named), timeZone);
}

/**
 * A phrase that leaves the date open means its next occurrence: "at 10" said
 * at 15:00 is tomorrow, "Friday" the coming one, "1 March" next year's. This is
 * done here rather than with chrono's forwardDate, which compares in the host's
 * time zone and so would answer differently on different machines.
 */
function nextOccurrence(
  parsed: chrono.ParsedComponents,
  wall: WallClock,
): WallClock {
  const has = (component: chrono.Component) => parsed.isCertain(component);
  if (!has("day") && !has("month") && !has("year")) {
    return addWallDays(wall, has("weekday") ? DAYS_PER_WEEK : 1);
  }
  if (has("month") && !has("year")) return { ...wall, year: wall.year + 1 };
  return wall; // a fully named date stays put, and parseWhen reports it as past
}

/**
 * chrono's readings of the time expressions in the phrase, in order, against a
 * reference whose UTC fields are the customer's wall clock. Russian first when
 * the phrase has Cyrillic; either locale also reads ISO 8601.
 */
function readWithChrono(
  phrase: string,
  nowWallMs: number,
): chrono.ParsedComponents[] {
  const reference = { instant: new Date(nowWallMs), timezone: 0 };
  const locales = CYRILLIC.test(phrase)
    ? [chrono.ru, chrono.en]
    : [chrono.en, chrono.ru];
  for (const locale of locales) {
    const results = locale.casual.parse(phrase, reference);
    if (results.length > 0) return results.map((result) => result.start);
  }
  return [];
}

/** chrono's date and time fields; it always fills them, known or implied. Sub-second parts are dropped. */
function chronoWallClock(parsed: chrono.ParsedComponents): WallClock {
  const field = (component: chrono.Component): number => {
    const value = parsed.get(component);
    if (value === null) throw new Error(`chrono left ${component} unset`);
    return value;
  };
  return {
    year: field("year"),
    month: field("month"),
    day: field("day"),
    hour: field("hour"),
    minute: field("minute"),
    second: field("second"),
  };
}

/** 1 = Monday … 7 = Sunday. */
function isoWeekday(wall: WallClock): number {
  return weekdayOf(wall) || 7;
}
