import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { MINUTE, SECOND } from "../../lib/time";
import { startFakePlatform, telegramOk, type FakePlatform } from "../support/fakePlatform";
import { advance, INGEST_SECRET, offlineSuite, settle, telegramMessage, type Test } from "./setup";

const suite = offlineSuite();
let t: Test;
let telegram: FakePlatform;

beforeAll(async () => {
  telegram = await startFakePlatform(telegramOk);
});
afterAll(async () => {
  await telegram.close();
});
beforeEach(() => {
  t = suite.t;
  vi.stubEnv("TELEGRAM_BOT_TOKEN", "7012345678:AAtest-token");
  vi.stubEnv("TELEGRAM_API_BASE_URL", telegram.url);
  telegram.calls.length = 0;
});

async function customerWrites(messageId: number) {
  await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [telegramMessage({ messageId, text: `part ${messageId}` })] });
}

async function jobs() {
  return await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
}

describe("scheduled jobs per burst", () => {
  test("a 3-message Telegram burst costs 6 scheduled jobs, 5 of them run, and still shows typing throughout", async () => {
    const start = Date.now();
    await customerWrites(1);
    await advance(t, 1 * SECOND);
    await customerWrites(2);
    await advance(t, 1 * SECOND);
    await customerWrites(3);
    await settle(t);

    const all = await jobs();
    const byName = (name: string) => all.filter((j) => j.name === name).length;
    // Before: 7 (tick ×4 incl. the cancelled heartbeat, typing ×2, answer). A typing turn is one
    // job (tick.start); the turn at 4 s was meant as the flush (the first message's deadline),
    // so it is a mutation, and finding the deadline moved to 6 s it sends "typing…" as a job:
    // the same function runs as tick.start's action plus turn, for the one-message bursts that
    // are most bursts one action fewer (next test).
    expect(all).toHaveLength(6);
    expect(byName("batching/tick:start")).toBe(1); // typing at 0 s
    expect(byName("batching/tick:run")).toBe(3); // 4 s (typing, below); the flush at 6 s; the heartbeat, cancelled by the reply
    expect(byName("channels/actions:typing")).toBe(1);
    expect(byName("batching/batch:answer")).toBe(1);
    expect(all.filter((j) => j.state.kind === "success")).toHaveLength(5);
    expect(all.filter((j) => j.state.kind === "canceled")).toHaveLength(1);

    const typing = telegram.callsTo("/sendChatAction").map((c) => c.at - start);
    const replies = telegram.callsTo("/sendMessage");
    expect(replies).toHaveLength(1);
    expect(typing[0]).toBeLessThan(SECOND);
    expect(typing.length).toBeGreaterThanOrEqual(2);
    const times = [...typing, replies[0]!.at - start];
    expect(Math.max(...times.slice(1).map((at, i) => at - times[i]!))).toBeLessThan(5 * SECOND);
  });

  test("a one-message burst flushes in a mutation: the typing refresh due at the flush rides with the model call", async () => {
    const start = Date.now();
    await customerWrites(1);
    await settle(t);

    const all = await jobs();
    const byName = (name: string) => all.filter((j) => j.name === name).length;
    // Before: the flush at 4 s ran as a second tick.start (an action and its mutation), since
    // a typing refresh fell due with it.
    expect(byName("batching/tick:start")).toBe(1);
    expect(byName("batching/tick:run")).toBe(2); // the flush; the heartbeat, cancelled by the reply
    expect(byName("batching/batch:answer")).toBe(1);
    expect(byName("channels/actions:typing")).toBe(0);
    expect(all).toHaveLength(4);

    const typing = telegram.callsTo("/sendChatAction").map((c) => c.at - start);
    const replies = telegram.callsTo("/sendMessage");
    expect(replies).toHaveLength(1);
    expect(typing.length).toBeGreaterThanOrEqual(2);
    const times = [...typing, replies[0]!.at - start];
    expect(Math.max(...times.slice(1).map((at, i) => at - times[i]!))).toBeLessThan(5 * SECOND);
  });

  test("a burst whose first typing turn never ran is re-armed by the watchdog and answered once", async () => {
    await customerWrites(1);
    // The action that runs the burst's first turn is lost (actions run at most once).
    await t.run(async (ctx) => {
      const [conversation] = await ctx.db.query("conversations").collect();
      if (conversation!.state.kind !== "buffering") throw new Error("expected a buffering conversation");
      await ctx.scheduler.cancel(conversation!.state.tickId);
    });
    await advance(t, 30 * SECOND);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(0);
    // Not yet: a burst is given its longest wait plus a minute before the watchdog steps in.
    await t.mutation(internal.batching.watchdog.sweep, {});
    expect((await jobs()).filter((j) => j.state.kind === "pending")).toHaveLength(0);
    await advance(t, 1 * MINUTE + 1 * SECOND);
    await t.mutation(internal.batching.watchdog.sweep, {});
    await settle(t);
    expect(telegram.callsTo("/sendMessage")).toHaveLength(1);
    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    expect(conversation!.state.kind).toBe("idle");
  });
});
