/**
 * Owner of the analytics tables: `analyticsEvents` (insert-only, through
 * `recordEvent`), `analyticsRollups` and `analyticsState` (the rollup and
 * retention). Pure math is in lib/analytics/; the cron registrations and the
 * page's queries are in convex/analytics/.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { GRANULARITIES, type Granularity } from "../../lib/analytics/buckets";
import type { AnalyticsEvent, EscalationCause, ModelCallOutcome } from "../../lib/analytics/events";
import { mergeStats, rollupEvents } from "../../lib/analytics/rollup";
import type { Settings } from "../../lib/settings";
import { DAY, SECOND } from "../../lib/time";
import { loadSettings } from "./settings";

/**
 * Inserts the event unless analytics is off or the same fact (type and
 * `dedupeKey`) was already recorded. Costs one insert; plus one indexed read
 * when the event carries a dedupe key, plus the settings read when the
 * caller does not pass the settings it already holds.
 * Returns whether an event was written.
 */
export async function recordEvent(
  ctx: MutationCtx,
  event: AnalyticsEvent,
  settings?: Pick<Settings, "analyticsEnabled">,
): Promise<boolean> {
  const { analyticsEnabled } = settings ?? (await loadSettings(ctx));
  if (!analyticsEnabled) return false;
  if (event.dedupeKey !== undefined) {
    const seen = await ctx.db
      .query("analyticsEvents")
      .withIndex("by_type_and_dedupe_key", (q) => q.eq("type", event.type).eq("dedupeKey", event.dedupeKey))
      .first();
    if (seen) return false;
  }
  await ctx.db.insert("analyticsEvents", event);
  return true;
}

/**
 * staff.login / staff.logout: an operator's session began (Convex Auth's
 * beforeSessionCreation, in the sign-in's transaction) or was signed out.
 * A session id, when known, makes a retried sign-out count once.
 */
export async function recordStaffSession(
  ctx: MutationCtx,
  type: "staff.login" | "staff.logout",
  staffId: string,
  now: number,
  sessionId?: string,
): Promise<boolean> {
  return await recordEvent(ctx, { type, at: now, staffId, ...(sessionId ? { dedupeKey: `${type}:${sessionId}` } : {}) });
}

/** Events per rollup transaction; with ≤ 5 dimensions × 4 granularities a page stays far inside Convex's limits. */
export const ROLLUP_PAGE = 200;
/**
 * Events younger than this wait for the next run: a transaction that began
 * before the run may still commit an event with an earlier creation time.
 * The queries read them from the raw tail meanwhile, so nothing is late.
 */
export const ROLLUP_LAG_MS = 10 * SECOND;

export async function loadState(ctx: QueryCtx): Promise<Doc<"analyticsState"> | null> {
  return await ctx.db
    .query("analyticsState")
    .withIndex("by_key", (q) => q.eq("key", "rollup"))
    .unique();
}

export type RollupRun = { events: number; rows: number; more: boolean };

/** One page: the helper the cron, the tests and the bench call. */
export async function rollupPage(ctx: MutationCtx, now: number, pageSize = ROLLUP_PAGE): Promise<RollupRun> {
  const settings = await loadSettings(ctx);
  const timeZone = settings.workingHours.timeZone;
  const state = await loadState(ctx);
  const watermark = state?.watermark ?? 0;
  const page = await ctx.db
    .query("analyticsEvents")
    .withIndex("by_creation_time", (q) => q.gt("_creationTime", watermark).lt("_creationTime", now - ROLLUP_LAG_MS))
    .take(pageSize + 1);
  const more = page.length > pageSize;
  let events = page.slice(0, pageSize);
  if (more) {
    // Events sharing the boundary's creation time go together into the next page.
    const boundary = page[pageSize]!._creationTime;
    const kept = events.filter((e) => e._creationTime < boundary);
    if (kept.length > 0) events = kept;
  }
  if (events.length === 0) {
    if (!state) await ctx.db.insert("analyticsState", { key: "rollup", watermark, timeZone, eventsRolled: 0, lastRunAt: now });
    return { events: 0, rows: 0, more: false };
  }

  let rows = 0;
  for (const { key, stats } of rollupEvents(events, GRANULARITIES, timeZone).values()) {
    const row = await ctx.db
      .query("analyticsRollups")
      .withIndex("by_series_and_start", (q) =>
        q
          .eq("granularity", key.granularity)
          .eq("type", key.type)
          .eq("dimension", key.dimension)
          .eq("dimensionValue", key.dimensionValue)
          .eq("start", key.start),
      )
      .unique();
    if (row) await ctx.db.patch("analyticsRollups", row._id, { stats: mergeStats(row.stats, stats) });
    else await ctx.db.insert("analyticsRollups", { ...key, stats });
    rows += 1;
  }
  const next = {
    watermark: events[events.length - 1]!._creationTime,
    timeZone,
    eventsRolled: (state?.eventsRolled ?? 0) + events.length,
    lastRunAt: now,
  };
  if (state) await ctx.db.patch("analyticsState", state._id, next);
  else await ctx.db.insert("analyticsState", { key: "rollup", ...next });
  return { events: events.length, rows, more };
}

