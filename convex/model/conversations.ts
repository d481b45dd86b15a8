/**
 * Owner of the `conversations` table: lookup and creation, the batching
 * state machine (idle → buffering → processing → idle/buffering), and who
 * handles the conversation (bot, or a human after takeover/escalation).
 *
 * One scheduled job per conversation, the "tick", does both jobs that need
 * a timer: it flushes when the burst is over and re-sends the channel's
 * typing action before it expires. Ingest never cancels a tick (that would
 * be a second scheduler operation per message); it bumps `tickGeneration`
 * and a tick carrying an older generation exits without acting.
 */
import { recordHandlingChange, recordIntentChange, recordStatusChange } from "./analytics";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { EscalationCause } from "../../lib/analytics/events";
import { flushPlan, typingDue, type BatchingPolicy } from "../../lib/batching";
import { TYPING_REFRESH_MS } from "../../lib/channels/typing";
import { contactLabel } from "../../lib/contacts";
import { DELIVERED_REPLY_STATUSES, inboxFieldsFromHistory, inboxFieldsOnReply } from "../../lib/inbox";
import type { Settings } from "../../lib/settings";
import type { BatchingState } from "../schema";
import type { Channel } from "../validators";
import { notFound } from "./errors";
import { ignoreBuffered } from "./messages";
import { loadSettings } from "./settings";
import { surveyOnResolve } from "./surveys";

type Where = { channel: Channel; accountId: string; chatId: string };

export async function findConversation(ctx: QueryCtx, where: Where) {
  return await ctx.db
    .query("conversations")
    .withIndex("by_channel_and_account_and_chat", (q) =>
      q.eq("channel", where.channel).eq("accountId", where.accountId).eq("chatId", where.chatId),
    )
    .unique();
}

export async function insertConversation(ctx: MutationCtx, where: Where & { contactId: Id<"contacts"> }, now: number) {
  const id = await ctx.db.insert("conversations", {
    channel: where.channel,
    accountId: where.accountId,
    chatId: where.chatId,
    contactId: where.contactId,
    state: { kind: "idle" },
    tickGeneration: 0,
    takeover: false,
    lastInboundAt: now,
    lastMessagePreview: "",
    lastMessageAt: now,
    // Stored explicitly (absent also reads "open"), so the inbox's Open tab is one index range.
    status: "open",
    inboundCount: 0,
  });
  return (await ctx.db.get("conversations", id))!;
}

/**
 * Ingest's one write per customer message: the batching state and what the
 * list shows. A customer writing also reopens a resolved conversation and
 * brings an archived one back (`reopenFields`), in the same write.
 */
export async function noteInbound(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  patch: Pick<Partial<Doc<"conversations">>, "state" | "tickGeneration"> &
    Pick<Doc<"conversations">, "lastInboundAt" | "lastMessagePreview" | "lastMessageAt"> &
    Pick<Partial<Doc<"conversations">>, "lastInboundExternalId" | "threadId" | "businessConnectionId"> &
    Pick<Partial<Doc<"conversations">>, "lastCustomerText" | "awaitingReplySince">,
) {
  await ctx.db.patch("conversations", conversation._id, {
    ...patch,
    inboundCount: (conversation.inboundCount ?? 0) + 1,
    ...reopenFields(conversation, patch.lastInboundAt),
  });
}

/**
 * Ingest, for a customer message that answers the pending survey: the
 * reply window and the list move on, the survey is answered; nothing is
 * buffered, nobody waits and a resolved conversation stays resolved.
 */
export async function noteSurveyAnswer(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  patch: Pick<Doc<"conversations">, "lastInboundAt" | "lastMessagePreview" | "lastMessageAt"> & Pick<Partial<Doc<"conversations">>, "lastInboundExternalId">,
) {
  // Still a customer message: it counts for unread like any other.
  await ctx.db.patch("conversations", conversation._id, { ...patch, pendingSurvey: undefined, inboundCount: (conversation.inboundCount ?? 0) + 1 });
}

/** A reply reached the customer: what the conversation list shows without reading messages, and that nobody waits. */
export async function notePreview(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  text: string,
  at: number,
  repliedBy: "agent" | "human",
) {
  await ctx.db.patch("conversations", conversationId, {
    lastMessagePreview: text.slice(0, 140),
    lastMessageAt: at,
    ...inboxFieldsOnReply(repliedBy),
  });
}

