/**
 * Analytics tables, spread into convex/schema.ts. Nothing here is read by the
 * message path: ingest and the batch lifecycle only insert events.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vAnalyticsEventFields, vEventType, vRollupDimension } from "../../lib/analytics/events";
import { vBucketStats } from "../../lib/analytics/rollup";

export const vSurveyKind = v.union(v.literal("csat"), v.literal("nps"));

/**
 * A conversation's survey waiting for its answer (docs/analytics.md,
 * "Surveys"): set in the transaction that resolves it and sends the
 * question; cleared by the customer's next message, whether it is the
 * answer or not. Spread into `conversations`.
 */
export const surveyConversationFields = {
  pendingSurvey: v.optional(v.object({ kind: vSurveyKind, sentAt: v.number(), messageId: v.id("messages") })),
};
/** When the contact was last asked for NPS (at most once per `npsIntervalDays`). Spread into `contacts`. */
export const surveyContactFields = { lastNpsAt: v.optional(v.number()) };
/** Outbound: the survey question this message asks; inbound: the survey it answers. Spread into `messages`. */
export const surveyMessageFields = { survey: v.optional(vSurveyKind) };

export const vGranularity = v.union(v.literal("hour"), v.literal("day"), v.literal("week"), v.literal("month"));

export const vReportPeriod = v.union(v.literal("daily"), v.literal("weekly"), v.literal("monthly"));
export const vReportSummary = v.object({
  conversations: v.number(),
  messagesIn: v.number(),
  messagesOut: v.number(),
  resolved: v.number(),
  aiResolved: v.number(),
  escalated: v.number(),
  csatAverage: v.union(v.number(), v.null()),
  csatResponses: v.number(),
  nps: v.union(v.number(), v.null()),
  npsResponses: v.number(),
});

export const analyticsTables = {
  /**
   * One generated report (docs/analytics.md, "Reports"): a CSV with a row
   * per conversation active in [from, to), in file storage. Written by
   * model/analytics.ts (started by the hourly cron or an owner's "generate
   * now", finished by the writer action); read by the Reports page.
   * Invariant: at most one row per (period, from) that is not `toDate`.
   */
  analyticsReports: defineTable({
    period: vReportPeriod,
    from: v.number(),
    to: v.number(),
    timeZone: v.string(),
    /** An owner's report of the running period up to `to`; the cron's are closed periods. */
    toDate: v.boolean(),
    status: v.union(v.literal("generating"), v.literal("ready"), v.literal("failed")),
    requestedAt: v.number(),
    finishedAt: v.optional(v.number()),
    storageId: v.optional(v.id("_storage")),
    /**
     * The secret in the report's download link (convex/http.ts serves the
     * file to whoever has the link, like Convex's own storage URLs; the
     * link is shown only to signed-in operators).
     */
    downloadKey: v.optional(v.string()),
    bytes: v.optional(v.number()),
    rows: v.optional(v.number()),
    summary: v.optional(vReportSummary),
    error: v.optional(v.string()),
  })
    // the cron: is this closed period's report made already?
    .index("by_period_and_from", ["period", "from"])
    // the Reports page, newest first
    .index("by_requested_at", ["requestedAt"])
    // lifecycle cleanup: a blob a report points at is not an orphan
    .index("by_storage_id", ["storageId"]),

  /**
   * Raw events, insert-only. Written by `recordEvent` in the same
   * transaction as the change each records; read by the rollup (past the
   * watermark, in creation order), the raw tail of the queries, the
   * batching tuner and retention. Never patched: no hot documents.
   */
  analyticsEvents: defineTable(vAnalyticsEventFields)
    // recordEvent: a redelivered fact (same type and key) is recorded once
    .index("by_type_and_dedupe_key", ["type", "dedupeKey"])
    // raw tail of one type past the watermark, and the tuner's inbound times:
    // both need creation order, which the dedupe index does not give
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_type", ["type"])
    // links from a chart to the conversation's events
    .index("by_conversation_and_at", ["conversationId", "at"])
    // a chart's link to its conversations (dashboard.eventConversations): one type's events in a time range
    .index("by_type_and_at", ["type", "at"])
    // a staff member's activity
    .index("by_staff_and_at", ["staffId", "at"])
    // a channel's events over time
    .index("by_channel_and_at", ["channel", "at"]),

  /**
   * One bucket of one series: (granularity, start, event type, dimension,
   * dimension value) → mergeable statistics. Written only by the rollup
   * (merging new events in) and retention; read by the analytics queries.
   * Invariant: together the rows hold exactly the events created at or
   * before the watermark, each once per granularity and dimension.
   */
  analyticsRollups: defineTable({
    granularity: vGranularity,
    start: v.number(),
    type: vEventType,
    dimension: vRollupDimension,
    dimensionValue: v.string(),
    stats: vBucketStats,
  })
    // rollup: the one row of a bucket; a single series over time
    .index("by_series_and_start", ["granularity", "type", "dimension", "dimensionValue", "start"])
    // a chart grouped by a dimension: every value's row per bucket
    .index("by_granularity_and_type_and_dimension_and_start", ["granularity", "type", "dimension", "start"])
    // retention: old buckets of one granularity
    .index("by_granularity_and_start", ["granularity", "start"]),

  /**
   * The rollup's progress (key "rollup"): every event created at or before
   * `watermark` is in the rollup rows. Written by the rollup and retention;
   * read by the analytics queries to know where the raw tail begins.
   */
  analyticsState: defineTable({
    key: v.literal("rollup"),
    watermark: v.number(),
    /** The zone the buckets were cut in; a change applies to new buckets only. */
    timeZone: v.string(),
    eventsRolled: v.number(),
    lastRunAt: v.number(),
    lastRetention: v.optional(
      v.object({
        at: v.number(),
        events: v.number(),
        hour: v.number(),
        day: v.number(),
        week: v.number(),
        month: v.number(),
        reports: v.optional(v.number()),
      }),
    ),
  }).index("by_key", ["key"]),
};
