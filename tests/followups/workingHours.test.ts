import { describe, expect, test } from "vitest";
import {
  DEFAULT_WORKING_HOURS,
  isOpen,
  nextOpening,
  openIntervals,
  workingHoursSchema,
  type Opening,
  type WorkingHours,
} from "../../lib/workingHours";
import { HOUR } from "../../lib/time";

const iso = (ms: number | null) =>
  ms === null ? null : new Date(ms).toISOString();
const at = (utc: string) => Date.parse(utc);

const OFFICE: Opening[] = [{ start: "09:00", end: "18:00" }];

function everyDay(timeZone: string, openings: Opening[]): WorkingHours {
  return {
    timeZone,
    days: {
      mon: openings,
      tue: openings,
      wed: openings,
      thu: openings,
      fri: openings,
      sat: openings,
      sun: openings,
    },
  };
}

describe("the default office week (Mon–Fri 09:00–18:00 UTC)", () => {
  // Fri 27 Nov 2026 … Mon 30 Nov 2026.
  test("is open during office hours and closed at 18:00 sharp", () => {
    expect(isOpen(at("2026-11-27T09:00:00Z"), DEFAULT_WORKING_HOURS)).toBe(
      true,
    );
    expect(isOpen(at("2026-11-27T17:59:59Z"), DEFAULT_WORKING_HOURS)).toBe(
      true,
    );
    expect(isOpen(at("2026-11-27T18:00:00Z"), DEFAULT_WORKING_HOURS)).toBe(
      false,
    );
    expect(isOpen(at("2026-11-27T08:59:59Z"), DEFAULT_WORKING_HOURS)).toBe(
      false,
    );
  });

  test("next opening is now while open, later today before opening, tomorrow after closing", () => {
    expect(
      iso(nextOpening(at("2026-11-26T12:34:00Z"), DEFAULT_WORKING_HOURS)),
    ).toBe("2026-11-26T12:34:00.000Z");
    expect(
      iso(nextOpening(at("2026-11-26T07:00:00Z"), DEFAULT_WORKING_HOURS)),
    ).toBe("2026-11-26T09:00:00.000Z");
    expect(
      iso(nextOpening(at("2026-11-26T23:30:00Z"), DEFAULT_WORKING_HOURS)),
    ).toBe("2026-11-27T09:00:00.000Z");
  });

  test("after Friday closing the next opening is Monday morning", () => {
    expect(isOpen(at("2026-11-28T12:00:00Z"), DEFAULT_WORKING_HOURS)).toBe(
      false,
    );
    expect(
      iso(nextOpening(at("2026-11-27T18:00:00Z"), DEFAULT_WORKING_HOURS)),
    ).toBe("2026-11-30T09:00:00.000Z");
    expect(
      iso(nextOpening(at("2026-11-29T23:59:00Z"), DEFAULT_WORKING_HOURS)),
    ).toBe("2026-11-30T09:00:00.000Z");
  });
});

describe("hours in the business's own time zone", () => {
  const tokyo: WorkingHours = {
    ...DEFAULT_WORKING_HOURS,
    timeZone: "Asia/Tokyo",
  };

  test("09:00 in Tokyo is midnight UTC, and Monday there starts on Sunday in UTC", () => {
    expect(isOpen(at("2026-11-30T00:00:00Z"), tokyo)).toBe(true); // Mon 09:00 JST
    expect(isOpen(at("2026-11-29T23:59:00Z"), tokyo)).toBe(false); // Mon 08:59 JST
    expect(iso(nextOpening(at("2026-11-28T03:00:00Z"), tokyo))).toBe(
      "2026-11-30T00:00:00.000Z",
    );
  });
});

describe("openings that run past midnight", () => {
  // A bar: Friday and Saturday 20:00–02:00 in Berlin (CET, UTC+1 in November).
  const bar: WorkingHours = {
    timeZone: "Europe/Berlin",
    days: {
      mon: [],
      tue: [],
      wed: [],
      thu: [],
      fri: [{ start: "20:00", end: "02:00" }],
      sat: [{ start: "20:00", end: "02:00" }],
      sun: [],
    },
  };

  test("Friday's opening is still running at 01:00 on Saturday and closed at 02:00", () => {
    expect(isOpen(at("2026-11-28T00:00:00Z"), bar)).toBe(true); // Sat 01:00 CET
    expect(isOpen(at("2026-11-28T01:00:00Z"), bar)).toBe(false); // Sat 02:00 CET
  });

  test("after Sunday's 02:00 close the next opening is Friday 20:00", () => {
    expect(iso(nextOpening(at("2026-11-29T01:00:00Z"), bar))).toBe(
      "2026-12-04T19:00:00.000Z",
    );
  });

  test("back-to-back openings across midnight are one stretch", () => {
    const lateShift: WorkingHours = {
      timeZone: "UTC",
      days: {
        ...DEFAULT_WORKING_HOURS.days,
        mon: [{ start: "18:00", end: "24:00" }],
        tue: [{ start: "00:00", end: "06:00" }],
      },
    };
    expect(
      openIntervals(
        lateShift,
        at("2026-11-30T20:00:00Z"),
        at("2026-11-30T21:00:00Z"),
      ).map((i) => [iso(i.start), iso(i.end)]),
    ).toEqual([["2026-11-30T18:00:00.000Z", "2026-12-01T06:00:00.000Z"]]);
  });
});

