/**
 * The batching tuner's read: recorded inbound times → gap histogram and the
 * what-if curve (lib/analytics/tuner.ts), overall and per channel.
 */
import { v } from "convex/values";
import { CANDIDATE_WINDOWS_MS, gapHistogram, tunerCurve, type InboundTrace } from "../../lib/analytics/tuner";
import { DAY } from "../../lib/time";
import { operatorQuery } from "../functions";
import { loadSettings } from "../model/settings";

/** Inbound events the replay reads at most: well inside a query's limits, and days of a small business's traffic. */
export const TUNER_EVENT_LIMIT = 4000;

const vPoint = v.object({
  windowMs: v.number(),
  modelCalls: v.number(),
  messagesPerCall: v.number(),
  repliesPerBurst: v.number(),
  mergedShare: v.number(),
  addedWaitP50Ms: v.union(v.number(), v.null()),
  addedWaitP95Ms: v.union(v.number(), v.null()),
});
const vCurve = v.object({ points: v.array(vPoint), recommendedWindowMs: v.union(v.number(), v.null()) });

export const curve = operatorQuery({
  args: { now: v.number(), days: v.number(), targetShare: v.optional(v.number()) },
  returns: v.object({
    messages: v.number(),
    complete: v.boolean(),
    currentWindowMs: v.number(),
    gaps: v.array(v.object({ upToMs: v.union(v.number(), v.null()), count: v.number() })),
    overall: vCurve,
    byChannel: v.record(v.string(), vCurve),
  }),
  handler: async (ctx, { now, days, targetShare = 0.9 }) => {
    const settings = await loadSettings(ctx);
    const since = now - Math.max(1, Math.min(90, days)) * DAY;
    const events = await ctx.db
      .query("analyticsEvents")
      .withIndex("by_type", (q) => q.eq("type", "message.received").gt("_creationTime", since))
      .order("desc")
      .take(TUNER_EVENT_LIMIT + 1);
    const traces = new Map<string, InboundTrace>();
    for (const e of events.slice(0, TUNER_EVENT_LIMIT)) {
      const id = e.conversationId ?? "unknown";
      let trace = traces.get(id);
      if (!trace) traces.set(id, (trace = { conversationId: id, channel: e.channel, times: [] }));
      trace.times.push(e.at);
    }
    const policy = { windowMs: settings.batchWindowMs, maxWaitMs: settings.maxBatchWaitMs, maxMessages: settings.maxBatchMessages };
    const all = [...traces.values()];
    const shape = (traceSet: InboundTrace[]) => {
      const c = tunerCurve(traceSet, policy, targetShare, CANDIDATE_WINDOWS_MS);
      return {
        points: c.points.map(({ policy: p, messages: _m, ...rest }) => ({ windowMs: p.windowMs, ...rest })),
        recommendedWindowMs: c.recommendedWindowMs,
      };
    };
    const byChannel: Record<string, ReturnType<typeof shape>> = {};
    for (const channel of new Set(all.map((t) => t.channel ?? "unknown"))) {
      byChannel[channel] = shape(all.filter((t) => (t.channel ?? "unknown") === channel));
    }
    return {
      messages: Math.min(events.length, TUNER_EVENT_LIMIT),
      complete: events.length <= TUNER_EVENT_LIMIT,
      currentWindowMs: settings.batchWindowMs,
      gaps: gapHistogram(all),
      overall: shape(all),
      byChannel,
    };
  },
});
