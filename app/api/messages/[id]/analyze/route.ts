// POST /api/messages/{id}/analyze: label one message with Claude (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { analyzeMessageEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const analyze = makeFunctionReference<"mutation", { apiKey: string; messageId: string }, null>("lifecycle/api:analyzeMessage");

export const POST = apiRoute(analyzeMessageEndpoint, async ({ apiKey, convex, params }) => {
  await convex.mutation(analyze, { apiKey, messageId: params.id });
  return { ok: true as const };
});
