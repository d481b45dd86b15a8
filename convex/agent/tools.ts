/**
 * Runs the tools the agent calls while writing a reply (definitions and
 * input schemas: lib/agent/tools.ts). Each tool is a thin step over the
 * feature that owns it; database changes go through `toolEffects`, so they
 * commit atomically and carry the batch id that a retried or superseded
 * draft uses to take them back.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type ActionCtx } from "../_generated/server";
import { parseToolInput } from "../../lib/agent/tools";
import { MeetingApiError } from "../../lib/meetings/http";
import { assertCurrentAttempt } from "../batching/batch";
import { startTakeover } from "../conversations";
import { cancelFollowups, scheduleFollowup } from "../followups";
import { bookMeeting, findMeetingSlots } from "../meetings";
import type { ToolRunner } from "./claude";

type Where = { conversationId: Id<"conversations">; batchId: Id<"batches">; attempt: number };

export function toolRunner(ctx: ActionCtx, where: Where): ToolRunner {
  return async (name, rawInput) => {
    const parsed = parseToolInput(name, rawInput);
    if (!parsed.ok) return { content: parsed.error, isError: true };
    const call = parsed.value;
    // Stale attempts stop here (the throw ends the attempt); live ones get more time.
    await ctx.runMutation(internal.batching.batch.renewLease, { batchId: where.batchId, attempt: where.attempt });
    try {
      switch (call.name) {
        case "schedule_followup":
        case "cancel_followups":
        case "handoff_to_human":
        case "tag_conversation":
          return await ctx.runMutation(internal.agent.tools.toolEffects, { ...where, call });
        case "find_meeting_slots":
          return await findMeetingSlots(ctx, where.conversationId, call.input);
        case "book_meeting":
          return await bookMeeting(ctx, where, call.input);
      }
    } catch (error) {
      // A calendar or video service failing is something the agent can tell the customer about.
      if (error instanceof MeetingApiError) return { content: `The booking service failed: ${error.message}. Offer to have a person arrange it.`, isError: true };
      throw error;
    }
  };
}

const vToolOutcome = v.object({ content: v.string(), isError: v.boolean() });

export const toolEffects = internalMutation({
  args: {
    conversationId: v.id("conversations"),
    batchId: v.id("batches"),
    attempt: v.number(),
    call: v.union(
      v.object({ name: v.literal("schedule_followup"), input: v.object({ when: v.string(), note: v.string() }) }),
      v.object({ name: v.literal("cancel_followups"), input: v.object({ reason: v.optional(v.string()) }) }),
      v.object({ name: v.literal("handoff_to_human"), input: v.object({ reason: v.string() }) }),
      v.object({ name: v.literal("tag_conversation"), input: v.object({ tags: v.array(v.string()) }) }),
    ),
  },
  returns: vToolOutcome,
  handler: async (ctx, { conversationId, batchId, attempt, call }) => {
    await assertCurrentAttempt(ctx, batchId, attempt);
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} not found`);
    switch (call.name) {
      case "schedule_followup":
        return await scheduleFollowup(ctx, { conversationId, batchId, ...call.input });
      case "cancel_followups": {
        const count = await cancelFollowups(ctx, conversationId, call.input.reason ?? "Cancelled by the agent");
        return { content: count === 0 ? "There were no pending follow-ups." : `Cancelled ${count} follow-up(s).`, isError: false };
      }
      case "handoff_to_human": {
        const now = Date.now();
        await startTakeover(ctx, conversation, `The agent handed over: ${call.input.reason}`, now, batchId);
        await ctx.db.patch("conversations", conversationId, { needsHuman: { reason: call.input.reason, since: now } });
        return { content: "A human operator has been notified and will take over this conversation.", isError: false };
      }
      case "tag_conversation": {
        const tags = [...new Set([...(conversation.tags ?? []), ...call.input.tags])];
        await ctx.db.patch("conversations", conversationId, { tags });
        return { content: `Tags now: ${tags.join(", ")}.`, isError: false };
      }
    }
  },
});
