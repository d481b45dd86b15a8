/**
 * Reads for the analytics page and the API. Each is exact at the moment it
 * runs (rollup rows up to the watermark, raw events after it) and reads a
 * bounded number of documents however long the history is: settings and
 * state (2), at most ROW_LIMIT rollup rows and TAIL_LIMIT raw events.
 * Callers pass `now` (rounded), so queries never look at the clock.
 */
import { v, type Infer, type ObjectType } from "convex/values";
import type { QueryCtx } from "../_generated/server";
import { bucketLabel, bucketStart, nextBucketStart, type Granularity } from "../../lib/analytics/buckets";
import { combine, total, type RollupRow } from "../../lib/analytics/combine";
import { vEventType, vRollupDimension, type AnalyticsEvent, type EventType, type RollupDimension } from "../../lib/analytics/events";
import { measureSketch, mergeStats, summarize, type BucketStats } from "../../lib/analytics/rollup";
import { DAY } from "../../lib/time";
import { operatorQuery } from "../functions";
import { readStaffNames } from "./reports";
import { loadSettings } from "../model/settings";
import { loadState } from "../model/analytics";
import { vGranularity } from "./schema";

/** Rollup rows one query reads at most: a chart of 250 points, or fewer points × values. */
export const ROW_LIMIT = 250;
/** Raw events past the watermark one query reads at most; the rollup runs every minute, so this is a minute of heavy traffic. */
export const TAIL_LIMIT = 45;

const vSummary = v.object({
  count: v.number(),
  valueSum: v.union(v.number(), v.null()),
  valueAvg: v.union(v.number(), v.null()),
  p50: v.union(v.number(), v.null()),
  p95: v.union(v.number(), v.null()),
  avgMs: v.union(v.number(), v.null()),
});

type Context = { timeZone: string; watermark: number };

export async function context(ctx: QueryCtx): Promise<Context> {
  const settings = await loadSettings(ctx);
  const state = await loadState(ctx);
  return { timeZone: settings.workingHours.timeZone, watermark: state?.watermark ?? 0 };
}

export async function seriesRows(
  ctx: QueryCtx,
  args: { type: EventType; granularity: Granularity; dimension: RollupDimension; dimensionValue?: string; from: number; to: number; limit: number },
): Promise<RollupRow[]> {
  const docs =
    args.dimensionValue === undefined
      ? await ctx.db
          .query("analyticsRollups")
          .withIndex("by_granularity_and_type_and_dimension_and_start", (q) =>
            q.eq("granularity", args.granularity).eq("type", args.type).eq("dimension", args.dimension).gte("start", args.from).lt("start", args.to),
          )
          .take(args.limit)
      : await ctx.db
          .query("analyticsRollups")
          .withIndex("by_series_and_start", (q) =>
            q
              .eq("granularity", args.granularity)
              .eq("type", args.type)
              .eq("dimension", args.dimension)
              .eq("dimensionValue", args.dimensionValue!)
              .gte("start", args.from)
              .lt("start", args.to),
          )
          .take(args.limit);
  return docs;
}

/** Raw events after the watermark, of one type or of all; `complete` is false when more exist than were read. */
export async function tail(ctx: QueryCtx, watermark: number, type: EventType | null, limit = TAIL_LIMIT) {
  const docs =
    type === null
      ? await ctx.db
          .query("analyticsEvents")
          .withIndex("by_creation_time", (q) => q.gt("_creationTime", watermark))
          .take(limit + 1)
      : await ctx.db
          .query("analyticsEvents")
          .withIndex("by_type", (q) => q.eq("type", type).gt("_creationTime", watermark))
          .take(limit + 1);
  return { events: docs.slice(0, limit) as AnalyticsEvent[], complete: docs.length <= limit };
}

const vPoint = v.object({ start: v.number(), label: v.string(), values: v.record(v.string(), vSummary) });

export const vSeriesArgs = { type: vEventType, granularity: vGranularity, dimension: vRollupDimension, from: v.number(), to: v.number() };
export const vSeries = v.object({ points: v.array(vPoint), timeZone: v.string(), complete: v.boolean() });

