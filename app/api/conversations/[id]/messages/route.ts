// GET /api/conversations/{id}/messages: a conversation's messages (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { conversationMessagesEndpoint } from "@/lib/api/lifecycle";
import type { z } from "zod";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";


type Args = { apiKey: string; conversationId: string; cursor: string | null; limit: number };
const messages = makeFunctionReference<"action", Args, z.input<typeof conversationMessagesEndpoint.response>>("lifecycle/api:messages");

export const GET = apiRoute(conversationMessagesEndpoint, async ({ apiKey, convex, params, query }) =>
  convex.action(messages, { apiKey, conversationId: params.id, cursor: query.cursor ?? null, limit: query.limit }),
);
