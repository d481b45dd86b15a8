// When a follow-up fails to send (channel down, rate limit), it is retried a
// few times and then left for a human: a follow-up hours late is worse than
// none, so the backoff stays short.
import { MINUTE } from "../time";

/** Wait before the 1st, 2nd and 3rd retry; after the 3rd failed retry, give up. */
export const FOLLOWUP_RETRY_DELAYS_MS = [1 * MINUTE, 5 * MINUTE, 15 * MINUTE];

/**
 * How long to wait before sending again after failed send number `attempt`
 * (1 for the first send, 2 for the first retry…), or null to give up.
 */
export function nextRetryDelay(attempt: number): number | null {
  return FOLLOWUP_RETRY_DELAYS_MS[attempt - 1] ?? null;
}
