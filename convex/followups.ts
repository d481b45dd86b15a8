/**
 * Follow-ups and reminders the agent scheduled (scheduledActions). The agent's
 * tools that create them arrive with the follow-ups feature; the ingest hook
 * that cancels them lives here from the start.
 */
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";

/** Pending follow-ups per conversation are few by design (the agent schedules them one at a time). */
const MAX_PENDING_PER_CONVERSATION = 20;

/** The customer wrote again: their pending follow-ups are moot. Reads nothing when there are none. */
export async function cancelFollowupsOnReply(ctx: MutationCtx, conversationId: Id<"conversations">) {
  const pending = await ctx.db
    .query("scheduledActions")
    .withIndex("by_conversation_and_status", (q) => q.eq("conversationId", conversationId).eq("status", "pending"))
    .take(MAX_PENDING_PER_CONVERSATION);
  for (const action of pending) {
    if (!action.cancelOnReply) continue;
    if (action.jobId) await ctx.scheduler.cancel(action.jobId);
    await ctx.db.patch(action._id, { status: "cancelled", lastError: "The customer wrote again" });
  }
}
