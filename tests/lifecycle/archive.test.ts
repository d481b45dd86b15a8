import { beforeEach, describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ARCHIVED_TABLES } from "../../lib/lifecycle/archive";
import { INGEST_SECRET, offlineSuite, telegramMessage, type Test } from "../convex/setup";
import { drain, op, runsOf, seedHistory, snapshot } from "./support";
import { expectRestoredExactly } from "./roundTrip";

const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

async function archiveOf(conversationId: Id<"conversations">) {
  const [archive] = await op(t).query(api.lifecycle.archive.archivesOf, { conversationId });
  return archive;
}

async function hotCount(conversationId: Id<"conversations">) {
  const rows = await snapshot(t, conversationId);
  return ARCHIVED_TABLES.reduce((sum, table) => sum + rows[table].length, 0);
}

describe("archive and unarchive", () => {
  test("10,000 messages round-trip exactly, ids remapped, in transaction-sized pages", { timeout: 300_000 }, async () => {
    const { conversationId } = await seedHistory(t, 10_000);
    const before = await snapshot(t, conversationId);
    expect(before.messages).toHaveLength(10_000);

    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId], note: "old customer" });
    await drain(t);
    const archive = await archiveOf(conversationId);
    expect(archive).toMatchObject({ status: "archived", reason: "manual", note: "old customer", counts: { messages: 10_000, batches: 500, meetings: 1, scheduledActions: 1 } });
    expect(archive.compressedBytes!).toBeLessThan(archive.rawBytes! / 4);
    expect(await hotCount(conversationId)).toBe(0);
    // 10,502 rows at 400 per transaction (the limits are enforced by convex-test).
    expect(await runsOf(t, "lifecycle/archive:removePage")).toBeGreaterThanOrEqual(Math.ceil(10_502 / 400));
    const conversation = await t.run((ctx) => ctx.db.get("conversations", conversationId));
    expect(conversation).toMatchObject({ archivedAt: expect.any(Number), archiveId: archive._id, lastMessagePreview: "last words" });

    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    expect(await archiveOf(conversationId)).toMatchObject({ status: "restored", restoredAt: expect.any(Number) });
    expectRestoredExactly(before, await snapshot(t, conversationId));
    const after = await t.run(async (ctx) => ({
      conversation: await ctx.db.get("conversations", conversationId),
      keys: (await ctx.db.query("archivedMessageKeys").take(10)).length,
      blobs: (await ctx.db.system.query("_storage").collect()).length,
    }));
    expect(after.conversation?.archivedAt).toBeUndefined();
    expect(after.keys).toBe(0);
    expect(after.blobs).toBe(0);
  });

  test("a corrupt blob is refused on unarchive with the reason, and nothing is lost", async () => {
    const { conversationId } = await seedHistory(t, 40);
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    await drain(t);
    const archive = await archiveOf(conversationId);
    // Flip one byte of the stored blob, as a disk or a bad copy would.
    await t.run(async (ctx) => {
      const doc = (await ctx.db.get("archives", archive._id))!;
      const bytes = new Uint8Array(await (await ctx.storage.get(doc.storageId!))!.arrayBuffer());
      bytes[20] ^= 0x01;
      const replacement = await ctx.storage.store(new Blob([bytes]));
      await ctx.db.patch("archives", archive._id, { storageId: replacement });
      await ctx.storage.delete(doc.storageId!);
    });
    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    const refused = await archiveOf(conversationId);
    expect(refused.status).toBe("archived");
    expect(refused.lastError).toMatch(/corrupt: SHA-256 .* does not match .*nothing was changed/);
    expect(await hotCount(conversationId)).toBe(0);
    const kept = await t.run(async (ctx) => ({
      conversation: await ctx.db.get("conversations", conversationId),
      keys: (await ctx.db.query("archivedMessageKeys").collect()).length,
      blob: (await ctx.db.get("archives", archive._id))!.storageId,
    }));
    expect(kept.conversation?.archivedAt).toBeDefined();
    expect(kept.keys).toBe(40);
    expect(kept.blob).toBeDefined();
  });

  test("a redelivered archived message id creates nothing; a new message brings the conversation back open", async () => {
    const { conversationId, chatId } = await seedHistory(t, 40);
    await t.run((ctx) => ctx.db.patch("conversations", conversationId, { status: "resolved", resolvedAt: Date.now(), resolvedBy: "operator" }));
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    await drain(t);
    const redelivered = telegramMessage({ messageId: 1, chatId, externalId: `${chatId}:1`, sender: { externalId: chatId } });
    const first = await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [redelivered] });
    expect(first).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    expect(await hotCount(conversationId)).toBe(0);
    const fresh = telegramMessage({ messageId: 41, chatId, externalId: `${chatId}:41`, sender: { externalId: chatId }, text: "hello again" });
    expect(await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [fresh] })).toMatchObject({ accepted: 1 });
    const conversation = await t.run((ctx) => ctx.db.get("conversations", conversationId));
    expect(conversation).toMatchObject({ status: "open", reopenedAt: expect.any(Number) });
    expect(conversation?.archivedAt).toBeUndefined();
    // The history is still one unarchive away, and comes back before the new message.
    expect((await archiveOf(conversationId)).status).toBe("archived");
    await drain(t);
    await op(t).mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
    await drain(t);
    expect((await archiveOf(conversationId)).status).toBe("restored");
    // Restored rows are newer by _creationTime than "hello again"; both views order by the message's own time.
    const chat = await op(t).query(api.dashboard.messages, { conversationId, paginationOpts: { numItems: 100, cursor: null } });
    const newestFirst = chat.page.map((m) => m.text);
    expect(newestFirst.length).toBeGreaterThan(40);
    expect(newestFirst.indexOf("hello again")).toBeLessThan(2);
    const api_ = await t.query(internal.lifecycle.api.hotMessagesPage, { conversationId, cursor: null, limit: 100 });
    const oldestFirst = api_.items.map((m) => m.text);
    expect(oldestFirst.indexOf("hello again")).toBeGreaterThanOrEqual(oldestFirst.length - 2);
  });

  test("a message that arrives while the blob is written stays hot, and the conversation is not marked archived", async () => {
    const { conversationId, chatId } = await seedHistory(t, 30);
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    // The writer has not run yet: the customer writes now.
    const fresh = telegramMessage({ messageId: 31, chatId, externalId: `${chatId}:31`, sender: { externalId: chatId }, text: "still there?" });
    await t.mutation(api.ingest.inbound, { secret: INGEST_SECRET, events: [fresh] });
    await t.run(async (ctx) => {
      // Stop the burst's tick: this test is about the archive, not the reply.
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.name.startsWith("batching/") && job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    await drain(t);
    const archive = await archiveOf(conversationId);
    expect(archive).toMatchObject({ status: "archived", counts: { messages: 30 } });
    const hot = await snapshot(t, conversationId);
    expect(hot.messages.map((m) => m.text)).toEqual(["still there?"]);
    expect((await t.run((ctx) => ctx.db.get("conversations", conversationId)))?.archivedAt).toBeUndefined();
  });

  test("archiving refuses a conversation that is busy, already archived or unknown, and changes nothing", async () => {
    const { conversationId } = await seedHistory(t, 4);
    const other = await seedHistory(t, 4, { chatId: "600002" });
    await t.run((ctx) => ctx.db.patch("conversations", other.conversationId, { takeover: true }));
    await expect(
      op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId, other.conversationId] }),
    ).rejects.toThrow(/cannot be archived: the bot or a human is working on it/);
    expect(await op(t).query(api.lifecycle.archive.archivesOf, { conversationId })).toHaveLength(0);
    await op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
    await drain(t);
    await expect(op(t).mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] })).rejects.toThrow(/already archived/);
  });
});
