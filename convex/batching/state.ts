/**
 * The conversation's batching state machine (idle → buffering → processing
 * → idle/buffering), as plain helpers that take `ctx`. The registered
 * functions in tick.ts, batch.ts and ../ingest.ts stay thin over these.
 *
 * One scheduled job per conversation, the "tick", does both jobs that need
 * a timer: it flushes when the burst is over and re-sends the channel's
 * typing action before it expires. Ingest never cancels a tick (that would
 * be a second scheduler operation per message); it bumps `tickGeneration`
 * and a tick carrying an older generation exits without acting.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { flushPlan, typingDue, type BatchingPolicy } from "../../lib/batching";
import { TYPING_REFRESH_MS } from "../../lib/channels/typing";
import { renderMessage } from "../../lib/prompt";
import type { Settings } from "../../lib/settings";
import { SECOND } from "../../lib/time";
import type { Channel, FlushReason } from "../validators";

/** Headroom past the model's own timeout before the watchdog steps in. */
export const LEASE_SLACK_MS = 30 * SECOND;

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

/** Schedules the conversation's tick at `at`, superseding any earlier one. */
export async function armTick(ctx: MutationCtx, conversation: Doc<"conversations">, at: number) {
  const generation = conversation.tickGeneration + 1;
  const tickId = await ctx.scheduler.runAt(at, internal.batching.tick.run, {
    conversationId: conversation._id,
    generation,
  });
  return { tickId, tickGeneration: generation };
}

/** Re-schedules the running tick (same generation) for its next turn. */
export async function continueTick(ctx: MutationCtx, conversation: Doc<"conversations">, at: number) {
  return await ctx.scheduler.runAt(at, internal.batching.tick.run, {
    conversationId: conversation._id,
    generation: conversation.tickGeneration,
  });
}

/**
 * Sends "typing…" if it is due (`lib/batching.ts` typingDue) and returns
 * when it was last sent, for the caller to store as `typingSentAt`.
 */
export async function refreshTyping(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  now: number,
  cadence: number | null,
): Promise<number | undefined> {
  if (!typingDue(now, conversation.typingSentAt, cadence)) return conversation.typingSentAt;
  await ctx.scheduler.runAfter(0, internal.channels.actions.typing, { conversationId: conversation._id });
  return now;
}

/**
 * A customer message joined the buffer: update the state and arm the flush.
 * At most one scheduler operation: when the burst starts, or when it just
 * reached `maxBatchMessages` and must flush now.
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
    const { tickId, tickGeneration } = await armTick(ctx, conversation, at);
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

/** Batches holding a model slot now. Bounded read: at most `llmConcurrency` docs. */
export async function modelSlotsFull(ctx: QueryCtx, settings: Settings): Promise<boolean> {
  const inFlight = await ctx.db
    .query("batches")
    .withIndex("by_outcome_and_lease", (q) => q.eq("outcome", "processing"))
    .take(settings.llmConcurrency);
  return inFlight.length >= settings.llmConcurrency;
}

/**
 * Claims the oldest buffered messages (up to `maxBatchMessages`) as one
 * batch, atomically, and hands it to the model. Returns the batch id, or
 * null when nothing was buffered.
 */
export async function claimBatch(
  ctx: MutationCtx,
  conversation: Doc<"conversations">,
  reason: FlushReason,
  now: number,
  settings: Settings,
): Promise<Id<"batches"> | null> {
  const state = conversation.state;
  if (state.kind !== "buffering") return null;
  const buffered = await ctx.db
    .query("messages")
    .withIndex("by_conversation_and_status", (q) =>
      q.eq("conversationId", conversation._id).eq("status", "buffered"),
    )
    .take(settings.maxBatchMessages + 1);
  const claimed = buffered.slice(0, settings.maxBatchMessages);
  if (claimed.length === 0) {
    await ctx.db.patch("conversations", conversation._id, {
      state: { kind: "idle" },
      tickGeneration: conversation.tickGeneration + 1,
    });
    return null;
  }
  const batchId = await ctx.db.insert("batches", {
    conversationId: conversation._id,
    channel: conversation.channel,
    flushReason: reason,
    outcome: "processing",
    messageCount: claimed.length,
    totalCharacters: claimed.reduce((sum, m) => sum + renderMessage(m).length, 0),
    bufferDurationMs: now - state.firstPendingAt,
    flushedAt: now,
    attempts: 0,
    leaseUntil: now + settings.llmTimeoutMs + LEASE_SLACK_MS,
  });
  for (const message of claimed) {
    await ctx.db.patch("messages", message._id, { status: "batched", batchId });
  }
  const leftover = buffered[settings.maxBatchMessages];
  const pendingCount = Math.max(0, state.pendingCount - claimed.length);
  // A fresh generation for the typing heartbeat: the buffering tick (still
  // scheduled when an operator or a shutdown flushed early) retires. The
  // heartbeat keeps the cadence of the typing already shown.
  const cadence = typingCadence(conversation.channel, settings);
  const typingSentAt = await refreshTyping(ctx, conversation, now, cadence);
  const heartbeat =
    cadence === null
      ? { tickId: undefined, tickGeneration: conversation.tickGeneration + 1 }
      : await armTick(ctx, conversation, (typingSentAt ?? now) + cadence);
  await ctx.db.patch("conversations", conversation._id, {
    tickGeneration: heartbeat.tickGeneration,
    typingSentAt,
    state: {
      kind: "processing",
      batchId,
      startedAt: now,
      pendingCount,
      newSinceClaim: 0,
      firstPendingAt: pendingCount > 0 ? (leftover?.receivedAt ?? state.lastPendingAt) : undefined,
      lastPendingAt: pendingCount > 0 ? state.lastPendingAt : undefined,
      tickId: heartbeat.tickId,
    },
  });
  await ctx.scheduler.runAfter(0, internal.batching.batch.answer, { batchId });
  return batchId;
}

/**
 * The batch is over (replied, failed, superseded or skipped): stop its typing
 * heartbeat and either go idle or arm the next burst with what is buffered.
 * `returned` puts a superseded batch's messages back in front of the queue.
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
  const { tickId, tickGeneration } = await armTick(ctx, fresh, at);
  await ctx.db.patch("conversations", conversationId, {
    state: { kind: "buffering", ...burst, tickId },
    tickGeneration,
    typingSentAt: undefined,
  });
}
