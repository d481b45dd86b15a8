// POST /api/conversations/unarchive: restore a conversation (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { unarchiveEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const unarchive = makeFunctionReference<"mutation", { apiKey: string; conversationId: string }, string>("lifecycle/api:unarchive");

export const POST = apiRoute(unarchiveEndpoint, async ({ apiKey, convex, body }) => ({
  archiveId: await convex.mutation(unarchive, { apiKey, conversationId: body.conversationId }),
}));
