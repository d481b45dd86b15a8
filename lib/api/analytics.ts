/**
 * Shapes of the analytics endpoints (GET /api/analytics/dashboard,
 * /api/analytics/timeseries, /api/metrics), in zod like lib/api/schemas.ts:
 * the routes parse and check with them, the OpenAPI document is built
 * from them. The numbers: docs/analytics.md.
 */
import { z } from "zod";
import { GRANULARITIES } from "../analytics/buckets";
import { EVENT_TYPES, ROLLUP_DIMENSIONS } from "../analytics/events";

/** Buckets one timeseries answer holds at most (the page's queries read ≤ 250 rollup rows). */
export const MAX_POINTS = 250;
/** Nominal bucket lengths, for refusing a range that would be cut short (DST may add one bucket). */
const NOMINAL_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;

/** A time as epoch milliseconds or an ISO 8601 date/time. */
const time = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected epoch milliseconds or an ISO 8601 time" });
      return z.NEVER;
    }
    return ms;
  });

const card = z.object({
  conversationsStarted: z.number().int(),
  messagesReceived: z.number().int(),
  messagesSent: z.number().int(),
  firstResponseMs: z
    .object({ p50: z.number().nullable(), p95: z.number().nullable() })
    .describe("First response time (bot and human together), ms; null with no first replies"),
  escalationRate: z.number().nullable().describe("Escalations per conversation started, 0–1; null with none started"),
  csat: z.number().nullable().describe("Average CSAT rating (1–5); null with no ratings"),
  csatResponses: z.number().int(),
});
const change = z.number().nullable();

export const analyticsDashboardQuery = z.object({});
export const analyticsDashboardResponse = z.object({
  today: card.describe("Today so far, in the business time zone"),
  yesterday: card,
  change: z
    .object({
      conversationsStarted: change,
      messagesReceived: change,
      messagesSent: change,
      firstResponseP50: change,
      escalationRate: change,
      csat: change,
    })
    .describe("Relative change today vs yesterday (0.25 = +25 %); null when yesterday had none"),
  timeZone: z.string().describe("The business time zone the days are cut in (IANA)"),
  complete: z.boolean().describe("False when more raw events waited for the rollup than one read takes; exact again after the next run"),
});

export const analyticsTimeseriesQuery = z
  .object({
    metric: z.enum(EVENT_TYPES).describe("The event type to count (docs/analytics.md lists them)"),
    granularity: z.enum(GRANULARITIES).default("day").describe("Bucket size, cut in the business time zone"),
    from: time.describe("Start (epoch ms or ISO 8601); rounded down to its bucket"),
    to: time.describe("End, exclusive (epoch ms or ISO 8601)"),
    groupBy: z.enum(ROLLUP_DIMENSIONS).default("all").describe("One value set per bucket per value of this dimension"),
  })
  .superRefine((q, ctx) => {
    if (q.from >= q.to) ctx.addIssue({ code: "custom", path: ["from"], message: "must be before `to`" });
    else if ((q.to - q.from) / NOMINAL_MS[q.granularity] > MAX_POINTS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `the range holds more than ${MAX_POINTS} ${q.granularity} buckets; narrow it or use a coarser granularity` });
    }
  });

const summary = z.object({
  count: z.number().int().describe("Events in the bucket"),
  valueSum: z.number().nullable().describe("Sum of the events' values (characters, batch sizes, ratings…)"),
  valueAvg: z.number().nullable(),
  p50: z.number().nullable().describe("Median duration, ms (≤ 1 % relative error)"),
  p95: z.number().nullable().describe("95th percentile duration, ms (≤ 1 % relative error)"),
  avgMs: z.number().nullable().describe("Mean duration, ms"),
});

export const analyticsTimeseriesResponse = z.object({
  metric: z.enum(EVENT_TYPES),
  granularity: z.enum(GRANULARITIES),
  groupBy: z.enum(ROLLUP_DIMENSIONS),
  timeZone: z.string(),
  points: z
    .array(
      z.object({
        start: z.number().describe("Bucket start, epoch ms"),
        label: z.string().describe("Bucket start in the business time zone"),
        values: z.record(z.string(), summary).describe("Per dimension value (`all` when not grouped); empty for a bucket with no events"),
      }),
    )
    .describe("Every bucket in range, empty ones too"),
  complete: z.boolean().describe("False when a read hit its bound (numbers may be low); exact again after the next rollup run"),
});

export const metricsQuery = z.object({});
export const metricsResponse = z
  .string()
  .describe(
    "Prometheus text exposition format 0.0.4. Families (prefix burstreply_): messages_total{channel,direction}, batches_total{flush_reason}, " +
      "replies_total{responder}, send_failures_total{reason}, followups_total{outcome}, model_calls_total{outcome: replied|superseded|skipped|error}, " +
      "model_errors_total, escalations_total{reason: agent|model_failed|send_failed|delivery_unknown|sync|other}, conversations{state}, " +
      "conversations_needing_human, pending_scheduled_actions{kind}, oldest_unanswered_message_age_seconds{waiting_for}, " +
      "reply_time_seconds{responder} (histogram), metrics_complete (docs/analytics.md)",
  );