/**
 * One event type over time, one summary per dimension value per bucket: the
 * page's charts and GET /api/analytics/timeseries (convex/analyticsApi.ts).
 */
export async function seriesData(ctx: QueryCtx, args: ObjectType<typeof vSeriesArgs>): Promise<Infer<typeof vSeries>> {
  const { timeZone, watermark } = await context(ctx);
  const from = bucketStart(args.from, args.granularity, timeZone);
  const rows = await seriesRows(ctx, { ...args, from, limit: ROW_LIMIT });
  const raw = await tail(ctx, watermark, args.type);
  const table = combine({ rows, tail: raw.events, type: args.type, granularity: args.granularity, dimension: args.dimension, timeZone, from, to: args.to });
  const points: Infer<typeof vPoint>[] = [];
  // Every bucket in range, empty ones too, so a chart's axis is continuous.
  for (let s = from, n = 0; s < args.to && n < ROW_LIMIT; s = nextBucketStart(s, args.granularity, timeZone), n++) {
    const values: Record<string, Infer<typeof vSummary>> = {};
    for (const [dv, stats] of table.get(s) ?? []) values[dv] = summarize(stats);
    points.push({ start: s, label: bucketLabel(s, args.granularity, timeZone), values });
  }
  return { points, timeZone, complete: raw.complete && rows.length < ROW_LIMIT };
}

export const series = operatorQuery({ args: vSeriesArgs, returns: vSeries, handler: seriesData });

/** A measure's distribution over a range (batch sizes, burst waits): the merged sketch as a histogram. */
export const distribution = operatorQuery({
  args: {
    type: vEventType,
    measure: v.union(v.literal("value"), v.literal("duration")),
    from: v.number(),
    to: v.number(),
    /** Only events of this kind (NPS vs CSAT ratings, AI vs human resolutions). */
    kind: v.optional(v.string()),
  },
  returns: v.object({ bins: v.array(v.object({ value: v.number(), count: v.number() })), p50: v.union(v.number(), v.null()), p95: v.union(v.number(), v.null()), complete: v.boolean() }),
  handler: async (ctx, args) => {
    const { timeZone, watermark } = await context(ctx);
    const granularity = pickGranularity(args.from, args.to);
    const from = bucketStart(args.from, granularity, timeZone);
    const [dimension, dimensionValue]: [RollupDimension, string] = args.kind === undefined ? ["all", "all"] : ["kind", args.kind];
    const rows = await seriesRows(ctx, { type: args.type, granularity, dimension, dimensionValue, from, to: args.to, limit: ROW_LIMIT });
    const raw = await tail(ctx, watermark, args.type);
    const merged = total(combine({ rows, tail: raw.events, type: args.type, granularity, dimension, timeZone, from, to: args.to })).get(dimensionValue);
    const sketch = measureSketch(merged, args.measure);
    return { bins: sketch.histogram(), p50: sketch.quantile(0.5), p95: sketch.quantile(0.95), complete: raw.complete };
  },
});

/** The coarsest granularity that still resolves a range into ≤ ROW_LIMIT buckets. */
function pickGranularity(from: number, to: number): Granularity {
  const days = (to - from) / 86_400_000;
  if (days <= 7) return "hour";
  if (days <= ROW_LIMIT) return "day";
  return "week";
}

const vCard = v.object({
  conversationsStarted: v.number(),
  messagesReceived: v.number(),
  messagesSent: v.number(),
  firstResponseMs: v.object({ p50: v.union(v.number(), v.null()), p95: v.union(v.number(), v.null()) }),
  /** Escalations per conversation started, 0–1; null with no conversations. */
  escalationRate: v.union(v.number(), v.null()),
  /** Average CSAT rating (1–5) and how many ratings; null with none. */
  csat: v.union(v.number(), v.null()),
  csatResponses: v.number(),
});
export type Card = Infer<typeof vCard>;

