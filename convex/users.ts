/**
 * Operator accounts: who is signed in, whether an owner exists yet (the
 * login page's "Create the owner account"), and the owner's invites and
 * disabling. Accounts themselves are created by convex/auth.ts.
 */
import { getAuthUserId } from "@convex-dev/auth/server";
import { ConvexError, v } from "convex/values";
import { query } from "./_generated/server";
import { DAY } from "../lib/time";
import { randomHex } from "../lib/secret";
import { audit, insertInvite, setUserDisabled } from "./model/accounts";
import { ownerMutation, ownerQuery } from "./functions";
import { vRole } from "./schema";

/** An invite link works for a week, once. */
export const INVITE_LIFETIME_MS = 7 * DAY;
/** Operators a business has; the list reads them all. */
export const USERS_SHOWN = 200;

/**
 * Public (allowlisted): only whether the first account still has to be
 * made. Reveals nothing else about the accounts.
 */
export const setup = query({
  args: {},
  returns: v.object({ hasOwner: v.boolean() }),
  handler: async (ctx) => ({ hasOwner: (await ctx.db.query("users").first()) !== null }),
});

/** Public (allowlisted): the caller's own account, or null when signed out. */
export const viewer = query({
  args: {},
  returns: v.union(
    v.null(),
    v.object({
      id: v.id("users"),
      email: v.optional(v.string()),
      name: v.optional(v.string()),
      role: v.optional(vRole),
      disabled: v.boolean(),
    }),
  ),
  handler: async (ctx) => {
    const userId = await getAuthUserId(ctx);
    if (userId === null) return null;
    const user = await ctx.db.get("users", userId);
    if (!user) return null;
    return { id: user._id, email: user.email, name: user.name, role: user.role, disabled: user.disabledAt !== undefined };
  },
});

export const list = ownerQuery({
  args: {},
  returns: v.array(
    v.object({
      id: v.id("users"),
      email: v.optional(v.string()),
      name: v.optional(v.string()),
      role: v.optional(vRole),
      disabled: v.boolean(),
    }),
  ),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").take(USERS_SHOWN);
    return users.map((u) => ({ id: u._id, email: u.email, name: u.name, role: u.role, disabled: u.disabledAt !== undefined }));
  },
});

/** A one-time invite token for a new operator; shown once, only its hash is kept. */
export const createInvite = ownerMutation({
  args: {},
  returns: v.object({ token: v.string(), expiresAt: v.number() }),
  handler: async (ctx) => {
    const token = randomHex(24);
    const expiresAt = Date.now() + INVITE_LIFETIME_MS;
    const inviteId = await insertInvite(ctx, { token, createdBy: ctx.operator._id, expiresAt });
    await audit(ctx, ctx.operator._id, "invite.created", inviteId);
    return { token, expiresAt };
  },
});

/** Disables (or re-enables) an operator; a disabled one is signed out everywhere. */
export const setDisabled = ownerMutation({
  args: { userId: v.id("users"), disabled: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { userId, disabled }) => {
    if (userId === ctx.operator._id) {
      throw new ConvexError({ code: "FORBIDDEN", message: "The owner cannot disable their own account" });
    }
    const user = await ctx.db.get("users", userId);
    if (!user) throw new ConvexError({ code: "NOT_FOUND", message: "No such operator" });
    await setUserDisabled(ctx, userId, disabled);
    await audit(ctx, ctx.operator._id, disabled ? "operator.disabled" : "operator.enabled", userId);
    return null;
  },
});
