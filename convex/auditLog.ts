/**
 * Who did what, for the owner. Operator mutations append through `audit`;
 * the owner reads the newest entries.
 */
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { ownerQuery } from "./functions";

export const AUDIT_SHOWN = 100;

export async function audit(
  ctx: MutationCtx,
  actorId: Id<"users">,
  action: string,
  target?: string,
  detail?: string,
): Promise<void> {
  await ctx.db.insert("auditLog", { actorId, action, target, detail, at: Date.now() });
}

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
