import { expect, test } from "vitest";
import { nextRetryDelay } from "../../lib/followups/retry";
import { MINUTE } from "../../lib/time";

test("a failing follow-up is retried after 1, 5 and 15 minutes, then handed over", () => {
  expect([1, 2, 3, 4].map(nextRetryDelay)).toEqual([
    1 * MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    null,
  ]);
});

test("attempt counts outside the schedule give up rather than retry forever", () => {
  expect(nextRetryDelay(0)).toBeNull();
  expect(nextRetryDelay(10)).toBeNull();
});
