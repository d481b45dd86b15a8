/**
 * 200 Telegram chats each write a 5-message burst, and Telegram delivers
 * every update twice, in shuffled order (its retries after a slow answer
 * look like this). Every message must be stored once and every chat must
 * get exactly one reply: no duplicate, nothing lost.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { normalizeTelegramUpdate } from "../../lib/channels/telegram";
import { startFakeServer, type FakeServer } from "../channels/fakes";
import { advance, INGEST_SECRET, offlineSuite, settle } from "../convex/setup";
import { allBatches, allMessages, countBy, seededRandom, shuffle, size, SUITE_TIMEOUT_MS } from "./support";

const BOT_ID = "7012345678";
const CHATS = size(40, 200);
const BURST = 5;

const suite = offlineSuite();
let telegram: FakeServer;
let nextId = 0;

beforeAll(async () => {
  telegram = await startFakeServer((request) => ({
    body: { ok: true, result: request.path.endsWith("/sendMessage") ? { message_id: ++nextId, date: 0, chat: { id: request.body.chat_id } } : true },
  }));
});
afterAll(async () => {
  await telegram.close();
});
beforeEach(() => {
  telegram.requests.length = 0;
  vi.stubEnv("TELEGRAM_BOT_TOKEN", `${BOT_ID}:AAreliabilityToken`);
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
});

function update(chat: number, n: number, updateId: number) {
  const user = { id: 900_000 + chat, is_bot: false, first_name: `Customer ${chat}` };
  return {
    update_id: updateId,
    message: {
      message_id: n + 1,
      from: user,
      chat: { id: user.id, type: "private", first_name: user.first_name },
      date: Math.floor(Date.now() / 1000),
      text: `chat ${chat} message ${n + 1}`,
    },
  };
}

describe(`${CHATS} chats × ${BURST} messages, every update delivered twice in shuffled order`, () => {
  it("every message is stored once and every chat gets exactly one reply", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    const updates = Array.from({ length: CHATS * BURST }, (_, i) => update(Math.floor(i / BURST), i % BURST, 1000 + i));
    const deliveries = shuffle([...updates, ...updates], seededRandom(9));

    const answers = { accepted: 0, duplicates: 0, ignored: 0 };
    for (const [i, body] of deliveries.entries()) {
      const { events } = normalizeTelegramUpdate(body, { botId: BOT_ID }, Date.now());
      const result = await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events });
      for (const key of ["accepted", "duplicates", "ignored"] as const) answers[key] += result[key];
      // Deliveries trickle in over about a second, well inside the burst window.
      if (i % 50 === 49) await advance(t, 100);
    }
    expect(answers).toEqual({ accepted: CHATS * BURST, duplicates: CHATS * BURST, ignored: 0 });
    await settle(t);

    const messages = await allMessages(t);
    const inbound = messages.filter((m) => m.direction === "in");
    expect(inbound).toHaveLength(CHATS * BURST);
    expect(new Set(inbound.map((m) => m.externalId)).size).toBe(CHATS * BURST);
    expect(inbound.filter((m) => m.status !== "answered").map((m) => `${m.externalId} ${m.status} ${m.text}`)).toEqual([]);

    const sends = telegram.requests.filter((r) => r.path.endsWith("/sendMessage"));
    const perChat = countBy(sends, (r) => String(r.body.chat_id));
    expect(perChat.size).toBe(CHATS);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);

    // Each burst was answered as one: one replied batch per chat holding all five messages.
    const replied = (await allBatches(t)).filter((b) => b.outcome === "replied");
    expect(replied).toHaveLength(CHATS);
    expect(replied.every((b) => b.messageCount === BURST)).toBe(true);
  });
});
