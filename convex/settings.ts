import { v } from "convex/values";
import { operatorQuery, ownerMutation } from "./functions";
import { audit } from "./model/accounts";
import { DEFAULT_SETTINGS, resolveSettings } from "../lib/settings";
import { saveSettings, settingsDoc } from "./model/settings";
import { vSettings, vSettingsFields } from "./validators";

// Feature modules read settings through the model layer; this re-export
// keeps the older import path working.
export { loadSettings, saveSettings } from "./model/settings";

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
