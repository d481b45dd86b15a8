/**
 * Owner of the account tables this project adds beside Convex Auth's:
 * `invites`, `apiKeys`, `auditLog`, and the operator fields of `users`
 * (role, disabledAt). Convex Auth itself writes `users` on sign-up
 * (convex/auth.ts) and its own session tables; ending a disabled
 * operator's sessions is the one write here into those.
 */
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { randomHex, sha256Hex } from "../../lib/secret";

/** Refuses a disabled user: at every operator call (convex/functions.ts) and every sign-in (convex/auth.ts). */
export function refuseIfDisabled(user: Pick<Doc<"users">, "disabledAt">): void {
  if (user.disabledAt !== undefined) {
    throw new ConvexError({ code: "DISABLED", message: "This account is disabled; ask the owner" });
  }
}

/** HOOK: an operator (or the owner) did something the owner may want to see. */
export async function audit(
  ctx: MutationCtx,
  actorId: Id<"users">,
  action: string,
  target?: string,
  detail?: string,
): Promise<void> {
  await ctx.db.insert("auditLog", { actorId, action, target, detail, at: Date.now() });
}

/** A one-time invite; only the token's hash is kept. */
export async function insertInvite(ctx: MutationCtx, invite: { token: string; createdBy: Id<"users">; expiresAt: number }) {
  return await ctx.db.insert("invites", {
    tokenHash: await sha256Hex(invite.token),
    role: "operator",
    createdBy: invite.createdBy,
    expiresAt: invite.expiresAt,
  });
}

/** Disables (or re-enables) an operator; a disabled one is signed out everywhere. */
export async function setUserDisabled(ctx: MutationCtx, userId: Id<"users">, disabled: boolean) {
  await ctx.db.patch("users", userId, { disabledAt: disabled ? Date.now() : undefined });
  if (disabled) await endSessions(ctx, userId);
}

/** Deletes the user's sessions and refresh tokens, so no token can be renewed. */
async function endSessions(ctx: MutationCtx, userId: Id<"users">) {
  const sessions = await ctx.db
    .query("authSessions")
    .withIndex("userId", (q) => q.eq("userId", userId))
    .take(100);
  for (const session of sessions) {
    const tokens = await ctx.db
      .query("authRefreshTokens")
      .withIndex("sessionId", (q) => q.eq("sessionId", session._id))
      .take(100);
    for (const token of tokens) await ctx.db.delete("authRefreshTokens", token._id);
    await ctx.db.delete("authSessions", session._id);
  }
}

const KEY_PREFIX = "brk_";
const PREFIX_SHOWN = 12; // "brk_" and 8 hex: enough to tell keys apart

/** A new API key: the key itself is returned this once; only its SHA-256 is stored. */
export async function insertApiKey(ctx: MutationCtx, name: string, createdBy: Id<"users">) {
  const key = KEY_PREFIX + randomHex(24);
  const id = await ctx.db.insert("apiKeys", {
    name,
    keyHash: await sha256Hex(key),
    prefix: key.slice(0, PREFIX_SHOWN),
    createdBy,
  });
  return { id, key };
}

export async function noteApiKeyUsed(ctx: MutationCtx, key: Doc<"apiKeys">, now: number) {
  await ctx.db.patch("apiKeys", key._id, { lastUsedAt: now });
}

export async function revokeApiKey(ctx: MutationCtx, key: Doc<"apiKeys">) {
  if (key.revokedAt === undefined) await ctx.db.patch("apiKeys", key._id, { revokedAt: Date.now() });
}
