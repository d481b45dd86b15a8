import { ConvexError, v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import type { QueryCtx, MutationCtx } from "./_generated/server";
import { audit } from "./auditLog";
import { operatorQuery, ownerMutation } from "./functions";
import { DEFAULT_SETTINGS, resolveSettings, settingsPatchSchema, type Settings } from "../lib/settings";
import { vSettings, vSettingsFields } from "./validators";

async function settingsDoc(ctx: QueryCtx) {
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

/** Readable by every operator (the playground shows the batching window); only the owner changes it. */
export const get = operatorQuery({
  args: {},
  returns: v.object({ settings: vSettings, defaults: vSettings, problems: v.array(v.string()) }),
  handler: async (ctx) => {
    const { settings, problems } = resolveSettings(await settingsDoc(ctx));
    return { settings, defaults: DEFAULT_SETTINGS, problems };
  },
});

/** Changes any subset of the settings; invalid values are refused with the reason. */
export const update = ownerMutation({
  args: { patch: v.object(vSettingsFields) },
  returns: v.null(),
  handler: async (ctx, { patch }) => {
    await saveSettings(ctx, patch, ctx.operator._id);
    await audit(ctx, ctx.operator._id, "settings.updated", "settings", Object.keys(patch).sort().join(", "));
    return null;
  },
});

export async function saveSettings(ctx: MutationCtx, patch: Record<string, unknown>, updatedBy?: Id<"users">) {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConvexError({
      code: "INVALID_SETTINGS",
      message: `${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}`,
    });
  }
  const doc = await settingsDoc(ctx);
  const stamp = updatedBy ? { updatedBy, updatedAt: Date.now() } : {};
  if (doc) await ctx.db.patch("settings", doc._id, { ...parsed.data, ...stamp });
  else await ctx.db.insert("settings", { key: "global", ...parsed.data, ...stamp });
}
