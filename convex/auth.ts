/**
 * Convex Auth with email + password. Who may get an account is decided in
 * `createOrUpdateUser` (one transaction, so two first visitors cannot both
 * become owner):
 * - no user yet: the first sign-up becomes the owner;
 * - afterwards sign-up is closed, except with an unused, unexpired invite
 *   token, which makes an operator.
 */
import { Password } from "@convex-dev/auth/providers/Password";
import { convexAuth } from "@convex-dev/auth/server";
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import type { DataModel, Id } from "./_generated/dataModel";
import { action, internalMutation, type MutationCtx } from "./_generated/server";
import { sha256Hex } from "../lib/secret";
import { audit, refuseIfDisabled } from "./model/accounts";
import { recordStaffSession } from "./model/analytics";

const MAX_EMAIL = 254;
const MAX_NAME = 100;

const convexAuthFunctions = convexAuth({
  providers: [
    Password<DataModel>({
      profile: (params) => {
        const email = String(params.email ?? "").trim().toLowerCase();
        if (!email.includes("@") || email.length > MAX_EMAIL) {
          throw new ConvexError({ code: "BAD_EMAIL", message: "Enter a valid email address" });
        }
        const name = typeof params.name === "string" ? params.name.trim().slice(0, MAX_NAME) : undefined;
        // The invite rides along in the profile to createOrUpdateUser; it is not stored on the user.
        const invite = typeof params.invite === "string" ? params.invite : undefined;
        return { email, ...(name ? { name } : {}), ...(invite ? { invite } : {}) } as { email: string };
      },
    }),
  ],
  callbacks: {
    async createOrUpdateUser(ctx, args) {
      if (args.existingUserId) return args.existingUserId;
      const profile = args.profile as { email: string; name?: string; invite?: string };
      return await admitNewUser(ctx as unknown as MutationCtx, profile);
    },
    // Every sign-in (sign-up included) makes a new session here, in the
    // sign-in's own transaction; refreshing a token does not. A disabled
    // operator's password still matches, so this is where they are refused.
    async beforeSessionCreation(ctx, { userId }) {
      const user = await ctx.db.get("users", userId);
      if (user) refuseIfDisabled(user);
      await recordStaffSession(ctx as unknown as MutationCtx, "staff.login", userId, Date.now());
    },
  },
});

export const { auth, signIn, store, isAuthenticated } = convexAuthFunctions;

/**
 * Convex Auth's sign-out (same name, so its clients and the Next.js proxy
 * call this), then staff.logout for the session it ended. Convex Auth has
 * no sign-out callback and its store mutation cannot be wrapped through
 * its public API, so the event is a second transaction right after the
 * session is deleted; keyed by the session, so it is recorded once.
 */
export const signOut = action({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const ended = (await ctx.runMutation(internal.auth.store, { args: { type: "signOut" } })) as {
      userId: Id<"users">;
      sessionId: Id<"authSessions">;
    } | null;
    if (ended) await ctx.runMutation(internal.auth.recordSignOut, ended);
    return null;
  },
});

export const recordSignOut = internalMutation({
  args: { userId: v.id("users"), sessionId: v.id("authSessions") },
  returns: v.null(),
  handler: async (ctx, { userId, sessionId }) => {
    await recordStaffSession(ctx, "staff.logout", userId, Date.now(), sessionId);
    return null;
  },
});

async function admitNewUser(
  ctx: MutationCtx,
  profile: { email: string; name?: string; invite?: string },
): Promise<Id<"users">> {
  const fields = { email: profile.email, ...(profile.name ? { name: profile.name } : {}) };
  const anyone = await ctx.db.query("users").first();
  if (anyone === null) {
    const ownerId = await ctx.db.insert("users", { ...fields, role: "owner" });
    await audit(ctx, ownerId, "owner.created", ownerId);
    return ownerId;
  }
  if (!profile.invite) {
    throw new ConvexError({ code: "SIGNUP_CLOSED", message: "Sign-up is closed; ask the owner for an invite link" });
  }
  const tokenHash = await sha256Hex(profile.invite);
  const invite = await ctx.db
    .query("invites")
    .withIndex("by_token_hash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  const now = Date.now();
  if (!invite || invite.usedAt !== undefined || invite.revokedAt !== undefined || invite.expiresAt < now) {
    throw new ConvexError({ code: "BAD_INVITE", message: "This invite link was already used or has expired; ask the owner for a new one" });
  }
  const userId = await ctx.db.insert("users", { ...fields, role: invite.role, invitedBy: invite.createdBy });
  await ctx.db.patch("invites", invite._id, { usedBy: userId, usedAt: now });
  await audit(ctx, userId, "invite.accepted", invite._id);
  return userId;
}
