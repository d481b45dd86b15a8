/**
 * What GET /api/metrics exposes, as Prometheus metric families: counters
 * from the analytics rollups (all time, exact: rows + raw tail), gauges
 * from bounded indexed reads of the live tables, and the reply-time
 * histogram from the merged DDSketch. Pure: convex/analytics/metrics.ts
 * gathers the snapshot, lib/analytics/prometheus.ts renders the text.
 */
import type { MetricFamily } from "./prometheus";
import { Sketch, type SerializedSketch } from "./sketch";

/** Reply-time histogram bounds, in seconds (Prometheus base unit). */
export const REPLY_TIME_BUCKETS_SECONDS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600] as const;

export type MetricsSnapshot = {
  /** Counters: all-time counts per label value. */
  messages: { channel: string; direction: "in" | "out"; count: number }[];
  batches: { flushReason: string; count: number }[];
  replies: { responder: "bot" | "human"; count: number }[];
  sendFailures: { reason: string; count: number }[];
  followups: { outcome: string; count: number }[];
  /** Claude calls by how they ended (`model.called` kinds); `error` ones are also `model_errors_total`. */
  modelCalls: { outcome: string; count: number }[];
  escalations: { reason: string; count: number }[];
  /** Gauges: now. */
  conversations: { state: "buffering" | "processing"; count: number }[];
  needsHuman: number;
  pendingActions: { kind: string; count: number }[];
  /** Age in ms of the oldest customer message still waiting, per who it waits for; null when none waits. */
  oldestUnansweredMs: { waitingFor: "bot" | "human"; ageMs: number | null }[];
  /** Reply times (ms) per responder: exact count and sum, the sketch for the buckets. */
  replyTime: { responder: "bot" | "human"; count: number; sumMs: number; sketch: SerializedSketch | null }[];
  /** False when a read hit its bound (a count may be low) or the raw tail was longer than one read. */
  complete: boolean;
};

const PREFIX = "burstreply_";

/**
 * Counts of a sketch's values per bucket (le[i-1], le[i]], seconds; values
 * above the last bound are left to +Inf (the renderer uses `count` there).
 * A value within 1 % of a bound may fall on either side of it (the sketch's
 * relative accuracy); counts, sums and +Inf are exact.
 */
export function histogramCounts(sketch: SerializedSketch | null, boundsSeconds: readonly number[]): number[] {
  const counts = boundsSeconds.map(() => 0);
  for (const { value, count } of Sketch.from(sketch).histogram()) {
    const i = boundsSeconds.findIndex((le) => value / 1000 <= le);
    if (i >= 0) counts[i]! += count;
  }
  return counts;
}

export function metricFamilies(s: MetricsSnapshot): MetricFamily[] {
  return [
    {
      name: `${PREFIX}messages_total`,
      help: "Messages by channel and direction: in = received from customers, out = sent to them.",
      type: "counter",
      samples: s.messages.map((m) => ({ labels: { channel: m.channel, direction: m.direction }, value: m.count })),
    },
    {
      name: `${PREFIX}batches_total`,
      help: "Bursts flushed to the responder, by flush reason.",
      type: "counter",
      samples: s.batches.map((b) => ({ labels: { flush_reason: b.flushReason }, value: b.count })),
    },
    {
      name: `${PREFIX}replies_total`,
      help: "Replies written: bot = by the responder (model or fallback), human = by an operator.",
      type: "counter",
      samples: s.replies.map((r) => ({ labels: { responder: r.responder }, value: r.count })),
    },
    {
      name: `${PREFIX}send_failures_total`,
      help: "Outbound messages that failed, by reason (send_failed, blocked, platform).",
      type: "counter",
      samples: s.sendFailures.map((f) => ({ labels: { reason: f.reason }, value: f.count })),
    },
    {
      name: `${PREFIX}followups_total`,
      help: "Follow-ups that ended, by outcome (sent, cancelled, failed, blocked).",
      type: "counter",
      samples: s.followups.map((f) => ({ labels: { outcome: f.outcome }, value: f.count })),
    },
    {
      name: `${PREFIX}model_calls_total`,
      help: "Model (Claude) calls by outcome: replied, superseded (the customer wrote meanwhile), skipped (a human took over), error.",
      type: "counter",
      samples: s.modelCalls.map((m) => ({ labels: { outcome: m.outcome }, value: m.count })),
    },
    {
      name: `${PREFIX}model_errors_total`,
      help: "Model (Claude) calls that failed, retried or not (the error outcome of model_calls_total).",
      type: "counter",
      samples: [{ value: s.modelCalls.filter((m) => m.outcome === "error").reduce((n, m) => n + m.count, 0) }],
    },
    {
      name: `${PREFIX}escalations_total`,
      help: "Conversations flagged for a human, by reason (agent, model_failed, send_failed, delivery_unknown, sync, other).",
      type: "counter",
      samples: s.escalations.map((e) => ({ labels: { reason: e.reason }, value: e.count })),
    },
    {
      name: `${PREFIX}conversations`,
      help: "Conversations now buffering a burst or with the responder.",
      type: "gauge",
      samples: s.conversations.map((c) => ({ labels: { state: c.state }, value: c.count })),
    },
    {
      name: `${PREFIX}conversations_needing_human`,
      help: "Conversations now flagged for a human.",
      type: "gauge",
      samples: [{ value: s.needsHuman }],
    },
    {
      name: `${PREFIX}pending_scheduled_actions`,
      help: "Follow-ups and meeting reminders waiting to be sent, by kind.",
      type: "gauge",
      samples: s.pendingActions.map((a) => ({ labels: { kind: a.kind }, value: a.count })),
    },
    {
      name: `${PREFIX}oldest_unanswered_message_age_seconds`,
      help: "Age of the oldest customer message still waiting: for the bot (buffered or with the model) or for a human (flagged conversation); 0 when none waits.",
      type: "gauge",
      samples: s.oldestUnansweredMs.map((o) => ({ labels: { waiting_for: o.waitingFor }, value: (o.ageMs ?? 0) / 1000 })),
    },
    {
      name: `${PREFIX}reply_time_seconds`,
      help: "Customer message to reply sent (first response and reply per burst), by responder.",
      type: "histogram",
      buckets: [...REPLY_TIME_BUCKETS_SECONDS],
      series: s.replyTime.map((r) => ({
        labels: { responder: r.responder },
        counts: histogramCounts(r.sketch, REPLY_TIME_BUCKETS_SECONDS),
        sum: r.sumMs / 1000,
        count: r.count,
      })),
    },
    {
      name: `${PREFIX}metrics_complete`,
      help: "1 when every number above was read in full; 0 when a bounded read was cut (the next scrape after the rollup catches up is exact).",
      type: "gauge",
      samples: [{ value: s.complete ? 1 : 0 }],
    },
  ];
}
