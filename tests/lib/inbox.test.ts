import { describe, expect, test } from "vitest";
import {
  compareInboxRows,
  inboxFieldsOnCustomerMessage,
  inboxFieldsOnReply,
  inboxStatus,
  normalizeTags,
  replyProblem,
  shortDuration,
} from "../../lib/inbox";
import { DAY, HOUR, MINUTE, SECOND } from "../../lib/time";

describe("inbox status in words", () => {
  const idle = { needsHuman: false, takeover: false, state: "idle" as const, waitingSince: undefined };
  test("needs a human beats a takeover, a takeover beats the bot's state", () => {
    expect(inboxStatus({ ...idle, needsHuman: true, takeover: true })).toBe("needs_human");
    expect(inboxStatus({ ...idle, takeover: true, state: "processing" })).toBe("human");
    expect(inboxStatus({ ...idle, state: "processing" })).toBe("bot_answering");
    expect(inboxStatus({ ...idle, state: "buffering" })).toBe("bot_waiting");
    expect(inboxStatus({ ...idle, waitingSince: 5 })).toBe("waiting");
    expect(inboxStatus(idle)).toBe("answered");
  });
});

describe("inbox order", () => {
  test("needs a human first (longest flagged first), then longest waiting, then newest activity", () => {
    const rows = [
      { id: "recent", status: "answered" as const, lastMessageAt: 900 },
      { id: "older", status: "answered" as const, lastMessageAt: 100 },
      { id: "waits-short", status: "waiting" as const, waitingSince: 800, lastMessageAt: 800 },
      { id: "waits-long", status: "human" as const, waitingSince: 200, lastMessageAt: 850 },
      { id: "flag-new", status: "needs_human" as const, needsHumanSince: 700, lastMessageAt: 700 },
      { id: "flag-old", status: "needs_human" as const, needsHumanSince: 300, lastMessageAt: 300 },
    ];
    expect([...rows].sort(compareInboxRows).map((r) => r.id)).toEqual([
      "flag-old",
      "flag-new",
      "waits-long",
      "waits-short",
      "recent",
      "older",
    ]);
  });
});

test("waiting times read without seconds", () => {
  expect(shortDuration(30 * SECOND)).toBe("< 1 m");
  expect(shortDuration(4 * MINUTE + 59 * SECOND)).toBe("4 m");
  expect(shortDuration(3 * HOUR + 10 * MINUTE)).toBe("3 h");
  expect(shortDuration(2 * DAY + HOUR)).toBe("2 d");
});

test("tags are trimmed and de-duplicated; a too-long tag is refused in words", () => {
  expect(normalizeTags([" vip", "vip ", "", "Refund"])).toEqual(["vip", "Refund"]);
  expect(normalizeTags(["x".repeat(41)])).toMatch(/at most 40 characters/);
  expect(normalizeTags(Array.from({ length: 21 }, (_, i) => `t${i}`))).toMatch(/At most 20 tags/);
});

test("why the last reply did not arrive: the customer blocked the bot, the window closed, or it failed", () => {
  expect(
    replyProblem({ status: "send_failed", error: "telegram 403: Forbidden: bot was blocked by the user" }),
  ).toBe("blocked_by_customer");
  expect(replyProblem({ status: "blocked", error: "The customer last wrote 30 h ago" })).toBe("window_closed");
  expect(replyProblem({ status: "send_failed", error: "telegram 500: Internal" })).toBe("failed");
  expect(replyProblem({ status: "sent" })).toBeUndefined();
  expect(replyProblem(undefined)).toBeUndefined();
});

describe("what the conversation keeps for the inbox list", () => {
  test("waiting counts from the first unanswered message, and a delivered reply ends it", () => {
    const first = inboxFieldsOnCustomerMessage({}, { text: "hi", attachmentCount: 0 }, true, 1000);
    expect(first).toEqual({ lastCustomerText: "hi", awaitingReplySince: 1000 });
    const second = inboxFieldsOnCustomerMessage(first, { text: "", attachmentCount: 1 }, true, 5000);
    expect(second).toEqual({ lastCustomerText: "[attachment]", awaitingReplySince: 1000 });
    expect(inboxFieldsOnReply("agent")).toEqual({ awaitingReplySince: undefined, lastReplyAuthor: "agent" });
  });

  test("group chatter the bot is not asked to answer makes nobody wait", () => {
    expect(inboxFieldsOnCustomerMessage({}, { text: "lol", attachmentCount: 0 }, false, 1000)).toEqual({
      lastCustomerText: "lol",
    });
  });
});
