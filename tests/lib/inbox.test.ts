import { describe, expect, test } from "vitest";
import {
  compareInboxRows,
  inboxFieldsFromHistory,
  inboxFieldsOnCustomerMessage,
  inboxFieldsOnReply,
  inboundSeenUpTo,
  inboxStatus,
  normalizeTags,
  replyProblem,
  shortDuration,
  unreadLabel,
  unreadOf,
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

describe("unread for one operator", () => {
  test("counts customer messages past the operator's marker from the kept count", () => {
    expect(unreadOf({ inboundCount: 5, lastInboundAt: 50 }, null)).toEqual({ unread: true, count: 5 });
    expect(unreadOf({ inboundCount: 5, lastInboundAt: 50 }, { lastReadAt: 40, inboundSeen: 3 })).toEqual({ unread: true, count: 2 });
    expect(unreadOf({ inboundCount: 5, lastInboundAt: 50 }, { lastReadAt: 50, inboundSeen: 5 })).toEqual({ unread: false, count: 0 });
    expect(unreadOf({ inboundCount: 0, lastInboundAt: 50 }, null)).toEqual({ unread: false, count: 0 });
  });

  test("older data without a count says only whether something is new", () => {
    expect(unreadOf({ lastInboundAt: 50 }, { lastReadAt: 40 })).toEqual({ unread: true });
    expect(unreadOf({ lastInboundAt: 50 }, { lastReadAt: 50 })).toEqual({ unread: false });
    expect(unreadOf({ inboundCount: 4, lastInboundAt: 50 }, { lastReadAt: 60 })).toEqual({ unread: false });
    expect(unreadOf({ lastInboundAt: 50 }, null)).toEqual({ unread: true });
  });

  test("seen up to a time is the count minus what came after; labels cap at 99+", () => {
    expect(inboundSeenUpTo(7, 2)).toBe(5);
    expect(inboundSeenUpTo(1, 3)).toBe(0);
    expect(inboundSeenUpTo(undefined, 0)).toBeUndefined();
    expect(unreadLabel(3)).toBe("3");
    expect(unreadLabel(120)).toBe("99+");
  });
});

describe("inbox fields rebuilt from history (backfill)", () => {
  test("line, waiting since the first unanswered message, reply author; nothing from the customer gives an empty line", () => {
    const customer = { text: "", attachmentCount: 1 };
    expect(inboxFieldsFromHistory({ newestCustomer: customer, newestReply: { author: "human" }, firstUnanswered: { receivedAt: 5 } })).toEqual({
      lastCustomerText: "[attachment]",
      awaitingReplySince: 5,
      lastReplyAuthor: "human",
    });
    expect(inboxFieldsFromHistory({ newestCustomer: { text: "hi", attachmentCount: 0 }, newestReply: { author: "agent" }, firstUnanswered: null })).toEqual({
      lastCustomerText: "hi",
      lastReplyAuthor: "agent",
    });
    expect(inboxFieldsFromHistory({ newestCustomer: null, newestReply: null, firstUnanswered: null })).toEqual({ lastCustomerText: "" });
  });
});
