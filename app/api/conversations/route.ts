// GET /api/conversations: the operator API's conversation list (lib/api).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { listConversations } from "@/lib/api/endpoints";
import type { z } from "zod";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Args = { apiKey: string; channel?: string; q?: string; cursor?: string | null; limit: number };
const conversations = makeFunctionReference<"query", Args, z.input<typeof listConversations.response>>(
  "operatorApi:conversations",
);

export const GET = apiRoute(listConversations, async ({ apiKey, convex, query }) =>
  convex.query(conversations, {
    apiKey,
    channel: query.channel,
    q: query.q,
    cursor: query.cursor ?? null,
    limit: query.limit,
  }),
);