/** Documents deleted per transaction. */
export const RETENTION_PAGE = 500;

export const vRetentionCounts = v.object({
  events: v.number(),
  hour: v.number(),
  day: v.number(),
  week: v.number(),
  month: v.number(),
  /** Reports deleted with their files (optional: sweeps scheduled before reports existed lack it). */
  reports: v.optional(v.number()),
});
/** Reports (and files) deleted per transaction at most. */
const REPORT_RETENTION_PAGE = 50;
type Counts = typeof vRetentionCounts.type;

export async function retentionPage(ctx: MutationCtx, now: number, counts: Counts): Promise<{ counts: Counts; more: boolean }> {
  const settings = await loadSettings(ctx);
  const state = await loadState(ctx);
  const next = { ...counts };
  let budget = RETENTION_PAGE;
  // Raw events the rollup has not read yet are kept whatever their age.
  const eventCutoff = Math.min(now - settings.analyticsRawRetentionDays * DAY, state?.watermark ?? 0);
  const events = await ctx.db
    .query("analyticsEvents")
    .withIndex("by_creation_time", (q) => q.lte("_creationTime", eventCutoff))
    .take(budget);
  for (const e of events) await ctx.db.delete("analyticsEvents", e._id);
  next.events += events.length;
  budget -= events.length;
  const keepDays: Record<Granularity, number> = {
    hour: settings.analyticsHourlyRetentionDays,
    day: settings.analyticsDailyRetentionDays,
    week: settings.analyticsWeeklyRetentionDays,
    month: settings.analyticsMonthlyRetentionDays,
  };
  for (const granularity of GRANULARITIES) {
    if (budget <= 0) break;
    const rows = await ctx.db
      .query("analyticsRollups")
      .withIndex("by_granularity_and_start", (q) => q.eq("granularity", granularity).lt("start", now - keepDays[granularity] * DAY))
      .take(budget);
    for (const row of rows) await ctx.db.delete("analyticsRollups", row._id);
    next[granularity] += rows.length;
    budget -= rows.length;
  }
  if (budget > 0 && settings.analyticsReportRetentionDays > 0) {
    const reports = await ctx.db
      .query("analyticsReports")
      .withIndex("by_requested_at", (q) => q.lt("requestedAt", now - settings.analyticsReportRetentionDays * DAY))
      .take(Math.min(budget, REPORT_RETENTION_PAGE));
    for (const report of reports) {
      if (report.storageId) await ctx.storage.delete(report.storageId);
      await ctx.db.delete("analyticsReports", report._id);
    }
    next.reports = (next.reports ?? 0) + reports.length;
    // A full page may leave more: the sweep goes on.
    budget = reports.length === REPORT_RETENTION_PAGE ? 0 : budget - reports.length;
  }
  const more = budget <= 0;
  if (!more && state) await ctx.db.patch("analyticsState", state._id, { lastRetention: { at: now, ...next } });
  return { counts: next, more };
}

// ---------------------------------------------------------------------------
// What each completion hook records (one call per hook). Every event carries
// a dedupe key, so a hook that runs again for the same fact records nothing.

/** How far into a conversation's start and end a reply's timing looks. */
const TIMING_LOOKBACK = 30;

/**
 * Whether `replyId` is the conversation's first reply, and how long the
 * customer waited for it: first reply → since the conversation's first
 * customer message (first response time); later → since the latest
 * customer message before it (reply time per burst). Each side reads
 * messages one at a time and stops at the first that answers it (usually
 * within a few), never past TIMING_LOOKBACK: this runs on every reply.
 */
