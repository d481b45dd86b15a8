/**
 * Who did what, for the owner. Operator mutations append through
 * `audit` (model/accounts.ts); the owner reads the newest entries here.
 */
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { ownerQuery } from "./functions";
import { contactLabel } from "../lib/contacts";

export const AUDIT_SHOWN = 100;

export const list = ownerQuery({
  args: {},
  returns: v.array(
    v.object({
      id: v.id("auditLog"),
      actor: v.string(),
      action: v.string(),
      target: v.optional(v.string()),
      /** What the target is, in words ("Anna (conversation)"); the raw value when it is not a known id. */
      targetLabel: v.optional(v.string()),
      /** A dashboard link for the target, when it has a page. */
      targetHref: v.optional(v.string()),
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
    const targets = new Map<string, Target>();
    for (const entry of entries) {
      if (entry.target !== undefined && !targets.has(entry.target)) targets.set(entry.target, await describeTarget(ctx, entry.target));
    }
    return entries.map((e) => ({
      id: e._id,
      actor: names.get(e.actorId) ?? "",
      action: e.action,
      target: e.target,
      ...(e.target === undefined ? {} : targets.get(e.target)),
      detail: e.detail,
      at: e.at,
    }));
  },
});

type Target = { targetLabel: string; targetHref?: string };

/**
 * An audit target is whatever the writer passed: one document id, several
 * conversation ids joined by ", ", or a plain word ("settings", a job name).
 * Ids are told apart by the table they normalise into; one read each.
 */
async function describeTarget(ctx: QueryCtx, target: string): Promise<Target> {
  const parts = target.split(", ");
  if (parts.length > 1) {
    const first = await describeTarget(ctx, parts[0]!);
    return { targetLabel: `${parts.length} conversations, first ${first.targetLabel}` };
  }
  const conversationId = ctx.db.normalizeId("conversations", target);
  if (conversationId) {
    const conversation = await ctx.db.get("conversations", conversationId);
    const contact = conversation ? await ctx.db.get("contacts", conversation.contactId) : null;
    return conversation
      ? { targetLabel: `${contactLabel(contact) ?? "unnamed customer"} (conversation)`, targetHref: `/conversations/${conversationId}` }
      : { targetLabel: "a deleted conversation" };
  }
  const userId = ctx.db.normalizeId("users", target);
  if (userId) {
    const user = await ctx.db.get("users", userId);
    return { targetLabel: user?.email ?? user?.name ?? "a deleted user" };
  }
  const actionId = ctx.db.normalizeId("scheduledActions", target);
  if (actionId) {
    const action = await ctx.db.get("scheduledActions", actionId);
    const kind = action?.kind === "meeting_reminder" ? "meeting reminder" : "follow-up";
    return action
      ? { targetLabel: kind, targetHref: `/conversations/${action.conversationId}` }
      : { targetLabel: "a deleted follow-up" };
  }
  const keyId = ctx.db.normalizeId("apiKeys", target);
  if (keyId) {
    const key = await ctx.db.get("apiKeys", keyId);
    return { targetLabel: key ? `API key “${key.name}”` : "a deleted API key" };
  }
  const inviteId = ctx.db.normalizeId("invites", target);
  if (inviteId) {
    const invite = await ctx.db.get("invites", inviteId);
    return { targetLabel: invite ? `${invite.role} invite` : "an invite" };
  }
  return { targetLabel: target };
}
