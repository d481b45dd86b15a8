import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import { ingestEvents } from "../../convex/ingest";
import { asOwner, INGEST_SECRET, offlineSuite, settle, telegramMessage, type Test } from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

/** Runs ingest for one event inside a mutation and returns what it cost. */
async function ingestCost(t: Test, messageId: number) {
  return await t.run(async (ctx) => {
    await ingestEvents(ctx, [telegramMessage({ messageId, text: `message ${messageId}` })], Date.now());
    return await ctx.meta.getTransactionMetrics();
  });
}

describe("ingest cost per message", () => {
  // The budget from DESIGN.md: ≤ 5 documents read, ≤ 4 written, ≤ 1 scheduler call,
  // plus exactly one insert for the analytics event (issue 11), never a counter.
  test("the first message of a new conversation stays within budget", async () => {
    const cost = await ingestCost(t, 1);
    expect(cost.documentsRead.used).toBeLessThanOrEqual(5);
    expect(cost.documentsWritten.used).toBeLessThanOrEqual(4 + 1);
    expect(cost.functionsScheduled.used).toBe(1);
  });

  test("a message in a buffering conversation reads 3 documents, writes 3 and schedules nothing", async () => {
    await ingestCost(t, 1);
    const cost = await ingestCost(t, 2);
    expect(cost.documentsRead.used).toBe(3); // settings, contact, conversation
    expect(cost.documentsWritten.used).toBe(3); // the message, the conversation, the analytics event
    expect(cost.functionsScheduled.used).toBe(0);
  });

  test("a message reaching max messages schedules exactly one immediate flush", async () => {
    for (let id = 1; id <= 9; id++) await ingestCost(t, id);
    const cost = await ingestCost(t, 10);
    expect(cost.functionsScheduled.used).toBe(1);
    expect(cost.documentsWritten.used).toBe(3);
  });
});

describe("the public ingest mutation", () => {
  test("refuses a caller without the server secret", async () => {
    await expect(
      t.mutation(api.ingest.inbound, { secret: "guess", events: [telegramMessage({ messageId: 1 })] }),
    ).rejects.toThrow(/Wrong ingest secret/);
    const stored = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(stored).toHaveLength(0);
  });

  test("refuses everything when the deployment has no secret configured", async () => {
    vi.stubEnv("INGEST_SECRET", "");
    await expect(t.mutation(api.ingest.inbound, { secret: "", events: [] })).rejects.toThrow(/INGEST_SECRET is not set/);
  });

  test("a webhook batch with a redelivered message stores it once and reports the duplicate", async () => {
    const events = [telegramMessage({ messageId: 1, text: "Hey" }), telegramMessage({ messageId: 2, text: "shoes?" })];
    expect(await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events })).toEqual({
      accepted: 2,
      duplicates: 0,
      ignored: 0,
    });
    expect(await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [events[1]!] })).toEqual({
      accepted: 0,
      duplicates: 1,
      ignored: 0,
    });
    const stored = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(stored.map((m) => m.text)).toEqual(["Hey", "shoes?"]);
  });

  test("an edit updates the stored message and starts no new reply", async () => {
    vi.stubEnv("TELEGRAM_BOT_TOKEN", "");
    await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [telegramMessage({ messageId: 1, text: "size 9" })] });
    const result = await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [
        {
          kind: "edit",
          channel: "telegram",
          accountId: "7012345678",
          chatId: "510001",
          externalId: "510001:1",
          text: "size 10",
          attachments: [],
          editedAt: Date.now(),
        },
      ],
    });
    expect(result.accepted).toBe(1);
    const [message] = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(message!.text).toBe("size 10");
    const batches = await t.run((ctx) => ctx.db.query("batches").collect());
    expect(batches).toHaveLength(0);
  });

  test("group chatter that does not address the bot is stored but not answered", async () => {
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [telegramMessage({ messageId: 1, chatId: "-100200", externalId: "-100200:1", chatType: "group", addressedToBot: false })],
    });
    await settle(t);
    const [message] = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(message!.status).toBe("ignored");
    expect(await t.run((ctx) => ctx.db.query("batches").collect())).toHaveLength(0);
  });

  test("a human replying from the native app pauses the bot for that conversation", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 0 } }); // keep it until an operator ends it
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [
        { ...telegramMessage({ messageId: 1 }), channel: "messenger", accountId: "page-1", chatId: "psid-1", externalId: "m_1" },
        { kind: "echo", channel: "messenger", accountId: "page-1", chatId: "psid-1", externalId: "m_2", text: "Hi, Anna here", sentAt: Date.now() },
      ],
    });
    await settle(t);
    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    expect(conversation!.takeover).toBe(true);
    expect(conversation!.state.kind).toBe("idle");
    const messages = await t.run((ctx) => ctx.db.query("messages").collect());
    expect(messages.map((m) => [m.author, m.status])).toEqual([
      ["customer", "ignored"],
      ["human", "sent"],
    ]);
    expect(await t.run((ctx) => ctx.db.query("batches").collect())).toHaveLength(0);
  });
});

describe("echoes of our own replies", () => {
  test("an Instagram echo of a reply part we just sent is recognised and does not start a takeover", async () => {
    await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [{ ...telegramMessage({ messageId: 1 }), channel: "instagram", accountId: "ig-1", chatId: "igsid-1", externalId: "ig_in_1" }],
    });
    await settle(t);
    const [reply] = (await t.run((ctx) => ctx.db.query("messages").collect())).filter((m) => m.direction === "out");
    expect(reply!.status).toBe("send_failed"); // no Instagram token in this test; the text is what matters
    await t.run((ctx) => ctx.db.patch("messages", reply!._id, { status: "sent" }));
    const firstLine = reply!.text.split("\n")[0]!;
    const result = await t.mutation(api.ingest.inbound, {
      secret: INGEST_SECRET,
      events: [{ kind: "echo", channel: "instagram", accountId: "ig-1", chatId: "igsid-1", externalId: "ig_echo_2", text: firstLine, sentAt: Date.now(), matchOwnByText: true }],
    });
    expect(result).toEqual({ accepted: 0, duplicates: 0, ignored: 1 });
    const [conversation] = await t.run((ctx) => ctx.db.query("conversations").collect());
    expect(conversation!.takeover).toBe(false);
  });
});
