/**
 * Issue 8, item 9: on Convex cloud (optimistic concurrency) a transaction
 * retries when another one wrote what it read. convex-test runs one
 * transaction at a time and never shows that, so this records each
 * transaction's read and write sets (readWriteSets.ts) in a burst across
 * many conversations and counts overlaps between unrelated conversations
 * on the ingest, tick and delivery-completion paths. Target: none.
 */
import { beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { ingestEvents } from "../../convex/ingest";
import { tickConversation } from "../../convex/batching/tick";
import { completeDelivery } from "../../convex/model/delivery";
import { markSending } from "../../convex/model/batches";
import { recordOutbound } from "../../convex/model/messages";
import { slotKey } from "../../convex/model/slots";
import { preferredSlot } from "../../lib/slots";
import { asOwner, offlineSuite, telegramMessage, type Test } from "./setup";
import { overlaps, recording, type Transaction } from "./readWriteSets";


const suite = offlineSuite();
let t: Test;
beforeEach(() => {
  ({ t } = suite);
});

const CONVERSATIONS = 12;
const SLOTS = 16;
const ACCOUNT = "7012345678";

/**
 * Chats whose own model slot differs: with `llmConcurrency` ≥ the number of
 * busy conversations, each claims its own slot document. (Two
 * conversations sharing a slot compete for the same capacity; that is the
 * bound working, not contention between unrelated conversations.)
 */
function chatsWithDistinctSlots(count: number): string[] {
  const chats: string[] = [];
  const used = new Set<number>();
  for (let n = 610000; chats.length < count; n++) {
    const chatId = String(n);
    const slot = preferredSlot(slotKey({ channel: "telegram", accountId: ACCOUNT, chatId }), SLOTS);
    if (used.has(slot)) continue;
    used.add(slot);
    chats.push(chatId);
  }
  return chats;
}

function message(chatId: string, n: number) {
  return telegramMessage({
    messageId: n,
    chatId,
    externalId: `${chatId}:${n}`,
    sender: { externalId: chatId, displayName: `Customer ${chatId}` },
    text: `message ${n} from ${chatId}`,
  });
}

async function recorded<T>(log: Transaction[], label: string, run: (ctx: Parameters<Parameters<Test["run"]>[0]>[0]) => Promise<T>) {
  const tx: Transaction = { label, reads: [], writes: [] };
  log.push(tx);
  return await t.run(async (ctx) => await run(recording(ctx, tx)));
}

/** Every overlap where one conversation's transaction read what another conversation's wrote. */
function crossConversationOverlaps(log: Transaction[]) {
  const conversationOf = (tx: Transaction) => tx.label.split(" ")[0];
  const found: string[] = [];
  for (const reader of log) {
    for (const writer of log) {
      if (reader === writer || conversationOf(reader) === conversationOf(writer)) continue;
      found.push(...overlaps(reader, writer));
    }
  }
  return found;
}

async function conversationIdOf(chatId: string): Promise<Id<"conversations">> {
  return await t.run(async (ctx) => {
    const conversation = await ctx.db
      .query("conversations")
      .withIndex("by_channel_and_account_and_chat", (q) => q.eq("channel", "telegram").eq("accountId", ACCOUNT).eq("chatId", chatId))
      .unique();
    return conversation!._id;
  });
}

/** Runs the burst: two messages each, the due ticks, a third message mid-batch, then each reply's delivery completes. */
async function burst(chats: string[], log: Transaction[]) {
  for (const chatId of chats) {
    await recorded(log, `${chatId} ingest#1`, (ctx) => ingestEvents(ctx, [message(chatId, 1)], Date.now()));
  }
  for (const chatId of chats) {
    await recorded(log, `${chatId} ingest#2`, (ctx) => ingestEvents(ctx, [message(chatId, 2)], Date.now()));
  }
  vi.setSystemTime(Date.now() + 5_000); // past the 4 s window: every burst is due
  const ids = new Map<string, Id<"conversations">>();
  for (const chatId of chats) ids.set(chatId, await conversationIdOf(chatId));
  for (const chatId of chats) {
    const conversation = await t.run(async (ctx) => (await ctx.db.get("conversations", ids.get(chatId)!))!);
    await recorded(log, `${chatId} tick`, (ctx) => tickConversation(ctx, { conversationId: conversation._id, generation: conversation.tickGeneration }));
  }
  for (const chatId of chats) {
    await recorded(log, `${chatId} ingest#3`, (ctx) => ingestEvents(ctx, [message(chatId, 3)], Date.now()));
  }
  // The model wrote each draft (not recorded: one conversation's own path), then each send completes.
  const replies = new Map<string, Id<"messages">>();
  for (const chatId of chats) {
    replies.set(
      chatId,
      await t.run(async (ctx) => {
        const conversation = (await ctx.db.get("conversations", ids.get(chatId)!))!;
        if (conversation.state.kind !== "processing") throw new Error(`${chatId} did not claim a batch`);
        const batch = (await ctx.db.get("batches", conversation.state.batchId))!;
        const messageId = await recordOutbound(ctx, conversation, { text: "Hello!", author: "agent", batchId: batch._id });
        await markSending(ctx, batch, { model: "offline" }, { messageId, length: 6 }, Date.now());
        return messageId;
      }),
    );
  }
  for (const chatId of chats) {
    await recorded(log, `${chatId} delivered`, (ctx) => completeDelivery(ctx, replies.get(chatId)!, { ok: true, externalIds: [`${chatId}:r`] }));
  }
  return ids;
}

describe("contention between unrelated conversations", () => {
  test("a burst across many conversations: no transaction reads what another conversation's writes", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { llmConcurrency: SLOTS } });
    const chats = chatsWithDistinctSlots(CONVERSATIONS);
    const log: Transaction[] = [];
    await burst(chats, log);

    // The burst did what it should: every conversation claimed and replied, and slots were in use.
    const batches = await t.run(async (ctx) => await ctx.db.query("batches").collect());
    expect(batches).toHaveLength(CONVERSATIONS);
    expect(batches.every((b) => b.outcome === "replied")).toBe(true);
    // Each tick took a model slot document of its own (the batch gives it back once its draft is recorded).
    const slotsTaken = log.filter((tx) => tx.label.endsWith("tick")).map((tx) => tx.writes.find((w) => w.table === "modelSlots")?.id);
    expect(slotsTaken.every((id) => id !== undefined)).toBe(true);
    expect(new Set(slotsTaken).size).toBe(CONVERSATIONS);
    expect(log.filter((tx) => tx.label.endsWith("tick")).every((tx) => tx.writes.some((w) => w.table === "batches"))).toBe(true);

    expect(crossConversationOverlaps(log)).toEqual([]);
  });

  test("the recorder sees the contention the old design had: a count over in-flight batches", async () => {
    await asOwner(t).mutation(api.settings.update, { patch: { llmConcurrency: SLOTS } });
    const chats = chatsWithDistinctSlots(2);
    const log: Transaction[] = [];
    await burst(chats, log);
    // What `modelSlotsFull` did on every due tick: read the range of processing batches.
    await recorded(log, `other-conversation tick`, async (ctx) => {
      await ctx.db
        .query("batches")
        .withIndex("by_outcome_and_lease", (q) => q.eq("outcome", "processing"))
        .take(SLOTS);
    });
    const found = crossConversationOverlaps(log);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((o) => o.startsWith("other-conversation tick read batches.by_outcome_and_lease"))).toBe(true);
  });
});
