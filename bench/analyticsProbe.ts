/**
 * Bench-only functions for bench/analytics.ts. Never deployed: this file is
 * not in convex/. The bench serves it beside the product's own modules (a
 * folder of links to convex/ plus this file, given to the local runtime as
 * LOCAL_CONVEX_DIR), so each call runs the product's code in one real
 * transaction and reports Convex's own transaction metrics for it
 * (`ctx.meta.getTransactionMetrics()`: on the local runtime, convex-test's
 * tracker counts every document a query stream or `db.get` returns).
 */
import { v } from "convex/values";
import { mutation, query } from "../convex/_generated/server";
import { overviewData } from "../convex/analytics/queries";
import { recordEvent, rollupPage } from "../convex/model/analytics";
import { vAnalyticsEvent } from "../lib/analytics/events";
import { SECOND } from "../lib/time";

const vMetrics = v.object({ read: v.number(), bytesRead: v.number(), written: v.number(), bytesWritten: v.number() });

async function metricsOf(ctx: { meta: { getTransactionMetrics(): Promise<{ documentsRead: { used: number }; bytesRead: { used: number }; documentsWritten: { used: number }; bytesWritten: { used: number } }> } }) {
  const m = await ctx.meta.getTransactionMetrics();
  return { read: m.documentsRead.used, bytesRead: m.bytesRead.used, written: m.documentsWritten.used, bytesWritten: m.bytesWritten.used };
}

/** Records events the way the product's hooks do (`recordEvent`, analytics on). */
export const record = mutation({
  args: { events: v.array(vAnalyticsEvent) },
  returns: v.number(),
  handler: async (ctx, { events }) => {
    let n = 0;
    for (const event of events) if (await recordEvent(ctx, event, { analyticsEnabled: true })) n += 1;
    return n;
  },
});

/**
 * One rollup page, as the cron's `analytics/rollup:run` runs it (the cron
 * passes Date.now(); the bench adds the rollup's lag so events just
 * inserted are eligible without waiting 10 s).
 */
export const rollup = mutation({
  args: { pageSize: v.optional(v.number()) },
  returns: v.object({ events: v.number(), rows: v.number(), more: v.boolean(), metrics: vMetrics }),
  handler: async (ctx, { pageSize }) => {
    const run = await rollupPage(ctx, Date.now() + 11 * SECOND, pageSize);
    return { ...run, metrics: await metricsOf(ctx) };
  },
});

/** The cards' query: what /analytics (`analytics/queries:overview`) and GET /api/analytics/dashboard run, minus their access check. */
export const overview = query({
  args: { now: v.number() },
  returns: v.object({ complete: v.boolean(), messagesReceivedToday: v.number(), messagesReceivedYesterday: v.number(), metrics: vMetrics }),
  handler: async (ctx, { now }) => {
    const result = await overviewData(ctx, { now });
    return {
      complete: result.complete,
      messagesReceivedToday: result.today.messagesReceived,
      messagesReceivedYesterday: result.yesterday.messagesReceived,
      metrics: await metricsOf(ctx),
    };
  },
});

/**
 * The baseline the rollups replace: today's and yesterday's messages
 * received counted from raw events (the only `at`-ordered index is per
 * channel). Reads every event of the two days, so at volume it hits
 * Convex's per-transaction read limit and throws.
 */
export const rawScan = query({
  args: { from: v.number(), to: v.number() },
  returns: v.object({ received: v.number(), metrics: vMetrics }),
  handler: async (ctx, { from, to }) => {
    let received = 0;
    for (const channel of ["telegram", "messenger", "instagram", "whatsapp", "web"] as const) {
      for await (const e of ctx.db.query("analyticsEvents").withIndex("by_channel_and_at", (q) => q.eq("channel", channel).gte("at", from).lt("at", to))) {
        if (e.type === "message.received") received += 1;
      }
    }
    return { received, metrics: await metricsOf(ctx) };
  },
});