async function replyTiming(ctx: QueryCtx, conversationId: Doc<"messages">["conversationId"], replyId: Doc<"messages">["_id"], sentAt: number) {
  const byConversation = () => ctx.db.query("messages").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId));
  let firstIn: Doc<"messages"> | undefined;
  let firstReply: Doc<"messages"> | undefined;
  let read = 0;
  for await (const m of byConversation()) {
    if (!firstIn && m.direction === "in") firstIn = m;
    if (!firstReply && m.direction === "out" && m.scheduledActionId === undefined && (m._id === replyId || ["sent", "delivered", "read"].includes(m.status))) firstReply = m;
    // Known: not the first reply, or the first with the time it answers.
    if ((firstReply && (firstReply._id !== replyId || firstIn)) || ++read >= TIMING_LOOKBACK) break;
  }
  if (firstReply?._id === replyId && firstIn) return { kind: "first", durationMs: Math.max(0, sentAt - firstIn.receivedAt) };
  read = 0;
  for await (const m of byConversation().order("desc")) {
    if (m.direction === "in" && m.receivedAt <= sentAt) return { kind: "next", durationMs: Math.max(0, sentAt - m.receivedAt) };
    if (++read >= TIMING_LOOKBACK) break;
  }
  return { kind: "next", durationMs: undefined };
}

/** Ingest stored a customer message (ingest dedupes redeliveries itself; this adds one insert, no read). */
export async function recordMessageReceived(
  ctx: MutationCtx,
  message: Pick<Doc<"messages">, "channel" | "accountId" | "conversationId" | "contactId" | "text" | "receivedAt">,
  newConversation: boolean,
  settings: Pick<Settings, "analyticsEnabled">,
) {
  await recordEvent(
    ctx,
    {
      type: "message.received",
      at: message.receivedAt,
      channel: message.channel,
      accountId: message.accountId,
      conversationId: message.conversationId,
      contactId: message.contactId,
      value: message.text.length,
      ...(newConversation ? { kind: "first" } : {}),
    },
    settings,
  );
}

/**
 * One model call of a batch ended (batching/batch.ts: the draft was
 * committed, or the attempt failed). Only Claude's calls count: the offline
 * responder and the after-hours notice call no model. `value` is the call's
 * processing time; keyed by batch and attempt, so a redelivered step counts
 * once. Written with the batch's own step, never by ingest.
 */
export async function recordModelCall(
  ctx: MutationCtx,
  batch: Pick<Doc<"batches">, "_id" | "channel" | "conversationId">,
  call: { outcome: ModelCallOutcome; attempt: number; at: number; processingMs?: number; model?: string; retrying?: boolean },
  settings: Pick<Settings, "analyticsEnabled">,
) {
  await recordEvent(
    ctx,
    {
      type: "model.called",
      at: call.at,
      channel: batch.channel,
      conversationId: batch.conversationId,
      kind: call.outcome,
      ...(call.processingMs !== undefined ? { value: call.processingMs } : {}),
      dedupeKey: `${batch._id}:${call.attempt}`,
      metadata: { attempt: call.attempt, model: call.model ?? null, ...(call.retrying !== undefined ? { retrying: call.retrying } : {}) },
    },
    settings,
  );
}

/** settleBatch: the batch (as it was before settling) ended with `outcome` at `now`. */
export async function recordBatchSettled(
  ctx: MutationCtx,
  batch: Doc<"batches">,
  end: { outcome: string; metrics?: Partial<Doc<"batches">> },
  now: number,
  settings: Pick<Settings, "analyticsEnabled">,
) {
  if (!settings.analyticsEnabled) return;
  const drafted = { ...batch, ...(end.metrics ?? {}) };
  const common = { channel: batch.channel, conversationId: batch.conversationId };
  await recordEvent(
    ctx,
    {
      type: "batch.flushed",
      at: batch.flushedAt,
      ...common,
      kind: batch.flushReason,
      value: batch.messageCount,
      durationMs: batch.bufferDurationMs,
      dedupeKey: batch._id,
      metadata: {
        outcome: end.outcome,
        characters: batch.totalCharacters,
        processingMs: drafted.processingDurationMs ?? null,
        model: drafted.model ?? null,
        responder: drafted.responder ?? null,
        inputTokens: drafted.usage?.inputTokens ?? null,
        outputTokens: drafted.usage?.outputTokens ?? null,
        toolCalls: drafted.toolCalls?.length ?? 0,
      },
    },
    settings,
  );
  if (end.outcome !== "replied" || !batch.replyMessageId) return;
  const timing = await replyTiming(ctx, batch.conversationId, batch.replyMessageId, now);
  await recordEvent(
    ctx,
    {
      type: "response.ai_generated",
      at: now,
      ...common,
      kind: timing.kind,
      ...(timing.durationMs !== undefined ? { durationMs: timing.durationMs } : {}),
      ...(drafted.processingDurationMs !== undefined ? { value: drafted.processingDurationMs } : {}),
      dedupeKey: batch._id,
      metadata: { responder: drafted.responder ?? null, model: drafted.model ?? null },
    },
    settings,
  );
}

