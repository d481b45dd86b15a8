// The built-in calendar: bookable time is the business's working hours minus
// the meetings already booked (stored in our own database, or Google's busy
// stretches when Google Calendar is connected). No external account needed.
import { DAY, MINUTE } from "../time";
import {
  openIntervals,
  type Interval,
  type WorkingHours,
} from "../workingHours";

/** Half an hour: long enough for a call, short enough to fit between others. */
export const DEFAULT_SLOT_MINUTES = 30;

export type FindSlotsOptions = {
  hours: WorkingHours;
  /** Meetings already booked or busy stretches; overlapping ones are fine. */
  bookings: Interval[];
  now: number;
  /** Look from this instant (default and minimum: now)… */
  from?: number;
  /** …this many days ahead. */
  horizonDays: number;
  /** How many slots to return at most. */
  count: number;
  slotMinutes?: number;
};

/**
 * The next free slots, earliest first. Slots sit on a grid from each opening
 * (09:00, 09:30, …) so offered times are round; a slot must fit inside the
 * opening and clear of every booking (back-to-back is fine).
 */
export function findFreeSlots(options: FindSlotsOptions): Interval[] {
  const slotMs = (options.slotMinutes ?? DEFAULT_SLOT_MINUTES) * MINUTE;
  const from = Math.max(options.now, options.from ?? options.now);
  const to = from + options.horizonDays * DAY;
  const slots: Interval[] = [];
  for (const open of openIntervals(options.hours, from, to)) {
    // First grid point at or after `from`.
    const skipped = Math.max(0, Math.ceil((from - open.start) / slotMs));
    for (
      let start = open.start + skipped * slotMs;
      start + slotMs <= open.end && start < to;
      start += slotMs
    ) {
      const slot = { start, end: start + slotMs };
      if (!options.bookings.some((booking) => overlaps(slot, booking))) {
        slots.push(slot);
        if (slots.length === options.count) return slots;
      }
    }
  }
  return slots;
}

/**
 * Whether a meeting can be booked at exactly this time: not started yet,
 * wholly inside working hours and clear of every booking. Checked again at
 * booking time, since slots offered minutes ago may have been taken.
 */
export function isSlotFree(
  slot: Interval,
  context: { hours: WorkingHours; bookings: Interval[]; now: number },
): boolean {
  if (slot.start < context.now || slot.end <= slot.start) return false;
  const inHours = openIntervals(context.hours, slot.start, slot.end).some(
    (open) => open.start <= slot.start && slot.end <= open.end,
  );
  return (
    inHours && !context.bookings.some((booking) => overlaps(slot, booking))
  );
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}
