/**
 * The platform rate-limits us for 16 s (429, retry_after 3 s, as Telegram
 * answers), then fails with 5xx for 15 s, then recovers. Retries live
 * within a time budget, so every reply is delivered, once, and nobody is
 * flagged; a fixed five attempts used to be spent inside the rate limit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { advance, INGEST_SECRET, offlineSuite, settle, telegramMessage, type Test } from "../convex/setup";
import { startFakeServer, type FakeServer } from "../channels/fakes";
import { allBatches, allConversations, allMessages, countBy, size, SUITE_TIMEOUT_MS } from "./support";
import { SECOND } from "../../lib/time";
import { saveSettings } from "../../convex/settings";

const CHATS = size(10, 50);
const RATE_LIMITED_FOR_MS = 16 * SECOND;
const DOWN_FOR_MS = 15 * SECOND;

const suite = offlineSuite();
let telegram: FakeServer;
let outageStart = 0;
let nextId = 0;
/** Chats the platform really delivered a message to, once per delivery. */
let deliveredTo: string[] = [];

beforeAll(async () => {
  telegram = await startFakeServer();
});
afterAll(async () => {
  await telegram.close();
});
beforeEach(() => {
  telegram.requests.length = 0;
  deliveredTo = [];
  vi.stubEnv("TELEGRAM_BOT_TOKEN", "7012345678:AAoutageToken");
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
  vi.spyOn(console, "warn").mockImplementation(() => {});
  telegram.respond((request) => {
    if (!request.path.endsWith("/sendMessage")) return { body: { ok: true, result: true } };
    const since = Date.now() - outageStart;
    if (since < RATE_LIMITED_FOR_MS) {
      return { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } } };
    }
    if (since < RATE_LIMITED_FOR_MS + DOWN_FOR_MS) return { status: 502, body: { ok: false, error_code: 502, description: "Bad Gateway" } };
    deliveredTo.push(String(request.body.chat_id));
    return { body: { ok: true, result: { message_id: ++nextId, date: 0, chat: { id: request.body.chat_id } } } };
  });
});

describe("a rate limit, then an outage, then recovery", () => {
  it(`each of ${CHATS} replies reaches its customer exactly once and nobody is asked to step in`, { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    outageStart = Date.now();
    for (let chat = 0; chat < CHATS; chat++) {
      const chatId = String(600_000 + chat);
      await t.mutation(api.ingest.inbound, {
        secret: INGEST_SECRET,
        events: [telegramMessage({ messageId: 1, chatId, externalId: `${chatId}:1`, sender: { externalId: chatId }, text: "hello?" })],
      });
    }
    await settle(t);

    const sends = telegram.requests.filter((r) => r.path.endsWith("/sendMessage"));
    const outbound = (await allMessages(t)).filter((m) => m.direction === "out");
    expect(outbound).toHaveLength(CHATS);
    expect(outbound.filter((m) => m.status !== "sent")).toEqual([]);
    // Delivered once each: the platform accepted exactly one message per chat.
    const perChat = countBy(deliveredTo, (chat) => chat);
    expect(perChat.size).toBe(CHATS);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
    expect((await allConversations(t)).filter((c) => c.needsHuman)).toEqual([]);
    // The outage was real: more attempts were refused than there are replies.
    expect(sends.length - CHATS).toBeGreaterThanOrEqual(CHATS);
  });
});

describe("an outage longer than the retry budget", () => {
  it("the reply is flagged for a human once the budget is spent, never sooner than retry_after allowed", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    await t.run((ctx) => saveSettings(ctx, { sendRetryBudgetMinutes: 1 }));
    const attempts: number[] = [];
    telegram.respond((request) => {
      if (!request.path.endsWith("/sendMessage")) return { body: { ok: true, result: true } };
      attempts.push(Date.now());
      return { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 5", parameters: { retry_after: 5 } } };
    });
    const start = Date.now();
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [telegramMessage({ messageId: 1, chatId: "610001", externalId: "610001:1", sender: { externalId: "610001" } })],
    });
    await settle(t);

    const [reply] = (await allMessages(t)).filter((m) => m.direction === "out");
    expect(reply).toMatchObject({ status: "send_failed", error: expect.stringContaining("429") });
    expect((await allConversations(t))[0]!.needsHuman).toBeDefined();
    // Every retry waited at least the 5 s Telegram asked for, and none started after the one-minute budget.
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(gaps.every((gap) => gap >= 5 * SECOND)).toBe(true);
    expect(attempts.at(-1)! - start).toBeLessThanOrEqual(60 * SECOND + 10 * SECOND);
    expect(attempts.length).toBeGreaterThan(3);
  });
});

