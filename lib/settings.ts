/**
 * Operator settings: one zod schema is the source of truth for the fields
 * and their limits, next to their defaults. The Convex table validator is derived
 * from it (convex/validators.ts) and the dashboard form validates with it.
 */
import { z } from "zod";
import { DAY, HOUR, SECOND } from "./time";
import { DEFAULT_WORKING_HOURS, workingHoursSchema } from "./workingHours";

export const DEFAULT_SYSTEM_PROMPT = [
  "You are the friendly assistant of a small business, answering customers in a chat.",
  "Customers often write several short messages in a row; answer all of them together in one reply.",
  "Answer in the customer's language. Be brief and concrete. If you do not know something, say so and offer to connect a human.",
].join("\n");

export const settingsSchema = z.object({
  /** Quiet time after the latest message before the burst is answered. */
  batchWindowMs: z.number().int().min(250).max(120 * SECOND),
  /** A burst this long is answered at once. */
  maxBatchMessages: z.number().int().min(1).max(100),
  /** Longest a customer waits from their first unanswered message. */
  maxBatchWaitMs: z.number().int().min(SECOND).max(600 * SECOND),
  /** Show "typing…" on the channel while buffering and while the model writes. */
  typingEnabled: z.boolean(),
  /** WhatsApp's typing indicator also marks the message read; off keeps it unread. */
  whatsappTypingIndicator: z.boolean(),
  /** Record analytics events (the /analytics page); batch records are kept regardless, since delivery relies on them. Buckets use the working-hours time zone. */
  analyticsEnabled: z.boolean(),
  /** How long raw analytics events are kept, in days (the what-if replay reads them). */
  analyticsRawRetentionDays: z.number().int().min(1).max(3650),
  /** How long hourly, daily, weekly and monthly rollup buckets are kept, in days. */
  analyticsHourlyRetentionDays: z.number().int().min(1).max(3650),
  analyticsDailyRetentionDays: z.number().int().min(1).max(3650),
  analyticsWeeklyRetentionDays: z.number().int().min(1).max(3650),
  analyticsMonthlyRetentionDays: z.number().int().min(1).max(3650),
  /** Generated reports (CSV files) older than this many days are deleted; 0: kept forever. */
  analyticsReportRetentionDays: z.number().int().min(0).max(3650),
  /** Ask for a 1–5 rating when a conversation is resolved (within the channel's reply window). */
  csatSurveyEnabled: z.boolean(),
  /** Ask "how likely to recommend us, 0–10" instead, at most once per contact per `npsIntervalDays`. */
  npsSurveyEnabled: z.boolean(),
  npsIntervalDays: z.number().int().min(1).max(3650),
  /** Survey questions, in English and Russian (picked by the customer's last message). */
  csatQuestionEn: z.string().min(1).max(1000),
  csatQuestionRu: z.string().min(1).max(1000),
  npsQuestionEn: z.string().min(1).max(1000),
  npsQuestionRu: z.string().min(1).max(1000),
  model: z.string().min(1),
  systemPrompt: z.string().min(1).max(20_000),
  maxOutputTokens: z.number().int().min(64).max(8192),
  /** Earlier messages given to the model as context. */
  historyMessages: z.number().int().min(0).max(200),
  /** Drop a draft when the customer wrote again while the model was writing. */
  supersedeGuard: z.boolean(),
  /** Model calls in flight at once; further batches wait their turn. */
  llmConcurrency: z.number().int().min(1).max(64),
  /** One model attempt's time limit (Convex actions stop at 10 minutes). */
  llmTimeoutMs: z.number().int().min(5 * SECOND).max(300 * SECOND),
  /** Model attempts per batch before it is marked failed for a human. */
  llmMaxAttempts: z.number().int().min(1).max(10),
  /**
   * How long a reply keeps being retried after rate limits and platform
   * outages (honouring retry_after) before a human is asked to step in.
   */
  sendRetryBudgetMinutes: z.number().int().min(1).max(24 * 60),
  /** Webhook events Convex refused (the dead-letter list on the Maintenance page) are purged by the nightly cleanup after this many days. */
  deadLetterRetentionDays: z.number().int().min(1).max(3650),
  /** Telegram groups: answer every message, not only when addressed. */
  telegramGroupsAnswerAll: z.boolean(),
  /** The built-in web chat (and the playground) accept visitors; anyone with the URL can write. */
  webChatEnabled: z.boolean(),
  /** Web chat messages one visitor may send per minute; more are refused with a clear error. */
  webChatMessagesPerMinute: z.number().int().min(1).max(120),
  /** New web chat sessions the whole site may start per minute (strangers could mint endless visitors). */
  webChatSessionsPerMinute: z.number().int().min(1).max(10_000),
  /** Web chat model calls (bursts answered) per minute and per day for all visitors together; past it visitors are asked to come back later. */
  webChatModelCallsPerMinute: z.number().int().min(1).max(10_000),
  webChatModelCallsPerDay: z.number().int().min(1).max(1_000_000),
  /** Apply the weekly hours below to replies and follow-ups. */
  workingHoursEnabled: z.boolean(),
  /** The business's week in its own time zone, also the default zone for customers. */
  workingHours: workingHoursSchema,
  /** Outside working hours: the agent answers as usual, or sends the notice below. */
  afterHoursMode: z.enum(["answer", "notice"]),
  afterHoursNotice: z.string().min(1).max(1000),
  /** Send this text as every follow-up instead of letting the agent write one. Empty: the agent writes. */
  followupFixedText: z.string().max(1000),
  /** A takeover ends by itself after this long without messages (not while flagged for a human); 0: only an operator ends it. */
  takeoverIdleResumeMs: z.number().int().min(0).max(30 * 24 * HOUR),
  /** Built-in calendar: meeting length and how far ahead slots are offered. */
  meetingMinutes: z.number().int().min(10).max(240),
  meetingHorizonDays: z.number().int().min(1).max(90),
  /** An open conversation with no message for this long is resolved by itself; 0: only operators resolve. */
  autoResolveAfterMs: z.number().int().min(0).max(90 * DAY),
  /** Archive conversations created more than this many days ago; 0: never by age. */
  archiveAfterDays: z.number().int().min(0).max(3650),
  /** Archive conversations with no message for this many days; 0: never by inactivity. */
  archiveInactiveAfterDays: z.number().int().min(0).max(3650),
  /** Archive resolved conversations quiet for this many days; 0: never for this reason. */
  archiveResolvedQuietDays: z.number().int().min(0).max(3650),
  /** Archives older than this many days are deleted with their blobs; 0: kept forever. */
  archiveRetentionDays: z.number().int().min(0).max(36500),
  /** The business's own conversation categories, besides appointment, inquiry, complaint, feedback and general. */
  metadataCategories: z.array(z.string().trim().min(1).max(40)).max(20),
  /** Token budget (input + output) of one metadata run; the run stops when it is spent. */
  metadataTokenBudget: z.number().int().min(1000).max(10_000_000),
  /** Messages found by history sync older than this are flagged for a human instead of answered late. */
  syncReplyHorizonMs: z.number().int().min(0).max(7 * DAY),
});

