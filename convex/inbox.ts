/**
 * Operator edits made from the inbox's conversation page that no other
 * feature owns: the conversation's tags, and moving a pending follow-up
 * (optionally together with setting the customer's time zone it was meant in).
 */
import { ConvexError, v } from "convex/values";
import { armFire } from "./followups";
import { operatorMutation } from "./functions";
import { isValidTimeZone } from "../lib/followups/tz";
import { normalizeTags, rescheduleProblem } from "../lib/inbox";

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

/**
 * A pending follow-up or reminder goes out at a new time. With
 * `contactTimeZone`, the customer's zone is saved in the same transaction:
 * the one-click fix for a time that was read in the business's zone.
 */
export const reschedule = operatorMutation({
  args: { actionId: v.id("scheduledActions"), dueAt: v.number(), contactTimeZone: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { actionId, dueAt, contactTimeZone }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (action?.status !== "pending") {
      throw new ConvexError({ code: "NOT_PENDING", message: "It was already sent or cancelled; nothing to move" });
    }
    const problem = rescheduleProblem(dueAt, Date.now());
    if (problem) throw new ConvexError({ code: "BAD_TIME", message: problem });
    if (contactTimeZone !== undefined) {
      if (!isValidTimeZone(contactTimeZone)) {
        throw new ConvexError({ code: "BAD_TIME_ZONE", message: `"${contactTimeZone}" is not an IANA time zone` });
      }
      const conversation = await ctx.db.get("conversations", action.conversationId);
      if (conversation) await ctx.db.patch("contacts", conversation.contactId, { timeZone: contactTimeZone });
    }
    if (action.jobId) await ctx.scheduler.cancel(action.jobId);
    // Treated like a fresh time: the recovery queue's pacing does not apply to it.
    await ctx.db.patch("scheduledActions", actionId, { dueAt, pacedAt: undefined });
    await armFire(ctx, actionId, dueAt, "Rescheduled by an operator");
    return null;
  },
});
