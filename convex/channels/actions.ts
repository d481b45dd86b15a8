/** Channel side effects scheduled from mutations (typing, callback answers). */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { adapterFor } from "./index";

/** One "typing…" refresh. Best effort: a lost typing action is not worth a retry. */
export const typing = internalAction({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    await sendTyping(ctx, conversationId);
    return null;
  },
});

/**
 * Sends "typing…" now while the conversation is batching (not under a
 * takeover); never throws. Also called inline by the actions that carry
 * a due refresh with their own work (batching/tick.ts start, batch.answer).
 */
export async function sendTyping(ctx: ActionCtx, conversationId: Id<"conversations">) {
  const target = await ctx.runQuery(internal.channels.queries.target, { conversationId, whileBatching: true });
  if (!target) return;
  try {
    await adapterFor(target.channel).typing(target);
  } catch (error) {
    console.warn(`typing for conversation ${conversationId} failed:`, error);
  }
}

/** Stops Telegram's button spinner; the customer's press is answered by the batch. */
export const answerCallback = internalAction({
  args: { conversationId: v.id("conversations"), callbackQueryId: v.string() },
  returns: v.null(),
  handler: async (ctx, { conversationId, callbackQueryId }) => {
    // Answered even under takeover: the button's spinner is the customer's, not the bot's.
    const target = await ctx.runQuery(internal.channels.queries.target, { conversationId, whileBatching: false });
    const adapter = target ? adapterFor(target.channel) : undefined;
    try {
      await adapter?.answerCallback?.(callbackQueryId);
    } catch (error) {
      console.warn(`answering callback ${callbackQueryId} failed:`, error);
    }
    return null;
  },
});
