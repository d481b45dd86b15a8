/**
 * The one wrapper every operator API route handler uses: bearer key →
 * Convex (which checks and records it), zod-parsed input, zod-checked
 * output, JSON errors. A key is never logged or echoed.
 */
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import type { z } from "zod";
import { readEnv } from "../channels/http";
import type { Endpoint } from "./endpoints";

/** Referenced by name so the API builds whatever state convex/_generated is in. */
const touchKey = makeFunctionReference<"mutation", { apiKey: string }, null>("apiKeys:touch");

export type ApiContext<Q> = { apiKey: string; convex: ConvexHttpClient; query: Q };

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

/** The key from `Authorization: Bearer <key>`, or null. */
export function bearerKey(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

export function apiRoute<E extends Endpoint & { query: z.ZodObject }>(
  endpoint: E,
  /** A Response it returns is sent as it is (a streamed CSV, say); anything else is checked against `response`. */
  run: (context: ApiContext<z.output<E["query"]>>) => Promise<z.input<E["response"]> | Response>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    // The server's value, else the build's (inlined only for a literal read).
    const url = readEnv("NEXT_PUBLIC_CONVEX_URL") ?? (process.env.NEXT_PUBLIC_CONVEX_URL?.trim() || undefined);
    if (!url) return errorResponse(500, "NOT_CONFIGURED", "NEXT_PUBLIC_CONVEX_URL is not set");
    const apiKey = bearerKey(request);
    if (!apiKey) return errorResponse(401, "UNAUTHENTICATED", "Send Authorization: Bearer <API key>");
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const query = endpoint.query.safeParse(params);
    const convex = new ConvexHttpClient(url, { logger: false });
    try {
      await convex.mutation(touchKey, { apiKey });
      if (!query.success) {
        const issue = query.error.issues[0];
        return errorResponse(400, "BAD_REQUEST", `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}`);
      }
      const result = await run({ apiKey, convex, query: query.data as z.output<E["query"]> });
      if (result instanceof Response) return result;
      const body = endpoint.response.parse(result);
      if (endpoint.contentType) return new Response(body as string, { headers: { "content-type": endpoint.contentType, "cache-control": "no-store" } });
      return Response.json(body, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      if (error instanceof ConvexError) {
        const data = error.data as { code?: string; message?: string };
        if (data.code === "UNAUTHENTICATED") return errorResponse(401, "UNAUTHENTICATED", data.message ?? "Unknown API key");
        return errorResponse(400, data.code ?? "BAD_REQUEST", data.message ?? "Refused");
      }
      // The message only: a stack or request could carry the key.
      console.error(`[api] ${endpoint.operationId} failed: ${(error as Error).message}`);
      return errorResponse(500, "INTERNAL", "The request failed; try again");
    }
  };
}
