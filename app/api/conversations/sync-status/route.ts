// GET /api/conversations/sync-status: sync status per conversation (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { syncStatusEndpoint } from "@/lib/api/lifecycle";
import type { z } from "zod";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";


type Args = { apiKey: string; conversationId?: string; cursor: string | null; limit: number };
const syncStatus = makeFunctionReference<"query", Args, z.input<typeof syncStatusEndpoint.response>>("lifecycle/api:syncStatus");

export const GET = apiRoute(syncStatusEndpoint, async ({ apiKey, convex, query }) =>
  convex.query(syncStatus, { apiKey, conversationId: query.conversationId, cursor: query.cursor ?? null, limit: query.limit }),
);
