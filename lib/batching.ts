/**
 * The batching policy: when a burst is over. Pure; time is passed in.
 *
 * A burst is answered at the earliest of
 *  - `lastPendingAt + window` (the customer went quiet: "timeout"),
 *  - `firstPendingAt + maxWait` (they kept typing too long: "max_wait"),
 *  - as soon as `maxMessages` are pending ("max_messages").
 */
import type { FlushReason } from "../convex/validators";

export type BatchingPolicy = {
  windowMs: number;
  maxWaitMs: number;
  maxMessages: number;
};

export type PendingBurst = {
  firstPendingAt: number;
  lastPendingAt: number;
  pendingCount: number;
};

export type FlushPlan = { at: number; reason: Exclude<FlushReason, "manual" | "shutdown"> };

export function flushPlan(burst: PendingBurst, policy: BatchingPolicy): FlushPlan {
  if (burst.pendingCount >= policy.maxMessages) {
    return { at: burst.lastPendingAt, reason: "max_messages" };
  }
  const quietAt = burst.lastPendingAt + policy.windowMs;
  const capAt = burst.firstPendingAt + policy.maxWaitMs;
  return capAt < quietAt ? { at: capAt, reason: "max_wait" } : { at: quietAt, reason: "timeout" };
}

/**
 * When the conversation's single tick should next run: the flush deadline,
 * or sooner if the channel's typing action (last sent at `typingSentAt`)
 * must be refreshed before it expires.
 */
export function nextTickAt(flushAt: number, typingSentAt: number, typingRefreshMs: number | null): number {
  if (typingRefreshMs === null) return flushAt;
  return Math.min(flushAt, typingSentAt + typingRefreshMs);
}

/** Whether "typing…" needs sending now: never sent this burst, or due for a refresh. */
export function typingDue(now: number, typingSentAt: number | undefined, typingRefreshMs: number | null): boolean {
  if (typingRefreshMs === null) return false;
  return typingSentAt === undefined || now >= typingSentAt + typingRefreshMs;
}
