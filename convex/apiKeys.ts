/**
 * Keys for the HTTP API (app/api). The owner makes them here; the key is
 * returned once and only its SHA-256 is stored. API calls present the key
 * to `touch` (which also records when it was last used) and to the query
 * or mutation they run (convex/operatorApi.ts), each checking it afresh.
 *
 * `OPERATOR_API_KEY` (deployment environment) is accepted as a key too, for
 * headless setups that have no owner to make one.
 */
import { customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { ConvexError, v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { mutation, query, type QueryCtx } from "./_generated/server";
import { sha256Hex, timingSafeEqual } from "../lib/secret";
import { MINUTE } from "../lib/time";
import { audit, insertApiKey, noteApiKeyUsed, revokeApiKey } from "./model/accounts";
import { ownerMutation, ownerQuery } from "./functions";

const MAX_KEY = 200;
const MAX_NAME = 80;
export const KEYS_SHOWN = 100;
/** lastUsedAt moves at most this often, so a busy key is not rewritten on every call. */
export const LAST_USED_RESOLUTION_MS = MINUTE;

export type ApiCaller = { kind: "env" } | { kind: "key"; key: Doc<"apiKeys"> };

function refused(): ConvexError<{ code: string; message: string }> {
  return new ConvexError({ code: "UNAUTHENTICATED", message: "Missing, unknown or revoked API key" });
}

/** Who a presented key is, or a ConvexError. Never logs or returns the key. */
export async function authenticateApiKey(ctx: QueryCtx, presented: string): Promise<ApiCaller> {
  if (presented.length === 0 || presented.length > MAX_KEY) throw refused();
  const envKey = process.env.OPERATOR_API_KEY?.trim();
  if (envKey && timingSafeEqual(presented, envKey)) return { kind: "env" };
  const keyHash = await sha256Hex(presented);
  const key = await ctx.db
    .query("apiKeys")
    .withIndex("by_key_hash", (q) => q.eq("keyHash", keyHash))
    .unique();
  if (!key || key.revokedAt !== undefined) throw refused();
  return { kind: "key", key };
}

const apiKeyCtx = {
  args: { apiKey: v.string() },
  input: async (ctx: QueryCtx, { apiKey }: { apiKey: string }) => ({
    ctx: { caller: await authenticateApiKey(ctx, apiKey) },
    args: {},
  }),
};

/** Functions behind the HTTP API: the first argument is the caller's key. */
export const apiKeyQuery = customQuery(query, apiKeyCtx);
export const apiKeyMutation = customMutation(mutation, apiKeyCtx);

/** Checks a key and records its use; every API request calls this first. */
export const touch = apiKeyMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const { caller } = ctx;
    if (caller.kind === "key") {
      const now = Date.now();
      if (caller.key.lastUsedAt === undefined || now - caller.key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        await noteApiKeyUsed(ctx, caller.key, now);
      }
    }
    return null;
  },
});

export const list = ownerQuery({
  args: {},
  returns: v.array(
    v.object({
      id: v.id("apiKeys"),
      name: v.string(),
      prefix: v.string(),
      createdAt: v.number(),
      lastUsedAt: v.optional(v.number()),
      revoked: v.boolean(),
    }),
  ),
  handler: async (ctx) => {
    const keys = await ctx.db.query("apiKeys").order("desc").take(KEYS_SHOWN);
    return keys.map((k) => ({
      id: k._id,
      name: k.name,
      prefix: k.prefix,
      createdAt: k._creationTime,
      lastUsedAt: k.lastUsedAt,
      revoked: k.revokedAt !== undefined,
    }));
  },
});

/** A new key, returned this once. */
export const create = ownerMutation({
  args: { name: v.string() },
  returns: v.object({ id: v.id("apiKeys"), key: v.string() }),
  handler: async (ctx, { name }) => {
    const label = name.trim();
    if (label.length === 0 || label.length > MAX_NAME) {
      throw new ConvexError({ code: "BAD_NAME", message: `Name the key in 1–${MAX_NAME} characters` });
    }
    const { id, key } = await insertApiKey(ctx, label, ctx.operator._id);
    await audit(ctx, ctx.operator._id, "apiKey.created", id, label);
    return { id, key };
  },
});

export const revoke = ownerMutation({
  args: { keyId: v.id("apiKeys") },
  returns: v.null(),
  handler: async (ctx, { keyId }) => {
    const key = await ctx.db.get("apiKeys", keyId);
    if (!key) throw new ConvexError({ code: "NOT_FOUND", message: "No such key" });
    await revokeApiKey(ctx, key);
    await audit(ctx, ctx.operator._id, "apiKey.revoked", keyId, key.name);
    return null;
  },
});
