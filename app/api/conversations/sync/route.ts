// POST /api/conversations/sync: sync with the platform (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { syncEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Args = { apiKey: string; conversationId?: string; mode: "incremental" | "full" };
const sync = makeFunctionReference<"mutation", Args, { scheduled: number }>("lifecycle/api:sync");

export const POST = apiRoute(syncEndpoint, async ({ apiKey, convex, body }) =>
  convex.mutation(sync, { apiKey, conversationId: body.conversationId, mode: body.mode }),
);
