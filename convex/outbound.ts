/**
 * Sending one outbound message through its channel, exactly once.
 *
 * The message is recorded as `sending` before the platform is called. A
 * send is retried only after a recorded, retryable failure; if the process
 * dies mid-call the watchdog flags the message for a human instead of
 * re-sending, so a customer never gets the same reply twice.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "./_generated/server";
import { retryDelayMs } from "../lib/backoff";
import { replyWindow } from "../lib/channels/window";
import { inboxFieldsOnReply } from "../lib/inbox";
import { adapterFor } from "./channels";
import type { ChannelTarget, SendResult } from "./channels/adapter";
import { batchInbound, DELIVERY_LEASE_MS, failBatch } from "./batching/batch";
import { releaseConversation } from "./batching/state";
import { settleAction } from "./followups";
import { loadSettings } from "./settings";
import { vChannelTarget } from "./validators";

/** Platform send attempts before a reply is given to a human. */
const MAX_SEND_ATTEMPTS = 5;

export function targetOf(conversation: Doc<"conversations">): ChannelTarget {
  return {
    channel: conversation.channel,
    accountId: conversation.accountId,
    chatId: conversation.chatId,
    threadId: conversation.threadId,
    businessConnectionId: conversation.businessConnectionId,
    lastInboundExternalId: conversation.lastInboundExternalId,
  };
}

/**
 * Records a message to send as `sending`, the state `deliver` picks up.
 * One place for every outbound message: batch replies, follow-ups and
 * operators' replies.
 */
export async function recordOutbound(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  message: { text: string; author: "agent" | "human"; batchId?: Id<"batches">; scheduledActionId?: Id<"scheduledActions"> },
) {
  const now = Date.now();
  return await ctx.db.insert("messages", {
    conversationId: conversation._id,
    channel: conversation.channel,
    accountId: conversation.accountId,
    direction: "out",
    attachments: [],
    status: "sending",
    sentAt: now,
    receivedAt: now,
    attempts: 0,
    ...message,
  });
}

/** Sends a `sending` message now and records the result. */
export async function deliver(ctx: ActionCtx, messageId: Id<"messages">) {
  const job = await ctx.runQuery(internal.outbound.forDelivery, { messageId, now: Date.now() });
  if (!job) return;
  let result: SendResult;
  if (job.closedWindow) {
    // Never attempted as free-form outside the platform's window.
    result = { ok: false, retryable: false, blocked: true, error: job.closedWindow };
  } else {
    try {
      result = await adapterFor(job.target.channel).send(job.target, job.text, {
        outboundKey: messageId,
        fromHuman: job.fromHuman,
      });
    } catch (error) {
      result = { ok: false, retryable: true, error: error instanceof Error ? error.message : String(error) };
    }
  }
  await ctx.runMutation(internal.outbound.recordDelivery, { messageId, result });
}

export const deliverLater = internalAction({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    await deliver(ctx, messageId);
    return null;
  },
});

export const forDelivery = internalQuery({
  args: { messageId: v.id("messages"), now: v.number() },
  returns: v.union(
    v.null(),
    v.object({
      text: v.string(),
      fromHuman: v.boolean(),
      target: vChannelTarget,
      /** Why the platform's reply window forbids this send, if it does. */
      closedWindow: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { messageId, now }) => {
    const message = await ctx.db.get("messages", messageId);
    if (!message || message.status !== "sending") return null;
    const conversation = await ctx.db.get("conversations", message.conversationId);
    if (!conversation) return null;
    const fromHuman = message.author === "human";
    const window = replyWindow(conversation.channel, conversation.lastInboundAt, now, fromHuman);
    return {
      text: message.text,
      fromHuman,
      target: targetOf(conversation),
      closedWindow: window.open ? undefined : window.reason,
    };
  },
});

const vSendResult = v.union(
  v.object({ ok: v.literal(true), externalIds: v.array(v.string()) }),
  v.object({
    ok: v.literal(false),
    retryable: v.boolean(),
    retryAfterMs: v.optional(v.number()),
    error: v.string(),
    blocked: v.optional(v.boolean()),
  }),
);

export const recordDelivery = internalMutation({
  args: { messageId: v.id("messages"), result: vSendResult },
  returns: v.null(),
  handler: async (ctx, { messageId, result }) => {
    const message = await ctx.db.get("messages", messageId);
    if (!message || message.status !== "sending") return null;
    const now = Date.now();
    const attempts = (message.attempts ?? 0) + 1;
    const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
    const settings = await loadSettings(ctx);

    if (result.ok) {
      await ctx.db.patch("messages", messageId, { status: "sent", externalId: result.externalIds[0], attempts, sentAt: now });
      await ctx.db.patch("conversations", message.conversationId, {
        lastMessagePreview: message.text.slice(0, 140),
        lastMessageAt: now,
        ...inboxFieldsOnReply(message.author === "human" ? "human" : "agent"),
      });
      if (message.scheduledActionId) await settleAction(ctx, message.scheduledActionId, { status: "sent" });
      if (batch?.outcome === "sending") {
        await ctx.db.patch("batches", batch._id, { outcome: "replied", completedAt: now });
        for (const inbound of await batchInbound(ctx, batch._id)) await ctx.db.patch("messages", inbound._id, { status: "answered" });
        await releaseConversation(ctx, batch.conversationId, now, settings);
      }
      return null;
    }
    if (result.retryable && !result.blocked && attempts < MAX_SEND_ATTEMPTS) {
      const delay = retryDelayMs(attempts, { retryAfterMs: result.retryAfterMs });
      await ctx.db.patch("messages", messageId, { attempts, error: result.error });
      if (batch?.outcome === "sending") await ctx.db.patch("batches", batch._id, { leaseUntil: now + delay + DELIVERY_LEASE_MS });
      await ctx.scheduler.runAfter(delay, internal.outbound.deliverLater, { messageId });
      return null;
    }
    await ctx.db.patch("messages", messageId, { status: result.blocked ? "blocked" : "send_failed", attempts, error: result.error });
    if (message.scheduledActionId) {
      await settleAction(ctx, message.scheduledActionId, { status: result.blocked ? "blocked" : "failed", lastError: result.error });
    }
    if (batch?.outcome === "sending") await failBatch(ctx, batch, `The reply could not be sent: ${result.error}`, now, settings);
    return null;
  },
});
