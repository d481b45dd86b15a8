/**
 * Operators' conversation actions (takeover, "answer now", replying as a
 * human, the contact's time zone) and the idle check that hands a
 * conversation back to the bot. The writes themselves are the model
 * layer's (model/conversations.ts, model/messages.ts, model/contacts.ts).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, type QueryCtx } from "./_generated/server";
import { isValidTimeZone } from "../lib/followups/tz";
import { operatorMutation } from "./functions";
import { audit } from "./model/accounts";
import { claimBatch } from "./model/batches";
import { setTimeZone } from "./model/contacts";
import { endTakeover, startTakeover } from "./model/conversations";
import { callerError, notFound } from "./model/errors";
import { recordOutbound } from "./model/messages";
import { loadSettings } from "./model/settings";

/** The conversation an operator named, or a NOT_FOUND error they can read. */
async function operatorConversation(ctx: QueryCtx, conversationId: Id<"conversations">) {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) throw notFound("conversation", conversationId);
  return conversation;
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

/** The dashboard's takeover switch. */
export const setTakeover = operatorMutation({
  args: { conversationId: v.id("conversations"), takeover: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { conversationId, takeover }) => {
    const conversation = await operatorConversation(ctx, conversationId);
    const by = ctx.operator._id;
    if (takeover) {
      await startTakeover(ctx, conversation, "An operator took over", Date.now(), { operatorId: by });
      await audit(ctx, by, "takeover.started", conversationId);
    } else {
      await endTakeover(ctx, conversation, by);
      if (conversation.needsHuman) await audit(ctx, by, "escalation.resolved", conversationId, conversation.needsHuman.reason);
      else await audit(ctx, by, "takeover.ended", conversationId);
    }
    return null;
  },
});

/** "Answer now": the operator does not want this burst to wait for its window. */
export const flushNow = operatorMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.boolean(),
  handler: async (ctx, { conversationId }) => {
    const conversation = await operatorConversation(ctx, conversationId);
    const batchId = await claimBatch(ctx, conversation, "manual", Date.now(), await loadSettings(ctx));
    if (batchId !== null) await audit(ctx, ctx.operator._id, "batch.answered_now", conversationId);
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
    const conversation = await operatorConversation(ctx, conversationId);
    const body = text.trim();
    if (body.length === 0 || body.length > MAX_HUMAN_TEXT) {
      throw callerError("BAD_TEXT", `Write 1–${MAX_HUMAN_TEXT} characters`);
    }
    const now = Date.now();
    const by = ctx.operator._id;
    if (!conversation.takeover) await startTakeover(ctx, conversation, "An operator replied", now, { operatorId: by });
    const messageId = await recordOutbound(ctx, conversation, { text: body, author: "human", operatorId: by });
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
    const conversation = await operatorConversation(ctx, conversationId);
    const zone = timeZone?.trim() || undefined;
    if (zone !== undefined && !isValidTimeZone(zone)) {
      throw callerError("BAD_TIME_ZONE", `Unknown time zone “${zone}”; use an IANA name like Europe/Berlin`);
    }
    await setTimeZone(ctx, conversation.contactId, zone);
    await audit(ctx, ctx.operator._id, "contact.time_zone_set", conversationId, zone ?? "cleared");
    return null;
  },
});
