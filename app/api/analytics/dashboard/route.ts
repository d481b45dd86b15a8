// GET /api/analytics/dashboard: the /analytics page's cards (lib/api/analytics.ts).
import { makeFunctionReference } from "convex/server";
import type { z } from "zod";
import { analyticsDashboard } from "@/lib/api/endpoints";
import { apiRoute } from "@/lib/api/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const dashboard = makeFunctionReference<"query", { apiKey: string; now: number }, z.input<typeof analyticsDashboard.response>>(
  "analyticsApi:dashboard",
);

export const GET = apiRoute(analyticsDashboard, async ({ apiKey, convex }) => convex.query(dashboard, { apiKey, now: Date.now() }));
