/**
 * Operator edits made from the inbox's conversation page that no other
 * feature owns: the conversation's tags and assignee, and moving a pending follow-up
 * (optionally together with setting the customer's time zone it was meant in).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { operatorMutation, operatorQuery } from "./functions";
import { audit } from "./model/accounts";
import { backfillSearchNames, SEARCH_NAME_BACKFILL_PAGE, setTimeZone } from "./model/contacts";
import {
  backfillInboxFields,
  INBOX_FIELDS_BACKFILL_PAGE,
  setAssignee,
  setTags as saveTags,
  storeOpenStatus,
} from "./model/conversations";
import { callerError } from "./model/errors";
import { reschedule as moveAction } from "./model/scheduledActions";
import { isValidTimeZone } from "../lib/followups/tz";
import { normalizeTags, rescheduleProblem } from "../lib/inbox";

export const setTags = operatorMutation({
  args: { conversationId: v.id("conversations"), tags: v.array(v.string()) },
  returns: v.array(v.string()),
  handler: async (ctx, { conversationId, tags }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) throw callerError("NOT_FOUND", "This conversation no longer exists");
    const result = normalizeTags(tags);
    if (typeof result === "string") throw callerError("BAD_TAGS", result);
    await saveTags(ctx, conversationId, result);
    await audit(ctx, ctx.operator._id, "conversation.tags_set", conversationId, result.join(", "));
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
    if (action?.status !== "pending") throw callerError("NOT_PENDING", "It was already sent or cancelled; nothing to move");
    const problem = rescheduleProblem(dueAt, Date.now());
    if (problem) throw callerError("BAD_TIME", problem);
    if (contactTimeZone !== undefined) {
      if (!isValidTimeZone(contactTimeZone)) {
        throw callerError("BAD_TIME_ZONE", `"${contactTimeZone}" is not an IANA time zone`);
      }
      const conversation = await ctx.db.get("conversations", action.conversationId);
      if (conversation) await setTimeZone(ctx, conversation.contactId, contactTimeZone);
    }
    await moveAction(ctx, action, dueAt, "Rescheduled by an operator");
    await audit(ctx, ctx.operator._id, "followup.rescheduled", actionId, new Date(dueAt).toISOString());
    return null;
  },
});

/** Conversations given a stored status per transaction. */
const STATUS_BACKFILL_PAGE = 200;

/**
 * Hourly cron: rows written before a field the inbox reads existed get it.
 * - status: absent reads "open"; stored so the Open tab is one index range;
 * - contacts' `searchName` (contact search on the local runtime needs it);
 * - conversations' list fields (customer line, waiting since, reply author).
 * Each step takes a page; while any page comes back full it re-schedules
 * itself. With nothing left each step reads an empty index range.
 */
export const backfillStatus = internalMutation({
  args: {},
  returns: v.object({ status: v.number(), searchNames: v.number(), inboxFields: v.number() }),
  handler: async (ctx) => {
    const page = await ctx.db
      .query("conversations")
      .withIndex("by_status_and_last_message_at", (q) => q.eq("status", undefined))
      .take(STATUS_BACKFILL_PAGE);
    for (const conversation of page) await storeOpenStatus(ctx, conversation);
    const searchNames = await backfillSearchNames(ctx);
    const inboxFields = await backfillInboxFields(ctx);
    const more =
      page.length === STATUS_BACKFILL_PAGE ||
      searchNames === SEARCH_NAME_BACKFILL_PAGE ||
      inboxFields === INBOX_FIELDS_BACKFILL_PAGE;
    if (more) await ctx.scheduler.runAfter(0, internal.inbox.backfillStatus, {});
    return { status: page.length, searchNames, inboxFields };
  },
});

/** Conversations one assignment may touch: a page of the inbox at most. */
export const MAX_ASSIGN_IDS = 100;
/** Operators listed for "Assign to…"; a small team's dashboard. */
export const OPERATORS_LISTED = 50;

/**
 * Gives conversations to an operator (`assigneeId`), or to nobody (null).
 * All or nothing: an unknown conversation, or an assignee who is not an
 * enabled operator, changes nothing. Returns how many changed.
 */
export const assign = operatorMutation({
  args: { conversationIds: v.array(v.id("conversations")), assigneeId: v.union(v.id("users"), v.null()) },
  returns: v.number(),
  handler: async (ctx, { conversationIds, assigneeId }) => {
    if (conversationIds.length === 0 || conversationIds.length > MAX_ASSIGN_IDS) {
      throw callerError("BAD_SELECTION", `Select 1–${MAX_ASSIGN_IDS} conversations`);
    }
    if (assigneeId !== null) {
      const user = await ctx.db.get("users", assigneeId);
      if (!user?.role || user.disabledAt !== undefined) throw callerError("BAD_ASSIGNEE", "Assign to an enabled operator");
    }
    const conversations = [];
    for (const id of conversationIds) {
      const conversation = await ctx.db.get("conversations", id);
      if (!conversation) throw callerError("NOT_FOUND", "A selected conversation no longer exists");
      conversations.push(conversation);
    }
    let changed = 0;
    for (const conversation of conversations) {
      if (!(await setAssignee(ctx, conversation, assigneeId ?? undefined))) continue;
      changed++;
      await audit(ctx, ctx.operator._id, assigneeId ? "conversation.assigned" : "conversation.unassigned", conversation._id, assigneeId ?? undefined);
    }
    return changed;
  },
});

/** Enabled operators (and the owner) an operator can assign to, with the caller marked. */
export const operators = operatorQuery({
  args: {},
  returns: v.array(v.object({ id: v.id("users"), name: v.string(), me: v.boolean() })),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").take(OPERATORS_LISTED);
    return users
      .filter((u) => u.role !== undefined && u.disabledAt === undefined)
      .map((u) => ({ id: u._id, name: u.name ?? u.email ?? "operator", me: u._id === ctx.operator._id }));
  },
});
