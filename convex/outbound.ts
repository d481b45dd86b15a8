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
import { nextSendAttemptAt } from "../lib/backoff";
import { MINUTE } from "../lib/time";
import { replyWindow } from "../lib/channels/window";
import { adapterFor } from "./channels";
import type { ChannelTarget, SendResult } from "./channels/adapter";
import { batchInbound, DELIVERY_LEASE_MS, failBatch } from "./batching/batch";
import { releaseConversation } from "./batching/state";
import { settleAction } from "./followups";
import { loadSettings } from "./settings";
import { vChannelTarget } from "./validators";


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
    unknownOutcome: v.optional(v.boolean()),
  }),
);

/**
 * How long to wait for the platform's echo of a send whose answer was lost
 * (timeout, dropped connection) before asking a human. Meta echoes within
 * seconds; a minute is generous.
 */
const ECHO_CONFIRM_WAIT_MS = 1 * MINUTE;

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
      await markSent(ctx, { ...message, attempts }, result.externalIds, now);
      return null;
    }
    // Retried for as long as the budget lasts, counted from when the reply was recorded.
    const retryAt =
      result.retryable && !result.blocked
        ? nextSendAttemptAt(attempts, now, {
            firstAttemptAt: message._creationTime,
            budgetMs: settings.sendRetryBudgetMinutes * MINUTE,
            retryAfterMs: result.retryAfterMs,
          })
        : null;
    if (retryAt !== null) {
      const delay = retryAt - now;
      await ctx.db.patch("messages", messageId, { attempts, error: result.error });
      if (batch?.outcome === "sending") await ctx.db.patch("batches", batch._id, { leaseUntil: now + delay + DELIVERY_LEASE_MS });
      await ctx.scheduler.runAfter(delay, internal.outbound.deliverLater, { messageId });
      return null;
    }
    if (result.unknownOutcome && adapterFor(message.channel).confirmsOwnSends) {
      // Check before asking a human: the platform's echo of this send settles it (ingest → markSent).
      await ctx.db.patch("messages", messageId, {
        attempts,
        awaitingEcho: true,
        error: `${result.error} (waiting for the platform's echo to confirm)`,
      });
      if (batch?.outcome === "sending") {
        await ctx.db.patch("batches", batch._id, { leaseUntil: now + ECHO_CONFIRM_WAIT_MS + DELIVERY_LEASE_MS });
      }
      await ctx.scheduler.runAfter(ECHO_CONFIRM_WAIT_MS, internal.outbound.settleUnconfirmed, { messageId, error: result.error });
      return null;
    }
    await giveUp(ctx, message, { ...result, attempts }, now);
    return null;
  },
});

/** No echo came for a send whose outcome was unknown: now a human is asked. */
export const settleUnconfirmed = internalMutation({
  args: { messageId: v.id("messages"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { messageId, error }) => {
    const message = await ctx.db.get("messages", messageId);
    if (!message || message.status !== "sending") return null; // confirmed meanwhile
    await giveUp(ctx, message, { error: `${error}; no echo from the platform confirmed it`, attempts: message.attempts ?? 1 }, Date.now());
    return null;
  },
});

/**
 * The one place a reply's delivery succeeds: the send answered, or (Messenger)
 * its echo confirmed a send whose answer was lost.
 */
export async function markSent(ctx: MutationCtx, message: Doc<"messages">, externalIds: string[], now: number) {
  await ctx.db.patch("messages", message._id, {
    status: "sent",
    externalId: externalIds[0],
    attempts: message.attempts,
    error: undefined,
    awaitingEcho: undefined,
    sentAt: now,
  });
  await ctx.db.patch("conversations", message.conversationId, { lastMessagePreview: message.text.slice(0, 140), lastMessageAt: now });
  if (message.scheduledActionId) await settleAction(ctx, message.scheduledActionId, { status: "sent" });
  const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
  if (batch?.outcome === "sending") {
    await ctx.db.patch("batches", batch._id, { outcome: "replied", completedAt: now });
    for (const inbound of await batchInbound(ctx, batch._id)) await ctx.db.patch("messages", inbound._id, { status: "answered" });
    await releaseConversation(ctx, batch.conversationId, now, await loadSettings(ctx));
  }
}

/** The one place a reply's delivery ends without success: the operator sees why. */
async function giveUp(
  ctx: MutationCtx,
  message: Doc<"messages">,
  failure: { error: string; attempts: number; blocked?: boolean },
  now: number,
) {
  await ctx.db.patch("messages", message._id, {
    status: failure.blocked ? "blocked" : "send_failed",
    awaitingEcho: undefined,
    attempts: failure.attempts,
    error: failure.error,
  });
  if (message.scheduledActionId) {
    await settleAction(ctx, message.scheduledActionId, { status: failure.blocked ? "blocked" : "failed", lastError: failure.error });
  }
  const batch = message.batchId ? await ctx.db.get("batches", message.batchId) : null;
  if (batch?.outcome === "sending") {
    await failBatch(ctx, batch, `The reply could not be sent: ${failure.error}`, now, await loadSettings(ctx));
  }
}
