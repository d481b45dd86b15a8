// The settings form is generated from lib/settings.ts's zod schema: each
// field's input comes from its zod type and limits, so a setting added
// there shows up here without touching the form. Only the words (labels,
// help, sections) are written by hand.
import { z } from "zod";
import { settingsSchema, type Settings } from "@/lib/settings";
import { WEEKDAY_KEYS, workingHoursSchema, type WeekdayKey, type WorkingHours } from "@/lib/workingHours";

export type SettingKey = keyof Settings & string;

export type FieldKind =
  | { kind: "number"; min: number | null; max: number | null }
  | { kind: "boolean" }
  | { kind: "text"; multiline: boolean }
  | { kind: "choice"; options: string[] }
  | { kind: "week" }
  | { kind: "json" };

/** A week as typed: the zone, and per day "09:00-13:00, 14:00-18:00" (empty: closed). */
export type WeekDraft = { timeZone: string; days: Record<WeekdayKey, string> };
/** What an input holds before it is parsed. */
export type Draft = string | boolean | WeekDraft;

// A text this long gets a text area rather than a one-line input.
const MULTILINE_FROM_LENGTH = 1000;

export function fieldKind(key: SettingKey): FieldKind {
  const schema: z.ZodType = settingsSchema.shape[key];
  if (schema === workingHoursSchema) return { kind: "week" };
  if (schema instanceof z.ZodNumber) return { kind: "number", min: schema.minValue, max: schema.maxValue };
  if (schema instanceof z.ZodBoolean) return { kind: "boolean" };
  if (schema instanceof z.ZodEnum) return { kind: "choice", options: schema.options.map(String) };
  if (schema instanceof z.ZodString) {
    return { kind: "text", multiline: (schema.maxLength ?? 0) >= MULTILINE_FROM_LENGTH };
  }
  return { kind: "json" };
}

export function toDraft(kind: FieldKind, value: unknown): Draft {
  switch (kind.kind) {
    case "number":
      return String(value);
    case "boolean":
      return Boolean(value);
    case "text":
    case "choice":
      return String(value);
    case "week": {
      const week = value as WorkingHours;
      const days = Object.fromEntries(
        WEEKDAY_KEYS.map((day) => [day, week.days[day].map((o) => `${o.start}-${o.end}`).join(", ")]),
      ) as Record<WeekdayKey, string>;
      return { timeZone: week.timeZone, days };
    }
    case "json":
      return JSON.stringify(value, null, 2);
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

const OPENING = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})$/;

/** Turns what was typed into the value the schema checks; limits are left to the schema. */
export function fromDraft(kind: FieldKind, draft: Draft): Parsed {
  switch (kind.kind) {
    case "number": {
      const text = String(draft).trim();
      const value = Number(text);
      return text === "" || !Number.isFinite(value) ? { ok: false, message: "Enter a number" } : { ok: true, value };
    }
    case "boolean":
    case "text":
    case "choice":
      return { ok: true, value: draft };
    case "week": {
      const week = draft as WeekDraft;
      const days: Record<string, { start: string; end: string }[]> = {};
      for (const day of WEEKDAY_KEYS) {
        const parts = week.days[day]
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        const openings = parts.map((p) => OPENING.exec(p));
        if (openings.some((m) => m === null)) {
          return { ok: false, message: `${day}: write openings like 09:00-13:00, 14:00-18:00 (empty: closed)` };
        }
        days[day] = openings.map((m) => ({ start: m![1]!.padStart(5, "0"), end: m![2]!.padStart(5, "0") }));
      }
      return { ok: true, value: { timeZone: week.timeZone.trim(), days } };
    }
    case "json":
      try {
        return { ok: true, value: JSON.parse(String(draft)) };
      } catch {
        return { ok: false, message: "Not valid JSON" };
      }
  }
}

export type FormCheck =
  { ok: true; patch: Partial<Settings> } | { ok: false; errors: Partial<Record<SettingKey, string>> };

/**
 * Checks the edited fields together with the current ones (limits may
 * relate fields) and returns only what changed, so saving does not pin
 * every default into the document.
 */