/** An operator's tags replace the conversation's (the agent only adds, through `addTags`). */
export async function setTags(ctx: MutationCtx, conversationId: Id<"conversations">, tags: string[]) {
  await ctx.db.patch("conversations", conversationId, { tags: tags.length > 0 ? tags : undefined });
}

export async function addTags(ctx: MutationCtx, conversation: Doc<"conversations">, tags: string[]) {
  const merged = [...new Set([...(conversation.tags ?? []), ...tags])];
  await ctx.db.patch("conversations", conversation._id, { tags: merged });
  return merged;
}

/** Who an operator row is about: the conversation's channel and the contact's name. Two reads. */
export async function conversationParty(ctx: QueryCtx, conversationId: Id<"conversations">) {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) throw notFound("conversation", conversationId);
  const contact = await ctx.db.get("contacts", conversation.contactId);
  return { channel: conversation.channel, contactName: contactLabel(contact) };
}

// ---------------------------------------------------------------------------
// The batching state machine

export function policyOf(settings: Settings): BatchingPolicy {
  return {
    windowMs: settings.batchWindowMs,
    maxWaitMs: settings.maxBatchWaitMs,
    maxMessages: settings.maxBatchMessages,
  };
}

/** How often this conversation's typing action is refreshed, or null for none. */
export function typingCadence(channel: Channel, settings: Settings): number | null {
  if (!settings.typingEnabled) return null;
  if (channel === "whatsapp" && !settings.whatsappTypingIndicator) return null;
  return TYPING_REFRESH_MS[channel];
}

/**
 * How far ahead of its due time "typing…" is refreshed when the flush
 * claims a batch: the refresh goes out with the batch's model call (one
 * job) instead of a heartbeat tick plus a typing job right after it. It
 * lasts longer than the cadence, so an early refresh never lets it lapse.
 */
export function typingAheadMs(cadence: number) {
  return cadence / 4;
}

/**
 * How long a refresh that falls due just before the flush may wait for the
 * flush to send it instead of a tick of its own (Telegram: 0.5 s of the
 * 1 s it lasts past its 4 s cadence).
 */
export function typingSlackMs(cadence: number) {
  return cadence / 8;
}

/**
 * Schedules the conversation's tick at `at`, superseding any earlier one.
 * `typingNow`: the tick's first turn also shows "typing…", so it runs as
 * the action `tick.start` (one job: the turn, then the typing request)
 * instead of a tick that schedules a typing job. An action runs at most
 * once; the watchdog re-arms a burst whose start never ran (stuckBursts).
 */
export async function armTick(ctx: MutationCtx, conversation: Doc<"conversations">, at: number, typingNow = false) {
  const generation = conversation.tickGeneration + 1;
  const args = { conversationId: conversation._id, generation };
  const tickId = typingNow
    ? await ctx.scheduler.runAt(at, internal.batching.tick.start, args)
    : await ctx.scheduler.runAt(at, internal.batching.tick.run, args);
  return { tickId, tickGeneration: generation };
}

/**
 * Re-schedules the running tick (same generation) for its next turn;
 * `typingNow`: that turn is for refreshing "typing…" (tick.start, as in armTick).
 */
export async function continueTick(ctx: MutationCtx, conversation: Doc<"conversations">, at: number, typingNow = false) {
  const args = { conversationId: conversation._id, generation: conversation.tickGeneration };
  return typingNow
    ? await ctx.scheduler.runAt(at, internal.batching.tick.start, args)
    : await ctx.scheduler.runAt(at, internal.batching.tick.run, args);
}

/** The tick moved itself on: store its job and when typing was last shown. */
export async function saveTick(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  state: BatchingState,
  typingSentAt: number | undefined,
) {
  await ctx.db.patch("conversations", conversationId, { state, typingSentAt });
}

/**
 * How "typing…" goes out when it is due: `schedule` (a job of its own,
 * from a scheduled mutation), or `caller` (the calling action sends it
 * itself: tick.start, or the batch's model call).
 */
export type TypingSender = "schedule" | "caller";

/**
 * Sends "typing…" if it is due (`lib/batching.ts` typingDue), `aheadMs`
 * early at most, and returns when it was last sent, for the caller to
 * store as `typingSentAt`, and whether the caller must send it now.
 */
