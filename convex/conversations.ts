/**
 * Conversation-level operations shared by ingest, the batch lifecycle and
 * the dashboard: human takeover and small channel side effects.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { claimBatch } from "./batching/state";
import { operatorMutation } from "./functions";
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
  for (const message of buffered) await ctx.db.patch(message._id, { status: "ignored" });
  const state = conversation.state;
  if (state.kind === "buffering") await ctx.scheduler.cancel(state.tickId);
  await ctx.db.patch(conversation._id, {
    takeover: true,
    takeoverReason: reason,
    takeoverBatchId: batchId,
    takeoverAt: now,
    state: state.kind === "buffering" ? { kind: "idle" } : state.kind === "processing" ? { ...state, pendingCount: 0, newSinceClaim: 0, firstPendingAt: undefined, lastPendingAt: undefined } : state,
    tickGeneration: conversation.tickGeneration + 1,
  });
}

export async function endTakeover(ctx: MutationCtx, conversation: Doc<"conversations">) {
  await ctx.db.patch(conversation._id, {
    takeover: false,
    takeoverReason: undefined,
    takeoverBatchId: undefined,
    takeoverAt: undefined,
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
    const conversation = await ctx.db.get(conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    if (takeover) await startTakeover(ctx, conversation, "An operator took over", Date.now());
    else await endTakeover(ctx, conversation);
    return null;
  },
});

/** "Answer now": the operator does not want this burst to wait for its window. */
export const flushNow = operatorMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.boolean(),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get(conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    const batchId = await claimBatch(ctx, conversation, "manual", Date.now(), await loadSettings(ctx));
    return batchId !== null;
  },
});
