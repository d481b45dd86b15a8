/**
 * Operator settings: one zod schema is the source of truth for the fields
 * and their limits, next to their defaults. The Convex table validator is derived
 * from it (convex/validators.ts) and the dashboard form validates with it.
 */
import { z } from "zod";
import { HOUR, SECOND } from "./time";
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
  /** Feed the analytics rollups (arriving with the analytics pages); batch records are kept regardless, since delivery relies on them. */
  analyticsEnabled: z.boolean(),
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
  model: "claude-sonnet-4-6",
  systemPrompt: DEFAULT_SYSTEM_PROMPT,
  maxOutputTokens: 1024,
  historyMessages: 30,
  supersedeGuard: true,
  llmConcurrency: 4,
  llmTimeoutMs: 60 * SECOND,
  llmMaxAttempts: 4,
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
