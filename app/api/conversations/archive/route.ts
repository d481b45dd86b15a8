// POST /api/conversations/archive: archive a selection (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { archiveConversationsEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const archive = makeFunctionReference<"mutation", { apiKey: string; conversationIds: string[]; reason?: string }, string[]>("lifecycle/api:archive");

export const POST = apiRoute(archiveConversationsEndpoint, async ({ apiKey, convex, body }) => ({
  archiveIds: await convex.mutation(archive, { apiKey, conversationIds: body.conversationIds, reason: body.reason }),
}));
