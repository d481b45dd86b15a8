/** Owner of `readMarkers`: what each operator has seen of each conversation. Called by convex/lifecycle/status.ts and retention. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

export async function readMarker(ctx: QueryCtx, operatorId: string, conversationId: Id<"conversations">) {
  return await ctx.db
    .query("readMarkers")
    .withIndex("by_operator_and_conversation", (q) => q.eq("operatorId", operatorId).eq("conversationId", conversationId))
    .unique();
}

/**
 * Moves the marker forward to `lastReadAt` (and the customer messages seen
 * up to then, `inboundSeen`), never back; returns whether it changed.
 */
export async function advanceReadMarker(
  ctx: MutationCtx,
  operatorId: string,
  conversationId: Id<"conversations">,
  lastReadAt: number,
  inboundSeen?: number,
) {
  const marker = await readMarker(ctx, operatorId, conversationId);
  if (!marker) {
    await ctx.db.insert("readMarkers", { operatorId, conversationId, lastReadAt, inboundSeen });
    return true;
  }
  const later = lastReadAt > marker.lastReadAt;
  const moreSeen = inboundSeen !== undefined && inboundSeen > (marker.inboundSeen ?? -1);
  if (!later && !moreSeen) return false;
  await ctx.db.patch("readMarkers", marker._id, {
    lastReadAt: Math.max(lastReadAt, marker.lastReadAt),
    inboundSeen: moreSeen ? inboundSeen : marker.inboundSeen,
  });
  return true;
}

export async function deleteReadMarker(ctx: MutationCtx, marker: Doc<"readMarkers">) {
  await ctx.db.delete("readMarkers", marker._id);
}
