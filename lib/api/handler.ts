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

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;
export type ApiContext<E extends Endpoint> = {
  apiKey: string;
  convex: ConvexHttpClient;
  query: Parsed<E["query"]>;
  params: Parsed<E["params"]>;
  body: Parsed<E["body"]>;
};
/** What Next.js passes a dynamic route handler. */
type RouteContext = { params?: Promise<Record<string, string | string[]>> };

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

/** The key from `Authorization: Bearer <key>`, or null. */
export function bearerKey(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

function firstIssue(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") return `${where}: unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return `${[where, ...(issue?.path ?? [])].join(".")}: ${issue?.message ?? "invalid"}`;
}

/** Reads the JSON body; an empty body is `{}`. Null when it is not a JSON object. */
async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function apiRoute<E extends Endpoint>(
  endpoint: E,
  /** A Response it returns is sent as it is (a streamed CSV, say); anything else is checked against `response`. */
  run: (context: ApiContext<E>) => Promise<z.input<E["response"]> | Response>,
): (request: Request, context?: RouteContext) => Promise<Response> {
  return async (request, routeContext) => {
    // The server's value, else the build's (inlined only for a literal read).
    const url = readEnv("NEXT_PUBLIC_CONVEX_URL") ?? (process.env.NEXT_PUBLIC_CONVEX_URL?.trim() || undefined);
    if (!url) return errorResponse(500, "NOT_CONFIGURED", "NEXT_PUBLIC_CONVEX_URL is not set");
    const apiKey = bearerKey(request);
    if (!apiKey) return errorResponse(401, "UNAUTHENTICATED", "Send Authorization: Bearer <API key>");
    const convex = new ConvexHttpClient(url, { logger: false });
    try {
      // The key first: an unauthenticated caller learns nothing about the input's shape.
      await convex.mutation(touchKey, { apiKey });
      const parsed: Record<"query" | "params" | "body", unknown> = { query: {}, params: {}, body: {} };
      if (endpoint.query) {
        const query = endpoint.query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
        if (!query.success) return errorResponse(400, "BAD_REQUEST", firstIssue(query.error, "query"));
        parsed.query = query.data;
      }
      if (endpoint.params) {
        const params = endpoint.params.safeParse((await routeContext?.params) ?? {});
        if (!params.success) return errorResponse(400, "BAD_REQUEST", firstIssue(params.error, "path"));
        parsed.params = params.data;
      }
      if (endpoint.body) {
        const raw = await jsonBody(request);
        if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
          return errorResponse(400, "BAD_REQUEST", "body: send a JSON object");
        }
        const body = endpoint.body.safeParse(raw);
        if (!body.success) return errorResponse(400, "BAD_REQUEST", firstIssue(body.error, "body"));
        parsed.body = body.data;
      }
      const result = await run({ apiKey, convex, ...(parsed as Pick<ApiContext<E>, "query" | "params" | "body">) });
      if (result instanceof Response) return result;
      const body = endpoint.response.parse(result);
      if (endpoint.contentType) return new Response(body as string, { headers: { "content-type": endpoint.contentType, "cache-control": "no-store" } });
      return Response.json(body, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      if (error instanceof ConvexError) {
        const data = error.data as { code?: string; message?: string };
        if (data.code === "UNAUTHENTICATED") return errorResponse(401, "UNAUTHENTICATED", data.message ?? "Unknown API key");
        if (data.code === "NOT_FOUND") return errorResponse(404, data.code, data.message ?? "Not found");
        // Stored data we cannot read (a corrupt archive blob): our fault, not the caller's.
        if (data.code === "ARCHIVE_UNREADABLE") return errorResponse(500, data.code, data.message ?? "Stored data is unreadable");
        if (data.code === "ALREADY_RUNNING") return errorResponse(409, data.code, data.message ?? "Already running");
        return errorResponse(400, data.code ?? "BAD_REQUEST", data.message ?? "Refused");
      }
      // The message only: a stack or request could carry the key.
      console.error(`[api] ${endpoint.operationId} failed: ${(error as Error).message}`);
      return errorResponse(500, "INTERNAL", "The request failed; try again");
    }
  };
}