export async function refreshTyping(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  now: number,
  cadence: number | null,
  sender: TypingSender = "schedule",
  aheadMs = 0,
): Promise<{ typingSentAt: number | undefined; sendNow: boolean }> {
  if (!typingDue(now + aheadMs, conversation.typingSentAt, cadence)) return { typingSentAt: conversation.typingSentAt, sendNow: false };
  if (sender === "caller") return { typingSentAt: now, sendNow: true };
  await ctx.scheduler.runAfter(0, internal.channels.actions.typing, { conversationId: conversation._id });
  return { typingSentAt: now, sendNow: false };
}

/**
 * A customer message joined the buffer: the new state, and the flush armed.
 * At most one scheduler operation: when the burst starts, or when it just
 * reached `maxBatchMessages` and must flush now. The caller writes the
 * returned fields with its own patch (noteInbound), so ingest writes the
 * conversation once.
 */
export async function addToBuffer(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  now: number,
  settings: Settings,
) {
  const state = conversation.state;
  const policy = policyOf(settings);
  if (state.kind === "idle") {
    const burst = { firstPendingAt: now, lastPendingAt: now, pendingCount: 1 };
    const cadence = typingCadence(conversation.channel, settings);
    // A channel with a typing action ticks now, so "typing…" shows at once.
    const at = cadence === null ? flushPlan(burst, policy).at : now;
    const { tickId, tickGeneration } = await armTick(ctx, conversation, at, cadence !== null);
    return { state: { kind: "buffering" as const, ...burst, tickId }, tickGeneration };
  }
  if (state.kind === "buffering") {
    const burst = { ...state, lastPendingAt: now, pendingCount: state.pendingCount + 1 };
    if (burst.pendingCount === policy.maxMessages) {
      const { tickId, tickGeneration } = await armTick(ctx, conversation, now);
      return { state: { ...burst, tickId }, tickGeneration };
    }
    // The tick already scheduled sees the later deadline and moves itself.
    return { state: burst, tickGeneration: conversation.tickGeneration };
  }
  return {
    state: {
      ...state,
      pendingCount: state.pendingCount + 1,
      newSinceClaim: state.newSinceClaim + 1,
      firstPendingAt: state.firstPendingAt ?? now,
      lastPendingAt: now,
    },
    tickGeneration: conversation.tickGeneration,
  };
}

/**
 * Buffering conversations whose burst started before `before`, oldest
 * first: the watchdog looks among them for a tick that never ran.
 */
export async function longBuffering(ctx: QueryCtx, before: number, limit: number) {
  return await ctx.db
    .query("conversations")
    .withIndex("by_state_kind", (q) => q.eq("state.kind", "buffering").lt("state.firstPendingAt", before))
    .take(limit);
}

/**
 * Re-arms a buffering conversation whose tick is gone (a tick.start action
 * that failed or never ran: actions run at most once). Returns whether it
 * had to: a tick still pending or running is left alone.
 */
export async function rearmStuckBurst(ctx: MutationCtx, conversation: Doc<"conversations">, now: number) {
  const state = conversation.state;
  if (state.kind !== "buffering") return false;
  const job = await ctx.db.system.get("_scheduled_functions", state.tickId);
  if (job && (job.state.kind === "pending" || job.state.kind === "inProgress")) return false;
  // A successful tick always moved tickId on (or left the state): success here means it is gone too.
  const { tickId, tickGeneration } = await armTick(ctx, conversation, now);
  await ctx.db.patch("conversations", conversation._id, { state: { ...state, tickId }, tickGeneration });
  return true;
}

/** The tick found an empty buffer: nothing to claim, nothing to wait for. */
export async function goIdle(ctx: MutationCtx, conversation: Doc<"conversations">) {
  await ctx.db.patch("conversations", conversation._id, {
    state: { kind: "idle" },
    tickGeneration: conversation.tickGeneration + 1,
  });
}

/**
 * A batch was claimed: the conversation is processing it. A fresh
 * generation for the typing heartbeat: the buffering tick (still scheduled
 * when an operator or a shutdown flushed early) retires. The heartbeat
 * keeps the cadence of the typing already shown.
 */