describe("one channel down, another up, one model slot", () => {
  let graph: FakeServer;
  beforeAll(async () => {
    graph = await startFakeServer((request) => ({ body: { recipient_id: request.body?.recipient?.id, message_id: `m_out_${graph.requests.length}` } }));
  });
  afterAll(async () => {
    await graph.close();
  });

  it("a Messenger customer is answered while a Telegram reply waits out the outage", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    graph.requests.length = 0;
    vi.stubEnv("META_PAGE_ACCESS_TOKEN", "page-token-outage");
    vi.stubEnv("META_GRAPH_API_BASE_URL", graph.url);
    await t.run((ctx) => saveSettings(ctx, { llmConcurrency: 1 }));
    let telegramUp = false;
    telegram.respond((request) => {
      if (!request.path.endsWith("/sendMessage")) return { body: { ok: true, result: true } };
      if (!telegramUp) return { status: 502, body: { ok: false, error_code: 502, description: "Bad Gateway" } };
      deliveredTo.push(String(request.body.chat_id));
      return { body: { ok: true, result: { message_id: ++nextId, date: 0, chat: { id: request.body.chat_id } } } };
    });

    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [telegramMessage({ messageId: 1, chatId: "620001", externalId: "620001:1", sender: { externalId: "620001" } })],
    });
    // The Telegram burst is answered and its send starts failing.
    await waitFor(t, "a Telegram send was attempted", async () => telegram.requests.some((r) => r.path.endsWith("/sendMessage")));
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [
        {
          kind: "message",
          channel: "messenger",
          accountId: "231045678901234",
          chatId: "psid-outage-1",
          externalId: "m_outage_1",
          sender: { externalId: "psid-outage-1" },
          text: "are you open today?",
          attachments: [],
          sentAt: Date.now(),
        },
      ],
    });
    // Well inside the send retry budget, with Telegram still down.
    await waitFor(t, "the Messenger reply was sent", async () => (await allMessages(t)).some((m) => m.channel === "messenger" && m.direction === "out" && m.status === "sent"));
    const telegramReply = (await allMessages(t)).find((m) => m.channel === "telegram" && m.direction === "out");
    expect(telegramReply).toMatchObject({ status: "sending" });
    expect(graph.requests.filter((r) => r.body?.message?.text)).toHaveLength(1);

    telegramUp = true;
    await settle(t);
    expect(deliveredTo).toEqual(["620001"]);
    const outbound = (await allMessages(t)).filter((m) => m.direction === "out");
    expect(outbound.map((m) => [m.channel, m.status]).sort()).toEqual([["messenger", "sent"], ["telegram", "sent"]]);
    expect((await allBatches(t)).map((b) => b.outcome)).toEqual(["replied", "replied"]);
    // Nothing holds the model slot once both batches ended.
    const slots = await t.run((ctx) => ctx.db.query("modelSlots").collect());
    expect(slots).toHaveLength(1);
    expect(slots[0]!.batchId).toBeUndefined();
  });
});

/**
 * Moves the fake clock until `done` holds, at most a few minutes of it:
 * long against the 4 s window, short against the 15-minute send budget.
 */
async function waitFor(t: Test, what: string, done: () => Promise<boolean>, limitMs = 3 * 60 * SECOND) {
  const end = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() >= end) throw new Error(`${what}: not so after ${limitMs} ms of fake time`);
    await advance(t, 250);
  }
}
