import { afterEach, describe, expect, test } from "vitest";
import { parseWhen } from "../../lib/followups/when";

const MOSCOW = "Europe/Moscow";
// Saturday 21 Nov 2026, 15:07 in Moscow (UTC+3 all year).
const SATURDAY_AFTERNOON = Date.parse("2026-11-21T12:07:00Z");
// Monday 23 Nov 2026, 11:00 in Moscow.
const MONDAY_MORNING = Date.parse("2026-11-23T08:00:00Z");

function scheduled(
  text: string,
  now: number,
  timeZone: string,
  defaultHour?: number,
) {
  const result = parseWhen(text, { now, timeZone, defaultHour });
  if (!result.ok)
    throw new Error(`expected “${text}” to parse, got: ${result.error}`);
  return {
    utc: new Date(result.at).toISOString(),
    description: result.description,
  };
}

function refused(text: string, now: number, timeZone = MOSCOW): string {
  const result = parseWhen(text, { now, timeZone });
  if (result.ok)
    throw new Error(
      `expected “${text}” to be refused, got ${result.description}`,
    );
  return result.error;
}

describe("English phrases, Moscow customer on a Saturday afternoon", () => {
  test.each([
    [
      "in 2 hours",
      "2026-11-21T14:07:00.000Z",
      "Sat 21 Nov 2026, 17:07 (Europe/Moscow)",
    ],
    [
      "in 25 seconds",
      "2026-11-21T12:07:25.000Z",
      "Sat 21 Nov 2026, 15:07:25 (Europe/Moscow)",
    ],
    [
      "in half an hour",
      "2026-11-21T12:37:00.000Z",
      "Sat 21 Nov 2026, 15:37 (Europe/Moscow)",
    ],
    [
      "tomorrow at 10",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "Write me tomorrow at 10 please",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "tomorrow",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "tomorrow morning",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "tomorrow evening",
      "2026-11-22T17:00:00.000Z",
      "Sun 22 Nov 2026, 20:00 (Europe/Moscow)",
    ],
    [
      "tonight",
      "2026-11-21T19:00:00.000Z",
      "Sat 21 Nov 2026, 22:00 (Europe/Moscow)",
    ],
    [
      "next week",
      "2026-11-23T07:00:00.000Z",
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "next week on friday at 2pm",
      "2026-11-27T11:00:00.000Z",
      "Fri 27 Nov 2026, 14:00 (Europe/Moscow)",
    ],
    [
      "monday",
      "2026-11-23T07:00:00.000Z",
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "at 10",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "in 3 days",
      "2026-11-24T07:00:00.000Z",
      "Tue 24 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "1 March",
      "2027-03-01T07:00:00.000Z",
      "Mon 1 Mar 2027, 10:00 (Europe/Moscow)",
    ],
  ])("“%s” → %s", (text, utc, description) => {
    expect(scheduled(text, SATURDAY_AFTERNOON, MOSCOW)).toEqual({
      utc,
      description,
    });
  });

  test("a day without a time lands on the configured default hour", () => {
    expect(
      scheduled("tomorrow", SATURDAY_AFTERNOON, MOSCOW, 9).description,
    ).toBe("Sun 22 Nov 2026, 09:00 (Europe/Moscow)");
  });
});

describe("Russian phrases, Moscow customer on a Saturday afternoon", () => {
  test.each([
    [
      "через 2 часа",
      "2026-11-21T14:07:00.000Z",
      "Sat 21 Nov 2026, 17:07 (Europe/Moscow)",
    ],
    [
      "через 25 секунд",
      "2026-11-21T12:07:25.000Z",
      "Sat 21 Nov 2026, 15:07:25 (Europe/Moscow)",
    ],
    [
      "через полчаса",
      "2026-11-21T12:37:00.000Z",
      "Sat 21 Nov 2026, 15:37 (Europe/Moscow)",
    ],
    [
      "завтра в 10",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "напиши завтра",
      "2026-11-22T07:00:00.000Z",
      "Sun 22 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "завтра вечером",
      "2026-11-22T17:00:00.000Z",
      "Sun 22 Nov 2026, 20:00 (Europe/Moscow)",
    ],
    [
      "послезавтра",
      "2026-11-23T07:00:00.000Z",
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "на следующей неделе",
      "2026-11-23T07:00:00.000Z",
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "в среду на следующей неделе",
      "2026-11-25T07:00:00.000Z",
      "Wed 25 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "в понедельник",
      "2026-11-23T07:00:00.000Z",
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "в пятницу в 15:00",
      "2026-11-27T12:00:00.000Z",
      "Fri 27 Nov 2026, 15:00 (Europe/Moscow)",
    ],
    [
      "в 9 вечера",
      "2026-11-21T18:00:00.000Z",
      "Sat 21 Nov 2026, 21:00 (Europe/Moscow)",
    ],
    [
      "через 3 дня",
      "2026-11-24T07:00:00.000Z",
      "Tue 24 Nov 2026, 10:00 (Europe/Moscow)",
    ],
    [
      "1 декабря в 15:30",
      "2026-12-01T12:30:00.000Z",
      "Tue 1 Dec 2026, 15:30 (Europe/Moscow)",
    ],
  ])("“%s” → %s", (text, utc, description) => {
    expect(scheduled(text, SATURDAY_AFTERNOON, MOSCOW)).toEqual({
      utc,
      description,
    });
  });
});

