/**
 * Owner of `maintenanceRuns` and `databaseStats`: every maintenance job
 * (cron or "run now") writes one run row as it pages; the stats job
 * publishes its figures at the end. Called by convex/lifecycle.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { MaintenanceKind } from "../lifecycle/schema";

export async function startRun(ctx: MutationCtx, kind: MaintenanceKind, trigger: "cron" | "manual", now: number, localDay?: string) {
  return await ctx.db.insert("maintenanceRuns", { kind, trigger, localDate: localDay, status: "running", startedAt: now, pages: 0, counts: {} });
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

export async function patchRun(ctx: MutationCtx, runId: Id<"maintenanceRuns">, fields: Partial<Omit<Doc<"maintenanceRuns">, "_id" | "_creationTime">>) {
  await ctx.db.patch("maintenanceRuns", runId, fields);
}

export async function finishRun(ctx: MutationCtx, runId: Id<"maintenanceRuns">, now: number, extra: { note?: string; error?: string } = {}) {
  await ctx.db.patch("maintenanceRuns", runId, {
    status: extra.error ? "failed" : "done",
    finishedAt: Math.max(now, Date.now()),
    cursor: undefined,
    ...extra,
  });
}

/** Replaces the published figures of each table counted. */
export async function publishStats(ctx: MutationCtx, tables: Record<string, { documents: number; bytes: number }>, now: number) {
  for (const [name, figures] of Object.entries(tables)) {
    const row = await ctx.db
      .query("databaseStats")
      .withIndex("by_table", (q) => q.eq("table", name))
      .unique();
    const fields = { table: name, documents: figures.documents, approxBytes: figures.bytes, computedAt: now };
    if (row) await ctx.db.replace("databaseStats", row._id, fields);
    else await ctx.db.insert("databaseStats", fields);
  }
}
