// GET /api/conversations/archives: archive manifests (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { listArchivesEndpoint } from "@/lib/api/lifecycle";
import type { z } from "zod";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";


const archives = makeFunctionReference<"query", { apiKey: string; cursor: string | null; limit: number }, z.input<typeof listArchivesEndpoint.response>>(
  "lifecycle/api:archives",
);

export const GET = apiRoute(listArchivesEndpoint, async ({ apiKey, convex, query }) =>
  convex.query(archives, { apiKey, cursor: query.cursor ?? null, limit: query.limit }),
);