export function checkEdits(current: Settings, edits: Partial<Record<SettingKey, Draft>>): FormCheck {
  const errors: Partial<Record<SettingKey, string>> = {};
  const candidate: Record<string, unknown> = { ...current };
  for (const [key, draft] of Object.entries(edits) as [SettingKey, Draft][]) {
    const parsed = fromDraft(fieldKind(key), draft);
    if (parsed.ok) candidate[key] = parsed.value;
    else errors[key] = parsed.message;
  }
  const result = settingsSchema.safeParse(candidate);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [key, ...rest] = issue.path.map(String) as [SettingKey, ...string[]];
      const message = `${rest.length > 0 ? `${rest.join(" ")}: ` : ""}${plainMessage(issue, isDuration(key))}`;
      errors[key] = errors[key] ? `${errors[key]}; ${message}` : message;
    }
  }
  if (!result.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const patch = Object.fromEntries(
    Object.keys(edits)
      .filter((key) => JSON.stringify(result.data[key as SettingKey]) !== JSON.stringify(current[key as SettingKey]))
      .map((key) => [key, result.data[key as SettingKey]]),
  );
  return { ok: true, patch };
}

/** Zod's wording for limits ("expected number to be >=250") in an operator's words. */
function plainMessage(issue: z.core.$ZodIssue, duration: boolean): string {
  const amount = (n: number | bigint) => (duration ? durationText(Number(n)) : String(n));
  if (issue.code === "too_small") {
    return issue.origin === "string" ? `At least ${issue.minimum} characters` : `At least ${amount(issue.minimum)}`;
  }
  if (issue.code === "too_big") {
    return issue.origin === "string" ? `At most ${issue.maximum} characters` : `At most ${amount(issue.maximum)}`;
  }
  if (issue.code === "invalid_type" && issue.expected === "int" && duration) return "Whole milliseconds only";
  if (issue.code === "invalid_type" && issue.expected === "int") return "A whole number";
  return issue.message;
}

/** A limit in the units the form uses: "0.25 s", "2 min", "720 h". */
function durationText(ms: number): string {
  const unit = bestUnit(ms);
  return `${ms / unitMs(unit)} ${unit}`;
}

type FieldText = { label: string; help?: string };

