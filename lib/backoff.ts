/**
 * Retry delays with exponential backoff and jitter, honouring a server's
 * `retry-after` when it gives one. Pure: pass `random` for determinism.
 */
import { SECOND } from "./time";

export type BackoffOptions = {
  baseMs?: number;
  maxMs?: number;
  /** The server said when to come back (429 retry-after, Telegram retry_after). */
  retryAfterMs?: number;
  random?: () => number;
};

const DEFAULT_BASE_MS = 2 * SECOND; // first retry soon: 529 overloads clear fast
const DEFAULT_MAX_MS = 60 * SECOND; // a customer should not wait minutes per attempt
const JITTER = 0.25; // spread retries so parallel batches do not stampede

/** Delay before attempt `attempt + 1`, where `attempt` ≥ 1 has just failed. */
export function retryDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = DEFAULT_BASE_MS, maxMs = DEFAULT_MAX_MS, retryAfterMs, random = Math.random } = options;
  const jitter = 1 + JITTER * random();
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    // Never earlier than the server asked; a little later so retries spread.
    return Math.round(retryAfterMs * jitter);
  }
  const exponential = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exponential * jitter);
}

/** Parses an HTTP `retry-after` value (seconds or an HTTP date) into ms. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * SECOND);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * When a failed send should be tried again, or null when the next attempt
 * would fall outside the retry budget that started with the first attempt.
 * A platform's retry_after is a floor, never a replacement for the
 * backoff: with "come back in 3 s" repeated through a long outage, a fixed
 * count of attempts would be spent in seconds.
 */
export function nextSendAttemptAt(
  attempt: number,
  now: number,
  options: { firstAttemptAt: number; budgetMs: number; retryAfterMs?: number; random?: () => number },
): number | null {
  const backoff = retryDelayMs(attempt, { random: options.random });
  const delay = Math.max(backoff, options.retryAfterMs ?? 0);
  const at = now + delay;
  return at <= options.firstAttemptAt + options.budgetMs ? at : null;
}
