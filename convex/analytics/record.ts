/**
 * The one way an analytics event is written. Called inside the transaction
 * of the change it records (a message stored, a batch settled, a reply's
 * delivery ended), so the event exists exactly when the change does.
 */
import type { MutationCtx } from "../_generated/server";
import type { AnalyticsEvent } from "../../lib/analytics/events";
import type { Settings } from "../../lib/settings";
import { loadSettings } from "../settings";

/**
 * Inserts the event unless analytics is off or the same fact (type and
 * `dedupeKey`) was already recorded. Costs one insert; plus one indexed read
 * when the event carries a dedupe key, plus the settings read when the
 * caller does not pass the settings it already holds.
 * Returns whether an event was written.
 */
export async function recordEvent(
  ctx: MutationCtx,
  event: AnalyticsEvent,
  settings?: Pick<Settings, "analyticsEnabled">,
): Promise<boolean> {
  const { analyticsEnabled } = settings ?? (await loadSettings(ctx));
  if (!analyticsEnabled) return false;
  if (event.dedupeKey !== undefined) {
    const seen = await ctx.db
      .query("analyticsEvents")
      .withIndex("by_type_and_dedupe_key", (q) => q.eq("type", event.type).eq("dedupeKey", event.dedupeKey))
      .first();
    if (seen) return false;
  }
  await ctx.db.insert("analyticsEvents", event);
  return true;
}
