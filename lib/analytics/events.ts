/**
 * Analytics events: the one declaration of their types, dimensions and
 * measures. The Convex table, `recordEvent` and the rollups all read from
 * here; TypeScript types are inferred, never written twice.
 *
 * An event is a fact that happened at `at` (business time of the change it
 * records). Measures: `value` (a size, a rating, a count) and `durationMs`
 * (a wait, a latency). Dimensions are what the rollups group by.
 */
import { v, type Infer } from "convex/values";
import { vChannel } from "../../convex/validators";

export const EVENT_TYPES = [
  "message.received",
  "message.sent",
  "message.delivered",
  "message.read",
  "message.failed",
  "conversation.started",
  "conversation.escalated",
  "conversation.resolved",
  "conversation.reopened",
  "response.ai_generated",
  "response.staff_sent",
  "batch.flushed",
  "model.called",
  "task.created",
  "task.completed",
  "task.failed",
  "intent.classified",
  "satisfaction.survey_sent",
  "satisfaction.rating_received",
  "satisfaction.feedback_received",
  "staff.login",
  "staff.logout",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const vEventType = v.union(...EVENT_TYPES.map((t) => v.literal(t)));

/**
 * Why a conversation was flagged for a human: the `kind` of
 * `conversation.escalated`, so escalations count by reason (the reason's
 * words stay in `metadata.reason`). `sync`: history sync found missed
 * messages or kept failing; `other`: a caller that names no cause.
 */
export const ESCALATION_CAUSES = ["agent", "model_failed", "send_failed", "delivery_unknown", "sync", "other"] as const;
export type EscalationCause = (typeof ESCALATION_CAUSES)[number];
export const vEscalationCause = v.union(...ESCALATION_CAUSES.map((c) => v.literal(c)));

/**
 * How one model call ended: the `kind` of `model.called`. A draft was
 * `replied` (recorded to send), `superseded` (the customer wrote meanwhile)
 * or `skipped` (a human took over); `error`: the call failed (retried or not).
 */
export const MODEL_CALL_OUTCOMES = ["replied", "superseded", "skipped", "error"] as const;
export type ModelCallOutcome = (typeof MODEL_CALL_OUTCOMES)[number];

/**
 * Dimensions rolled up, besides "all". `kind` is the event's own sub-kind:
 * the flush reason of a batch, the task kind and outcome, the failure
 * class of a send; it is what "flush reasons over time" and "follow-up
 * outcomes" group by.
 */
export const ROLLUP_DIMENSIONS = ["all", "channel", "staff", "intent", "kind"] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];
export const vRollupDimension = v.union(...ROLLUP_DIMENSIONS.map((d) => v.literal(d)));

/** The fields of an event, as stored (the table adds nothing but system fields). */
export const vAnalyticsEventFields = {
  type: vEventType,
  /** When it happened, epoch ms; the rollups bucket by this. */
  at: v.number(),
  channel: v.optional(vChannel),
  accountId: v.optional(v.string()),
  contactId: v.optional(v.string()),
  conversationId: v.optional(v.string()),
  /** The operator (staff identity) who acted, when one did. */
  staffId: v.optional(v.string()),
  intent: v.optional(v.string()),
  kind: v.optional(v.string()),
  value: v.optional(v.number()),
  durationMs: v.optional(v.number()),
  metadata: v.optional(v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()))),
  /**
   * What makes the event unique in the world (a platform message id, a
   * batch id + outcome). `recordEvent` drops a second event with the same
   * type and key, so a redelivered webhook or a retried step counts once.
   */
  dedupeKey: v.optional(v.string()),
};
export const vAnalyticsEvent = v.object(vAnalyticsEventFields);
export type AnalyticsEvent = Infer<typeof vAnalyticsEvent>;

/** The dimension value an event has under `dimension`, or null when it has none. */
export function dimensionValue(event: AnalyticsEvent, dimension: RollupDimension): string | null {
  switch (dimension) {
    case "all":
      return "all";
    case "channel":
      return event.channel ?? null;
    case "staff":
      return event.staffId ?? null;
    case "intent":
      return event.intent ?? null;
    case "kind":
      return event.kind ?? null;
  }
}
