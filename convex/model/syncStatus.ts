/** Owner of `syncStatus`: one row per conversation synced with its platform. Called by convex/lifecycle/sync.ts. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

export async function syncStatusRow(ctx: QueryCtx, conversationId: Id<"conversations">) {
  return await ctx.db
    .query("syncStatus")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .unique();
}

export async function upsertSyncStatus(ctx: MutationCtx, conversationId: Id<"conversations">, fields: Partial<Omit<Doc<"syncStatus">, "_id" | "_creationTime">>) {
  const row = await syncStatusRow(ctx, conversationId);
  if (row) await ctx.db.patch("syncStatus", row._id, fields);
  else await ctx.db.insert("syncStatus", { conversationId, retryCount: 0, status: "pending", ...fields });
}
