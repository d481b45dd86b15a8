/**
 * The conversation's one timer (the batching state machine itself lives in
 * ../model/conversations.ts): flushes a finished burst when a model slot is
 * free, otherwise refreshes "typing…" and moves itself to its next turn.
 */
import { v } from "convex/values";
import { vFlushReason } from "../validators";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import { flushPlan, nextTickAt } from "../../lib/batching";
import { SECOND } from "../../lib/time";
import { claimBatch } from "../model/batches";
import { sendTyping } from "../channels/actions";
import { continueTick, policyOf, refreshTyping, saveTick, typingAheadMs, typingCadence, typingSlackMs, type TypingSender } from "../model/conversations";
import { loadSettings } from "../model/settings";
import { claimSlot } from "../model/slots";

/** How soon a due burst looks again for a free model slot. */
const SLOT_RETRY_MS = 1 * SECOND;

export const run = internalMutation({
  args: { conversationId: v.id("conversations"), generation: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await tickConversation(ctx, args);
    return null;
  },
});

/**
 * A buffering turn that shows "typing…" (the burst's first, and each
 * refresh before the flush): the turn (a mutation, which also arms the
 * next one), then the typing request sent from here, one job where a tick
 * and a typing job were two. Actions run at most once: should this one
 * never run, the watchdog re-arms the burst (watchdog.ts stuck bursts).
 * A turn that only flushes is `run`, a mutation, and so is the heartbeat
 * while the model writes.
 */
export const start = internalAction({
  args: { conversationId: v.id("conversations"), generation: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { typing } = await ctx.runMutation(internal.batching.tick.turn, args);
    if (typing) await sendTyping(ctx, args.conversationId);
    return null;
  },
});

/** One turn for tick.start; says whether the caller must send "typing…" now. */
export const turn = internalMutation({
  args: { conversationId: v.id("conversations"), generation: v.number() },
  returns: v.object({ typing: v.boolean() }),
  handler: async (ctx, args) => await tickConversation(ctx, args, "caller"),
});

/**
 * One turn of the tick; a plain helper so tests can record what it reads
 * and writes. `sender` says how a due "typing…" goes out; with "caller"
 * the result asks the calling action to send it.
 */
export async function tickConversation(
  ctx: MutationCtx,
  { conversationId, generation }: { conversationId: Id<"conversations">; generation: number },
  sender: TypingSender = "schedule",
): Promise<{ typing: boolean }> {
  const none = { typing: false };
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation || conversation.tickGeneration !== generation) return none;
  const { state } = conversation;
  if (state.kind === "idle") return none;
  const settings = await loadSettings(ctx);
  const now = Date.now();
  const cadence = typingCadence(conversation.channel, settings);

  if (state.kind === "buffering") {
    const plan = flushPlan(state, policyOf(settings));
    const slot = now >= plan.at ? await claimSlot(ctx, conversation, settings) : null;
    if (slot) {
      await claimBatch(ctx, conversation, plan.reason, now, settings, slot);
      return none;
    }
    // Not yet over (or over, but every model slot is busy): keep typing, look again.
    // A refresh due within typingAheadMs goes out now rather than in a turn of its own.
    const ahead = cadence !== null ? typingAheadMs(cadence) : 0;
    const typing = await refreshTyping(ctx, conversation, now, cadence, sender, ahead);
    const refreshAt = nextTickAt(Infinity, typing.typingSentAt ?? now, cadence);
    const flushAt = now >= plan.at ? now + SLOT_RETRY_MS : plan.at;
    // A refresh due just before the flush waits for it: the flush sends it with the model call.
    const at = cadence !== null && flushAt <= refreshAt + typingSlackMs(cadence) ? flushAt : Math.min(flushAt, refreshAt);
    // A refresh turn runs as tick.start: one job, not a tick and a typing job. The flush turn
    // stays a mutation: the claimed batch's model call sends the refresh due then; only
    // when every slot is busy does that turn schedule a typing job of its own.
    const typingTurn = cadence !== null && at < flushAt;
    const tickId = await continueTick(ctx, conversation, at, typingTurn);
    await saveTick(ctx, conversationId, { ...state, tickId }, typing.typingSentAt);
    return { typing: typing.sendNow };
  }

  // processing: keep "typing…" up while the model writes.
  if (cadence === null) return none;
  const typing = await refreshTyping(ctx, conversation, now, cadence, sender);
  const tickId = await continueTick(ctx, conversation, (typing.typingSentAt ?? now) + cadence);
  await saveTick(ctx, conversationId, { ...state, tickId }, typing.typingSentAt);
  return { typing: typing.sendNow };
}

/** Conversations flushed per call; the rest follow in the next page. */
const FLUSH_PAGE = 50;

/**
 * Answers every buffered burst now instead of waiting for its window, e.g.
 * before a planned stop ("shutdown") or from the dashboard ("manual").
 * Pages through buffering conversations and re-schedules itself for more.
 */
export const flushAll = internalMutation({
  args: { reason: vFlushReason },
  returns: v.number(),
  handler: async (ctx, { reason }) => {
    const settings = await loadSettings(ctx);
    const now = Date.now();
    const page = await ctx.db
      .query("conversations")
      .withIndex("by_state_kind", (q) => q.eq("state.kind", "buffering"))
      .take(FLUSH_PAGE);
    for (const conversation of page) await claimBatch(ctx, conversation, reason, now, settings);
    if (page.length === FLUSH_PAGE) await ctx.scheduler.runAfter(0, internal.batching.tick.flushAll, { reason });
    return page.length;
  },
});
