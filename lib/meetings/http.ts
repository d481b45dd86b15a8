// What the Zoom and Google clients share: a bearer-token cache the caller
// owns, one retry with a fresh token on 401, and errors that carry the
// provider's status and message.
import { z } from "zod";
import { MINUTE, SECOND } from "../time";

/**
 * Where a client keeps its access token between calls. The caller owns the
 * object (a module-level constant in an action, a field in a test) so tokens
 * are reused for as long as they live instead of fetched per request.
 */
export type TokenCache = { accessToken?: string; expiresAt?: number };

// Renew a minute early so a token never expires between check and use.
const TOKEN_REFRESH_MARGIN_MS = 1 * MINUTE;

export type Provider = "zoom" | "google";

/** A provider refused a request or answered nonsense; `status` is the HTTP status of that reply. */
export class MeetingApiError extends Error {
  constructor(
    readonly provider: Provider,
    readonly status: number,
    message: string,
  ) {
    super(
      `${provider === "zoom" ? "Zoom" : "Google Calendar"} ${status}: ${message}`,
    );
    this.name = "MeetingApiError";
  }
}

// The OAuth 2.0 token reply both providers send (RFC 6749 §5.1).
const tokenReply = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

/**
 * A token getter over the cache: the cached token while it has a minute left,
 * otherwise (or when `fresh` is asked for) a new one from `requestToken`.
 */
export function tokenSource(
  provider: Provider,
  cache: TokenCache,
  now: number,
  requestToken: () => Promise<Response>,
): (fresh: boolean) => Promise<string> {
  return async (fresh) => {
    const { accessToken, expiresAt } = cache;
    if (
      !fresh &&
      accessToken &&
      expiresAt !== undefined &&
      now < expiresAt - TOKEN_REFRESH_MARGIN_MS
    ) {
      return accessToken;
    }
    const reply = await expectReply(provider, await requestToken(), tokenReply);
    cache.accessToken = reply.access_token;
    cache.expiresAt = now + reply.expires_in * SECOND;
    return reply.access_token;
  };
}

/**
 * Sends with the cached token; on 401 (revoked or rotated early) fetches a
 * fresh token and sends once more. A second 401 is returned to the caller.
 */
export async function sendWithToken(
  token: (fresh: boolean) => Promise<string>,
  send: (accessToken: string) => Promise<Response>,
): Promise<Response> {
  const response = await send(await token(false));
  if (response.status !== 401) return response;
  await response.body?.cancel(); // free the connection before the retry
  return send(await token(true));
}

/** The reply's JSON body, or its text when it is not JSON (proxies answer HTML). */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The most human line a provider's error body offers. */
function errorMessage(body: unknown, response: Response): string {
  if (typeof body === "string" && body.trim()) return body.trim().slice(0, 300);
  if (body && typeof body === "object") {
    const fields = body as Record<string, unknown>;
    // Google API: { error: { message } }; OAuth: { error, error_description }; Zoom: { message } or { reason }.
    const nested =
      fields.error && typeof fields.error === "object"
        ? (fields.error as Record<string, unknown>).message
        : undefined;
    for (const candidate of [
      nested,
      fields.error_description,
      fields.message,
      fields.reason,
      fields.error,
    ]) {
      if (typeof candidate === "string" && candidate) return candidate;
    }
  }
  return response.statusText || "request failed";
}

/**
 * The reply's body checked against `schema`, or a MeetingApiError with the
 * provider's own words when the status is not 2xx or the body is not the
 * promised shape (an API change shows up as a clear error, not undefined).
 */
export async function expectReply<T>(
  provider: Provider,
  response: Response,
  schema: z.ZodType<T>,
): Promise<T> {
  const body = await readBody(response);
  if (!response.ok)
    throw new MeetingApiError(
      provider,
      response.status,
      errorMessage(body, response),
    );
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "body"}: ${issue.message}`,
    );
    throw new MeetingApiError(
      provider,
      response.status,
      `unexpected reply (${problems.join("; ")})`,
    );
  }
  return parsed.data;
}

/** `path` under a configured base URL, which may or may not end in "/". */
export function endpoint(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

/** Zoom wants "2026-11-30T09:00:00Z"; Google accepts it too. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
