import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { targetOf } from "../outbound";
import { vChannelTarget } from "../validators";

/**
 * Where a channel side effect goes. With `whileBatching`, null once the
 * batch is over or a human took over, so a late typing heartbeat sends nothing.
 */
export const target = internalQuery({
  args: { conversationId: v.id("conversations"), whileBatching: v.boolean() },
  returns: v.union(v.null(), vChannelTarget),
  handler: async (ctx, { conversationId, whileBatching }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    if (whileBatching && (conversation.state.kind === "idle" || conversation.takeover)) return null;
    return targetOf(conversation);
  },
});
