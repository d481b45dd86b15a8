/**
 * The conversation's one timer (the batching state machine itself lives in
 * ../model/conversations.ts): flushes a finished burst when a model slot is
 * free, otherwise refreshes "typing…" and moves itself to its next turn.
 */
import { v } from "convex/values";
import { vFlushReason } from "../validators";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { flushPlan, nextTickAt } from "../../lib/batching";
import { SECOND } from "../../lib/time";
import { claimBatch } from "../model/batches";
import { continueTick, policyOf, refreshTyping, saveTick, typingCadence } from "../model/conversations";
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

/** One turn of the tick; a plain helper so tests can record what it reads and writes. */
export async function tickConversation(
  ctx: MutationCtx,
  { conversationId, generation }: { conversationId: Id<"conversations">; generation: number },
) {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation || conversation.tickGeneration !== generation) return;
  const { state } = conversation;
  if (state.kind === "idle") return;
  const settings = await loadSettings(ctx);
  const now = Date.now();
  const cadence = typingCadence(conversation.channel, settings);

  if (state.kind === "buffering") {
    const plan = flushPlan(state, policyOf(settings));
    const slot = now >= plan.at ? await claimSlot(ctx, conversation, settings) : null;
    if (slot) {
      await claimBatch(ctx, conversation, plan.reason, now, settings, slot);
      return;
    }
    // Not yet over (or over, but every model slot is busy): keep typing, look again.
    const typingSentAt = await refreshTyping(ctx, conversation, now, cadence);
    const at = Math.min(now >= plan.at ? now + SLOT_RETRY_MS : plan.at, nextTickAt(Infinity, typingSentAt ?? now, cadence));
    const tickId = await continueTick(ctx, conversation, at);
    await saveTick(ctx, conversationId, { ...state, tickId }, typingSentAt);
    return;
  }

  // processing: keep "typing…" up while the model writes.
  if (cadence === null) return;
  const typingSentAt = await refreshTyping(ctx, conversation, now, cadence);
  const tickId = await continueTick(ctx, conversation, (typingSentAt ?? now) + cadence);
  await saveTick(ctx, conversationId, { ...state, tickId }, typingSentAt);
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
