import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { SECOND } from "../../lib/time";
import { rateLimited, replyWith, toolUse, type FakeAnthropic } from "../support/fakeAnthropic";
import { startFakePlatform, telegramOk, type FakePlatform } from "../support/fakePlatform";
import { asOwner, advance, INGEST_SECRET, modelBackedSuite, settle, telegramMessage, type Test } from "./setup";

const suite = modelBackedSuite();
let t: Test;
let anthropic: FakeAnthropic;
let telegram: FakePlatform;
const TOKEN = "7012345678:AAtest-token";

beforeAll(async () => {
  telegram = await startFakePlatform(telegramOk);
});
afterAll(async () => {
  await telegram.close();
});
beforeEach(() => {
  ({ t, anthropic } = suite);
  vi.stubEnv("TELEGRAM_BOT_TOKEN", TOKEN);
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
  telegram.calls.length = 0;
});

async function customerWrites(messageId: number, text: string) {
  await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [telegramMessage({ messageId, text })] });
}

describe("typing on Telegram", () => {
  test("typing shows at once, is refreshed every 4 s through a long burst, and stops after the one reply", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { batchWindowMs: 10 * SECOND } });
    const start = Date.now();
    await customerWrites(1, "Hey");
    await advance(t, 6 * SECOND);
    await customerWrites(2, "one more thing");
    await settle(t);

    const typing = telegram.callsTo("/sendChatAction");
    const replies = telegram.callsTo("/sendMessage");
    expect(replies).toHaveLength(1);
    expect(typing[0]!.at - start).toBeLessThan(SECOND); // the test clock moves in small steps
    expect(typing[0]!.body).toMatchObject({ chat_id: 510001, action: "typing" });
    // Refreshed before Telegram clears it (5 s) for as long as the customer waits.
    const times = typing.map((c) => c.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    expect(Math.max(...gaps, replies[0]!.at - times[times.length - 1]!)).toBeLessThan(5 * SECOND);
    expect(typing.length).toBeGreaterThanOrEqual(4); // 16 s of waiting
    // Nothing after the reply: the heartbeat died with the batch.
    expect(typing.every((c) => c.at <= replies[0]!.at)).toBe(true);
    await advance(t, 30 * SECOND);
    expect(telegram.callsTo("/sendChatAction")).toHaveLength(typing.length);
  });

  test("typing keeps coming while the model is rate limited, then stops with the reply", async () => {
    anthropic.script(rateLimited(10));
    const start = Date.now();
    await customerWrites(1, "Hi");
    await settle(t);
    const typing = telegram.callsTo("/sendChatAction");
    const [reply] = telegram.callsTo("/sendMessage");
    expect(reply!.body.text).toBe("Reply to: Hi");
    expect(reply!.at - start).toBeGreaterThanOrEqual(14 * SECOND);
    // The burst was claimed at 4 s; the heartbeat went on through the 10 s wait.
    expect(typing.filter((c) => c.at - start > 4 * SECOND).length).toBeGreaterThanOrEqual(2);
    expect(typing.every((c) => c.at <= reply!.at)).toBe(true);
    // Never lapses (Telegram clears it after 5 s), also across the flush.
    const times = [...typing.map((c) => c.at), reply!.at];
    expect(Math.max(...times.slice(1).map((at, i) => at - times[i]!))).toBeLessThan(5 * SECOND);
  });

  test("a burst waiting for a free model slot refreshes typing at the usual cadence, not on every look", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { llmConcurrency: 1 } });
    anthropic.script(rateLimited(20)); // the first chat holds the only slot for a while
    await customerWrites(1, "first chat");
    await advance(t, 4.5 * SECOND);
    const start = Date.now();
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [telegramMessage({ messageId: 1, chatId: "520002", externalId: "520002:1", text: "second chat" })],
    });
    await advance(t, 12 * SECOND);
    const waiting = telegram.callsTo("/sendChatAction").filter((c) => c.body.chat_id === 520002 && c.at >= start);
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(waiting.length).toBeLessThanOrEqual(4);
    await settle(t);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(2);
  });

  test("with typing switched off, no typing action is sent", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { typingEnabled: false } });
    await customerWrites(1, "Hi");
    await settle(t);
    expect(telegram.callsTo("/sendChatAction")).toHaveLength(0);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(1);
  });

  test("an operator's answer-now keeps a single typing heartbeat", async () => {
    anthropic.script(rateLimited(20)); // keeps the batch with the model for a while
    await customerWrites(1, "Hi");
    await advance(t, 1.5 * SECOND);
    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    expect(await asOwner(t).mutation(api.conversations.flushNow, { conversationId: conversation!._id })).toBe(true);
    const start = Date.now();
    await advance(t, 16 * SECOND);
    const typing = telegram.callsTo("/sendChatAction").filter((c) => c.at >= start);
    expect(typing.length).toBeLessThanOrEqual(4); // every 4 s, not two interleaved chains
    const liveTicks = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).filter(
        (job) => job.name === "batching/tick:run" && job.state.kind === "pending",
      ),
    );
    expect(liveTicks).toHaveLength(1);
    await settle(t);
  });
});

