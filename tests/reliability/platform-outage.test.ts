/**
 * The platform rate-limits us for 16 s (429, retry_after 3 s, as Telegram
 * answers), then fails with 5xx for 15 s, then recovers. Retries live
 * within a time budget, so every reply is delivered, once, and nobody is
 * flagged; a fixed five attempts used to be spent inside the rate limit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { INGEST_SECRET, offlineSuite, settle, telegramMessage } from "../convex/setup";
import { startFakeServer, type FakeServer } from "../channels/fakes";
import { allConversations, allMessages, countBy, size, SUITE_TIMEOUT_MS } from "./support";
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
