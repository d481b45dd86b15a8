/**
 * Sending one outbound message through its channel, exactly once.
 *
 * The message is recorded as `sending` before the platform is called. A
 * send is retried only after a recorded, retryable failure; if the process
 * dies mid-call the watchdog flags the message for a human instead of
 * re-sending, so a customer never gets the same reply twice. What a
 * result means for the batch, follow-up or operator send the message
 * belongs to is decided by model/delivery.ts `completeDelivery`; this
 * module imports no feature.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx } from "./_generated/server";
import { surveyChoices } from "../lib/analytics/survey";
import { replyWindow } from "../lib/channels/window";
import { adapterFor } from "./channels";
import type { ChannelTarget, SendResult } from "./channels/adapter";
import { completeDelivery, settleUnconfirmed as settleUnconfirmedDelivery } from "./model/delivery";
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
        ...(job.choices ? { choices: job.choices } : {}),
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
      choices: v.optional(v.array(v.object({ label: v.string(), payload: v.string() }))),
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
      choices: message.survey ? surveyChoices(message.survey) : undefined,
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
    awaitEcho: v.optional(v.boolean()),
  }),
);

/** The platform's answer, handed to the one completion function (model/delivery.ts). */
export const recordDelivery = internalMutation({
  args: { messageId: v.id("messages"), result: vSendResult },
  returns: v.null(),
  handler: async (ctx, { messageId, result }) => {
    await completeDelivery(ctx, messageId, result);
    return null;
  },
});

/** Scheduled when a send's answer was lost: without the platform's echo by now, a human is asked. */
export const settleUnconfirmed = internalMutation({
  args: { messageId: v.id("messages"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { messageId, error }) => {
    await settleUnconfirmedDelivery(ctx, messageId, error);
    return null;
  },
});
