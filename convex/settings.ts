import { v } from "convex/values";
import { operatorMutation, operatorQuery } from "./functions";
import { DEFAULT_SETTINGS, resolveSettings } from "../lib/settings";
import { saveSettings, settingsDoc } from "./model/settings";
import { vSettings, vSettingsFields } from "./validators";

// Feature modules read settings through the model layer; this re-export
// keeps the older import path working.
export { loadSettings, saveSettings } from "./model/settings";

export const get = operatorQuery({
  args: {},
  returns: v.object({ settings: vSettings, defaults: vSettings, problems: v.array(v.string()) }),
  handler: async (ctx) => {
    const { settings, problems } = resolveSettings(await settingsDoc(ctx));
    return { settings, defaults: DEFAULT_SETTINGS, problems };
  },
});

/** Changes any subset of the settings; invalid values are refused with the reason. */
export const update = operatorMutation({
  args: { patch: v.object(vSettingsFields) },
  returns: v.null(),
  handler: async (ctx, { patch }) => {
    await saveSettings(ctx, patch);
    return null;
  },
});
