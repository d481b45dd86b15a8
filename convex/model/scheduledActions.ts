/**
 * Owner of the `scheduledActions` table: follow-ups the agent promised and
 * meeting reminders. Each pending action has one live scheduler job
 * (`jobId`, at `nextAttemptAt`) that runs ../followups.ts `fire`.
 */
import { recordActionEnded, recordTaskCreated } from "./analytics";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { parseWhen } from "../../lib/followups/when";
import { settleReply } from "./messages";
import { loadSettings } from "./settings";

/** Pending follow-ups per conversation are few by design (the agent schedules them one at a time). */
const MAX_PENDING_PER_CONVERSATION = 20;

export type ToolOutcome = { content: string; isError: boolean };

/** The agent's schedule_followup: "in 2 hours" / "завтра в 10", read in the customer's zone. */
export async function scheduleFollowup(
  ctx: MutationCtx,
  args: { conversationId: Id<"conversations">; batchId?: Id<"batches">; when: string; note: string },
): Promise<ToolOutcome> {
  const conversation = await ctx.db.get("conversations", args.conversationId);
  if (!conversation) throw new Error(`Conversation ${args.conversationId} not found`);
  const settings = await loadSettings(ctx);
  const contact = await ctx.db.get("contacts", conversation.contactId);
  const timeZone = contact?.timeZone ?? settings.workingHours.timeZone;
  const parsed = parseWhen(args.when, { now: Date.now(), timeZone });
  if (!parsed.ok) return { content: parsed.error, isError: true };
  const actionId = await ctx.db.insert("scheduledActions", {
    conversationId: args.conversationId,
    kind: "followup",
    dueAt: parsed.at,
    status: "pending",
    attempts: 0,
    note: args.note,
    cancelOnReply: true,
    batchId: args.batchId,
  });
  await recordTaskCreated(ctx, args.conversationId, "followup:scheduled", actionId, Date.now());
  await armFire(ctx, actionId, parsed.at);
  return { content: `Follow-up scheduled for ${parsed.description}.`, isError: false };
}

export async function scheduleReminder(
  ctx: MutationCtx,
  args: { conversationId: Id<"conversations">; meetingId: Id<"meetings">; batchId?: Id<"batches">; at: number; text: string },
) {
  const actionId = await ctx.db.insert("scheduledActions", {
    conversationId: args.conversationId,
    kind: "meeting_reminder",
    dueAt: args.at,
    status: "pending",
    attempts: 0,
    note: args.text,
    cancelOnReply: false,
    batchId: args.batchId,
    meetingId: args.meetingId,
  });
  await armFire(ctx, actionId, args.at);
}

/**
 * Schedules the action's next check at `at`. `jobId` always names the live
 * job and `nextAttemptAt` its time, which is how the stall sweep tells a
 * waiting action from one whose run died.
 */
export async function armFire(ctx: MutationCtx, actionId: Id<"scheduledActions">, at: number, lastError?: string) {
  const jobId = await ctx.scheduler.runAt(at, internal.followups.fire, { actionId });
  await ctx.db.patch("scheduledActions", actionId, { jobId, nextAttemptAt: at, ...(lastError ? { lastError } : {}) });
}

/** `fire` decided to send now: the compose-and-send job is the live one. */
export async function startSending(ctx: MutationCtx, actionId: Id<"scheduledActions">, now: number) {
  const jobId = await ctx.scheduler.runAfter(0, internal.followups.send, { actionId });
  await ctx.db.patch("scheduledActions", actionId, { jobId, nextAttemptAt: now });
}

/** Back from downtime: the action has taken its place in the paced queue. */
export async function markPaced(ctx: MutationCtx, actionId: Id<"scheduledActions">, now: number) {
  await ctx.db.patch("scheduledActions", actionId, { pacedAt: now });
}

/** An operator's "send now": treated as on time, so it skips the recovery queue. */
export async function makeDueNow(ctx: MutationCtx, action: Doc<"scheduledActions">, now: number, note: string) {
  if (action.jobId) await ctx.scheduler.cancel(action.jobId);
  await ctx.db.patch("scheduledActions", action._id, { dueAt: now, pacedAt: now });
  await armFire(ctx, action._id, now, note);
}

/** An operator moved it: the old job is dropped and it is armed at its new time, outside the recovery pacing. */
export async function reschedule(ctx: MutationCtx, action: Doc<"scheduledActions">, dueAt: number, note: string) {
  if (action.jobId) await ctx.scheduler.cancel(action.jobId);
  await ctx.db.patch("scheduledActions", action._id, { dueAt, pacedAt: undefined });
  await armFire(ctx, action._id, dueAt, note);
}

