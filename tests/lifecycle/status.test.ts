import { beforeEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { HOUR, MINUTE, SECOND } from "../../lib/time";
import { advance, conversationOf, signedIn, INGEST_SECRET, newSession, offlineSuite, say, settle, telegramMessage, type Test } from "../convex/setup";
import { op } from "./support";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

async function customerWrites(messageId: number, chatId = "510001") {
  await t.mutation(api.ingest.inbound, {
    secret: INGEST_SECRET,
    events: [telegramMessage({ messageId, chatId, externalId: `${chatId}:${messageId}`, sender: { externalId: chatId }, text: `message ${messageId}` })],
  });
}

async function conversationFor(chatId = "510001"): Promise<Id<"conversations">> {
  return await t.run(async (ctx) => {
    const conversation = await ctx.db
      .query("conversations")
      .withIndex("by_channel_and_account_and_chat", (q) => q.eq("channel", "telegram").eq("accountId", "7012345678").eq("chatId", chatId))
      .unique();
    return conversation!._id;
  });
}

const lifecycle = (conversationId: Id<"conversations">) => op(t).query(api.lifecycle.status.conversationLifecycle, { conversationId });

describe("resolve and reopen", () => {
  test("an operator resolves; the customer's next message reopens it", async () => {
    await customerWrites(1);
    await settle(t);
    const id = await conversationFor();
    expect(await lifecycle(id)).toMatchObject({ status: "open" });
    expect(await op(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [id], status: "resolved" })).toBe(1);
    const owner = await op(t).query(api.users.viewer, {});
    expect(await lifecycle(id)).toMatchObject({ status: "resolved", resolvedBy: owner!.id, resolvedAt: expect.any(Number) });
    await customerWrites(2);
    const reopened = await t.run((ctx) => ctx.db.get("conversations", id));
    expect(reopened).toMatchObject({ status: "open", reopenedAt: expect.any(Number) });
    expect(reopened?.resolvedAt).toBeUndefined();
  });

  test("a batch update resolves many at once and refuses a selection with an unknown id, changing nothing", async () => {
    for (const chat of ["1", "2", "3"]) await customerWrites(1, chat);
    await settle(t);
    const ids = await Promise.all(["1", "2", "3"].map((c) => conversationFor(c)));
    const gone = await t.run(async (ctx) => {
      const id = await ctx.db.insert("conversations", { ...(await ctx.db.get("conversations", ids[0]))!, _id: undefined, _creationTime: undefined } as never);
      await ctx.db.delete("conversations", id);
      return id as Id<"conversations">;
    });
    await expect(op(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [ids[0], gone], status: "resolved" })).rejects.toThrow(/not found/);
    expect(await lifecycle(ids[0])).toMatchObject({ status: "open" });
    expect(await op(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: ids, status: "resolved" })).toBe(3);
    expect(await op(t).mutation(api.lifecycle.status.setConversationStatus, { conversationIds: ids, status: "resolved" })).toBe(0);
  });

  test("auto-resolve waits 24 h of quiet and skips a conversation in takeover", async () => {
    const [first, second] = [await newSession(t), await newSession(t)];
    await say(t, first, "Hi, do you have shoes?");
    await say(t, second, "Hello?");
    await settle(t);
    const [quiet, held] = [await conversationOf(t, first), await conversationOf(t, second)];
    // A takeover that only an operator ends.
    await op(t).mutation(api.settings.update, { patch: { takeoverIdleResumeMs: 0 } });
    await op(t).mutation(api.conversations.setTakeover, { conversationId: held, takeover: true });
    await advance(t, 23 * HOUR);
    await t.mutation(internal.lifecycle.maintenance.autoResolveTick, {});
    await settle(t);
    expect(await lifecycle(quiet)).toMatchObject({ status: "open" });
    await advance(t, 1 * HOUR + MINUTE);
    await t.mutation(internal.lifecycle.maintenance.autoResolveTick, {});
    await settle(t);
    expect(await lifecycle(quiet)).toMatchObject({ status: "resolved", resolvedBy: "auto" });
    expect(await lifecycle(held)).toMatchObject({ status: "open" });
    const overview = await op(t).query(api.lifecycle.maintenance.overview, {});
    expect(overview.runs.find((r) => r.kind === "autoResolve" && r.counts.resolved === 1)).toMatchObject({ status: "done" });
  });
});

describe("processed", () => {
  test("the bot's answer or a human's later reply processes what the customer wrote", async () => {
    const session = await newSession(t);
    await say(t, session, "Hi, do you have shoes?");
    await settle(t);
    const id = await conversationOf(t, session);
    expect(await lifecycle(id)).toMatchObject({ unprocessed: 0 });
    await op(t).mutation(api.conversations.setTakeover, { conversationId: id, takeover: true });
    await say(t, session, "are you a person?");
    await say(t, session, "hello?");
    expect(await lifecycle(id)).toMatchObject({ unprocessed: 2 });
    await advance(t, SECOND);
    await op(t).mutation(api.conversations.sendAsHuman, { conversationId: id, text: "Yes, I am Anna from the shop." });
    await settle(t);
    expect(await lifecycle(id)).toMatchObject({ unprocessed: 0 });
  });
});

describe("unread per operator", () => {
  test("messages arriving while the operator reads stay unread; each operator has their own marker", async () => {
    await customerWrites(1);
    await customerWrites(2);
    const id = await conversationFor();
    expect(await lifecycle(id)).toMatchObject({ unread: 2 });
    // The operator's screen showed messages up to now; two more arrive before the click lands.
    const seenUpTo = (await t.run((ctx) => ctx.db.get("conversations", id)))!.lastInboundAt;
    await advance(t, SECOND);
    await Promise.all([customerWrites(3), customerWrites(4), op(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [id], upTo: seenUpTo })]);
    expect(await lifecycle(id)).toMatchObject({ unread: 2 });
    const other = await signedIn(t, "operator", "second@example.com");
    expect(await other.query(api.lifecycle.status.conversationLifecycle, { conversationId: id })).toMatchObject({ unread: 4 });
    await op(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [id] });
    expect(await lifecycle(id)).toMatchObject({ unread: 0 });
    await settle(t);
  });

  test("ingest still writes no counter: a message costs the same reads and writes as before", async () => {
    await customerWrites(1);
    const id = await conversationFor();
    await op(t).mutation(api.lifecycle.status.markConversationsRead, { conversationIds: [id] });
    const cost = await t.run(async (ctx) => {
      const { ingestEvents } = await import("../../convex/ingest");
      await ingestEvents(ctx, [telegramMessage({ messageId: 2 })], Date.now());
      return await ctx.meta.getTransactionMetrics();
    });
    expect(cost.documentsRead.used).toBeLessThanOrEqual(5);
    expect(cost.documentsWritten.used).toBeLessThanOrEqual(4);
    await settle(t);
  });
});