export async function startProcessing(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  batch: { batchId: Id<"batches">; claimed: number; leftoverReceivedAt?: number },
  now: number,
  settings: Settings,
): Promise<{ typingNow: boolean }> {
  const state = conversation.state;
  if (state.kind !== "buffering") throw new Error(`Conversation ${conversation._id} is not buffering`);
  const pendingCount = Math.max(0, state.pendingCount - batch.claimed);
  const cadence = typingCadence(conversation.channel, settings);
  // Due now or soon: the batch's model call sends it (claimBatch passes it on), not a job of its own.
  const typing = await refreshTyping(ctx, conversation, now, cadence, "caller", cadence === null ? 0 : typingAheadMs(cadence));
  const typingSentAt = typing.typingSentAt;
  const heartbeat =
    cadence === null
      ? { tickId: undefined, tickGeneration: conversation.tickGeneration + 1 }
      : await armTick(ctx, conversation, (typingSentAt ?? now) + cadence);
  await ctx.db.patch("conversations", conversation._id, {
    tickGeneration: heartbeat.tickGeneration,
    typingSentAt,
    state: {
      kind: "processing",
      batchId: batch.batchId,
      startedAt: now,
      pendingCount,
      newSinceClaim: 0,
      firstPendingAt: pendingCount > 0 ? (batch.leftoverReceivedAt ?? state.lastPendingAt) : undefined,
      lastPendingAt: pendingCount > 0 ? state.lastPendingAt : undefined,
      tickId: heartbeat.tickId,
    },
  });
  return { typingNow: typing.sendNow };
}

/**
 * The batch is over (replied, failed, superseded or skipped): stop its typing
 * heartbeat and either go idle or arm the next burst with what is buffered.
 * `returned` puts a superseded batch's messages back in front of the queue.
 * Called only by settleBatch (./batches.ts).
 */
export async function releaseConversation(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  now: number,
  settings: Settings,
  returned?: { count: number; firstPendingAt: number },
) {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) throw new Error(`Conversation ${conversationId} vanished during its batch`);
  const state = conversation.state;
  if (state.kind !== "processing") return;
  if (state.tickId) await ctx.scheduler.cancel(state.tickId);
  const pendingCount = state.pendingCount + (returned?.count ?? 0);
  // A sent reply clears "typing…" on the customer's screen: the next burst shows it afresh.
  const fresh = { ...conversation, typingSentAt: undefined };
  if (pendingCount === 0 || conversation.takeover) {
    await ctx.db.patch("conversations", conversationId, {
      state: { kind: "idle" },
      tickGeneration: conversation.tickGeneration + 1,
      typingSentAt: undefined,
    });
    return;
  }
  const burst = {
    firstPendingAt: Math.min(state.firstPendingAt ?? now, returned?.firstPendingAt ?? now),
    lastPendingAt: state.lastPendingAt ?? returned?.firstPendingAt ?? now,
    pendingCount,
  };
  const cadence = typingCadence(conversation.channel, settings);
  const at = cadence === null ? Math.max(now, flushPlan(burst, policyOf(settings)).at) : now;
  const { tickId, tickGeneration } = await armTick(ctx, fresh, at, cadence !== null);
  await ctx.db.patch("conversations", conversationId, {
    state: { kind: "buffering", ...burst, tickId },
    tickGeneration,
    typingSentAt: undefined,
  });
}

// ---------------------------------------------------------------------------
// Who handles the conversation: takeover and escalation

export type HandlingChange =
  | { kind: "takeover_started"; reason: string; at: number; batchId?: Id<"batches">; by?: Id<"users"> }
  | { kind: "takeover_ended" }
  | { kind: "escalated"; reason: string; at: number; cause: EscalationCause };

/**
 * HOOK: who handles the conversation changed: a human took over (operator,
 * an app reply, the agent's handoff), the bot got it back, or it was
 * flagged for a human (`needsHuman`: a failed batch, an unknown delivery,
 * a handoff). The one place these fields are written.
 */
async function changeHandling(ctx: MutationCtx, conversationId: Id<"conversations">, change: HandlingChange, extra: Partial<Doc<"conversations">> = {}) {
  await recordHandlingChange(ctx, conversationId, change);
  switch (change.kind) {
    case "takeover_started":
      await ctx.db.patch("conversations", conversationId, {
        ...extra,
        takeover: true,
        takeoverReason: change.reason,
        takeoverBatchId: change.batchId,
        takeoverAt: change.at,
        takeoverBy: change.by,
      });
      return;
    case "takeover_ended":
      await ctx.db.patch("conversations", conversationId, {
        ...extra,
        takeover: false,
        takeoverReason: undefined,
        takeoverBatchId: undefined,
        takeoverAt: undefined,
        takeoverBy: undefined,
        needsHuman: undefined,
      });
      return;
    case "escalated":
      await ctx.db.patch("conversations", conversationId, { ...extra, needsHuman: { reason: change.reason, since: change.at } });
      return;
  }
}

