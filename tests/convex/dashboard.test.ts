import { beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  conversationBatches,
  listConversations,
  conversationMessages,
  MAX_MESSAGES_PAGE,
  MAX_PAGE_SIZE,
} from "../../convex/dashboard";
import { ingestEvents } from "../../convex/ingest";
import { SECOND } from "../../lib/time";
import { asOwner,
  advance,
  agentReplies,
  conversationOf,
  offlineSuite,
  newSession,
  say,
  settle,
  telegramMessage,
  type Test,
} from "./setup";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

const FIRST_PAGE = { numItems: 10, cursor: null };

async function telegramCustomer(chatId: string, displayName: string, text: string) {
  await t.run(async (ctx) => {
    await ingestEvents(
      ctx,
      [
        telegramMessage({
          messageId: 1,
          chatId,
          externalId: `${chatId}:1`,
          text,
          sender: { externalId: chatId, displayName },
        }),
      ],
      Date.now(),
    );
  });
}

async function markNeedsHuman(conversationId: Id<"conversations">, reason: string) {
  await t.run(async (ctx) => {
    await ctx.db.patch("conversations", conversationId, { needsHuman: { reason, since: Date.now() } });
  });
}

describe("conversations list", () => {
  test("shows the newest conversation first with its contact, preview and state", async () => {
    await telegramCustomer("510001", "Dana Petrova", "Hey, do you ship to Riga?");
    await advance(t, SECOND);
    const web = await newSession(t);
    await say(t, web, "Hello from the site");

    const { page, isDone } = await asOwner(t).query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE });

    expect(isDone).toBe(true);
    expect(page).toMatchObject([
      {
        channel: "web",
        customerLine: "Hello from the site",
        status: "bot_waiting",
        state: "buffering",
        takeover: false,
      },
      {
        channel: "telegram",
        contactName: "Dana Petrova",
        customerLine: "Hey, do you ship to Riga?",
        state: "buffering",
      },
    ]);
    expect(page[0]!.lastMessageAt).toBeGreaterThan(page[1]!.lastMessageAt);
    // A web visitor gave no name, and nobody needs to step in.
    expect(page[0]!.contactName).toBeUndefined();
    expect(page[0]!.needsHuman).toBeUndefined();
  });

  test("shows takeover and needs-human flags", async () => {
    const session = await newSession(t);
    await say(t, session, "I want a refund");
    const conversationId = await conversationOf(t, session);
    await asOwner(t).mutation(api.conversations.setTakeover, { conversationId, takeover: true });
    await markNeedsHuman(conversationId, "The model failed 4 times");

    const { page } = await asOwner(t).query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE });

    expect(page).toMatchObject([
      {
        id: conversationId,
        state: "idle",
        status: "needs_human",
        takeover: true,
        needsHuman: { reason: "The model failed 4 times" },
      },
    ]);
  });

  test("filters by channel and by needs human", async () => {
    await telegramCustomer("510001", "Dana Petrova", "Hey");
    const web = await newSession(t);
    await say(t, web, "Hi");
    const other = await newSession(t);
    await say(t, other, "Anyone there?");
    await markNeedsHuman(await conversationOf(t, other), "Delivery uncertain");

    const list = async (filter: { channel?: "telegram" | "web"; needsHuman?: boolean }) =>
      (await asOwner(t).query(api.dashboard.conversations, { paginationOpts: FIRST_PAGE, ...filter })).page.map(
        (r) => r.customerLine,
      );

    expect(await list({ channel: "telegram" })).toEqual(["Hey"]);
    expect(await list({ channel: "web" })).toEqual(["Anyone there?", "Hi"]);
    expect(await list({ needsHuman: true })).toEqual(["Anyone there?"]);
    expect(await list({ channel: "web", needsHuman: false })).toEqual(["Hi"]);
  });

  test("pages through every conversation once, and a page reads at most 100 documents", async () => {
    for (let i = 0; i < MAX_PAGE_SIZE + 5; i++) {
      await say(t, await newSession(t), `message ${i}`);
      await advance(t, 10);
    }
    const { first, metrics } = await t.run(async (ctx) => {
      const first = await listConversations(ctx, { numItems: 1000, cursor: null }, {}, "operator" as Id<"users">);
      return { first, metrics: await ctx.meta.getTransactionMetrics() };
    });
    expect(first.page).toHaveLength(MAX_PAGE_SIZE);
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);

    const second = await asOwner(t).query(api.dashboard.conversations, {
      paginationOpts: { numItems: MAX_PAGE_SIZE, cursor: first.continueCursor },
    });
    expect(second.isDone).toBe(true);
    const previews = [...first.page, ...second.page].map((r) => r.customerLine);
    expect(new Set(previews).size).toBe(MAX_PAGE_SIZE + 5);
    expect(previews[0]).toBe(`message ${MAX_PAGE_SIZE + 4}`);
  });
});

