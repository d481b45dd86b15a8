// Convex crons are evaluated in UTC, and a business thinks in its own time
// zone ("clean up at 02:00", across DST changes). So each local-time job is
// an hourly UTC cron that asks `localSlotDue`: it runs the job only in the
// hour whose wall clock matches, and at most once per local day (the
// maintenance run records carry the local date that was done). A DST
// spring-forward day that skips 02:00 still runs, in the next hour.
import { wallClockAt } from "../followups/tz";

export type LocalSlot = {
  /** Wall-clock hour in the business zone, 0–23. */
  hour: number;
  /** 0 = Sunday … 6 = Saturday; absent for daily jobs. */
  weekday?: number;
};

/** "2026-11-29": the business's calendar date at `now`, the key that makes a slot run once. */
export function localDate(now: number, timeZone: string): string {
  const clock = wallClockAt(now, timeZone);
  return `${clock.year}-${String(clock.month).padStart(2, "0")}-${String(clock.day).padStart(2, "0")}`;
}

function localWeekday(now: number, timeZone: string): number {
  const clock = wallClockAt(now, timeZone);
  return new Date(Date.UTC(clock.year, clock.month - 1, clock.day)).getUTCDay();
}

/**
 * Whether an hourly tick at `now` should run the job: the local hour has
 * reached the slot's hour today (same weekday for weekly jobs) and the job
 * has not run for today's local date yet. Catching up later in the same
 * day covers a skipped DST hour and a deployment that was down at 02:00.
 */
export function localSlotDue(now: number, timeZone: string, slot: LocalSlot, lastRunLocalDate: string | null): boolean {
  const today = localDate(now, timeZone);
  if (lastRunLocalDate === today) return false;
  if (slot.weekday !== undefined && localWeekday(now, timeZone) !== slot.weekday) return false;
  return wallClockAt(now, timeZone).hour >= slot.hour;
}
