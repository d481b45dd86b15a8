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
import { ConvexError } from "convex/values";
import type { DataModel, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { sha256Hex } from "../lib/secret";
import { audit } from "./model/accounts";

const MAX_EMAIL = 254;
const MAX_NAME = 100;

export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
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