/** settleReply: an outbound message left `sending` for good. */
export async function recordReplySettled(
  ctx: MutationCtx,
  message: Doc<"messages">,
  end: { status: "sent" | "send_failed" | "blocked"; at?: number; error?: string },
) {
  const settings = await loadSettings(ctx);
  if (!settings.analyticsEnabled) return;
  const at = end.at ?? Date.now();
  const common = { at, channel: message.channel, accountId: message.accountId, conversationId: message.conversationId, dedupeKey: message._id };
  if (end.status !== "sent") {
    await recordEvent(ctx, { type: "message.failed", ...common, kind: end.status }, settings);
    return;
  }
  const by = message.author === "human" ? "human" : message.scheduledActionId ? "followup" : message.survey ? "survey" : "agent";
  await recordEvent(ctx, { type: "message.sent", ...common, kind: by, value: message.text.length }, settings);
  if (message.survey) {
    await recordEvent(ctx, { type: "satisfaction.survey_sent", ...common, kind: message.survey }, settings);
    return;
  }
  // An operator's reply from the dashboard (the bot's are recorded when their batch settles).
  if (by === "human" && message.batchId === undefined) {
    const timing = await replyTiming(ctx, message.conversationId, message._id, at);
    const staffId = message.operatorId ?? "operator";
    await recordEvent(
      ctx,
      { type: "response.staff_sent", ...common, staffId, kind: timing.kind, ...(timing.durationMs !== undefined ? { durationMs: timing.durationMs } : {}) },
      settings,
    );
  }
}

/** advanceReceipt: a platform receipt for a sent message; each kind of receipt counts once per message. */
export async function recordReceipt(ctx: MutationCtx, message: Doc<"messages">, status: "delivered" | "read" | "sent" | "failed", now = Date.now()) {
  if (status === "sent" || message.direction !== "out") return;
  const type = status === "failed" ? "message.failed" : status === "delivered" ? "message.delivered" : "message.read";
  await recordEvent(ctx, {
    type,
    at: now,
    channel: message.channel,
    accountId: message.accountId,
    conversationId: message.conversationId,
    ...(status === "failed" ? { kind: "platform" } : { durationMs: Math.max(0, now - message.sentAt) }),
    dedupeKey: message._id,
  });
}

/** endAction: a follow-up or reminder left `pending`. */
export async function recordActionEnded(ctx: MutationCtx, actionId: Id<"scheduledActions">, status: "sent" | "failed" | "blocked" | "cancelled") {
  const action = await ctx.db.get("scheduledActions", actionId);
  if (!action || action.status !== "pending") return; // ended already: nothing new happened
  const now = Date.now();
  await recordEvent(ctx, {
    type: status === "failed" || status === "blocked" ? "task.failed" : "task.completed",
    at: now,
    conversationId: action.conversationId,
    kind: `${action.kind}:${status}`,
    ...(status === "sent" ? { durationMs: Math.max(0, now - action.dueAt) } : {}),
    dedupeKey: action._id,
  });
}

/** A follow-up or reminder was scheduled, or a meeting booked. */
export async function recordTaskCreated(ctx: MutationCtx, conversationId: Doc<"conversations">["_id"], kind: string, id: string, now: number) {
  await recordEvent(ctx, { type: "task.created", at: now, conversationId, kind, dedupeKey: id });
}

/** changeHandling: who handles the conversation changed; an escalation (flagged for a human) is counted. */
export async function recordHandlingChange(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  change: { kind: string; reason?: string; at?: number; cause?: EscalationCause },
) {
  if (change.kind !== "escalated") return;
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation || conversation.needsHuman) return; // already flagged: not a new escalation
  const at = change.at ?? Date.now();
  await recordEvent(ctx, {
    type: "conversation.escalated",
    at,
    channel: conversation.channel,
    accountId: conversation.accountId,
    conversationId,
    kind: change.cause ?? "other",
    metadata: { reason: (change.reason ?? "").slice(0, 200) },
    dedupeKey: `${conversationId}:${at}`,
  });
}

