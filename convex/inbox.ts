/**
 * Operator edits made from the inbox's conversation page that no other
 * feature owns: the conversation's tags.
 */
import { ConvexError, v } from "convex/values";
import { operatorMutation } from "./functions";
import { normalizeTags } from "../lib/inbox";

export const setTags = operatorMutation({
  args: { conversationId: v.id("conversations"), tags: v.array(v.string()) },
  returns: v.array(v.string()),
  handler: async (ctx, { conversationId, tags }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new ConvexError({ code: "NOT_FOUND", message: "This conversation no longer exists" });
    const result = normalizeTags(tags);
    if (typeof result === "string") throw new ConvexError({ code: "BAD_TAGS", message: result });
    await ctx.db.patch("conversations", conversationId, { tags: result.length > 0 ? result : undefined });
    return result;
  },
});