// Words for the fields; a field missing here is labelled from its name.
const TEXTS: Record<string, FieldText> = {
  batchWindowMs: {
    label: "Batching window",
    help: "Quiet time after the latest message before the burst is answered.",
  },
  maxBatchMessages: { label: "Max messages per batch", help: "A burst this long is answered at once." },
  maxBatchWaitMs: { label: "Max wait", help: "Longest a customer waits from their first unanswered message." },
  typingEnabled: { label: "Show typing…", help: "On the channel, while buffering and while the model writes." },
  whatsappTypingIndicator: {
    label: "WhatsApp typing indicator",
    help: "WhatsApp's indicator also marks the message read; off keeps it unread.",
  },
  supersedeGuard: {
    label: "Supersede guard",
    help: "Drop a draft when the customer wrote again while the model was writing; the next batch answers everything.",
  },
  model: { label: "Model", help: "Anthropic model id." },
  systemPrompt: { label: "System prompt" },
  maxOutputTokens: { label: "Max output tokens" },
  historyMessages: { label: "History messages", help: "Earlier messages given to the model as context." },
  llmConcurrency: { label: "Model calls at once", help: "Further batches wait their turn." },
  llmTimeoutMs: { label: "Model timeout", help: "One attempt's time limit." },
  llmMaxAttempts: { label: "Model attempts", help: "Attempts per batch before it is marked failed for a human." },
  sendRetryBudgetMinutes: {
    label: "Send retries for (minutes)",
    help: "A reply hit by rate limits or a platform outage is retried this long (as the platform asks), then flagged for a human.",
  },
  deadLetterRetentionDays: {
    label: "Keep refused webhook events (days)",
    help: "Events a platform sent that could not be stored are listed on the Maintenance page for a retry, then purged by the nightly cleanup.",
  },
  telegramGroupsAnswerAll: { label: "Telegram groups: answer all", help: "Otherwise only when the bot is addressed." },
  webChatEnabled: {
    label: "Web chat open",
    help: "Visitors (and the playground) can write. Anyone with the URL can; turn it off if you do not use it.",
  },
  webChatMessagesPerMinute: { label: "Web chat messages per minute", help: "Per visitor; faster writing is refused." },
  webChatSessionsPerMinute: { label: "New web chat visitors per minute", help: "Site-wide; past it new visitors are asked to retry in a minute." },
  webChatModelCallsPerMinute: {
    label: "Web chat model calls per minute",
    help: "All visitors together. Past it visitors are asked to come back later and the dashboard shows a notice.",
  },
  webChatModelCallsPerDay: { label: "Web chat model calls per day", help: "All visitors together, per UTC day." },
  takeoverIdleResumeMs: {
    label: "Bot resumes after a quiet takeover of",
    help: "A takeover ends by itself after this long without messages (not while flagged for a human); 0 keeps it until an operator ends it.",
  },
  workingHoursEnabled: { label: "Use working hours", help: "Apply the weekly hours to replies and follow-ups." },
  workingHours: {
    label: "Working hours",
    help: "The business's week in its own time zone (IANA name, e.g. Europe/Berlin). Empty day: closed.",
  },
  afterHoursMode: { label: "After hours", help: "answer: the agent replies as usual; notice: send the notice below." },
  afterHoursNotice: { label: "After-hours notice" },
  followupFixedText: {
    label: "Fixed follow-up text",
    help: "Sent as every follow-up instead of a text the agent writes. Empty: the agent writes.",
  },
  meetingMinutes: { label: "Meeting length (minutes)" },
  meetingHorizonDays: { label: "Booking horizon (days)", help: "How far ahead meeting slots are offered." },
  autoResolveAfterMs: { label: "Auto-resolve after (ms)", help: "An open conversation this quiet is resolved by itself; 0: only operators resolve." },
  archiveAfterDays: { label: "Archive after (days since created)", help: "0: never by age." },
  archiveInactiveAfterDays: { label: "Archive after (days without messages)", help: "0: never by inactivity." },
  archiveResolvedQuietDays: { label: "Archive resolved after (quiet days)", help: "0: resolved conversations are not archived for this reason." },
  archiveRetentionDays: { label: "Keep archives (days)", help: "Older archives are deleted with their blobs; 0: kept forever." },
  metadataCategories: { label: "Own categories", help: 'JSON list, e.g. ["returns", "wholesale"]; added to the built-in ones.' },
  metadataTokenBudget: { label: "Metadata token budget", help: "Tokens one labelling run may spend before it stops." },
  syncReplyHorizonMs: { label: "Sync reply horizon (ms)", help: "Messages found by history sync older than this go to a human instead of the bot." },
  analyticsEnabled: {
    label: "Record analytics",
    help: "Records events for the analytics page, bucketed in the working-hours time zone. Batch records on the conversation pages are always kept.",
  },
  csatSurveyEnabled: {
    label: "CSAT survey on resolve",
    help: "When a conversation is resolved and the channel's reply window is open, ask for a 1–5 rating. The answer is recorded, not answered by the bot.",
  },
  npsSurveyEnabled: { label: "NPS survey on resolve", help: "Ask 0–10 \"would you recommend us\" instead of CSAT, at most once per contact per interval." },
  npsIntervalDays: { label: "NPS at most every (days)", help: "Per contact." },
  csatQuestionEn: { label: "CSAT question (English)" },
  csatQuestionRu: { label: "CSAT question (Russian)", help: "Sent when the customer's last message is mostly Cyrillic." },
  npsQuestionEn: { label: "NPS question (English)" },
  npsQuestionRu: { label: "NPS question (Russian)" },
  analyticsRawRetentionDays: { label: "Keep raw events (days)", help: "The what-if batching replay reads these." },
  analyticsHourlyRetentionDays: { label: "Keep hourly buckets (days)" },
  analyticsDailyRetentionDays: { label: "Keep daily buckets (days)" },
  analyticsWeeklyRetentionDays: { label: "Keep weekly buckets (days)" },
  analyticsMonthlyRetentionDays: { label: "Keep monthly buckets (days)" },
  analyticsReportRetentionDays: { label: "Keep reports (days)", help: "Generated CSV reports older than this are deleted with their files; 0: kept forever." },
};

export function fieldText(key: SettingKey): FieldText {
  return TEXTS[key] ?? { label: key.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase()) };
}

