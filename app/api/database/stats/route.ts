// GET /api/database/stats: documents and bytes per table (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { statsEndpoint } from "@/lib/api/lifecycle";
import type { z } from "zod";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";


const stats = makeFunctionReference<"query", { apiKey: string }, z.input<typeof statsEndpoint.response>>("lifecycle/api:stats");

export const GET = apiRoute(statsEndpoint, async ({ apiKey, convex }) => convex.query(stats, { apiKey }));
