// GET /api/analytics/timeseries: one event type over time (lib/api/analytics.ts).
import { makeFunctionReference } from "convex/server";
import type { z } from "zod";
import { analyticsTimeseries } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Query = z.output<typeof analyticsTimeseries.query>;
type Series = Omit<z.input<typeof analyticsTimeseries.response>, "metric" | "granularity" | "groupBy">;
const timeseries = makeFunctionReference<
  "query",
  { apiKey: string; type: Query["metric"]; granularity: Query["granularity"]; dimension: Query["groupBy"]; from: number; to: number },
  Series
>("analyticsApi:timeseries");

export const GET = apiRoute(analyticsTimeseries, async ({ apiKey, convex, query }) => {
  const series = await convex.query(timeseries, {
    apiKey,
    type: query.metric,
    granularity: query.granularity,
    dimension: query.groupBy,
    from: query.from,
    to: query.to,
  });
  return { metric: query.metric, granularity: query.granularity, groupBy: query.groupBy, ...series };
});