describe("batches of a conversation", () => {
  test("a burst of three shows one batch with its size, wait, reason and the offline responder", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await advance(t, SECOND);
    await say(t, session, "do you have shoes?");
    await advance(t, SECOND);
    await say(t, session, "size 10?");
    await settle(t);
    const [reply] = await agentReplies(t, session);

    const rows = await asOwner(t).query(api.dashboard.batches, { conversationId: await conversationOf(t, session) });

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      messageCount: 3,
      bufferDurationMs: 6 * SECOND, // 2 s of messages, then the 4 s window
      flushReason: "timeout",
      outcome: "replied",
      responder: "offline",
      model: "offline-responder",
      replyMessageId: reply!.id,
    });
    expect(rows[0]!.lastError).toBeUndefined();
    expect(rows[0]!.processingDurationMs).toBeGreaterThanOrEqual(0);
  });

  test("newest batch first, and an operator's answer-now is labelled manual", async () => {
    const session = await newSession(t);
    await say(t, session, "first");
    await settle(t);
    await say(t, session, "second");
    await asOwner(t).mutation(api.conversations.flushNow, { conversationId: await conversationOf(t, session) });
    await settle(t);

    const rows = await asOwner(t).query(api.dashboard.batches, { conversationId: await conversationOf(t, session) });

    expect(rows.map((b) => b.flushReason)).toEqual(["manual", "timeout"]);
  });

  test("reads at most 100 documents however many batches there were", async () => {
    const session = await newSession(t);
    await say(t, session, "start");
    const conversationId = await conversationOf(t, session);
    await t.run(async (ctx) => {
      for (let i = 0; i < 120; i++) {
        await ctx.db.insert("batches", {
          conversationId,
          channel: "web",
          flushReason: "timeout",
          outcome: "replied",
          messageCount: 1,
          totalCharacters: 5,
          bufferDurationMs: 4 * SECOND,
          flushedAt: Date.now() + i,
          attempts: 1,
          leaseUntil: Date.now(),
        });
      }
    });
    const metrics = await t.run(async (ctx) => {
      await conversationBatches(ctx, conversationId);
      return await ctx.meta.getTransactionMetrics();
    });
    expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
  });
});

describe("conversation page", () => {
  test("shows the customer's burst and the agent's reply in order, with statuses", async () => {
    const session = await newSession(t);
    await say(t, session, "Hey");
    await say(t, session, "open on Sunday?");
    await settle(t);

    const detail = await asOwner(t).query(api.dashboard.conversation, { conversationId: await conversationOf(t, session) });

    expect(detail).toMatchObject({ channel: "web", state: "idle", pendingCount: 0, takeover: false });
    expect(detail!.needsHuman).toBeUndefined();
    const { page, isDone } = await asOwner(t).query(api.dashboard.messages, {
      conversationId: detail!.id,
      paginationOpts: { numItems: 10, cursor: null },
    });
    // Newest first: the page shows them the other way round.
    expect(page.map((m) => [m.author, m.status])).toEqual([
      ["agent", "sent"],
      ["customer", "answered"],
      ["customer", "answered"],
    ]);
    expect(page[0]!.text).toContain("2. open on Sunday?");
    expect(isDone).toBe(true);
  });

  test("while buffering it counts the waiting messages", async () => {
    const session = await newSession(t);
    await say(t, session, "one");
    await say(t, session, "two");

    const detail = await asOwner(t).query(api.dashboard.conversation, { conversationId: await conversationOf(t, session) });

    expect(detail).toMatchObject({ state: "buffering", pendingCount: 2 });
  });

  test("a mistyped or unknown id reads as not found", async () => {
    expect(await asOwner(t).query(api.dashboard.conversation, { conversationId: "not-an-id" })).toBeNull();
    const session = await newSession(t);
    await say(t, session, "hi");
    const conversationId = await conversationOf(t, session);
    await t.run(async (ctx) => ctx.db.delete("conversations", conversationId));
    expect(await asOwner(t).query(api.dashboard.conversation, { conversationId })).toBeNull();
  });

  test("a long conversation pages through every message, newest first, within 100 reads a page", async () => {
    const session = await newSession(t);
    await say(t, session, "start");
    const conversationId = await conversationOf(t, session);
    await t.run(async (ctx) => {
      for (let i = 0; i < 150; i++) {
        await ctx.db.insert("messages", {
          conversationId,
          channel: "web",
          accountId: "web",
          direction: "in",
          author: "customer",
          text: `old ${i}`,
          attachments: [],
          status: "answered",
          sentAt: Date.now() + i,
          receivedAt: Date.now() + i,
        });
      }
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { result, metrics } = await t.run(async (ctx) => {
        const result = await conversationMessages(ctx, conversationId, { numItems: 1000, cursor });
        return { result, metrics: await ctx.meta.getTransactionMetrics() };
      });
      expect(metrics.documentsRead.used).toBeLessThanOrEqual(100);
      expect(result.page.length).toBeLessThanOrEqual(MAX_MESSAGES_PAGE);
      seen.push(...result.page.map((m) => m.text));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toHaveLength(151);
    expect(seen[0]).toBe("old 149");
    expect(seen.at(-1)).toBe("start");
  });
});