export const vOverview = v.object({
  today: vCard,
  yesterday: vCard,
  change: v.record(v.string(), v.union(v.number(), v.null())),
  timeZone: v.string(),
  complete: v.boolean(),
});

/**
 * The cards: today so far vs yesterday, in the business zone; the page and
 * GET /api/analytics/dashboard. ≤ 2 + 16 + TAIL_LIMIT·4 reads.
 */
export async function overviewData(ctx: QueryCtx, { now }: { now: number }): Promise<Infer<typeof vOverview>> {
  const { timeZone, watermark } = await context(ctx);
  const today = bucketStart(now, "day", timeZone);
  const yesterday = bucketStart(today - 1, "day", timeZone);
  const end = nextBucketStart(today, "day", timeZone);
  const raw = await tail(ctx, watermark, null, TAIL_LIMIT * 4);
  const day = async (type: EventType, dimension: RollupDimension = "all", dimensionValue = "all") => {
    const rows = await seriesRows(ctx, { type, granularity: "day", dimension, dimensionValue, from: yesterday, to: end, limit: 2 });
    const table = combine({ rows, tail: raw.events, type, granularity: "day", dimension, timeZone, from: yesterday, to: end });
    return [table.get(yesterday)?.get(dimensionValue), table.get(today)?.get(dimensionValue)] as const;
  };
  // A conversation starts with its first message (ingest records no second event: its write budget).
  const started = await day("message.received", "kind", "first");
  const received = await day("message.received");
  const sent = await day("message.sent");
  const firstBot = await day("response.ai_generated", "kind", "first");
  const firstHuman = await day("response.staff_sent", "kind", "first");
  const escalated = await day("conversation.escalated");
  const csat = await day("satisfaction.rating_received", "kind", "csat");
  const card = (i: 0 | 1): Card => {
    const first = summarize(merge(firstBot[i], firstHuman[i]));
    const conversations = started[i]?.count ?? 0;
    const ratings = csat[i]?.value;
    return {
      conversationsStarted: conversations,
      messagesReceived: received[i]?.count ?? 0,
      messagesSent: sent[i]?.count ?? 0,
      firstResponseMs: { p50: first.p50, p95: first.p95 },
      escalationRate: conversations ? (escalated[i]?.count ?? 0) / conversations : null,
      csat: ratings ? ratings.sum / ratings.count : null,
      csatResponses: ratings?.count ?? 0,
    };
  };
  const [y, t] = [card(0), card(1)];
  return { today: t, yesterday: y, change: changeOf(t, y), timeZone, complete: raw.complete };
}

export const overview = operatorQuery({ args: { now: v.number() }, returns: vOverview, handler: overviewData });

function merge(a: BucketStats | undefined, b: BucketStats | undefined): BucketStats | undefined {
  if (!a) return b;
  if (!b) return a;
  return mergeStats(a, b);
}

/** Relative change today vs yesterday per number (0.25 = +25 %); null when yesterday had none. */
export function changeOf(today: Card, yesterday: Card): Record<string, number | null> {
  const rel = (t: number | null, y: number | null) => (t === null || y === null || y === 0 ? null : (t - y) / y);
  return {
    conversationsStarted: rel(today.conversationsStarted, yesterday.conversationsStarted),
    messagesReceived: rel(today.messagesReceived, yesterday.messagesReceived),
    messagesSent: rel(today.messagesSent, yesterday.messagesSent),
    firstResponseP50: rel(today.firstResponseMs.p50, yesterday.firstResponseMs.p50),
    escalationRate: rel(today.escalationRate, yesterday.escalationRate),
    csat: rel(today.csat, yesterday.csat),
  };
}

