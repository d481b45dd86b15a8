/** Owner of `readMarkers`: what each operator has seen of each conversation. Called by convex/lifecycle/status.ts and retention. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

export async function readMarker(ctx: QueryCtx, operatorId: string, conversationId: Id<"conversations">) {
  return await ctx.db
    .query("readMarkers")
    .withIndex("by_operator_and_conversation", (q) => q.eq("operatorId", operatorId).eq("conversationId", conversationId))
    .unique();
}

/** Moves the marker forward to `lastReadAt`, never back; returns whether it changed. */
export async function advanceReadMarker(ctx: MutationCtx, operatorId: string, conversationId: Id<"conversations">, lastReadAt: number) {
  const marker = await readMarker(ctx, operatorId, conversationId);
  if (marker && marker.lastReadAt >= lastReadAt) return false;
  if (marker) await ctx.db.patch("readMarkers", marker._id, { lastReadAt });
  else await ctx.db.insert("readMarkers", { operatorId, conversationId, lastReadAt });
  return true;
}

export async function deleteReadMarker(ctx: MutationCtx, marker: Doc<"readMarkers">) {
  await ctx.db.delete("readMarkers", marker._id);
}