describe("daylight saving changes", () => {
  test("Berlin opens at 09:00 local on the Sunday it falls back, an hour later in UTC", () => {
    const berlin = everyDay("Europe/Berlin", OFFICE);
    expect(iso(nextOpening(at("2026-10-24T18:00:00Z"), berlin))).toBe(
      "2026-10-25T08:00:00.000Z",
    );
    expect(iso(nextOpening(at("2026-10-23T18:00:00Z"), berlin))).toBe(
      "2026-10-24T07:00:00.000Z",
    );
  });

  test("New York opens at 09:00 local on the Sunday it springs forward, an hour earlier in UTC", () => {
    const newYork = everyDay("America/New_York", OFFICE);
    expect(iso(nextOpening(at("2026-03-08T01:00:00Z"), newYork))).toBe(
      "2026-03-08T13:00:00.000Z",
    );
    expect(isOpen(at("2026-03-08T13:30:00Z"), newYork)).toBe(true); // 09:30 EDT
    expect(isOpen(at("2026-03-08T13:30:00Z") - 24 * HOUR, newYork)).toBe(false); // 08:30 EST the day before
  });

  test("a night shift over the Berlin fall-back lasts one hour longer and closes at 06:00 local", () => {
    const nights = everyDay("Europe/Berlin", [
      { start: "22:00", end: "06:00" },
    ]);
    const [shift] = openIntervals(
      nights,
      at("2026-10-25T00:00:00Z"),
      at("2026-10-25T00:00:01Z"),
    );
    expect([iso(shift.start), iso(shift.end)]).toEqual([
      "2026-10-24T20:00:00.000Z",
      "2026-10-25T05:00:00.000Z",
    ]);
    expect(shift.end - shift.start).toBe(9 * HOUR);
    expect(isOpen(at("2026-10-25T04:59:00Z"), nights)).toBe(true); // 05:59 CET
    expect(isOpen(at("2026-10-25T05:00:00Z"), nights)).toBe(false); // 06:00 CET
  });
});

test("a schedule with no hours never opens", () => {
  const closed: WorkingHours = {
    ...DEFAULT_WORKING_HOURS,
    days: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  };
  expect(isOpen(at("2026-11-30T12:00:00Z"), closed)).toBe(false);
  expect(nextOpening(at("2026-11-30T12:00:00Z"), closed)).toBeNull();
});

describe("the settings form's schema", () => {
  test("accepts the default and a whole-day or overnight opening", () => {
    expect(workingHoursSchema.parse(DEFAULT_WORKING_HOURS)).toEqual(
      DEFAULT_WORKING_HOURS,
    );
    const week = everyDay("Europe/Moscow", [{ start: "00:00", end: "24:00" }]);
    week.days.fri = [{ start: "22:00", end: "02:00" }];
    expect(workingHoursSchema.safeParse(week).success).toBe(true);
  });

  test.each([
    [
      "an unknown time zone",
      { ...DEFAULT_WORKING_HOURS, timeZone: "Europe/Atlantis" },
      "Unknown time zone",
    ],
    [
      "an hour past 23",
      everyDay("UTC", [{ start: "25:00", end: "26:00" }]),
      "Use HH:MM",
    ],
    [
      "24:00 as a start",
      everyDay("UTC", [{ start: "24:00", end: "02:00" }]),
      "Use HH:MM",
    ],
    [
      "an empty opening",
      everyDay("UTC", [{ start: "09:00", end: "09:00" }]),
      "Start and end are the same",
    ],
    [
      "a missing day",
      { timeZone: "UTC", days: { mon: OFFICE } },
      "expected array",
    ],
  ])("rejects %s", (_label, value, message) => {
    const result = workingHoursSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(
      result.error?.issues.map((issue) => issue.message).join("; "),
    ).toContain(message);
  });
});
