/**
 * Runs the tools the agent calls while writing a reply (definitions and
 * input schemas: lib/agent/tools.ts). Each tool is a thin step over the
 * model layer or the meetings feature; database changes go through
 * `toolEffects`, so they commit atomically and carry the batch id that a
 * retried or superseded draft uses to take them back.
 */
import { v } from "convex/values";
import { zodToConvex } from "convex-helpers/server/zod4";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type ActionCtx } from "../_generated/server";
import { TOOL_INPUT_SCHEMAS } from "../../lib/agent/tools";
import { MeetingApiError } from "../../lib/meetings/http";
import { assertCurrentAttempt } from "../model/batches";
import { addTags, escalate, startTakeover } from "../model/conversations";
import { notFound } from "../model/errors";
import { cancelFollowups, scheduleFollowup } from "../model/scheduledActions";
import { bookMeeting, findMeetingSlots } from "../meetings";
import { parseToolInput } from "../../lib/agent/tools";
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

/** A tool call with database effects, its input validator derived from the tool's zod schema (declared once). */
function vEffectCall<N extends "schedule_followup" | "cancel_followups" | "handoff_to_human" | "tag_conversation">(name: N) {
  return v.object({ name: v.literal(name), input: zodToConvex(TOOL_INPUT_SCHEMAS[name]) });
}

export const toolEffects = internalMutation({
  args: {
    conversationId: v.id("conversations"),
    batchId: v.id("batches"),
    attempt: v.number(),
    call: v.union(
      vEffectCall("schedule_followup"),
      vEffectCall("cancel_followups"),
      vEffectCall("handoff_to_human"),
      vEffectCall("tag_conversation"),
    ),
  },
  returns: vToolOutcome,
  handler: async (ctx, { conversationId, batchId, attempt, call }) => {
    await assertCurrentAttempt(ctx, batchId, attempt);
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw notFound("conversation", conversationId);
    switch (call.name) {
      case "schedule_followup":
        return await scheduleFollowup(ctx, { conversationId, batchId, ...call.input });
      case "cancel_followups": {
        const count = await cancelFollowups(ctx, conversationId, call.input.reason ?? "Cancelled by the agent");
        return { content: count === 0 ? "There were no pending follow-ups." : `Cancelled ${count} follow-up(s).`, isError: false };
      }
      case "handoff_to_human": {
        const now = Date.now();
        await startTakeover(ctx, conversation, `The agent handed over: ${call.input.reason}`, now, { batchId });
        await escalate(ctx, conversationId, call.input.reason, now, "agent");
        return { content: "A human operator has been notified and will take over this conversation.", isError: false };
      }
      case "tag_conversation": {
        const tags = await addTags(ctx, conversation, call.input.tags);
        return { content: `Tags now: ${tags.join(", ")}.`, isError: false };
      }
    }
  },
});
