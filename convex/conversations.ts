/**
 * Conversation-level operations shared by ingest, the batch lifecycle and
 * the dashboard: human takeover and small channel side effects.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, type MutationCtx } from "./_generated/server";
import { claimBatch } from "./batching/state";
import { audit } from "./auditLog";
import { operatorMutation } from "./functions";
import type { BatchingState } from "./schema";
import { isValidTimeZone } from "../lib/followups/tz";
import { recordOutbound } from "./outbound";
import { loadSettings } from "./settings";

/** Messages still waiting when a human takes over; a burst is far smaller. */
const MAX_BUFFERED = 200;

/**
 * A human takes the conversation: automation pauses, the buffered burst is
 * kept for the human (marked ignored, never answered by the bot) and the
 * typing heartbeat stops. A batch already with the model finds the
 * takeover when it tries to reply and drops its draft.
 */
export async function startTakeover(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  reason: string,
  now: number,
  batchId?: Id<"batches">,
) {
  const buffered = await ctx.db
    .query("messages")
    .withIndex("by_conversation_and_status", (q) => q.eq("conversationId", conversation._id).eq("status", "buffered"))
    .take(MAX_BUFFERED);
  for (const message of buffered) await ctx.db.patch("messages", message._id, { status: "ignored" });
  const state = conversation.state;
  if (state.kind === "buffering") await ctx.scheduler.cancel(state.tickId);
  await ctx.db.patch("conversations", conversation._id, {
    takeover: true,
    takeoverReason: reason,
    takeoverBatchId: batchId,
    takeoverAt: now,
    state: withoutPending(state),
    tickGeneration: conversation.tickGeneration + 1,
  });
  const { takeoverIdleResumeMs } = await loadSettings(ctx);
  if (takeoverIdleResumeMs > 0) {
    await ctx.scheduler.runAt(now + takeoverIdleResumeMs, internal.conversations.resumeIfIdle, {
      conversationId: conversation._id,
      takeoverAt: now,
    });
  }
}

/** The buffer now belongs to the human: nothing is pending for the bot any more. */
function withoutPending(state: BatchingState): BatchingState {
  if (state.kind === "buffering") return { kind: "idle" };
  if (state.kind === "processing") {
    return { ...state, pendingCount: 0, newSinceClaim: 0, firstPendingAt: undefined, lastPendingAt: undefined };
  }
  return state;
}

/**
 * Hands the conversation back to the bot once nobody has written for the
 * configured idle time, unless it is flagged for a human. `takeoverAt` identifies the takeover this check
 * belongs to; a newer takeover has its own.
 */
export const resumeIfIdle = internalMutation({
  args: { conversationId: v.id("conversations"), takeoverAt: v.number() },
  returns: v.null(),
  handler: async (ctx, { conversationId, takeoverAt }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation?.takeover || conversation.takeoverAt !== takeoverAt) return null;
    // An escalation (handoff, failed batch) waits for a person, however quiet it gets.
    if (conversation.needsHuman) return null;
    const { takeoverIdleResumeMs } = await loadSettings(ctx);
    if (takeoverIdleResumeMs === 0) return null;
    const quietSince = Math.max(conversation.lastMessageAt, takeoverAt);
    const resumeAt = quietSince + takeoverIdleResumeMs;
    if (Date.now() >= resumeAt) await endTakeover(ctx, conversation);
    else await ctx.scheduler.runAt(resumeAt, internal.conversations.resumeIfIdle, { conversationId, takeoverAt });
    return null;
  },
});

export async function endTakeover(ctx: MutationCtx, conversation: Doc<"conversations">) {
  await ctx.db.patch("conversations", conversation._id, {
    takeover: false,
    takeoverReason: undefined,
    takeoverBatchId: undefined,
    takeoverAt: undefined,
    takeoverBy: undefined,
    needsHuman: undefined,
  });
}

/** Telegram shows a spinner on a pressed button until the bot answers the callback. */
export async function answerCallbackLater(ctx: MutationCtx, conversationId: Id<"conversations">, callbackQueryId: string) {
  await ctx.scheduler.runAfter(0, internal.channels.actions.answerCallback, { conversationId, callbackQueryId });
}

/** The dashboard's takeover switch. */
export const setTakeover = operatorMutation({
  args: { conversationId: v.id("conversations"), takeover: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { conversationId, takeover }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    const by = ctx.operator._id;
    if (takeover) {
      await startTakeover(ctx, conversation, "An operator took over", Date.now());
      await ctx.db.patch("conversations", conversationId, { takeoverBy: by });
      await audit(ctx, by, "takeover.started", conversationId);
    } else {
      await endTakeover(ctx, conversation);
      if (conversation.needsHuman) {
        await ctx.db.patch("conversations", conversationId, { escalationResolvedBy: by, escalationResolvedAt: Date.now() });
        await audit(ctx, by, "escalation.resolved", conversationId, conversation.needsHuman.reason);
      } else {
        await audit(ctx, by, "takeover.ended", conversationId);
      }
    }
    return null;
  },
});

/** "Answer now": the operator does not want this burst to wait for its window. */
export const flushNow = operatorMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.boolean(),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    const batchId = await claimBatch(ctx, conversation, "manual", Date.now(), await loadSettings(ctx));
    return batchId !== null;
  },
});

/** Longest message an operator sends in one go; channels split longer replies anyway. */
const MAX_HUMAN_TEXT = 4000;

/**
 * An operator writes to the customer from the dashboard. It goes out like
 * any reply (Messenger/Instagram tag it HUMAN_AGENT, allowed for 7 days)
 * and implies takeover, so the bot does not talk over the human.
 */
export const sendAsHuman = operatorMutation({
  args: { conversationId: v.id("conversations"), text: v.string() },
  returns: v.id("messages"),
  handler: async (ctx, { conversationId, text }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    const body = text.trim();
    if (body.length === 0 || body.length > MAX_HUMAN_TEXT) {
      throw new ConvexError({ code: "BAD_TEXT", message: `Write 1–${MAX_HUMAN_TEXT} characters` });
    }
    const now = Date.now();
    if (!conversation.takeover) {
      await startTakeover(ctx, conversation, "An operator replied", now);
      await ctx.db.patch("conversations", conversationId, { takeoverBy: ctx.operator._id });
    }
    const messageId = await recordOutbound(ctx, conversation, { text: body, author: "human" });
    await ctx.db.patch("messages", messageId, { operatorId: ctx.operator._id });
    await audit(ctx, ctx.operator._id, "message.sent", conversationId);
    await ctx.scheduler.runAfter(0, internal.outbound.deliverLater, { messageId });
    return messageId;
  },
});

/** The customer's time zone, for follow-up times they give ("tomorrow at 10"); unset uses the business's. */
export const setContactTimeZone = operatorMutation({
  args: { conversationId: v.id("conversations"), timeZone: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { conversationId, timeZone }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    const zone = timeZone?.trim() || undefined;
    if (zone !== undefined && !isValidTimeZone(zone)) {
      throw new ConvexError({ code: "BAD_TIME_ZONE", message: `Unknown time zone “${zone}”; use an IANA name like Europe/Berlin` });
    }
    await ctx.db.patch("contacts", conversation.contactId, { timeZone: zone });
    return null;
  },
});
