/**
 * The one place that talks HTTP to messaging platforms and decides what a
 * failure means: retry later (429, 5xx, network, Meta's transient codes),
 * give up and tell the operator (other 4xx), or "the reply window is
 * closed" (`blocked`). Senders in this folder build requests; adapters in
 * convex/channels turn the results into `SendResult`s.
 */
import type { SendResult } from "../../convex/channels/adapter";
import { parseRetryAfter } from "../backoff";
import { SECOND } from "../time";

export type SendFailure = Extract<SendResult, { ok: false }>;

/** A platform call's outcome: the parsed JSON body, or a classified failure. */
export type PlatformResult = { ok: true; status: number; body: unknown } | SendFailure;

/** What tests (and only tests) swap: the network and the clock between parts. */
export type HttpDeps = {
  fetch?: typeof fetch;
  /** Waits between the parts of a long reply; tests record instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
};

// A hung platform must not eat the caller's action budget; a timed-out send is
// retried by the caller like any network error.
export const PLATFORM_REQUEST_TIMEOUT_MS = 15 * SECOND;

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Request = {
  method?: "GET" | "POST";
  body?: unknown;
  /** Meta Graph tokens go in the Authorization header, never in the URL, so logs cannot leak them. */
  bearerToken?: string;
  /** Names the platform in error texts the operator reads ("Telegram 400: chat not found"). */
  platform: string;
};

export async function callPlatform(url: string, request: Request, deps: HttpDeps = {}): Promise<PlatformResult> {
  const doFetch = deps.fetch ?? fetch;
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (request.bearerToken) headers.authorization = `Bearer ${request.bearerToken}`;

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PLATFORM_REQUEST_TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: request.method ?? "POST",
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: abort.signal,
    });
    text = await response.text();
  } catch (error) {
    // The URL is left out on purpose: Telegram's carries the bot token.
    const reason = abort.signal.aborted ? `no answer within ${PLATFORM_REQUEST_TIMEOUT_MS} ms` : describeNetworkError(error);
    // Retry only when the request never left; after a timeout or a dropped
    // connection the platform may have delivered it, and a retry could
    // send the customer the same message twice.
    if (neverSent(error) && !abort.signal.aborted) {
      return { ok: false, retryable: true, error: `${request.platform} unreachable: ${reason}` };
    }
    return {
      ok: false,
      retryable: false,
      unknownOutcome: true,
      error: `${request.platform} delivery unknown: ${reason}; check the chat before resending`,
    };
  } finally {
    clearTimeout(timer);
  }

  const body = parseJsonOrText(text);
  if (response.ok) return { ok: true, status: response.status, body };
  return classifyFailure(request.platform, response.status, body, response.headers.get("retry-after"), Date.now());
}

/** Connection errors that happen before any byte of the request is sent. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function neverSent(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  return code !== undefined && NOT_SENT_CODES.has(code);
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Meta error codes that mean "later, not never". Meta answers throttling with
 * HTTP 400, so the status code alone would call these permanent.
 */
const TRANSIENT_META_CODES = new Set([
  1, // API Unknown: Meta's own advice is to retry
  2, // API Service: temporary downtime
  4, // application request limit
  17, // user request limit
  32, // page request limit
  613, // calls exceeded the rate limit
  80007, // WhatsApp Business Account rate limit
  130429, // WhatsApp throughput limit
  131016, // WhatsApp service unavailable
  131056, // WhatsApp pair rate limit: too many messages to one customer
]);

/** Messenger/Instagram: "(#10) This message is sent outside of allowed window". */
const META_OUTSIDE_WINDOW = { code: 10, subcode: 2018278 };
/** WhatsApp: more than 24 hours since the customer last wrote; only templates may be sent. */
const WHATSAPP_REENGAGEMENT_CODE = 131047;

type TelegramErrorBody = {
  ok: false;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
};
type MetaErrorBody = {
  error: {
    message?: string;
    code?: number;
    error_subcode?: number;
    is_transient?: boolean;
    error_user_msg?: string;
    error_data?: { details?: string };
  };
};

function isTelegramError(body: unknown): body is TelegramErrorBody {
  return typeof body === "object" && body !== null && (body as { ok?: unknown }).ok === false;
}
function isMetaError(body: unknown): body is MetaErrorBody {
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  return typeof error === "object" && error !== null;
}

