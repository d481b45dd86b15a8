/**
 * Reading maintenance run records (written by convex/model/maintenanceRuns.ts):
 * the local-time cron gate reads the newest scheduled run of a kind to run
 * each business day once.
 */
import type { QueryCtx } from "../_generated/server";
import { localSlotDue, localDate, type LocalSlot } from "../../lib/lifecycle/schedule";
import { loadSettings } from "../settings";
import schema from "../schema";
import type { MaintenanceKind } from "./schema";

export async function latestRun(ctx: QueryCtx, kind: MaintenanceKind) {
  return await ctx.db
    .query("maintenanceRuns")
    .withIndex("by_kind", (q) => q.eq("kind", kind))
    .order("desc")
    .first();
}

/**
 * The hourly gate of a local-time job: returns the business day to record
 * on the run when the slot is due, else null. One run per kind at a time:
 * a run still paging blocks the next.
 */
export async function localSlotToRun(ctx: QueryCtx, kind: MaintenanceKind, slot: LocalSlot, now: number): Promise<string | null> {
  const timeZone = (await loadSettings(ctx)).workingHours.timeZone;
  const last = await ctx.db
    .query("maintenanceRuns")
    .withIndex("by_kind", (q) => q.eq("kind", kind))
    .order("desc")
    .take(10);
  if (last.some((run) => run.status === "running")) return null;
  const lastScheduled = last.find((run) => run.trigger === "cron" && run.localDate !== undefined);
  return localSlotDue(now, timeZone, slot, lastScheduled?.localDate ?? null) ? localDate(now, timeZone) : null;
}

/** A run as the Maintenance page receives it: the stored document, validated by the schema itself. */
export const vRun = schema.doc("maintenanceRuns");
