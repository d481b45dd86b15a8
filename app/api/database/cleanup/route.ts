// POST /api/database/cleanup: start a cleanup run (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { cleanupEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Args = { apiKey: string; config?: { phases?: string[]; archiveRetentionDays?: number } };
const cleanup = makeFunctionReference<"mutation", Args, { runId: string }>("lifecycle/api:cleanup");

export const POST = apiRoute(cleanupEndpoint, async ({ apiKey, convex, body }) => convex.mutation(cleanup, { apiKey, config: body.config }));
