// When a Convex cron fires next. Pure: no timers, time passed in, all UTC,
// as Convex evaluates cron schedules in UTC.

/** The `schedule` of one entry in a `Crons` object's `crons` record. */
export type CronSchedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "cron"; cron: string }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number };

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
];
const MONTH_NAMES = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
// Far enough for any satisfiable expression (Feb 29 recurs within 8 years).
const SEARCH_LIMIT_MS = 9 * 366 * 24 * HOUR;

/**
 * Returns a function giving the next fire time strictly after `after`.
 * `identifier` picks the minute when a schedule leaves it out: Convex
 * chooses one itself to spread load, we derive a stable one from the name.
 */
export function cronTimer(
  identifier: string,
  schedule: CronSchedule,
): (after: number) => number {
  if (schedule.type === "interval") {
    const period =
      (schedule.seconds ?? 0) * SECOND +
      (schedule.minutes ?? 0) * MINUTE +
      (schedule.hours ?? 0) * HOUR;
    return (after) => after + period;
  }
  const expression = parseCron(cronExpression(identifier, schedule));
  return (after) => nextCronTime(expression, after);
}

function cronExpression(
  identifier: string,
  schedule: Exclude<CronSchedule, { type: "interval" }>,
): string {
  if (schedule.type === "cron") return schedule.cron;
  const minute = schedule.minuteUTC ?? stableMinute(identifier);
  switch (schedule.type) {
    case "hourly":
      return `${minute} * * * *`;
    case "daily":
      return `${minute} ${schedule.hourUTC} * * *`;
    case "weekly":
      return `${minute} ${schedule.hourUTC} * * ${DAYS.indexOf(schedule.dayOfWeek.toLowerCase())}`;
    case "monthly":
      return `${minute} ${schedule.hourUTC} ${schedule.day} * *`;
  }
}

function stableMinute(identifier: string): number {
  let hash = 0;
  for (const char of identifier) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 60;
}

export type CronExpression = {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Classic cron: when both day fields are restricted, either may match. */
  dayFieldsOred: boolean;
};

/** Parses a five-field cron expression: minute hour day-of-month month day-of-week. */
export function parseCron(expression: string): CronExpression {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(
      `Cron expression "${expression}" must have 5 fields (minute hour day month weekday)`,
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const daysOfWeek = parseField(dayOfWeek, 0, 7, DAY_NAMES, expression);
  if (daysOfWeek.delete(7)) daysOfWeek.add(0); // 7 is Sunday too
  return {
    minutes: parseField(minute, 0, 59, [], expression),
    hours: parseField(hour, 0, 23, [], expression),
    daysOfMonth: parseField(dayOfMonth, 1, 31, [], expression),
    months: parseField(month, 1, 12, MONTH_NAMES, expression),
    daysOfWeek,
    dayFieldsOred: !dayOfMonth.startsWith("*") && !dayOfWeek.startsWith("*"),
  };
}

function parseField(
  field: string,
  min: number,
  max: number,
  names: string[],
  expression: string,
): Set<number> {
  const values = new Set<number>();
  const invalid = () =>
    new Error(`Invalid field "${field}" in cron expression "${expression}"`);
  const toNumber = (text: string) => {
    const named = names.indexOf(text.toLowerCase());
    // Month names count from 1, weekday names from 0.
    const value =
      named !== -1 ? named + min : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) throw invalid();
    return value;
  };
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw invalid();
    let [from, to] = [min, max];
    if (range !== "*") {
      const [start, end] = range.split("-");
      from = toNumber(start);
      to =
        end !== undefined ? toNumber(end) : stepText !== undefined ? max : from;
    }
    if (from > to) throw invalid();
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

/** The first minute strictly after `after` that the expression matches. */
export function nextCronTime(cron: CronExpression, after: number): number {
  const time = new Date(Math.floor(after / MINUTE) * MINUTE + MINUTE);
  while (time.getTime() - after < SEARCH_LIMIT_MS) {
    if (!cron.months.has(time.getUTCMonth() + 1)) {
      time.setUTCMonth(time.getUTCMonth() + 1, 1);
      time.setUTCHours(0, 0);
    } else if (!dayMatches(cron, time)) {
      time.setUTCDate(time.getUTCDate() + 1);
      time.setUTCHours(0, 0);
    } else if (!cron.hours.has(time.getUTCHours())) {
      time.setUTCHours(time.getUTCHours() + 1, 0);
    } else if (!cron.minutes.has(time.getUTCMinutes())) {
      time.setUTCMinutes(time.getUTCMinutes() + 1);
    } else {
      return time.getTime();
    }
  }
  throw new Error("Cron expression never fires");
}

function dayMatches(cron: CronExpression, time: Date): boolean {
  const byMonthDay = cron.daysOfMonth.has(time.getUTCDate());
  const byWeekDay = cron.daysOfWeek.has(time.getUTCDay());
  return cron.dayFieldsOred ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
}
