/**
 * Owner of the `settings` table (one document, key "global"). Defaults,
 * limits and validation live in lib/settings.ts.
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { resolveSettings, settingsPatchSchema, type Settings } from "../../lib/settings";
import { callerError } from "./errors";

export async function settingsDoc(ctx: QueryCtx) {
  return await ctx.db
    .query("settings")
    .withIndex("by_key", (q) => q.eq("key", "global"))
    .unique();
}

/** The effective settings: the stored document over the defaults. One read. */
export async function loadSettings(ctx: QueryCtx): Promise<Settings> {
  const doc = await settingsDoc(ctx);
  return resolveSettings(doc).settings;
}

/** Changes any subset of the settings; invalid values are refused with the reason. */
export async function saveSettings(ctx: MutationCtx, patch: Record<string, unknown>, updatedBy?: Id<"users">) {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw callerError("INVALID_SETTINGS", `${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}`);
  }
  const doc = await settingsDoc(ctx);
  const stamp = updatedBy ? { updatedBy, updatedAt: Date.now() } : {};
  if (doc) await ctx.db.patch("settings", doc._id, { ...parsed.data, ...stamp });
  else await ctx.db.insert("settings", { key: "global", ...parsed.data, ...stamp });
}
