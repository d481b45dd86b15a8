/**
 * Follow-ups and meeting reminders (scheduledActions), run on the Convex
 * scheduler so they survive restarts by construction.
 *
 * Life of one: the agent's `schedule_followup` tool inserts it and a
 * `runAt` job → at its time `fire` re-checks takeover, working hours and the
 * platform's reply window → `send` composes the text (the agent, or fixed
 * text) → it goes out through ../outbound.ts like any reply. A customer
 * message cancels pending follow-ups (ingest); a retried or superseded draft
 * withdraws the ones it scheduled.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator, type PaginationOptions } from "convex/server";
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "./_generated/server";
import { replyWindow } from "../lib/channels/window";
import { nextRetryDelay } from "../lib/followups/retry";
import { SECOND, MINUTE } from "../lib/time";
import { isOpen, nextOpening } from "../lib/workingHours";
import { loadHistory, modelSettingsOf, vModelSettings, vPromptMessage } from "./agent/context";
import { writeFollowup } from "./agent/respond";
import { audit } from "./model/accounts";
import { conversationParty, escalate } from "./model/conversations";
import { recordOutbound, settleReply } from "./model/messages";
import {
  armFire,
  cancelAction,
  composeFailed as recordComposeFailure,
  endAction,
  makeDueNow,
  markComposed,
  markPaced,
  startSending,
} from "./model/scheduledActions";
import { loadSettings } from "./model/settings";
import { deliver } from "./outbound";
import { operatorMutation, operatorQuery } from "./functions";
import schema from "./schema";
import { vChannel } from "./validators";

/** A fire this late means the process was down: join the paced queue instead of flooding. */
const OVERDUE_AFTER_MS = 30 * SECOND;
/** Gap between overdue sends during recovery. */
const RECOVERY_PACE_MS = 2 * SECOND;
/** How many older overdue actions a fire counts to find its place; later ones re-count. */
const RECOVERY_RANK_CAP = 100;
/** Under takeover, look again this often. */
const TAKEOVER_RECHECK_MS = 15 * MINUTE;

// ---------------------------------------------------------------------------
// Running one

async function reschedule(ctx: MutationCtx, action: Doc<"scheduledActions">, at: number, note: string) {
  await armFire(ctx, action._id, at, note);
}

/** Its time has come: check whether it may go out now, then compose and send. */
export const fire = internalMutation({
  args: { actionId: v.id("scheduledActions") },
  returns: v.null(),
  handler: async (ctx, { actionId }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (!action || action.status !== "pending") return null;
    const conversation = await ctx.db.get("conversations", action.conversationId);
    if (!conversation) throw new Error(`Conversation ${action.conversationId} of action ${actionId} not found`);
    const settings = await loadSettings(ctx);
    const now = Date.now();

    if (conversation.takeover) {
      await reschedule(ctx, action, now + TAKEOVER_RECHECK_MS, "Held: a human has taken over this conversation");
      return null;
    }
    if (settings.workingHoursEnabled && !isOpen(now, settings.workingHours)) {
      const opening = nextOpening(now, settings.workingHours);
      if (opening !== null) {
        await reschedule(ctx, action, opening, "Moved to the next opening (outside working hours)");
        return null;
      }
    }
    const window = replyWindow(conversation.channel, conversation.lastInboundAt, now);
    if (!window.open) {
      await endAction(ctx, actionId, { status: "blocked", lastError: window.reason });
      return null;
    }
    if (now - action.dueAt > OVERDUE_AFTER_MS && action.pacedAt === undefined) {
      // Back from downtime: take a place in line behind older overdue actions.
      const older = await ctx.db
        .query("scheduledActions")
        .withIndex("by_status_and_due_at", (q) => q.eq("status", "pending").lt("dueAt", action.dueAt))
        .take(RECOVERY_RANK_CAP);
      await markPaced(ctx, actionId, now);
      if (older.length > 0) {
        await reschedule(ctx, action, now + older.length * RECOVERY_PACE_MS, "Paced after downtime");
        return null;
      }
    }
    await startSending(ctx, actionId, now);
    return null;
  },
});

