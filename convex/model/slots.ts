/**
 * Owner of the `modelSlots` table: the LLM concurrency bound as a fixed set
 * of `llmConcurrency` slot documents. A due burst claims a free slot with
 * point reads, starting at its conversation's own slot (lib/slots.ts), and
 * the batch frees it when it settles. Unrelated conversations therefore
 * read and write different documents: on Convex cloud their ticks never
 * conflict, unlike a count over the range of in-flight batches that every
 * claim and settle writes. Only when a conversation's own slot is busy does
 * it look at the others, one point read each.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { Settings } from "../../lib/settings";
import { slotProbeOrder } from "../../lib/slots";

export function slotKey(conversation: Pick<Doc<"conversations">, "channel" | "accountId" | "chatId">) {
  return `${conversation.channel}:${conversation.accountId}:${conversation.chatId}`;
}

async function slotDoc(ctx: MutationCtx, slot: number) {
  return await ctx.db
    .query("modelSlots")
    .withIndex("by_slot", (q) => q.eq("slot", slot))
    .unique();
}

/**
 * Takes a free model slot for the conversation's next batch, or returns null
 * when every slot is busy (the tick looks again shortly). Slot documents are
 * created on first use.
 */
export async function claimSlot(ctx: MutationCtx, conversation: Doc<"conversations">, settings: Settings) {
  for (const slot of slotProbeOrder(slotKey(conversation), settings.llmConcurrency)) {
    const doc = await slotDoc(ctx, slot);
    if (doc?.batchId) continue;
    return { slot, docId: doc?._id };
  }
  return null;
}

/** The claimed slot now holds the batch. */
export async function occupySlot(ctx: MutationCtx, claim: { slot: number; docId?: Id<"modelSlots"> }, batchId: Id<"batches">) {
  if (claim.docId) await ctx.db.patch("modelSlots", claim.docId, { batchId });
  else await ctx.db.insert("modelSlots", { slot: claim.slot, batchId });
}

/** The batch settled: its slot is free for the next due burst. */
export async function freeSlot(ctx: MutationCtx, batch: Doc<"batches">) {
  if (batch.slot === undefined) return;
  const doc = await slotDoc(ctx, batch.slot);
  if (doc?.batchId === batch._id) await ctx.db.patch("modelSlots", doc._id, { batchId: undefined });
}
