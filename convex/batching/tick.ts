import { v } from "convex/values";
import { vFlushReason } from "../validators";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { flushPlan, nextTickAt } from "../../lib/batching";
import { SECOND } from "../../lib/time";
import { loadSettings } from "../settings";
import { claimBatch, continueTick, modelSlotsFull, policyOf, refreshTyping, typingCadence } from "./state";

/** How soon a due burst looks again for a free model slot. */
const SLOT_RETRY_MS = 1 * SECOND;

/**
 * The conversation's one timer (see state.ts): flushes a finished burst,
 * otherwise refreshes "typing…" and moves itself to its next turn.
 */
export const run = internalMutation({
  args: { conversationId: v.id("conversations"), generation: v.number() },
  returns: v.null(),
  handler: async (ctx, { conversationId, generation }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation || conversation.tickGeneration !== generation) return null;
    const { state } = conversation;
    if (state.kind === "idle") return null;
    const settings = await loadSettings(ctx);
    const now = Date.now();
    const cadence = typingCadence(conversation.channel, settings);

    if (state.kind === "buffering") {
      const plan = flushPlan(state, policyOf(settings));
      if (now >= plan.at && !(await modelSlotsFull(ctx, settings))) {
        await claimBatch(ctx, conversation, plan.reason, now, settings);
        return null;
      }
      // Not yet over (or over, but every model slot is busy): keep typing, look again.
      const typingSentAt = await refreshTyping(ctx, conversation, now, cadence);
      const at = Math.min(
        now >= plan.at ? now + SLOT_RETRY_MS : plan.at,
        nextTickAt(Infinity, typingSentAt ?? now, cadence),
      );
      const tickId = await continueTick(ctx, conversation, at);
      await ctx.db.patch("conversations", conversationId, { state: { ...state, tickId }, typingSentAt });
      return null;
    }

    // processing: keep "typing…" up while the model writes.
    if (cadence === null) return null;
    const typingSentAt = await refreshTyping(ctx, conversation, now, cadence);
    const tickId = await continueTick(ctx, conversation, (typingSentAt ?? now) + cadence);
    await ctx.db.patch("conversations", conversationId, { state: { ...state, tickId }, typingSentAt });
    return null;
  },
});

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
