// GET /api/metrics: Prometheus text exposition, behind the same API key (docs/analytics.md).
import { makeFunctionReference } from "convex/server";
import { metrics } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const render = makeFunctionReference<"query", { apiKey: string; now: number }, string>("analyticsApi:metrics");

export const GET = apiRoute(metrics, async ({ apiKey, convex }) => convex.query(render, { apiKey, now: Date.now() }));
