/**
 * Scenario builders for the lifecycle suites: a conversation with a long,
 * realistic history written straight into the tables (ingest would take
 * minutes for 10,000 messages), and helpers to drain the scheduler.
 */
import { vi } from "vitest";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { DAY, HOUR, MINUTE } from "../../lib/time";
import { asOwner } from "../convex/operators";
import type { Test } from "../convex/setup";

const SEED_PAGE = 2000;

export type SeededHistory = { conversationId: Id<"conversations">; contactId: Id<"contacts">; chatId: string };

/**
 * A Telegram conversation whose `messages` messages alternate customer and
 * agent, every tenth pair answered by a batch with a tool call; one batch
 * scheduled a sent follow-up and booked a past meeting. All idle and old.
 */
export async function seedHistory(t: Test, messages: number, options: { chatId?: string; ageMs?: number } = {}): Promise<SeededHistory> {
  const chatId = options.chatId ?? "600001";
  const start = Date.now() - (options.ageMs ?? 100 * DAY);
  const { conversationId, contactId, batchIds } = await t.run(async (ctx) => {
    const contactId = await ctx.db.insert("contacts", { channel: "telegram", accountId: "7012345678", externalId: chatId, displayName: "Ivan Old", languageCode: "ru" });
    const conversationId = await ctx.db.insert("conversations", {
      channel: "telegram",
      accountId: "7012345678",
      chatId,
      contactId,
      state: { kind: "idle" },
      tickGeneration: 7,
      takeover: false,
      lastInboundAt: start + messages * MINUTE,
      lastInboundExternalId: `${chatId}:${messages}`,
      lastMessagePreview: "last words",
      lastMessageAt: start + messages * MINUTE,
      tags: ["vip"],
    });
    const batchIds: Id<"batches">[] = [];
    for (let i = 0; i < Math.ceil(messages / 20); i++) {
      batchIds.push(
        await ctx.db.insert("batches", {
          conversationId,
          channel: "telegram",
          flushReason: i % 2 ? "timeout" : "max_messages",
          outcome: "replied",
          messageCount: 1,
          totalCharacters: 12,
          bufferDurationMs: 4000,
          flushedAt: start + i * 20 * MINUTE,
          attempts: 1,
          leaseUntil: start + i * 20 * MINUTE + MINUTE,
          processingDurationMs: 1234.5,
          responder: "claude",
          model: "claude-sonnet-4-6",
          toolCalls: i % 5 === 0 ? [{ name: "schedule_followup", input: { when: "in 2 hours", nested: { n: [1, 2, null] } }, result: "ok", isError: false }] : undefined,
          usage: { inputTokens: 100, outputTokens: 20, cacheReadInputTokens: 80, cacheCreationInputTokens: 0 },
          completedAt: start + i * 20 * MINUTE + 2000,
        }),
      );
    }
    return { conversationId, contactId, batchIds };
  });
  for (let from = 0; from < messages; from += SEED_PAGE) {
    await t.run(async (ctx) => {
      for (let i = from; i < Math.min(messages, from + SEED_PAGE); i++) {
        const inbound = i % 2 === 0;
        const batchId = batchIds[Math.floor(i / 20)];
        const id = await ctx.db.insert("messages", {
          conversationId,
          channel: "telegram",
          accountId: "7012345678",
          direction: inbound ? "in" : "out",
          externalId: `${chatId}:${i + 1}`,
          contactId: inbound ? contactId : undefined,
          author: inbound ? "customer" : "agent",
          text: inbound ? `Сообщение ${i}: do you have size ${i % 13}? 👟` : `Reply ${i}: yes, we do.`,
          attachments: i % 50 === 0 ? [{ kind: "photo", caption: "red shoes", ref: `file_${i}`, mimeType: "image/jpeg" }] : [],
          status: inbound ? "answered" : i % 3 === 0 ? "read" : "delivered",
          sentAt: start + i * MINUTE,
          receivedAt: start + i * MINUTE + 150,
          batchId,
          editedAt: i % 97 === 0 ? start + i * MINUTE + HOUR : undefined,
          attempts: inbound ? undefined : 1,
          reactions: i % 71 === 0 ? [{ emoji: "👍", at: start + i * MINUTE + 10 }] : undefined,
        });
        // The batch's reply is its last outbound message.
        if (!inbound && i % 20 === 19) await ctx.db.patch("batches", batchId, { replyMessageId: id });
      }
    });
  }
  await t.run(async (ctx) => {
    const meetingId = await ctx.db.insert("meetings", {
      conversationId,
      batchId: batchIds[0],
      start: start + DAY,
      end: start + DAY + 30 * MINUTE,
      topic: "fitting",
      provider: "builtin",
      status: "booked",
    });
    const firstReply = await ctx.db
      .query("messages")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .take(4);
    await ctx.db.insert("scheduledActions", {
      conversationId,
      kind: "meeting_reminder",
      dueAt: start + DAY - HOUR,
      status: "sent",
      attempts: 1,
      note: "remind about the fitting",
      cancelOnReply: false,
      batchId: batchIds[0],
      meetingId,
      messageId: firstReply[3]._id,
    });
  });
  return { conversationId, contactId, chatId };
}

export type Snapshot = {
  batches: Doc<"batches">[];
  meetings: Doc<"meetings">[];
  scheduledActions: Doc<"scheduledActions">[];
  messages: Doc<"messages">[];
};

/** Every row of a conversation in the hot tables, in creation order. */
export async function snapshot(t: Test, conversationId: Id<"conversations">): Promise<Snapshot> {
  const read = async <T>(fn: (cursor: number) => Promise<T[]>) => {
    const all: T[] = [];
    let after = -1;
    for (;;) {
      const page = await fn(after);
      all.push(...page);
      if (page.length < 4000) return all;
      after = (page[page.length - 1] as { _creationTime: number })._creationTime;
    }
  };
  const messages = await read((after) =>
    t.run((ctx) =>
      ctx.db
        .query("messages")
        .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).gt("_creationTime", after))
        .take(4000),
    ),
  );
  return await t.run(async (ctx) => ({
    batches: await ctx.db.query("batches").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId)).collect(),
    meetings: await ctx.db.query("meetings").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId)).collect(),
    scheduledActions: await ctx.db.query("scheduledActions").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId)).collect(),
    messages,
  }));
}

/** The signed-in owner making dashboard calls in these suites. */
export function op(t: Test) {
  return asOwner(t);
}

/** Runs every scheduled function, including those they schedule, with the fake clock. */
export async function drain(t: Test) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** How many times a scheduled function ran, by its path ("lifecycle/archive:removePage"). */
export async function runsOf(t: Test, name: string) {
  return await t.run(async (ctx) => (await ctx.db.system.query("_scheduled_functions").collect()).filter((job) => job.name === name).length);
}