/** Per operator over a range: replies, reply time p50/p95 (staff identities come from the accounts work). */
export const staffTable = operatorQuery({
  args: { from: v.number(), to: v.number() },
  returns: v.object({
    rows: v.array(
      v.object({
        staffId: v.string(),
        /** The operator's email (or name); the id itself for staff that no longer has an account. */
        operator: v.string(),
        replies: v.number(),
        logins: v.number(),
        p50Ms: v.union(v.number(), v.null()),
        p95Ms: v.union(v.number(), v.null()),
      }),
    ),
    complete: v.boolean(),
  }),
  handler: async (ctx, args) => {
    const { timeZone, watermark } = await context(ctx);
    const granularity = pickGranularity(args.from, args.to) === "hour" ? "day" : pickGranularity(args.from, args.to);
    const from = bucketStart(args.from, granularity, timeZone);
    const byStaff = async (type: "response.staff_sent" | "staff.login") => {
      const rows = await seriesRows(ctx, { type, granularity, dimension: "staff", from, to: args.to, limit: ROW_LIMIT });
      const raw = await tail(ctx, watermark, type);
      const stats = total(combine({ rows, tail: raw.events, type, granularity, dimension: "staff", timeZone, from, to: args.to }));
      return { stats, complete: raw.complete && rows.length < ROW_LIMIT };
    };
    const replies = await byStaff("response.staff_sent");
    const logins = await byStaff("staff.login");
    const staffIds = [...new Set([...replies.stats.keys(), ...logins.stats.keys()])];
    const names = await readStaffNames(ctx, staffIds);
    return {
      rows: staffIds.map((staffId) => {
        const r = replies.stats.get(staffId);
        const s = r ? summarize(r) : { count: 0, p50: null, p95: null };
        const l = logins.stats.get(staffId);
        return { staffId, operator: names[staffId] ?? staffId, replies: s.count, logins: l ? summarize(l).count : 0, p50Ms: s.p50, p95Ms: s.p95 };
      }),
      complete: replies.complete && logins.complete,
    };
  },
});

/** Where the rollup stands: the page shows the zone and how fresh the rows are. */
export const status = operatorQuery({
  args: {},
  returns: v.object({ timeZone: v.string(), watermark: v.number(), eventsRolled: v.number(), analyticsEnabled: v.boolean() }),
  handler: async (ctx) => {
    const settings = await loadSettings(ctx);
    const state = await loadState(ctx);
    return {
      timeZone: settings.workingHours.timeZone,
      watermark: state?.watermark ?? 0,
      eventsRolled: state?.eventsRolled ?? 0,
      analyticsEnabled: settings.analyticsEnabled,
    };
  },
});

/**
 * The seed's batch statistics over the last 24 hours (Playground and
 * Conversations pages): batches, average size, average burst wait, flush
 * reasons. Hourly rows plus the raw tail, so exact; ≤ 2 + 25 + 25·reasons rows.
 */
export const batchStats24h = operatorQuery({
  args: { now: v.number() },
  returns: v.object({
    batches: v.number(),
    averageSize: v.union(v.number(), v.null()),
    averageWaitMs: v.union(v.number(), v.null()),
    reasons: v.record(v.string(), v.number()),
    complete: v.boolean(),
  }),
  handler: async (ctx, { now }) => {
    const { timeZone, watermark } = await context(ctx);
    const to = now + 1;
    const from = bucketStart(now - DAY, "hour", timeZone);
    const raw = await tail(ctx, watermark, "batch.flushed");
    // Whole hours at the start: the first hour counts in full, so "24 h" is 24–25 h.
    const read = async (dimension: RollupDimension, dimensionValue?: string) => {
      const rows = await seriesRows(ctx, { type: "batch.flushed", granularity: "hour", dimension, dimensionValue, from, to, limit: ROW_LIMIT });
      return { rows, table: total(combine({ rows, tail: raw.events, type: "batch.flushed", granularity: "hour", dimension, timeZone, from, to })) };
    };
    const all = (await read("all", "all")).table.get("all");
    const kinds = await read("kind");
    const s = summarize(all);
    const reasons: Record<string, number> = {};
    for (const [reason, stats] of kinds.table) reasons[reason] = stats.count;
    return {
      batches: s.count,
      averageSize: s.valueAvg,
      averageWaitMs: s.avgMs,
      reasons,
      complete: raw.complete && kinds.rows.length < ROW_LIMIT,
    };
  },
});