describe("ISO 8601", () => {
  test("without an offset it is the customer's wall clock", () => {
    expect(scheduled("2026-12-01T10:00", SATURDAY_AFTERNOON, MOSCOW).utc).toBe(
      "2026-12-01T07:00:00.000Z",
    );
  });

  test("with Z or an offset it is that exact instant", () => {
    expect(
      scheduled("2026-12-01T10:00:00Z", SATURDAY_AFTERNOON, MOSCOW),
    ).toEqual({
      utc: "2026-12-01T10:00:00.000Z",
      description: "Tue 1 Dec 2026, 13:00 (Europe/Moscow)",
    });
    expect(
      scheduled("2026-12-01T10:00:00+05:00", SATURDAY_AFTERNOON, MOSCOW).utc,
    ).toBe("2026-12-01T05:00:00.000Z");
  });

  test("a bare date takes the default hour", () => {
    expect(scheduled("2026-12-01", SATURDAY_AFTERNOON, MOSCOW).utc).toBe(
      "2026-12-01T07:00:00.000Z",
    );
  });
});

describe("phrases that leave the date open mean the next occurrence", () => {
  test("a weekday said on that weekday before the default hour is today", () => {
    const earlyMonday = Date.parse("2026-11-23T05:00:00Z"); // 08:00 in Moscow
    expect(scheduled("в понедельник", earlyMonday, MOSCOW).description).toBe(
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    );
  });

  test("a weekday said on that weekday after the default hour is a week later", () => {
    expect(scheduled("в понедельник", MONDAY_MORNING, MOSCOW).description).toBe(
      "Mon 30 Nov 2026, 10:00 (Europe/Moscow)",
    );
    expect(scheduled("monday", MONDAY_MORNING, MOSCOW).description).toBe(
      "Mon 30 Nov 2026, 10:00 (Europe/Moscow)",
    );
  });

  test("a weekday already past this week is the coming one", () => {
    const wednesday = Date.parse("2026-11-25T08:00:00Z");
    expect(scheduled("monday", wednesday, MOSCOW).description).toBe(
      "Mon 30 Nov 2026, 10:00 (Europe/Moscow)",
    );
    expect(scheduled("friday", MONDAY_MORNING, MOSCOW).description).toBe(
      "Fri 27 Nov 2026, 10:00 (Europe/Moscow)",
    );
  });

  test("a time of day already gone today is tomorrow", () => {
    expect(scheduled("at 9", MONDAY_MORNING, MOSCOW).description).toBe(
      "Tue 24 Nov 2026, 09:00 (Europe/Moscow)",
    );
    expect(scheduled("в 10", MONDAY_MORNING, MOSCOW).description).toBe(
      "Tue 24 Nov 2026, 10:00 (Europe/Moscow)",
    );
  });

  test("“next week” is the coming Monday: tomorrow from a Sunday, a week from a Monday", () => {
    const sunday = Date.parse("2026-11-22T08:00:00Z");
    expect(scheduled("next week", sunday, MOSCOW).description).toBe(
      "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    );
    expect(
      scheduled("на следующей неделе", MONDAY_MORNING, MOSCOW).description,
    ).toBe("Mon 30 Nov 2026, 10:00 (Europe/Moscow)");
  });
});

describe("daylight saving changes", () => {
  // Berlin falls back from CEST (+2) to CET (+1) at 03:00 on Sun 25 Oct 2026.
  const BERLIN = "Europe/Berlin";
  const BERLIN_EVE = Date.parse("2026-10-24T10:00:00Z"); // Sat 12:00 CEST

  test("“tomorrow at 10” the day before Berlin falls back is 10:00 on winter time", () => {
    expect(scheduled("tomorrow at 10", BERLIN_EVE, BERLIN)).toEqual({
      utc: "2026-10-25T09:00:00.000Z",
      description: "Sun 25 Oct 2026, 10:00 (Europe/Berlin)",
    });
    expect(scheduled("завтра в 10", BERLIN_EVE, BERLIN).utc).toBe(
      "2026-10-25T09:00:00.000Z",
    );
  });

  test("“in 2 hours” across the Berlin fall-back is two real hours", () => {
    const beforeChange = Date.parse("2026-10-24T23:30:00Z"); // 01:30 CEST
    expect(scheduled("in 2 hours", beforeChange, BERLIN)).toEqual({
      utc: "2026-10-25T01:30:00.000Z",
      description: "Sun 25 Oct 2026, 02:30 (Europe/Berlin)",
    });
  });

  // New York springs forward from EST (-5) to EDT (-4) at 02:00 on Sun 8 Mar 2026.
  const NEW_YORK = "America/New_York";
  const NEW_YORK_EVE = Date.parse("2026-03-07T17:00:00Z"); // Sat 12:00 EST

  test("“tomorrow at 10” the day before New York springs forward is 10:00 on summer time", () => {
    expect(scheduled("tomorrow at 10", NEW_YORK_EVE, NEW_YORK)).toEqual({
      utc: "2026-03-08T14:00:00.000Z",
      description: "Sun 8 Mar 2026, 10:00 (America/New_York)",
    });
    expect(scheduled("tomorrow", NEW_YORK_EVE, NEW_YORK).utc).toBe(
      "2026-03-08T14:00:00.000Z",
    );
  });

  test("a time skipped by spring-forward moves later by the gap", () => {
    expect(scheduled("tomorrow at 2:30am", NEW_YORK_EVE, NEW_YORK)).toEqual({
      utc: "2026-03-08T07:30:00.000Z",
      description: "Sun 8 Mar 2026, 03:30 (America/New_York)",
    });
  });

  test("“in 24 hours” across spring-forward is a day of elapsed time, 13:00 on the new clock", () => {
    expect(scheduled("in 24 hours", NEW_YORK_EVE, NEW_YORK).description).toBe(
      "Sun 8 Mar 2026, 13:00 (America/New_York)",
    );
  });

  test("a time repeated by fall-back takes its first occurrence", () => {
    const halloween = Date.parse("2026-10-31T16:00:00Z"); // Sat 12:00 EDT; clocks fall back Sun 1 Nov
    expect(scheduled("tomorrow at 1:30am", halloween, NEW_YORK).utc).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });
});

describe("refusals the agent can recover from", () => {
  test("a time in the past asks for a future one", () => {
    expect(refused("yesterday", SATURDAY_AFTERNOON)).toMatch(
      /“yesterday” means Fri 20 Nov 2026.*in the past; ask the customer for a future time/,
    );
    expect(refused("вчера", SATURDAY_AFTERNOON)).toMatch(/in the past/);
    expect(refused("2 hours ago", SATURDAY_AFTERNOON)).toMatch(/in the past/);
    expect(refused("last friday", MONDAY_MORNING)).toMatch(/in the past/);
    expect(refused("2026-11-01T10:00", SATURDAY_AFTERNOON)).toMatch(
      /in the past/,
    );
  });

  test("“now” is not a follow-up time", () => {
    expect(refused("now", SATURDAY_AFTERNOON)).toMatch(
      /right now; ask the customer for a future time/,
    );
  });

  test("words that name no time are refused with examples to ask for", () => {
    for (const text of ["soon", "когда-нибудь", "", "whenever you can"]) {
      expect(refused(text, SATURDAY_AFTERNOON)).toMatch(
        /^Could not read .* as a time\. Ask the customer for a time such as “tomorrow at 10”/,
      );
    }
  });

  test("more than a year ahead is refused; a year is fine", () => {
    expect(refused("in 2 years", SATURDAY_AFTERNOON)).toMatch(
      /more than a year ahead/,
    );
    expect(refused("через 13 месяцев", SATURDAY_AFTERNOON)).toMatch(
      /more than a year ahead/,
    );
    expect(scheduled("in a year", SATURDAY_AFTERNOON, MOSCOW).description).toBe(
      "Sun 21 Nov 2027, 10:00 (Europe/Moscow)",
    );
  });

  test("an unknown time zone is named in the error", () => {
    expect(refused("tomorrow", SATURDAY_AFTERNOON, "Mars/Olympus")).toMatch(
      /Unknown time zone “Mars\/Olympus”/,
    );
  });
});

describe("the server's own time zone does not matter", () => {
  const hostZone = process.env.TZ;
  afterEach(() => {
    if (hostZone === undefined) delete process.env.TZ;
    else process.env.TZ = hostZone;
  });

  // 08:00 on a Monday in Moscow: "monday" and "at 9" are still today.
  const EARLY_MONDAY = Date.parse("2026-11-23T05:00:00Z");
  const expected: Record<string, string> = {
    monday: "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    "at 9": "Mon 23 Nov 2026, 09:00 (Europe/Moscow)",
    "tomorrow at 10": "Tue 24 Nov 2026, 10:00 (Europe/Moscow)",
    "in 2 hours": "Mon 23 Nov 2026, 10:00 (Europe/Moscow)",
    "next week": "Mon 30 Nov 2026, 10:00 (Europe/Moscow)",
    "в пятницу в 15:00": "Fri 27 Nov 2026, 15:00 (Europe/Moscow)",
  };

  test.each([
    "UTC",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
  ])("same answers on a host in %s", (zone) => {
    process.env.TZ = zone; // Node re-reads TZ on assignment
    for (const [text, description] of Object.entries(expected)) {
      expect(
        scheduled(text, EARLY_MONDAY, MOSCOW).description,
        `“${text}” on a host in ${zone}`,
      ).toBe(description);
    }
  });
});

describe("search ranges", () => {
  test("“today” as the start of a slot search reads as now instead of a past midnight", () => {
    const now = Date.UTC(2026, 10, 21, 12, 7);
    expect(parseWhen("today", { now, timeZone: "UTC", defaultHour: 0, clampPastToNow: true })).toMatchObject({ ok: true, at: now });
    expect(parseWhen("today", { now, timeZone: "UTC", defaultHour: 0 }).ok).toBe(false);
  });
});