/** The conversation's category as the analytics `intent` dimension: an operator's label wins over the model's. */
export function intentOf(conversation: Pick<Doc<"conversations">, "metadata" | "metadataManual">): string | undefined {
  return conversation.metadataManual?.category ?? conversation.metadata?.category ?? undefined;
}

/**
 * setStatus / ingest's reopen: the conversation was resolved or reopened at
 * `now` by `by` (an operator id, "auto" for the quiet-time rule,
 * "customer" for a customer message). A resolution's duration runs from
 * the conversation's start or latest reopening; its kind says whether a
 * human's reply reached the customer in that span (`human`) or not (`ai`).
 */
export async function recordStatusChange(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  status: "open" | "resolved",
  by: string,
  now: number,
  settings?: Pick<Settings, "analyticsEnabled">,
) {
  const intent = intentOf(conversation);
  const common = {
    at: now,
    channel: conversation.channel,
    accountId: conversation.accountId,
    contactId: conversation.contactId,
    conversationId: conversation._id,
    ...(by !== "auto" && by !== "customer" ? { staffId: by } : {}),
    ...(intent !== undefined ? { intent } : {}),
    metadata: { by },
  };
  if (status === "resolved") {
    const since = conversation.reopenedAt ?? conversation._creationTime;
    const human = (conversation.humanAnsweredAt ?? -Infinity) >= since;
    await recordEvent(
      ctx,
      { type: "conversation.resolved", ...common, kind: human ? "human" : "ai", durationMs: Math.max(0, now - since), dedupeKey: `${conversation._id}:resolved:${now}` },
      settings,
    );
  } else {
    await recordEvent(
      ctx,
      { type: "conversation.reopened", ...common, kind: by === "customer" ? "customer" : by === "auto" ? "auto" : "operator", dedupeKey: `${conversation._id}:reopened:${now}` },
      settings,
    );
  }
}

/** setMetadata: the conversation's category changed (the labelling job or an operator); counted once per new category. */
export async function recordIntentChange(
  ctx: MutationCtx,
  before: Doc<"conversations">,
  fields: Pick<Partial<Doc<"conversations">>, "metadata" | "metadataManual">,
  now: number,
) {
  const previous = intentOf(before);
  const next = intentOf({ metadata: fields.metadata ?? before.metadata, metadataManual: fields.metadataManual ?? before.metadataManual });
  if (next === undefined || next === previous) return;
  await recordEvent(ctx, {
    type: "intent.classified",
    at: now,
    channel: before.channel,
    accountId: before.accountId,
    contactId: before.contactId,
    conversationId: before._id,
    intent: next,
    kind: fields.metadataManual !== undefined ? "operator" : (fields.metadata?.source ?? "model"),
    ...(fields.metadataManual !== undefined ? { staffId: fields.metadataManual.editedBy } : {}),
    dedupeKey: `${before._id}:intent:${next}:${now}`,
  });
}

// ---------------------------------------------------------------------------
// Reports (convex/analytics/reports.ts runs them; lib/analytics/report.ts computes them)

/** The report of a closed period, if one was started. */
export async function closedReport(ctx: QueryCtx, period: Doc<"analyticsReports">["period"], from: number) {
  const rows = await ctx.db
    .query("analyticsReports")
    .withIndex("by_period_and_from", (q) => q.eq("period", period).eq("from", from))
    .take(5);
  return rows.find((r) => !r.toDate) ?? null;
}

export async function startReport(
  ctx: MutationCtx,
  report: Pick<Doc<"analyticsReports">, "period" | "from" | "to" | "timeZone" | "toDate" | "requestedAt">,
): Promise<Id<"analyticsReports">> {
  return await ctx.db.insert("analyticsReports", { ...report, status: "generating" });
}

export async function finishReport(
  ctx: MutationCtx,
  reportId: Id<"analyticsReports">,
  result: Pick<Doc<"analyticsReports">, "storageId" | "downloadKey" | "bytes" | "rows" | "summary"> | { error: string },
  now: number,
) {
  await ctx.db.patch("analyticsReports", reportId, { ...result, status: "error" in result ? "failed" : "ready", finishedAt: now });
}
