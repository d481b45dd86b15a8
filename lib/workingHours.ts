// The business's weekly opening hours, in its own time zone. Used to word
// replies ("we're closed until Monday 09:00"), to place follow-ups and as the
// built-in calendar's bookable time. Hours are wall-clock times, so a
// 09:00–18:00 day stays 09:00–18:00 across DST changes.
import { z } from "zod";
import { DAY, MINUTE } from "./time";
import {
  addWallDays,
  isValidTimeZone,
  utcFromWallClock,
  wallClockAt,
  wallClockMs,
  weekdayOf,
  type WallClock,
} from "./followups/tz";

/** Day keys in Date#getDay order (0 = Sunday). */
export const WEEKDAY_KEYS = [
  "sun",
  "mon",
  "tue",
  "wed",
  "thu",
  "fri",
  "sat",
] as const;
export type WeekdayKey = (typeof WEEKDAY_KEYS)[number];

const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_OF_DAY = "24:00";
const MINUTES_PER_DAY = DAY / MINUTE;

/**
 * One opening on a day. An end at or before the start runs past midnight into
 * the next day ("22:00"–"02:00"); "24:00" closes at midnight, so
 * "00:00"–"24:00" is the whole day.
 */
export const openingSchema = z
  .object({
    start: z.string().regex(TIME_OF_DAY, "Use HH:MM, 00:00–23:59"),
    end: z
      .string()
      .refine(
        (end) => TIME_OF_DAY.test(end) || end === END_OF_DAY,
        "Use HH:MM, 00:00–24:00",
      ),
  })
  .refine((opening) => opening.start !== opening.end, {
    message: "Start and end are the same; for a whole day use 00:00–24:00",
    path: ["end"],
  });

const dayOpenings = z.array(openingSchema);

export const workingHoursSchema = z.object({
  timeZone: z
    .string()
    .refine(
      isValidTimeZone,
      "Unknown time zone; use an IANA name like Europe/Berlin",
    ),
  days: z.object({
    mon: dayOpenings,
    tue: dayOpenings,
    wed: dayOpenings,
    thu: dayOpenings,
    fri: dayOpenings,
    sat: dayOpenings,
    sun: dayOpenings,
  }),
});

export type Opening = z.infer<typeof openingSchema>;
export type WorkingHours = z.infer<typeof workingHoursSchema>;

/** A stretch of time, ms since the epoch, end exclusive. */
export type Interval = { start: number; end: number };

const OFFICE_DAY: Opening[] = [{ start: "09:00", end: "18:00" }];

/** Until the operator sets hours: an office week in UTC. */
export const DEFAULT_WORKING_HOURS: WorkingHours = {
  timeZone: "UTC",
  days: {
    mon: OFFICE_DAY,
    tue: OFFICE_DAY,
    wed: OFFICE_DAY,
    thu: OFFICE_DAY,
    fri: OFFICE_DAY,
    sat: [],
    sun: [],
  },
};

// Far enough ahead to see every weekday's hours once, whatever DST does.
const NEXT_OPENING_HORIZON_MS = 8 * DAY;

export function isOpen(now: number, hours: WorkingHours): boolean {
  return openIntervals(hours, now, now + 1).length > 0; // any stretch overlapping [now, now + 1 ms)
}

/** When the business next opens: `now` if it is open, null if the schedule has no hours at all. */
export function nextOpening(now: number, hours: WorkingHours): number | null {
  const [first] = openIntervals(hours, now, now + NEXT_OPENING_HORIZON_MS);
  return first ? Math.max(first.start, now) : null;
}

/**
 * The open stretches that overlap [from, to), in order, as real instants.
 * Back-to-back openings (Mon 22:00–24:00, Tue 00:00–06:00) come out as one,
 * joined with neighbours up to a day beyond the window (so a 24/7 schedule
 * yields one stretch that ends about a day after `to`).
 */
export function openIntervals(
  hours: WorkingHours,
  from: number,
  to: number,
): Interval[] {
  const found: Interval[] = [];
  const wallDay = (ms: number) => startOfDay(wallClockAt(ms, hours.timeZone));
  // Each wall day from the day before the margin (its overnight opening may
  // still be running) to the day the margin ends.
  const lastDayMs = wallClockMs(wallDay(to + DAY));
  for (
    let day = addWallDays(wallDay(from - DAY), -1);
    wallClockMs(day) <= lastDayMs;
    day = addWallDays(day, 1)
  ) {
    for (const opening of hours.days[WEEKDAY_KEYS[weekdayOf(day)]]) {
      found.push(openingOn(day, opening, hours.timeZone));
    }
  }
  return mergeIntervals(found).filter(
    (open) => open.end > from && open.start < to,
  );
}

function openingOn(
  day: WallClock,
  opening: Opening,
  timeZone: string,
): Interval {
  const startMinutes = minutesOfDay(opening.start);
  let endMinutes = minutesOfDay(opening.end);
  if (endMinutes <= startMinutes) endMinutes += MINUTES_PER_DAY; // past midnight
  return {
    start: utcFromWallClock(atMinutes(day, startMinutes), timeZone),
    end: utcFromWallClock(atMinutes(day, endMinutes), timeZone),
  };
}

function minutesOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return hours * 60 + minutes;
}

/** The wall clock `minutes` after the start of `day` (may spill into the next day). */
function atMinutes(day: WallClock, minutes: number): WallClock {
  const date = addWallDays(day, Math.floor(minutes / MINUTES_PER_DAY));
  const within = minutes % MINUTES_PER_DAY;
  return {
    ...date,
    hour: Math.floor(within / 60),
    minute: within % 60,
    second: 0,
  };
}

function startOfDay(wall: WallClock): WallClock {
  return { ...wall, hour: 0, minute: 0, second: 0 };
}

function mergeIntervals(intervals: Interval[]): Interval[] {
  const merged: Interval[] = [];
  for (const next of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && next.start <= last.end) last.end = Math.max(last.end, next.end);
    else if (next.end > next.start) merged.push({ ...next });
  }
  return merged;
}