/** The composed text is recorded as its outbound message. */
export async function markComposed(ctx: MutationCtx, action: Doc<"scheduledActions">, messageId: Id<"messages">) {
  await ctx.db.patch("scheduledActions", action._id, { messageId, attempts: action.attempts + 1 });
}

/** Composing failed; retried at `retryAt`, or ended as failed when `retryAt` is null. */
export async function composeFailed(ctx: MutationCtx, action: Doc<"scheduledActions">, error: string, retryAt: number | null) {
  const attempts = action.attempts + 1;
  if (retryAt === null) {
    await endAction(ctx, action._id, { status: "failed", lastError: error }, { attempts });
    return;
  }
  await ctx.db.patch("scheduledActions", action._id, { attempts });
  await armFire(ctx, action._id, retryAt, `Attempt ${attempts} failed: ${error}`);
}

export type ActionEnd = { status: "sent" | "failed" | "blocked" | "cancelled"; lastError?: string };

/**
 * HOOK: a scheduled action (follow-up or reminder) ends: sent, failed,
 * blocked by the reply window, or cancelled. The one place an action
 * leaves `pending`; `endedAt` is when (index by_ended_at).
 */
export async function endAction(
  ctx: MutationCtx,
  actionId: Id<"scheduledActions">,
  end: ActionEnd,
  extra: Partial<Pick<Doc<"scheduledActions">, "attempts">> = {},
) {
  await recordActionEnded(ctx, actionId, end.status);
  await ctx.db.patch("scheduledActions", actionId, { ...extra, ...end, endedAt: Date.now() });
}

/** Cancels one action; a message already written for it (waiting for a platform retry) is not sent. */
export async function cancelAction(ctx: MutationCtx, action: Doc<"scheduledActions">, reason: string) {
  if (action.jobId) await ctx.scheduler.cancel(action.jobId);
  await endAction(ctx, action._id, { status: "cancelled", lastError: reason });
  const message = action.messageId ? await ctx.db.get("messages", action.messageId) : null;
  if (message?.status === "sending") await settleReply(ctx, message, { status: "send_failed", error: `Not sent: ${reason}` });
}

/** Cancels the conversation's pending follow-ups (not meeting reminders). Reads nothing when there are none. */
export async function cancelFollowups(ctx: MutationCtx, conversationId: Id<"conversations">, reason: string) {
  const pending = await ctx.db
    .query("scheduledActions")
    .withIndex("by_conversation_and_status_and_cancel_on_reply", (q) =>
      q.eq("conversationId", conversationId).eq("status", "pending").eq("cancelOnReply", true),
    )
    .take(MAX_PENDING_PER_CONVERSATION);
  for (const action of pending) await cancelAction(ctx, action, reason);
  return pending.length;
}

/** The ingest hook: the customer wrote again, so their pending follow-ups are moot. */
export async function cancelFollowupsOnReply(ctx: MutationCtx, conversationId: Id<"conversations">) {
  await cancelFollowups(ctx, conversationId, "The customer wrote again");
}

/**
 * A draft that is not sent takes back what its tools scheduled. On a retry
 * of the same burst (`keepReminders`) meeting reminders stand with their
 * bookings: the retry finds the booking and confirms it.
 */
export async function withdrawBatchActions(ctx: MutationCtx, batchId: Id<"batches">, keepReminders: boolean) {
  const actions = await ctx.db
    .query("scheduledActions")
    .withIndex("by_batch", (q) => q.eq("batchId", batchId))
    .take(MAX_PENDING_PER_CONVERSATION);
  for (const action of actions) {
    if (action.status !== "pending" || (keepReminders && action.kind === "meeting_reminder")) continue;
    await cancelAction(ctx, action, "Its draft reply was not sent");
  }
}

// ---- Lifecycle: archive removal and restore, orphans (convex/lifecycle) ----

/** Archiving only takes ended actions; an orphan (its conversation gone) that is still pending has its job cancelled. */
export async function removeAction(ctx: MutationCtx, actionId: Id<"scheduledActions">) {
  const action = await ctx.db.get("scheduledActions", actionId);
  if (!action) return;
  if (action.status === "pending" && action.jobId) await ctx.scheduler.cancel(action.jobId);
  await ctx.db.delete("scheduledActions", actionId);
}

export async function restoreAction(ctx: MutationCtx, fields: Omit<Doc<"scheduledActions">, "_id" | "_creationTime">) {
  return await ctx.db.insert("scheduledActions", fields);
}

export async function relinkAction(ctx: MutationCtx, actionId: Id<"scheduledActions">, patch: { messageId?: Id<"messages"> }) {
  await ctx.db.patch("scheduledActions", actionId, patch);
}
