/**
 * Owner of the `deadLetters` table: webhook events Convex refused as
 * input. Written by the route (via convex/deadLetters.ts record), retried
 * or dismissed by the owner, purged by the cleanup run after
 * `deadLetterRetentionDays`.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { DeadLetter } from "../../lib/webhooks/deadLetters";

/** Keeps a refused event, unless the same one (a redelivered POST) is already kept. Returns whether it was new. */
export async function keepDeadLetter(ctx: MutationCtx, letter: DeadLetter): Promise<boolean> {
  const existing = await ctx.db
    .query("deadLetters")
    .withIndex("by_key", (q) => q.eq("key", letter.key))
    .first();
  if (existing) return false;
  await ctx.db.insert("deadLetters", letter);
  return true;
}

export async function newestDeadLetters(ctx: QueryCtx, limit: number) {
  return await ctx.db.query("deadLetters").withIndex("by_received_at").order("desc").take(limit);
}

/** A retry was refused again: the new reason replaces the old one. */
export async function noteRetryRefused(ctx: MutationCtx, letter: Doc<"deadLetters">, reason: string, now: number) {
  await ctx.db.patch("deadLetters", letter._id, { reason, retries: (letter.retries ?? 0) + 1, lastRetryAt: now });
}

/** Stored at last (a retry), or dismissed by the owner. */
export async function removeDeadLetter(ctx: MutationCtx, id: Id<"deadLetters">) {
  await ctx.db.delete("deadLetters", id);
}

/** Deletes up to `limit` letters received before `cutoff`; returns how many, and whether more may remain. */
export async function purgeDeadLetters(ctx: MutationCtx, cutoff: number, limit: number) {
  const old = await ctx.db
    .query("deadLetters")
    .withIndex("by_received_at", (q) => q.lt("receivedAt", cutoff))
    .take(limit);
  for (const letter of old) await ctx.db.delete("deadLetters", letter._id);
  return { deleted: old.length, more: old.length === limit };
}
