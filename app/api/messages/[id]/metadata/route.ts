// POST /api/messages/{id}/metadata: label a message (lib/api/lifecycle.ts; Convex side convex/lifecycle/api.ts).
import { makeFunctionReference } from "convex/server";
import { apiRoute } from "@/lib/api/handler";
import { messageMetadataEndpoint } from "@/lib/api/lifecycle";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Args = { apiKey: string; messageId: string; category?: string; tags?: string[]; custom?: Record<string, string> };
const metadata = makeFunctionReference<"mutation", Args, null>("lifecycle/api:messageMetadata");

export const POST = apiRoute(messageMetadataEndpoint, async ({ apiKey, convex, params, body }) => {
  const { tags, category, ...rest } = body as { tags?: string[]; category?: string } & Record<string, unknown>;
  const custom = Object.keys(rest).length > 0 ? (rest as Record<string, string>) : undefined;
  await convex.mutation(metadata, { apiKey, messageId: params.id, tags, category, custom });
  return { ok: true as const };
});
