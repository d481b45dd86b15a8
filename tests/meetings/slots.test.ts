import { describe, expect, test } from "vitest";
import { findFreeSlots, isSlotFree } from "../../lib/meetings/slots";
import { HOUR, MINUTE } from "../../lib/time";
import {
  DEFAULT_WORKING_HOURS,
  type Interval,
  type WorkingHours,
} from "../../lib/workingHours";

const at = (utc: string) => Date.parse(utc);
const starts = (slots: Interval[]) =>
  slots.map((slot) => new Date(slot.start).toISOString().slice(0, 16));

// Friday 27 Nov 2026 in the default office week (Mon–Fri 09:00–18:00 UTC).
const FRIDAY_0907 = at("2026-11-27T09:07:00Z");

describe("the built-in calendar offers", () => {
  test("the next half-hour slots on the opening's grid, not from the minute asked", () => {
    const slots = findFreeSlots({
      hours: DEFAULT_WORKING_HOURS,
      bookings: [],
      now: FRIDAY_0907,
      horizonDays: 7,
      count: 3,
    });
    expect(starts(slots)).toEqual([
      "2026-11-27T09:30",
      "2026-11-27T10:00",
      "2026-11-27T10:30",
    ]);
    expect(slots[0].end - slots[0].start).toBe(30 * MINUTE);
  });

  test("slots around booked meetings, back-to-back allowed", () => {
    const bookings = [
      { start: at("2026-11-27T09:30:00Z"), end: at("2026-11-27T10:00:00Z") },
      { start: at("2026-11-27T10:15:00Z"), end: at("2026-11-27T10:45:00Z") },
    ];
    const slots = findFreeSlots({
      hours: DEFAULT_WORKING_HOURS,
      bookings,
      now: FRIDAY_0907,
      horizonDays: 7,
      count: 2,
    });
    expect(starts(slots)).toEqual(["2026-11-27T11:00", "2026-11-27T11:30"]);
  });

  test("no slot that would run past closing; after Friday's last one comes Monday 09:00", () => {
    const slots = findFreeSlots({
      hours: DEFAULT_WORKING_HOURS,
      bookings: [],
      now: at("2026-11-27T16:45:00Z"),
      horizonDays: 7,
      count: 3,
      slotMinutes: 60,
    });
    expect(starts(slots)).toEqual([
      "2026-11-27T17:00",
      "2026-11-30T09:00",
      "2026-11-30T10:00",
    ]);
  });

  test("nothing beyond the horizon, and from a later start when asked", () => {
    const saturday = at("2026-11-28T12:00:00Z");
    expect(
      findFreeSlots({
        hours: DEFAULT_WORKING_HOURS,
        bookings: [],
        now: saturday,
        horizonDays: 1,
        count: 5,
      }),
    ).toEqual([]);
    const fromTuesday = findFreeSlots({
      hours: DEFAULT_WORKING_HOURS,
      bookings: [],
      now: saturday,
      from: at("2026-12-01T00:00:00Z"),
      horizonDays: 1,
      count: 100,
    });
    expect(fromTuesday).toHaveLength(18); // 09:00–18:00 in half hours
    expect(starts(fromTuesday).at(-1)).toBe("2026-12-01T17:30");
  });

  test("slots follow local hours in the business's zone across its DST change", () => {
    const berlin: WorkingHours = {
      ...DEFAULT_WORKING_HOURS,
      timeZone: "Europe/Berlin",
    };
    const slots = findFreeSlots({
      hours: berlin,
      bookings: [],
      now: at("2026-10-23T14:30:00Z"),
      horizonDays: 7,
      count: 2,
      slotMinutes: 60,
    });
    // Friday's last hour, 17:00 CEST (+2), then Monday 09:00 CET (+1) after the change.
    expect(starts(slots)).toEqual(["2026-10-23T15:00", "2026-10-26T08:00"]);
  });
});

describe("a requested slot is free", () => {
  const context = {
    hours: DEFAULT_WORKING_HOURS,
    bookings: [
      { start: at("2026-11-30T10:00:00Z"), end: at("2026-11-30T11:00:00Z") },
    ],
    now: FRIDAY_0907,
  };
  const slot = (utc: string, minutes = 30) => ({
    start: at(utc),
    end: at(utc) + minutes * MINUTE,
  });

  test("inside working hours and clear of bookings, even off the grid", () => {
    expect(isSlotFree(slot("2026-11-30T09:15:00Z", 45), context)).toBe(true);
    expect(isSlotFree(slot("2026-11-30T11:00:00Z"), context)).toBe(true);
  });

  test("not when it overlaps a booking", () => {
    expect(isSlotFree(slot("2026-11-30T09:45:00Z"), context)).toBe(false);
    expect(isSlotFree(slot("2026-11-30T10:30:00Z"), context)).toBe(false);
  });

  test("not outside working hours, across closing or on the weekend", () => {
    expect(isSlotFree(slot("2026-11-30T08:30:00Z"), context)).toBe(false);
    expect(isSlotFree(slot("2026-11-30T17:45:00Z"), context)).toBe(false);
    expect(isSlotFree(slot("2026-11-28T12:00:00Z"), context)).toBe(false);
  });

  test("not once it has started", () => {
    expect(
      isSlotFree({ start: FRIDAY_0907 - 1, end: FRIDAY_0907 + HOUR }, context),
    ).toBe(false);
  });
});
