/**
 * Three in ten model calls fail: rate limited (429 with retry-after),
 * overloaded (529), or the connection drops mid-call (what the SDK's
 * timeout path reports). Every burst must end answered or in front of a
 * human (flagged), and no customer message may be left behind.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { textMessage } from "../support/fakeAnthropic";
import { startFakeServer, type FakeServer } from "../channels/fakes";
import { INGEST_SECRET, offlineSuite, settle, telegramMessage } from "../convex/setup";
import { allBatches, allConversations, allMessages, seededRandom, size, SUITE_TIMEOUT_MS } from "./support";

const CHATS = size(30, 200);
const BURST = 3;
const FAILURE_RATE = 0.3;

const suite = offlineSuite();
let model: Server;
let modelUrl = "";
const calls = { ok: 0, rateLimited: 0, overloaded: 0, dropped: 0 };
let telegram: FakeServer;
let nextId = 0;

beforeAll(async () => {
  const random = seededRandom(30);
  model = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const roll = random();
      if (roll < FAILURE_RATE / 3) {
        calls.rateLimited += 1;
        res.writeHead(429, { "content-type": "application/json", "retry-after": "2" });
        res.end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "Rate limited" } }));
      } else if (roll < (2 * FAILURE_RATE) / 3) {
        calls.overloaded += 1;
        res.writeHead(529, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }));
      } else if (roll < FAILURE_RATE) {
        calls.dropped += 1;
        req.socket.destroy();
      } else {
        calls.ok += 1;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(textMessage("Thanks, we are on it.")));
      }
    });
  });
  await new Promise<void>((resolve) => model.listen(0, "127.0.0.1", resolve));
  modelUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}`;
  telegram = await startFakeServer((request) => ({
    body: { ok: true, result: request.path.endsWith("/sendMessage") ? { message_id: ++nextId, date: 0, chat: { id: request.body.chat_id } } : true },
  }));
});
afterAll(async () => {
  model.closeAllConnections();
  await new Promise<void>((resolve) => model.close(() => resolve()));
  await telegram.close();
});
beforeEach(() => {
  vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-reliability");
  vi.stubEnv("ANTHROPIC_BASE_URL", modelUrl);
  vi.stubEnv("TELEGRAM_BOT_TOKEN", "7012345678:AAmodelFailures");
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});

describe(`${CHATS} bursts while 30 % of model calls fail`, () => {
  it("every burst is answered or surfaced to a human, and no message is lost", { timeout: SUITE_TIMEOUT_MS }, async () => {
    const { t } = suite;
    for (let chat = 0; chat < CHATS; chat++) {
      const chatId = String(700_000 + chat);
      const events = Array.from({ length: BURST }, (_, n) =>
        telegramMessage({ messageId: n + 1, chatId, externalId: `${chatId}:${n + 1}`, sender: { externalId: chatId }, text: `question ${n + 1}` }),
      );
      await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events });
    }
    await settle(t);

    expect(calls.rateLimited + calls.overloaded + calls.dropped).toBeGreaterThan(0); // the faults really happened
    const inbound = (await allMessages(t)).filter((m) => m.direction === "in");
    expect(inbound).toHaveLength(CHATS * BURST);
    // Each message ends answered, or failed with its conversation flagged for a person.
    expect(inbound.filter((m) => m.status !== "answered" && m.status !== "failed")).toEqual([]);
    const flagged = new Set((await allConversations(t)).filter((c) => c.needsHuman).map((c) => c._id));
    expect(inbound.filter((m) => m.status === "failed" && !flagged.has(m.conversationId))).toEqual([]);
    // Nothing stays in flight, and no chat got two replies.
    const batches = await allBatches(t);
    expect(batches.filter((b) => b.outcome === "processing" || b.outcome === "sending")).toEqual([]);
    const replies = telegram.requests.filter((r) => r.path.endsWith("/sendMessage")).map((r) => String(r.body.chat_id));
    expect(new Set(replies).size).toBe(replies.length);
    // Most are answered: four attempts make a burst fail only when all four do (0.3⁴ < 1 %).
    expect(replies.length).toBeGreaterThanOrEqual(Math.floor(CHATS * 0.9));
  });
});