export type Settings = z.infer<typeof settingsSchema>;

/** What an operator may change: any subset of the fields. */
export const settingsPatchSchema = settingsSchema.partial();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** Sane defaults for a new deployment; validated by the settings tests. */
export const DEFAULT_SETTINGS: Settings = {
  batchWindowMs: 4 * SECOND,
  maxBatchMessages: 10,
  maxBatchWaitMs: 30 * SECOND,
  typingEnabled: true,
  whatsappTypingIndicator: true,
  analyticsEnabled: true,
  analyticsRawRetentionDays: 90,
  analyticsHourlyRetentionDays: 30,
  analyticsDailyRetentionDays: 365,
  analyticsWeeklyRetentionDays: 730,
  analyticsMonthlyRetentionDays: 1095,
  analyticsReportRetentionDays: 730,
  csatSurveyEnabled: false,
  npsSurveyEnabled: false,
  npsIntervalDays: 90,
  csatQuestionEn: "How would you rate our help? Reply with a number from 1 (poor) to 5 (excellent), and add a comment if you like.",
  csatQuestionRu: "Как вы оцените нашу помощь? Ответьте числом от 1 (плохо) до 5 (отлично), можно добавить комментарий.",
  npsQuestionEn: "How likely are you to recommend us to a friend? Reply with a number from 0 (not at all) to 10 (very likely).",
  npsQuestionRu: "Насколько вероятно, что вы порекомендуете нас другу? Ответьте числом от 0 (точно нет) до 10 (обязательно).",
  model: "claude-sonnet-4-6",
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  maxOutputTokens: 1024,
  historyMessages: 30,
  supersedeGuard: true,
  llmConcurrency: 4,
  llmTimeoutMs: 60 * SECOND,
  llmMaxAttempts: 4,
  sendRetryBudgetMinutes: 15,
  deadLetterRetentionDays: 30,
  telegramGroupsAnswerAll: false,
  webChatEnabled: true,
  webChatMessagesPerMinute: 20,
  webChatSessionsPerMinute: 60,
  webChatModelCallsPerMinute: 60,
  webChatModelCallsPerDay: 5000,
  workingHoursEnabled: false,
  workingHours: DEFAULT_WORKING_HOURS,
  afterHoursMode: "answer",
  afterHoursNotice: "Thanks for your message! We are closed right now and will get back to you as soon as we open.",
  followupFixedText: "",
  takeoverIdleResumeMs: 4 * HOUR,
  meetingMinutes: 30,
  meetingHorizonDays: 14,
  autoResolveAfterMs: 24 * HOUR,
  archiveAfterDays: 90,
  archiveInactiveAfterDays: 60,
  archiveResolvedQuietDays: 30,
  archiveRetentionDays: 365,
  metadataCategories: [],
  metadataTokenBudget: 200_000,
  syncReplyHorizonMs: 1 * HOUR,
};

/**
 * Stored fields over defaults. A stored value that no longer validates (a
 * hand edit, an old limit) falls back to its default instead of breaking
 * every conversation; `problems` lists them for the settings page.
 */
export function resolveSettings(stored: Record<string, unknown> | null): {
  settings: Settings;
  problems: string[];
} {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  const fields = settingsSchema.shape;
  for (const [key, value] of Object.entries(stored ?? {})) {
    if (!(key in fields) || value === undefined) continue;
    const parsed = fields[key as keyof Settings].safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
    else problems.push(`${key}: ${parsed.error.issues[0]?.message ?? "invalid"}; using the default`);
  }
  return { settings: settings as Settings, problems };
}
