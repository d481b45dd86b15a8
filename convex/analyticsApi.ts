/**
 * The analytics endpoints of the HTTP API (app/api/analytics/*, app/api/metrics),
 * each behind an API key (convex/apiKeys.ts). Thin: the numbers come from
 * the same helpers the /analytics page's queries use (convex/analytics/),
 * so the API and the page cannot disagree. Route handlers pass `now`.
 */
import { v } from "convex/values";
import { renderPrometheus } from "../lib/analytics/prometheus";
import { metricFamilies } from "../lib/analytics/metrics";
import { apiKeyQuery } from "./apiKeys";
import { metricsSnapshot } from "./analytics/metrics";
import { overviewData, seriesData, vOverview, vSeries, vSeriesArgs } from "./analytics/queries";

/** GET /api/analytics/dashboard: the cards, today vs yesterday in the business zone. */
export const dashboard = apiKeyQuery({
  args: { now: v.number() },
  returns: vOverview,
  handler: overviewData,
});

/** GET /api/analytics/timeseries: one event type over time, grouped by a dimension. */
export const timeseries = apiKeyQuery({
  args: vSeriesArgs,
  returns: vSeries,
  handler: seriesData,
});

/** GET /api/metrics: Prometheus text exposition (counters, gauges, reply-time histogram). */
export const metrics = apiKeyQuery({
  args: { now: v.number() },
  returns: v.string(),
  handler: async (ctx, { now }) => renderPrometheus(metricFamilies(await metricsSnapshot(ctx, now))),
});
