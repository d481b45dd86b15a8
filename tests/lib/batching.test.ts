import { describe, expect, test } from "vitest";
import { flushPlan, nextTickAt, typingDue } from "../../lib/batching";
import { SECOND } from "../../lib/time";

const policy = { windowMs: 4 * SECOND, maxWaitMs: 30 * SECOND, maxMessages: 10 };

describe("when a burst is over", () => {
  test("a quiet customer is answered one window after their last message", () => {
    expect(flushPlan({ firstPendingAt: 0, lastPendingAt: 2 * SECOND, pendingCount: 3 }, policy)).toEqual({
      at: 6 * SECOND,
      reason: "timeout",
    });
  });

  test("someone who keeps typing is answered at the max-wait cap", () => {
    expect(flushPlan({ firstPendingAt: 0, lastPendingAt: 27 * SECOND, pendingCount: 9 }, policy)).toEqual({
      at: 30 * SECOND,
      reason: "max_wait",
    });
  });

  test("the window ending exactly at the cap counts as a timeout", () => {
    expect(flushPlan({ firstPendingAt: 0, lastPendingAt: 26 * SECOND, pendingCount: 2 }, policy).reason).toBe("timeout");
  });

  test("a full burst is answered at once", () => {
    expect(flushPlan({ firstPendingAt: 0, lastPendingAt: SECOND, pendingCount: 10 }, policy)).toEqual({
      at: SECOND,
      reason: "max_messages",
    });
  });
});

describe("the tick's next turn", () => {
  test("a channel without typing sleeps until the flush", () => {
    expect(nextTickAt(10 * SECOND, 0, null)).toBe(10 * SECOND);
  });
  test("Telegram wakes 4 s after the last typing action to refresh it", () => {
    expect(nextTickAt(10 * SECOND, 0, 4 * SECOND)).toBe(4 * SECOND);
    expect(nextTickAt(10 * SECOND, 8 * SECOND, 4 * SECOND)).toBe(10 * SECOND);
  });
  test("typing is sent at the start of a burst and then only when due", () => {
    expect(typingDue(0, undefined, 4 * SECOND)).toBe(true);
    expect(typingDue(3.9 * SECOND, 0, 4 * SECOND)).toBe(false);
    expect(typingDue(4 * SECOND, 0, 4 * SECOND)).toBe(true);
    expect(typingDue(0, undefined, null)).toBe(false);
  });
});