/** Classifies a non-2xx platform answer. Exported for the tests of each rule. */
export function classifyFailure(
  platform: string,
  status: number,
  body: unknown,
  retryAfterHeader: string | null,
  now: number,
): SendFailure {
  let retryable = status === 429 || status >= 500;
  let retryAfterMs = parseRetryAfter(retryAfterHeader, now);
  let detail: string;
  let blocked = false;

  if (isTelegramError(body)) {
    detail = body.description ?? "no description";
    const retryAfter = body.parameters?.retry_after;
    if (typeof retryAfter === "number") {
      retryable = true;
      retryAfterMs = retryAfter * SECOND;
    }
    // A group upgraded to a supergroup has a new id; say which, so the operator can act.
    const migrated = body.parameters?.migrate_to_chat_id;
    if (migrated !== undefined) detail += ` (chat moved to ${migrated})`;
  } else if (isMetaError(body)) {
    const { message, code, error_subcode: subcode, is_transient, error_data } = body.error;
    detail = [message ?? "no message", error_data?.details].filter(Boolean).join(": ");
    if (code !== undefined) detail += ` [code ${code}${subcode !== undefined ? `/${subcode}` : ""}]`;
    if (is_transient === true || (code !== undefined && TRANSIENT_META_CODES.has(code))) retryable = true;
    blocked =
      (code === META_OUTSIDE_WINDOW.code && subcode === META_OUTSIDE_WINDOW.subcode) ||
      code === WHATSAPP_REENGAGEMENT_CODE;
    // Retrying cannot reopen a reply window.
    if (blocked) retryable = false;
  } else {
    detail = typeof body === "string" && body.trim() ? body.trim().slice(0, 300) : "empty body";
  }

  const failure: SendFailure = { ok: false, retryable, error: `${platform} ${status}: ${detail}` };
  if (retryable && retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
  if (blocked) failure.blocked = true;
  return failure;
}

/** An env value, with an empty string treated as unset (a common .env slip). */
export function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The failure for a credential nobody configured: retrying cannot fix it. */
export function missingEnv(name: string): SendFailure {
  return { ok: false, retryable: false, error: `${name} is not set` };
}

export type PartResult = { ok: true; externalId: string } | SendFailure;

// A later part that hits a brief limit is retried here, once: handing the
// failure back would make the caller re-send the parts already delivered.
const PART_RETRY_MAX_WAIT_MS = 5 * SECOND;
const PART_RETRY_DEFAULT_WAIT_MS = 1 * SECOND; // 5xx / network: no hint from the server

/**
 * Sends the parts of one reply in order, waiting `gapMs` between them (the
 * platforms reorder or throttle back-to-back sends), and stops at the first
 * failure so the customer never sees part 3 without part 2.
 *
 * A failure before anything went out is returned as classified, so the
 * caller may retry the whole reply. After that a retry would duplicate the
 * delivered parts, so the failure is final and names what was sent.
 */
export async function sendInParts(
  parts: string[],
  sendPart: (part: string, index: number) => Promise<PartResult>,
  pacing: { gapMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<SendResult> {
  if (parts.length === 0) return { ok: false, retryable: false, error: "nothing to send: the reply is empty" };
  const sleep = pacing.sleep ?? defaultSleep;
  const externalIds: string[] = [];
  for (const [index, part] of parts.entries()) {
    if (index > 0) await sleep(pacing.gapMs);
    let result = await sendPart(part, index);
    if (!result.ok && index > 0 && result.retryable) {
      const wait = result.retryAfterMs ?? PART_RETRY_DEFAULT_WAIT_MS;
      if (wait <= PART_RETRY_MAX_WAIT_MS) {
        await sleep(wait);
        result = await sendPart(part, index);
      }
    }
    if (result.ok) {
      externalIds.push(result.externalId);
      continue;
    }
    if (index === 0) return result;
    const failure: SendFailure = {
      ok: false,
      retryable: false,
      error: `${result.error} (part ${index + 1} of ${parts.length}; parts already sent: ${externalIds.join(", ")})`,
    };
    if (result.blocked) failure.blocked = true;
    return failure;
  }
  return { ok: true, externalIds };
}

/** A 2xx whose body lacks the id we need: the send may have happened, so never retry it. */
export function unexpectedResponse(platform: string, body: unknown): SendFailure {
  return {
    ok: false,
    retryable: false,
    error: `${platform}: unexpected response ${JSON.stringify(body).slice(0, 200)}`,
  };
}

export function isFailure(value: object): value is SendFailure {
  return (value as { ok?: unknown }).ok === false;
}

/**
 * Typing is cosmetic and re-sent by the heartbeat, so a failure must not
 * fail the caller; it is logged so a bad token or a blocked bot is visible.
 */
export function logTypingFailure(channel: string, result: { ok: boolean; error?: string }): void {
  if (!result.ok) console.warn(`[${channel}] typing indicator failed: ${result.error ?? "unknown error"}`);
}
