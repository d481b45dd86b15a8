import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { targetOf } from "../outbound";
import { vChannelTarget } from "../validators";

/** Where typing goes, or null once the batch is over (a late heartbeat then sends nothing). */
export const typingTarget = internalQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(v.null(), vChannelTarget),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation || conversation.state.kind === "idle" || conversation.takeover) return null;
    return targetOf(conversation);
  },
});