describe("Telegram delivery", () => {
  test("a 429 with retry_after is retried after the wait and the reply is sent once", async () => {
    let first = true;
    telegram.on("/sendMessage", (call) => {
      if (first) {
        first = false;
        return { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } } };
      }
      return telegramOk(call);
    });
    await customerWrites(1, "Hi");
    await settle(t);
    const sends = telegram.callsTo("/sendMessage");
    expect(sends).toHaveLength(2);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(7 * SECOND);
    const messages = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(messages.filter((m) => m.direction === "out").map((m) => m.status)).toEqual(["sent"]);
  });
});

describe("Telegram buttons", () => {
  test("a pressed button is acknowledged and answered like a message, also while a human has taken over", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 0 } });
    const press = (messageId: number, id: string) =>
      t.mutation(api.ingest.inbound, {
        secret: INGEST_SECRET,
        events: [telegramMessage({ messageId, externalId: `cb:${id}`, text: "size_10", callbackQueryId: id })],
      });
    await press(1, "cbq-1");
    await settle(t);
    expect(telegram.callsTo("/answerCallbackQuery").map((c) => c.body.callback_query_id)).toEqual(["cbq-1"]);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(1);

    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId: conversation!._id, takeover: true });
    await press(2, "cbq-2");
    await settle(t);
    expect(telegram.callsTo("/answerCallbackQuery").map((c) => c.body.callback_query_id)).toEqual(["cbq-1", "cbq-2"]);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(1); // the human answers now, not the bot
  });
});

describe("a follow-up waiting on a platform retry", () => {
  test("is not sent once the customer has written again", async () => {
    const write = (id: number, text: string) =>
      t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [telegramMessage({ messageId: id, text })] });
    anthropic.script(toolUse("schedule_followup", { when: "in 25 seconds", note: "ask about size" }), replyWith("Sure."));
    await write(1, "write me in 25 seconds");
    await advance(t, 5 * SECOND);
    const [action] = await t.run((ctx) => ctx.db.query("scheduledActions").collect());
    // The follow-up's first send hits flood control (retry after 10 s).
    let first = true;
    telegram.on("/sendMessage", (call) => {
      if (call.body.text === "FOLLOWUP" && first) {
        first = false;
        return { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 10", parameters: { retry_after: 10 } } };
      }
      return telegramOk(call);
    });
    anthropic.script(replyWith("FOLLOWUP"));
    await advance(t, action!.dueAt - Date.now() + SECOND);
    expect(telegram.callsTo("/sendMessage").filter((c) => c.body.text === "FOLLOWUP")).toHaveLength(1);

    await write(2, "never mind, found them");
    await settle(t);
    expect(telegram.callsTo("/sendMessage").filter((c) => c.body.text === "FOLLOWUP")).toHaveLength(1);
    const after = await t.run((ctx) => ctx.db.get("scheduledActions", action!._id));
    expect(after).toMatchObject({ status: "cancelled", lastError: "The customer wrote again" });
  });
});
