// When crons fire: the schedule math behind local/crons.ts, time injected.
import { describe, expect, test } from "vitest";
import { cronTimer, nextCronTime, parseCron } from "../../local/cronSchedule";

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string) =>
  new Date(nextCronTime(parseCron(expression), at(after))).toISOString();

describe("cron expressions (UTC)", () => {
  test("every 5 minutes fires on the next multiple of 5, never at the same minute", () => {
    expect(next("*/5 * * * *", "2026-03-01T10:05:00.000Z")).toBe(
      "2026-03-01T10:10:00.000Z",
    );
    expect(next("*/5 * * * *", "2026-03-01T10:07:30.000Z")).toBe(
      "2026-03-01T10:10:00.000Z",
    );
  });

  test("a daily time rolls over to the next day once passed", () => {
    expect(next("30 2 * * *", "2026-03-01T02:31:00.000Z")).toBe(
      "2026-03-02T02:30:00.000Z",
    );
  });

  test("weekday ranges and names skip the weekend", () => {
    // 2026-03-06 is a Friday.
    expect(next("0 9 * * MON-FRI", "2026-03-06T09:00:00.000Z")).toBe(
      "2026-03-09T09:00:00.000Z",
    );
    expect(next("0 9 * * 1-5", "2026-03-06T09:00:00.000Z")).toBe(
      "2026-03-09T09:00:00.000Z",
    );
  });

  test("Sunday is both 0 and 7", () => {
    expect(next("0 0 * * 7", "2026-03-02T00:00:00.000Z")).toBe(
      next("0 0 * * 0", "2026-03-02T00:00:00.000Z"),
    );
  });

  test("day of month and day of week together match either, as in classic cron", () => {
    // The 15th, or any Monday: from Friday the 6th, Monday the 9th comes first.
    expect(next("0 0 15 * MON", "2026-03-06T12:00:00.000Z")).toBe(
      "2026-03-09T00:00:00.000Z",
    );
  });

  test("the 31st skips months that lack it", () => {
    expect(next("0 0 31 * *", "2026-04-01T00:00:00.000Z")).toBe(
      "2026-05-31T00:00:00.000Z",
    );
  });

  test("malformed expressions are refused with the expression in the message", () => {
    expect(() => parseCron("* * *")).toThrow('"* * *" must have 5 fields');
    expect(() => parseCron("61 * * * *")).toThrow('Invalid field "61"');
    expect(() => parseCron("*/0 * * * *")).toThrow("Invalid field");
  });

  test("an expression that can never fire says so", () => {
    expect(() =>
      nextCronTime(parseCron("0 0 30 2 *"), at("2026-01-01T00:00:00.000Z")),
    ).toThrow("never fires");
  });
});

describe("Convex schedule shapes", () => {
  test("an interval counts from the previous run", () => {
    const timer = cronTimer("sweep", { type: "interval", minutes: 5 });
    expect(timer(1_000)).toBe(1_000 + 5 * 60_000);
  });

  test("daily, weekly and monthly fire at their UTC time", () => {
    const after = at("2026-03-01T12:00:00.000Z"); // a Sunday
    const iso = (time: number) => new Date(time).toISOString();
    expect(
      iso(cronTimer("d", { type: "daily", hourUTC: 3, minuteUTC: 7 })(after)),
    ).toBe("2026-03-02T03:07:00.000Z");
    expect(
      iso(
        cronTimer("w", {
          type: "weekly",
          dayOfWeek: "tuesday",
          hourUTC: 8,
          minuteUTC: 0,
        })(after),
      ),
    ).toBe("2026-03-03T08:00:00.000Z");
    expect(
      iso(
        cronTimer("m", { type: "monthly", day: 1, hourUTC: 0, minuteUTC: 5 })(
          after,
        ),
      ),
    ).toBe("2026-04-01T00:05:00.000Z");
  });

  test("a schedule without a minute gets a stable one from its name", () => {
    const after = at("2026-03-01T12:00:00.000Z");
    const first = cronTimer("rollups", { type: "hourly" })(after);
    expect(cronTimer("rollups", { type: "hourly" })(after)).toBe(first);
    expect(first - after).toBeLessThanOrEqual(60 * 60_000);
  });
});
