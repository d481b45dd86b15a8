/**
 * Function builders for operator-facing code: the one place access is
 * checked. Every dashboard query, mutation and action is registered through these;
 * tests/convex/access.test.ts enumerates every public function and fails if
 * one neither uses them nor is on its allowlist.
 *
 * The check: Convex Auth's identity (a verified JWT, no read) names the user;
 * the user document (one read) says the role and whether it is disabled.
 */
import { getAuthUserId } from "@convex-dev/auth/server";
import { customAction, customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { action, internalQuery, mutation, query, type ActionCtx, type QueryCtx } from "./_generated/server";
import { refuseIfDisabled } from "./model/accounts";
import { vRole, type Role } from "./schema";

export type Operator = Pick<Doc<"users">, "_id" | "role" | "email" | "name">;

/** The signed-in, enabled user with at least `needed`, or a ConvexError. */
export async function requireRole(ctx: QueryCtx, needed: Role): Promise<Operator> {
  const userId = await getAuthUserId(ctx);
  if (userId === null) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Sign in first" });
  const user = await ctx.db.get("users", userId);
  if (!user?.role) throw new ConvexError({ code: "UNAUTHENTICATED", message: "Sign in first" });
  refuseIfDisabled(user);
  if (needed === "owner" && user.role !== "owner") {
    throw new ConvexError({ code: "FORBIDDEN", message: "Only the owner can do this" });
  }
  return { _id: user._id, role: user.role, email: user.email, name: user.name };
}

const operatorCtx = customCtx(async (ctx: QueryCtx) => ({ operator: await requireRole(ctx, "operator") }));
const ownerCtx = customCtx(async (ctx: QueryCtx) => ({ operator: await requireRole(ctx, "owner") }));

/** Any enabled operator (the owner included). */
export const operatorQuery = customQuery(query, operatorCtx);
export const operatorMutation = customMutation(mutation, operatorCtx);
/** The owner only: settings, invites, API keys, the audit log. */
export const ownerQuery = customQuery(query, ownerCtx);
export const ownerMutation = customMutation(mutation, ownerCtx);

/**
 * Actions have no db: the same requireRole runs in this internal query,
 * which sees the action's identity through ctx.runQuery.
 */
export const checkRole = internalQuery({
  args: { needed: vRole },
  returns: v.object({ _id: v.id("users"), role: v.optional(vRole), email: v.optional(v.string()), name: v.optional(v.string()) }),
  handler: async (ctx, { needed }) => {
    const { _id, role, email, name } = await requireRole(ctx, needed);
    return { _id, role, ...(email !== undefined && { email }), ...(name !== undefined && { name }) };
  },
});

/** The owner only, for actions (retrying a refused webhook event). */
export const ownerAction = customAction(
  action,
  customCtx(async (ctx: ActionCtx): Promise<{ operator: Operator }> => ({
    operator: (await ctx.runQuery(internal.functions.checkRole, { needed: "owner" })) as Operator,
  })),
);

/** Any enabled operator, for actions (reading file storage). */
export const operatorAction = customAction(
  action,
  customCtx(async (ctx: ActionCtx): Promise<{ operator: Operator }> => ({
    operator: (await ctx.runQuery(internal.functions.checkRole, { needed: "operator" })) as Operator,
  })),
);
