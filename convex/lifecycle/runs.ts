/**
 * Maintenance run records: every job (cron or "run now") writes one row
 * as it pages, so the Maintenance page shows what was done, how much was
 * freed and how long it took. The local-time cron gate reads the newest
 * scheduled run of a kind to run each business day once.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { localSlotDue, localDate, type LocalSlot } from "../../lib/lifecycle/schedule";
import { loadSettings } from "../settings";
import type { MaintenanceKind } from "./schema";

export async function startRun(ctx: MutationCtx, kind: MaintenanceKind, trigger: "cron" | "manual", now: number, localDay?: string) {
  return await ctx.db.insert("maintenanceRuns", {
    kind,
    trigger,
    localDate: localDay,
    status: "running",
    startedAt: now,
    pages: 0,
    counts: {},
  });
}

/** Adds to a run's counters and counts one page. */
export async function addCounts(ctx: MutationCtx, runId: Id<"maintenanceRuns">, counts: Record<string, number>, bytesFreed = 0) {
  const run = await ctx.db.get("maintenanceRuns", runId);
  if (!run) throw new Error(`Maintenance run ${runId} not found`);
  const merged = { ...run.counts };
  for (const [key, value] of Object.entries(counts)) merged[key] = (merged[key] ?? 0) + value;
  await ctx.db.patch("maintenanceRuns", runId, {
    counts: merged,
    pages: run.pages + 1,
    bytesFreed: bytesFreed || run.bytesFreed ? (run.bytesFreed ?? 0) + bytesFreed : undefined,
  });
}

export async function finishRun(ctx: MutationCtx, runId: Id<"maintenanceRuns">, now: number, extra: { note?: string; error?: string } = {}) {
  await ctx.db.patch("maintenanceRuns", runId, {
    status: extra.error ? "failed" : "done",
    finishedAt: Math.max(now, Date.now()),
    cursor: undefined,
    ...extra,
  });
}

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

export const vRun = v.object({
  _id: v.id("maintenanceRuns"),
  _creationTime: v.number(),
  kind: v.string(),
  trigger: v.string(),
  localDate: v.optional(v.string()),
  status: v.string(),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
  pages: v.number(),
  counts: v.record(v.string(), v.number()),
  bytesFreed: v.optional(v.number()),
  cursor: v.optional(v.string()),
  phase: v.optional(v.string()),
  tables: v.optional(v.record(v.string(), v.object({ documents: v.number(), bytes: v.number() }))),
  note: v.optional(v.string()),
  error: v.optional(v.string()),
});