const SECTIONS: { title: string; keys: string[]; advanced?: boolean }[] = [
  {
    title: "Batching",
    keys: [
      "batchWindowMs",
      "maxBatchMessages",
      "maxBatchWaitMs",
      "typingEnabled",
      "whatsappTypingIndicator",
      "supersedeGuard",
    ],
  },
  {
    title: "Model (advanced)",
    advanced: true,
    keys: [
      "model",
      "systemPrompt",
      "maxOutputTokens",
      "historyMessages",
      "llmConcurrency",
      "llmTimeoutMs",
      "llmMaxAttempts",
    ],
  },
  { title: "Working hours", keys: ["workingHoursEnabled", "workingHours", "afterHoursMode", "afterHoursNotice"] },
  {
    title: "Channels, takeover and follow-ups",
    keys: [
      "telegramGroupsAnswerAll",
      "sendRetryBudgetMinutes",
      "deadLetterRetentionDays",
      "webChatEnabled",
      "webChatMessagesPerMinute",
      "webChatSessionsPerMinute",
      "webChatModelCallsPerMinute",
      "webChatModelCallsPerDay",
      "takeoverIdleResumeMs",
      "followupFixedText",
      "meetingMinutes",
      "meetingHorizonDays",
    ],
  },
  {
    title: "Analytics",
    keys: [
      "analyticsEnabled",
      "analyticsRawRetentionDays",
      "analyticsHourlyRetentionDays",
      "analyticsDailyRetentionDays",
      "analyticsWeeklyRetentionDays",
      "analyticsMonthlyRetentionDays",
      "analyticsReportRetentionDays",
    ],
  },
  {
    title: "Satisfaction surveys",
    keys: ["csatSurveyEnabled", "npsSurveyEnabled", "npsIntervalDays", "csatQuestionEn", "csatQuestionRu", "npsQuestionEn", "npsQuestionRu"],
  },
  {
    title: "Lifecycle: resolve, archive, labels",
    keys: [
      "autoResolveAfterMs",
      "archiveAfterDays",
      "archiveInactiveAfterDays",
      "archiveResolvedQuietDays",
      "archiveRetentionDays",
      "metadataCategories",
      "metadataTokenBudget",
      "syncReplyHorizonMs",
    ],
  },
];

/** Every setting, in sections; settings no section names go last under "Other". */
export function sections(): { title: string; keys: SettingKey[]; advanced: boolean }[] {
  const all = Object.keys(settingsSchema.shape) as SettingKey[];
  const placed = new Set(SECTIONS.flatMap((s) => s.keys));
  const result = SECTIONS.map((s) => ({
    title: s.title,
    advanced: s.advanced ?? false,
    keys: s.keys.filter((k): k is SettingKey => all.includes(k as SettingKey)),
  }));
  result.push({ title: "Other (advanced)", advanced: true, keys: all.filter((k) => !placed.has(k)) });
  return result.filter((s) => s.keys.length > 0);
}

/** Which parts of the working-hours field an error names: the zone, and which days. */
export function weekErrorParts(error: string | undefined): { zone: boolean; days: Set<string> } {
  if (!error) return { zone: false, days: new Set() };
  const days = new Set(WEEKDAY_KEYS.filter((day) => new RegExp(`(^|[\\s;])(days )?${day}\\b`).test(error)));
  return { zone: /timeZone|time zone/i.test(error) || days.size === 0, days };
}

/** The id of the input an error should focus: a working-hours error focuses the day or the zone it names. */
export function errorTargetId(key: SettingKey, error: string): string {
  if (fieldKind(key).kind === "week") {
    const parts = weekErrorParts(error);
    const [day] = [...parts.days];
    if (!parts.zone && day) return `setting-${key}-${day}`;
  }
  return `setting-${key}`;
}

/** Durations are stored in ms and typed in the unit people use. */
export const DURATION_UNITS = [
  { unit: "s", ms: 1000 },
  { unit: "min", ms: 60_000 },
  { unit: "h", ms: 3_600_000 },
] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number]["unit"];

/** The largest unit that shows `ms` as a whole number (4 h, 30 min, 4 s), else seconds. */
export function bestUnit(ms: number): DurationUnit {
  for (const { unit, ms: size } of [...DURATION_UNITS].reverse()) {
    if (ms !== 0 && ms % size === 0) return unit;
  }
  return "s";
}

export function unitMs(unit: DurationUnit): number {
  return DURATION_UNITS.find((u) => u.unit === unit)!.ms;
}

/** Settings whose value is a duration in milliseconds. */
export function isDuration(key: SettingKey): boolean {
  return key.endsWith("Ms");
}