export const send = internalAction({
  args: { actionId: v.id("scheduledActions") },
  returns: v.null(),
  handler: async (ctx, { actionId }) => {
    const job = await ctx.runQuery(internal.followups.composeContext, { actionId });
    if (!job) return null;
    let text: string;
    try {
      text = job.fixedText ?? (await writeFollowup(job));
    } catch (error) {
      await ctx.runMutation(internal.followups.composeFailed, {
        actionId,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
    const messageId = await ctx.runMutation(internal.followups.commit, { actionId, text });
    if (messageId) await deliver(ctx, messageId);
    return null;
  },
});

export const composeContext = internalQuery({
  args: { actionId: v.id("scheduledActions") },
  returns: v.union(
    v.null(),
    v.object({
      note: v.string(),
      fixedText: v.optional(v.string()),
      settings: vModelSettings,
      history: v.array(vPromptMessage),
    }),
  ),
  handler: async (ctx, { actionId }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (!action || action.status !== "pending") return null;
    const settings = await loadSettings(ctx);
    // Reminders carry their own text (time and join link); follow-ups may be fixed by the operator.
    const fixedText = action.kind === "meeting_reminder" ? action.note : settings.followupFixedText || undefined;
    return {
      note: action.note,
      fixedText,
      settings: modelSettingsOf(settings),
      history: await loadHistory(ctx, action.conversationId, settings.historyMessages),
    };
  },
});

/** Records the composed follow-up as an outbound message, unless the customer wrote meanwhile. */
export const commit = internalMutation({
  args: { actionId: v.id("scheduledActions"), text: v.string() },
  returns: v.union(v.null(), v.id("messages")),
  handler: async (ctx, { actionId, text }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (!action || action.status !== "pending" || action.messageId) return null;
    const conversation = await ctx.db.get("conversations", action.conversationId);
    if (!conversation || conversation.takeover) return null;
    const messageId = await recordOutbound(ctx, conversation, { text, author: "agent", scheduledActionId: actionId });
    await markComposed(ctx, action, messageId);
    return messageId;
  },
});

/** Writing the follow-up failed (model down): retry after 1, 5, 15 minutes, then give up visibly. */
export const composeFailed = internalMutation({
  args: { actionId: v.id("scheduledActions"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { actionId, error }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (!action || action.status !== "pending") return null;
    const delay = nextRetryDelay(action.attempts + 1);
    await recordComposeFailure(ctx, action, error, delay === null ? null : Date.now() + delay);
    return null;
  },
});

// ---------------------------------------------------------------------------
// Operators (the Follow-ups page)

/** Rows per page: each also reads its conversation and contact, so a page stays within 100 reads. */
export const MAX_PAGE_SIZE = 30;

const actionFields = schema.tables.scheduledActions.validator.fields;
type ActionStatus = Infer<typeof actionFields.status>;

const vActionRow = v.object({
  id: v.id("scheduledActions"),
  ...pick(actionFields, ["conversationId", "kind", "dueAt", "nextAttemptAt", "status", "note", "attempts", "lastError"]),
  channel: vChannel,
  contactName: v.optional(v.string()),
});

/** One page of actions in one status: pending ones soonest due first, the others latest first. */
export async function listActions(ctx: QueryCtx, paginationOpts: PaginationOptions, status: ActionStatus) {
  const numItems = Math.max(1, Math.min(paginationOpts.numItems, MAX_PAGE_SIZE));
  const result = await ctx.db
    .query("scheduledActions")
    .withIndex("by_status_and_due_at", (q) => q.eq("status", status))
    .order(status === "pending" ? "asc" : "desc")
    .paginate({ ...paginationOpts, numItems });
  const page = await Promise.all(
    result.page.map(async (a) => ({
      id: a._id,
      conversationId: a.conversationId,
      kind: a.kind,
      dueAt: a.dueAt,
      nextAttemptAt: a.nextAttemptAt,
      status: a.status,
      note: a.note,
      attempts: a.attempts,
      lastError: a.lastError,
      ...(await conversationParty(ctx, a.conversationId)),
    })),
  );
  return { ...result, page };
}

export const list = operatorQuery({
  args: { paginationOpts: paginationOptsValidator, status: actionFields.status },
  returns: paginationResultValidator(vActionRow),
  handler: async (ctx, { paginationOpts, status }) => await listActions(ctx, paginationOpts, status),
});

export const cancel = operatorMutation({
  args: { actionId: v.id("scheduledActions") },
  returns: v.null(),
  handler: async (ctx, { actionId }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (action?.status !== "pending") return null;
    await cancelAction(ctx, action, "Cancelled by an operator");
    await audit(ctx, ctx.operator._id, "followup.cancelled", actionId);
    return null;
  },
});

export const sendNow = operatorMutation({
  args: { actionId: v.id("scheduledActions") },
  returns: v.null(),
  handler: async (ctx, { actionId }) => {
    const action = await ctx.db.get("scheduledActions", actionId);
    if (action?.status !== "pending") return null;
    // Treated as on time: an operator's "now" skips the recovery queue.
    await makeDueNow(ctx, action, Date.now(), "Sent now by an operator");
    await audit(ctx, ctx.operator._id, "followup.sent_now", actionId);
    return null;
  },
});

// ---------------------------------------------------------------------------
// Recovery: runs that died (a crash, a deploy) between the steps above

/** Long past any model call or platform retry: nothing is still working on it. */
const STALLED_AFTER_MS = 15 * MINUTE;
const SWEEP_PAGE = 25;

/**
 * An action whose run died is fired again; an outbound follow-up or
 * operator message stuck in `sending` may or may not have reached the
 * customer, so it is marked failed for a human rather than sent again.
 * (Batch replies have their own lease and watchdog.)
 */
export const recoverStalled = internalMutation({
  args: {},
  returns: v.object({ refired: v.number(), flagged: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    let refired = 0;
    let flagged = 0;
    const stalledActions = await ctx.db
      .query("scheduledActions")
      .withIndex("by_status_and_next_attempt_at", (q) => q.eq("status", "pending").lt("nextAttemptAt", now - STALLED_AFTER_MS))
      .take(SWEEP_PAGE);
    for (const action of stalledActions) {
      const job = action.jobId ? await ctx.db.system.get("_scheduled_functions", action.jobId) : null;
      const live = job?.state.kind === "pending" || job?.state.kind === "inProgress";
      if (live || action.messageId) continue; // still working, or its message is handled below
      await armFire(ctx, action._id, now, "Recovered: the previous run stopped before sending");
      refired += 1;
    }
    const stuckSends = await ctx.db
      .query("messages")
      .withIndex("by_status_and_sent_at", (q) => q.eq("status", "sending").lt("sentAt", now - STALLED_AFTER_MS))
      .take(SWEEP_PAGE);
    for (const message of stuckSends) {
      if (message.batchId) continue; // the batch watchdog owns these
      const error = "Delivery unknown: the process stopped while sending. Check the chat before resending.";
      await settleReply(ctx, message, { status: "send_failed", error });
      const action = message.scheduledActionId ? await ctx.db.get("scheduledActions", message.scheduledActionId) : null;
      if (action?.status === "pending") await endAction(ctx, action._id, { status: "failed", lastError: error });
      await escalate(ctx, message.conversationId, error, now, "delivery_unknown");
      flagged += 1;
    }
    return { refired, flagged };
  },
});
