/**
 * How webhook routes answer. Every answer is JSON `{error, reason}` or
 * `{ok: true, …}`, except Meta's verification challenge, which must be the
 * bare challenge text.
 */
import { readEnv } from "../channels/http";

/** The server lacks a setting it needs: a 500 naming it, never a silent 200. */
export class WebhookConfigError extends Error {
  name = "WebhookConfigError";
}

export function requireEnv(name: string): string {
  const value = readEnv(name);
  if (!value) throw new WebhookConfigError(`${name} is not set`);
  return value;
}

export type ErrorCode = "unauthorized" | "forbidden" | "bad_request" | "too_large" | "misconfigured" | "convex_unavailable" | "internal";

export function jsonResponse(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

export function errorResponse(status: number, error: ErrorCode, reason: string): Response {
  return jsonResponse(status, { error, reason });
}
