/**
 * The numbers behind GET /api/metrics (lib/analytics/metrics.ts names them).
 * Counters are all-time totals from the monthly rollup rows plus the raw
 * tail, through the same helpers the /analytics page's queries use, so they
 * are exact at any moment. Gauges are bounded indexed reads of the live
 * tables (at most GAUGE_LIMIT + 1 documents each), never a scan.
 */
import type { QueryCtx } from "../_generated/server";
import { combine, total } from "../../lib/analytics/combine";
import type { EventType, RollupDimension } from "../../lib/analytics/events";
import type { MetricsSnapshot } from "../../lib/analytics/metrics";
import type { BucketStats } from "../../lib/analytics/rollup";
import { context, ROW_LIMIT, seriesRows, tail, TAIL_LIMIT } from "./queries";

/** Documents one gauge reads at most; a larger count is reported as this and `complete: false`. */
export const GAUGE_LIMIT = 500;

export async function metricsSnapshot(ctx: QueryCtx, now: number): Promise<MetricsSnapshot> {
  const { timeZone, watermark } = await context(ctx);
  const raw = await tail(ctx, watermark, null, TAIL_LIMIT * 4);
  let complete = raw.complete;

  /** One event type's all-time totals per value of `dimension`. */
  const allTime = async (type: EventType, dimension: RollupDimension): Promise<Map<string, BucketStats>> => {
    const range = { granularity: "month" as const, dimension, from: 0, to: Number.MAX_SAFE_INTEGER };
    const rows = await seriesRows(ctx, { type, ...range, limit: ROW_LIMIT });
    if (rows.length >= ROW_LIMIT) complete = false;
    return total(combine({ rows, tail: raw.events, type, timeZone, ...range }));
  };
  const counts = <K extends string>(stats: Map<string, BucketStats>, key: K) =>
    [...stats].map(([value, s]) => ({ [key]: value, count: s.count }) as Record<K, string> & { count: number });

  const received = await allTime("message.received", "channel");
  const sent = await allTime("message.sent", "channel");
  const messages = [
    ...[...received].map(([channel, s]) => ({ channel, direction: "in" as const, count: s.count })),
    ...[...sent].map(([channel, s]) => ({ channel, direction: "out" as const, count: s.count })),
  ];
  const batches = counts(await allTime("batch.flushed", "kind"), "flushReason");
  const bot = (await allTime("response.ai_generated", "all")).get("all");
  const human = (await allTime("response.staff_sent", "all")).get("all");
  const sendFailures = counts(await allTime("message.failed", "kind"), "reason");
  const followups: { outcome: string; count: number }[] = [];
  for (const type of ["task.completed", "task.failed"] as const) {
    for (const [kind, s] of await allTime(type, "kind")) {
      if (kind.startsWith("followup:")) followups.push({ outcome: kind.slice("followup:".length), count: s.count });
    }
  }

  const modelCalls = counts(await allTime("model.called", "kind"), "outcome");
  const escalations = counts(await allTime("conversation.escalated", "kind"), "reason");
  // Escalations recorded before they carried a cause count as "other".
  const escalatedAll = (await allTime("conversation.escalated", "all")).get("all")?.count ?? 0;
  const unlabelled = escalatedAll - escalations.reduce((n, e) => n + e.count, 0);
  if (unlabelled > 0) {
    const other = escalations.find((e) => e.reason === "other");
    if (other) other.count += unlabelled;
    else escalations.push({ reason: "other", count: unlabelled });
  }

  // Gauges: bounded reads through indexes.
  const bounded = async (read: (limit: number) => Promise<unknown[]>) => {
    const docs = await read(GAUGE_LIMIT + 1);
    if (docs.length > GAUGE_LIMIT) complete = false;
    return Math.min(docs.length, GAUGE_LIMIT);
  };
  const conversations = [];
  for (const state of ["buffering", "processing"] as const) {
    const count = await bounded((n) =>
      ctx.db
        .query("conversations")
        .withIndex("by_state_kind", (q) => q.eq("state.kind", state))
        .take(n),
    );
    conversations.push({ state, count });
  }
  const needsHuman = await bounded((n) =>
    ctx.db
      .query("conversations")
      .withIndex("by_needs_human_since", (q) => q.gt("needsHuman.since", 0))
      .take(n),
  );
  const pending = await ctx.db
    .query("scheduledActions")
    .withIndex("by_status_and_due_at", (q) => q.eq("status", "pending"))
    .take(GAUGE_LIMIT + 1);
  if (pending.length > GAUGE_LIMIT) complete = false;
  const pendingActions = (["followup", "meeting_reminder"] as const).map((kind) => ({
    kind,
    count: pending.slice(0, GAUGE_LIMIT).filter((a) => a.kind === kind).length,
  }));

  // Oldest waiting customer message: for the bot, the oldest buffered or
  // claimed one (status index, by send time); for a human, the longest
  // flagged conversation. One document each.
  let botSince: number | null = null;
  for (const status of ["buffered", "batched"] as const) {
    const oldest = await ctx.db
      .query("messages")
      .withIndex("by_status_and_sent_at", (q) => q.eq("status", status))
      .first();
    if (oldest && (botSince === null || oldest.sentAt < botSince)) botSince = oldest.sentAt;
  }
  const flagged = await ctx.db
    .query("conversations")
    .withIndex("by_needs_human_since", (q) => q.gt("needsHuman.since", 0))
    .first();
  const age = (since: number | null | undefined) => (since === null || since === undefined ? null : Math.max(0, now - since));

  const replyTime = (responder: "bot" | "human", s: BucketStats | undefined) => ({
    responder,
    count: s?.duration?.count ?? 0,
    sumMs: s?.duration?.sum ?? 0,
    sketch: s?.duration?.sketch ?? null,
  });
  return {
    messages,
    batches,
    replies: [
      { responder: "bot", count: bot?.count ?? 0 },
      { responder: "human", count: human?.count ?? 0 },
    ],
    sendFailures,
    followups,
    modelCalls,
    escalations,
    conversations,
    needsHuman,
    pendingActions,
    oldestUnansweredMs: [
      { waitingFor: "bot", ageMs: age(botSince) },
      { waitingFor: "human", ageMs: age(flagged?.needsHuman?.since) },
    ],
    replyTime: [replyTime("bot", bot), replyTime("human", human)],
    complete,
  };
}
