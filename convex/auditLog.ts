/**
 * Who did what, for the owner. Operator mutations append through
 * `audit` (model/accounts.ts); the owner reads the newest entries here.
 */
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { ownerQuery } from "./functions";

export const AUDIT_SHOWN = 100;

export const list = ownerQuery({
  args: {},
  returns: v.array(
    v.object({
      id: v.id("auditLog"),
      actor: v.string(),
      action: v.string(),
      target: v.optional(v.string()),
      detail: v.optional(v.string()),
      at: v.number(),
    }),
  ),
  handler: async (ctx) => {
    const entries = await ctx.db.query("auditLog").withIndex("by_at").order("desc").take(AUDIT_SHOWN);
    const names = new Map<Id<"users">, string>();
    for (const entry of entries) {
      if (names.has(entry.actorId)) continue;
      const user = await ctx.db.get("users", entry.actorId);
      names.set(entry.actorId, user?.email ?? user?.name ?? "deleted user");
    }
    return entries.map((e) => ({
      id: e._id,
      actor: names.get(e.actorId) ?? "",
      action: e.action,
      target: e.target,
      detail: e.detail,
      at: e.at,
    }));
  },
});
