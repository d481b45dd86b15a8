import { describe, expect, test, vi } from "vitest";
import { ingestEvents } from "../../convex/ingest";
import { saveSettings } from "../../convex/model/settings";
import type { EventType } from "../../lib/analytics/events";
import { api, internal } from "../../convex/_generated/api";
import { asOwner, conversationOf, newSession, offlineSuite, say, settle, telegramMessage, type Test } from "../convex/setup";

const suite = offlineSuite();

async function events(t: Test, type?: EventType) {
  const all = await t.run((ctx) => ctx.db.query("analyticsEvents").collect());
  return type ? all.filter((e) => e.type === type) : all;
}

describe("events recorded through the completion hooks", () => {
  test("a three-message burst records three received, one flushed batch of three, one first bot reply and one sent message", async () => {
    const { t } = suite;
    const session = await newSession(t);
    await say(t, session, "Hey");
    await say(t, session, "do you have shoes?");
    await say(t, session, "size 10?");
    await settle(t);
    const conversationId = await conversationOf(t, session);

    const received = await events(t, "message.received");
    expect(received).toHaveLength(3);
    expect(received.map((e) => e.kind)).toEqual(["first", undefined, undefined]);
    expect(received.every((e) => e.conversationId === conversationId && e.channel === "web")).toBe(true);

    const [flushed, ...moreFlushed] = await events(t, "batch.flushed");
    expect(moreFlushed).toHaveLength(0);
    expect(flushed).toMatchObject({ value: 3, kind: "timeout", channel: "web", metadata: { outcome: "replied", responder: "offline" } });
    expect(flushed!.durationMs).toBeGreaterThan(0);

    const [reply, ...moreReplies] = await events(t, "response.ai_generated");
    expect(moreReplies).toHaveLength(0);
    expect(reply!.kind).toBe("first");
    // First response: from the first message, so at least the 4 s window.
    expect(reply!.durationMs).toBeGreaterThanOrEqual(4000);

    const sent = await events(t, "message.sent");
    expect(sent.map((e) => e.kind)).toEqual(["agent"]);

    // A second burst: its reply is a "next" reply, timed from its last message.
    await say(t, session, "and in blue?");
    await settle(t);
    const replies = await events(t, "response.ai_generated");
    expect(replies.map((e) => e.kind)).toEqual(["first", "next"]);
    expect(replies[1]!.durationMs).toBeGreaterThanOrEqual(4000);
    expect(replies[1]!.durationMs).toBeLessThan(replies[0]!.durationMs! + 4000);
  });

  test("a redelivered webhook and a repeated receipt are counted once", async () => {
    const { t } = suite;
    const message = telegramMessage({ messageId: 7, text: "hello" });
    await t.run((ctx) => ingestEvents(ctx, [message, message], Date.now()));
    await t.run((ctx) => ingestEvents(ctx, [message], Date.now()));
    expect(await events(t, "message.received")).toHaveLength(1);

    const out = await t.run(async (ctx) => {
      const inbound = await ctx.db.query("messages").first();
      return await ctx.db.insert("messages", { ...inbound!, _id: undefined, _creationTime: undefined, direction: "out", author: "agent", externalId: "510001:900", status: "sent" } as never);
    });
    expect(out).toBeDefined();
    const receipt = { kind: "status" as const, channel: "telegram" as const, accountId: "7012345678", chatId: "510001", externalId: "510001:900", status: "delivered" as const, at: Date.now() };
    await t.run((ctx) => ingestEvents(ctx, [receipt, receipt], Date.now()));
    await t.run((ctx) => ingestEvents(ctx, [{ ...receipt, status: "read" }], Date.now()));
    expect((await events(t, "message.delivered")).length).toBe(1);
    expect((await events(t, "message.read")).length).toBe(1);
  });

  test("with analytics off nothing is recorded and the reply still goes out", async () => {
    const { t } = suite;
    await t.run((ctx) => saveSettings(ctx, { analyticsEnabled: false }));
    const session = await newSession(t);
    await say(t, session, "Hey");
    await settle(t);
    expect(await events(t)).toHaveLength(0);
    expect((await t.run((ctx) => ctx.db.query("messages").collect())).some((m) => m.author === "agent" && m.status === "sent")).toBe(true);
  });
});

describe("the last 24 hours of batching on the Playground and Conversations pages", () => {
  test("batches, average size and wait, and flush reasons; the same before and after the rollup", async () => {
    const { t } = suite;
    const session = await newSession(t);
    await say(t, session, "Hey");
    await say(t, session, "shoes?");
    await say(t, session, "size 10?");
    await settle(t);
    await say(t, session, "thanks");
    await settle(t);
    const stats = () => asOwner(t).query(api.analytics.queries.batchStats24h, { now: Date.now() });
    const before = await stats();
    expect(before).toMatchObject({ batches: 2, averageSize: 2, reasons: { timeout: 2 }, complete: true });
    expect(before.averageWaitMs).toBeGreaterThanOrEqual(4000);
    await vi.advanceTimersByTimeAsync(60_000);
    await t.mutation(internal.analytics.rollup.run, {});
    expect(await stats()).toEqual(before);
    // A day later they have left the window.
    await vi.advanceTimersByTimeAsync(26 * 3600_000);
    expect(await stats()).toMatchObject({ batches: 0, averageSize: null, reasons: {} });
  });
});