/**
 * A human takes the conversation: automation pauses, the buffered burst is
 * kept for the human (marked ignored, never answered by the bot) and the
 * typing heartbeat stops. A batch already with the model finds the
 * takeover when it tries to reply and drops its draft.
 */
export async function startTakeover(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  reason: string,
  now: number,
  by: { batchId?: Id<"batches">; operatorId?: Id<"users"> } = {},
) {
  await ignoreBuffered(ctx, conversation._id);
  const state = conversation.state;
  if (state.kind === "buffering") await ctx.scheduler.cancel(state.tickId);
  await changeHandling(
    ctx,
    conversation._id,
    { kind: "takeover_started", reason, at: now, batchId: by.batchId, by: by.operatorId },
    {
      state: withoutPending(state),
      tickGeneration: conversation.tickGeneration + 1,
      // An operator pausing the bot owns the conversation from then on, unless someone already does.
      ...(by.operatorId !== undefined && conversation.assigneeId === undefined ? { assigneeId: by.operatorId } : {}),
    },
  );
  const { takeoverIdleResumeMs } = await loadSettings(ctx);
  if (takeoverIdleResumeMs > 0) {
    await ctx.scheduler.runAt(now + takeoverIdleResumeMs, internal.conversations.resumeIfIdle, {
      conversationId: conversation._id,
      takeoverAt: now,
    });
  }
}

/** The buffer now belongs to the human: nothing is pending for the bot any more. */
function withoutPending(state: BatchingState): BatchingState {
  if (state.kind === "buffering") return { kind: "idle" };
  if (state.kind === "processing") {
    return { ...state, pendingCount: 0, newSinceClaim: 0, firstPendingAt: undefined, lastPendingAt: undefined };
  }
  return state;
}

/** The bot answers again; an escalation flag is cleared with it. */
/**
 * The bot answers again. Ended by an operator (`operatorId`) while the
 * conversation needed a human, the escalation counts as resolved by them.
 */
export async function endTakeover(ctx: MutationCtx, conversation: Doc<"conversations">, operatorId?: Id<"users">) {
  const resolved = operatorId && conversation.needsHuman ? { escalationResolvedBy: operatorId, escalationResolvedAt: Date.now() } : {};
  await changeHandling(ctx, conversation._id, { kind: "takeover_ended" }, resolved);
}

/** Flags the conversation for a human (the dashboard's "needs human" list). */
/** `cause` is what escalations are counted by (docs/analytics.md); `reason` the words shown to the operator. */
export async function escalate(ctx: MutationCtx, conversationId: Id<"conversations">, reason: string, now: number, cause: EscalationCause = "other") {
  await changeHandling(ctx, conversationId, { kind: "escalated", reason, at: now, cause });
}

/** Telegram shows a spinner on a pressed button until the bot answers the callback. */
export async function answerCallbackLater(ctx: MutationCtx, conversationId: Id<"conversations">, callbackQueryId: string) {
  await ctx.scheduler.runAfter(0, internal.channels.actions.answerCallback, { conversationId, callbackQueryId });
}

// ---- Lifecycle: status, archive pointer and labels (convex/lifecycle, docs/lifecycle.md) ----

/**
 * Fields a customer message adds to `noteInbound`'s patch: a resolved
 * conversation is reopened and an archived one comes back (its history
 * stays in the archive, restorable on demand). No extra read or write.
 */
export function reopenFields(conversation: Doc<"conversations">, now: number): Partial<Doc<"conversations">> {
  const fields: Partial<Doc<"conversations">> = {};
  if (conversation.status === "resolved") Object.assign(fields, { status: "open", reopenedAt: now, resolvedAt: undefined, resolvedBy: undefined });
  if (conversation.archivedAt !== undefined) Object.assign(fields, { archivedAt: undefined, archiveId: undefined });
  // Written before status was stored: absent means open; storing it puts the conversation in the Open tab's index range.
  if (conversation.status === undefined) fields.status = "open";
  // A message that is not the survey's answer: the customer moved on, the survey lapses.
  if (conversation.pendingSurvey !== undefined) Object.assign(fields, { pendingSurvey: undefined });
  return fields;
}

/**
 * Resolve or reopen; returns whether anything changed. The one place an
 * operator or the quiet-time rule changes status: the analytics event and
 * a satisfaction survey (when the settings ask for one) go with it.
 */
export async function setStatus(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  status: "open" | "resolved",
  by: string,
  now: number,
  loaded?: Settings,
) {
  if ((conversation.status ?? "open") === status) return false;
  const settings = loaded ?? (await loadSettings(ctx));
  await recordStatusChange(ctx, conversation, status, by, now, settings);
  await ctx.db.patch(
    "conversations",
    conversation._id,
    status === "resolved"
      ? { status, resolvedAt: now, resolvedBy: by, ...(await surveyOnResolve(ctx, conversation, now, settings)) }
      : { status, reopenedAt: now, resolvedAt: undefined, resolvedBy: undefined, pendingSurvey: undefined },
  );
  return true;
}

/** Who owns the conversation in the inbox (undefined: nobody); returns whether it changed. */
export async function setAssignee(ctx: MutationCtx, conversation: Doc<"conversations">, assigneeId: Id<"users"> | undefined) {
  if (conversation.assigneeId === assigneeId) return false;
  await ctx.db.patch("conversations", conversation._id, { assigneeId });
  return true;
}

/** A conversation from before status was stored gets "open" written (the inbox's Open tab reads status by index). */
export async function storeOpenStatus(ctx: MutationCtx, conversation: Doc<"conversations">) {
  if (conversation.status === undefined) await ctx.db.patch("conversations", conversation._id, { status: "open" });
}

/** Conversations given the inbox list fields per backfill run (each reads up to ~13 messages). */
export const INBOX_FIELDS_BACKFILL_PAGE = 50;
/** Newest outbound messages looked at for the last reply that reached the customer. */
const REPLIES_LOOKED_AT = 10;

/**
 * Conversations stored before the inbox kept `lastCustomerText`,
 * `awaitingReplySince` and `lastReplyAuthor` get them from their newest
 * messages (a bounded read each), so their rows show the customer's line
 * and the waiting time. Returns how many were written.
 */
export async function backfillInboxFields(ctx: MutationCtx): Promise<number> {
  const page = await ctx.db
    .query("conversations")
    .withIndex("by_last_customer_text", (q) => q.eq("lastCustomerText", undefined))
    .take(INBOX_FIELDS_BACKFILL_PAGE);
  for (const conversation of page) {
    const newestCustomer = await ctx.db
      .query("messages")
      .withIndex("by_conversation_and_direction", (q) => q.eq("conversationId", conversation._id).eq("direction", "in"))
      .order("desc")
      .first();
    const outbound = await ctx.db
      .query("messages")
      .withIndex("by_conversation_and_direction", (q) => q.eq("conversationId", conversation._id).eq("direction", "out"))
      .order("desc")
      .take(REPLIES_LOOKED_AT);
    const newestReply = outbound.find((m) => DELIVERED_REPLY_STATUSES.includes(m.status)) ?? null;
    const firstUnanswered = await ctx.db
      .query("messages")
      .withIndex("by_conversation_and_direction", (q) => {
        const range = q.eq("conversationId", conversation._id).eq("direction", "in");
        return newestReply ? range.gt("_creationTime", newestReply._creationTime) : range;
      })
      .first();
    const fields = inboxFieldsFromHistory({
      newestCustomer: newestCustomer && { text: newestCustomer.text, attachmentCount: newestCustomer.attachments.length },
      newestReply,
      firstUnanswered,
    });
    await ctx.db.patch("conversations", conversation._id, fields);
  }
  return page.length;
}

/** The conversation's history now lives in `archiveId` (or, with undefined, no longer does). */
export async function setArchive(ctx: MutationCtx, conversationId: Id<"conversations">, archive: { archivedAt: number; archiveId: Id<"archives"> } | undefined) {
  await ctx.db.patch("conversations", conversationId, archive ?? { archivedAt: undefined, archiveId: undefined });
}

/** Retention deleted the archive: the conversation stays archived, its history has expired. */
export async function forgetArchive(ctx: MutationCtx, conversationId: Id<"conversations">) {
  await ctx.db.patch("conversations", conversationId, { archiveId: undefined });
}

export async function setMetadata(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  fields: Pick<Partial<Doc<"conversations">>, "metadata" | "metadataManual">,
  now = Date.now(),
) {
  const before = await ctx.db.get("conversations", conversationId);
  if (before) await recordIntentChange(ctx, before, fields, now);
  await ctx.db.patch("conversations", conversationId, fields);
}

/** An operator's reply reached the customer: what the customer wrote before it is processed (docs/lifecycle.md). */
export async function noteHumanAnswer(ctx: MutationCtx, conversationId: Id<"conversations">, at: number) {
  await ctx.db.patch("conversations", conversationId, { humanAnsweredAt: at });
}
