/**
 * Entry points of the maintenance jobs: the crons (hourly gates for the
 * jobs that run at a local time of day, see lib/lifecycle/schedule.ts),
 * the Maintenance page's "run now" buttons, and the page's one query.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { operatorQuery, ownerMutation } from "../functions";
import { audit } from "../model/accounts";
import type { CleanupConfig } from "../../lib/lifecycle/rules";
import type { LocalSlot } from "../../lib/lifecycle/schedule";
import { loadSettings } from "../settings";
import { startRun } from "../model/maintenanceRuns";
import { localSlotToRun, vRun } from "./runs";
import { vMaintenanceKind, type MaintenanceKind } from "./schema";

/** Local times from the issue: cleanup 02:00, archive 03:00, metadata Sunday 04:00; stats follow cleanup. */
export const LOCAL_SLOTS: Partial<Record<MaintenanceKind, LocalSlot>> = {
  cleanup: { hour: 2 },
  stats: { hour: 2 },
  archive: { hour: 3 },
  metadata: { hour: 4, weekday: 0 },
};

/** Starts a job's first page and returns its run record. */
async function launch(
  ctx: MutationCtx,
  kind: MaintenanceKind,
  trigger: "cron" | "manual",
  now: number,
  localDay?: string,
  cleanupConfig?: CleanupConfig,
): Promise<Id<"maintenanceRuns">> {
  const runId = await startRun(ctx, kind, trigger, now, localDay);
  switch (kind) {
    case "archive":
      await ctx.scheduler.runAfter(0, internal.lifecycle.sweep.archiveSweep, { runId });
      break;
    case "cleanup":
      await ctx.scheduler.runAfter(0, internal.lifecycle.cleanup.cleanup, { runId, config: cleanupConfig });
      break;
    case "stats":
      await ctx.scheduler.runAfter(0, internal.lifecycle.stats.stats, { runId });
      break;
    case "autoResolve":
      await ctx.scheduler.runAfter(0, internal.lifecycle.status.autoResolve, { runId });
      break;
    case "metadata":
      await ctx.scheduler.runAfter(0, internal.lifecycle.metadata.analyzeChanged, { runId });
      break;
  }
  return runId;
}

/** Hourly cron: runs the job if its local time has come today and it has not run for today yet. */
export const localTimeGate = internalMutation({
  args: { kind: vMaintenanceKind },
  returns: v.union(v.null(), v.id("maintenanceRuns")),
  handler: async (ctx, { kind }) => {
    const slot = LOCAL_SLOTS[kind];
    if (!slot) throw new Error(`Maintenance job ${kind} has no local-time slot`);
    const now = Date.now();
    const localDay = await localSlotToRun(ctx, kind, slot, now);
    return localDay ? await launch(ctx, kind, "cron", now, localDay) : null;
  },
});

/** Interval cron for auto-resolve (not tied to a time of day). */
export const autoResolveTick = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const running = await ctx.db
      .query("maintenanceRuns")
      .withIndex("by_kind", (q) => q.eq("kind", "autoResolve"))
      .order("desc")
      .first();
    if (running?.status !== "running") await launch(ctx, "autoResolve", "cron", Date.now());
    return null;
  },
});

/** The Maintenance page's "run now" (owner only: cleanup deletes). A run of the same kind still paging is not doubled. */
export const runNow = ownerMutation({
  args: { kind: vMaintenanceKind },
  returns: v.id("maintenanceRuns"),
  handler: async (ctx, { kind }) => await runMaintenanceNow(ctx, kind, { actorId: ctx.operator._id }),
});

/**
 * Starts a manual run (the Maintenance page and the API); a run of the same
 * kind still paging is refused. Audited under the operator, or for an API
 * key under the owner who made it with the key named in the detail (the
 * environment's OPERATOR_API_KEY has no user: `actorId` null, not audited).
 */
export async function runMaintenanceNow(
  ctx: MutationCtx,
  kind: MaintenanceKind,
  by: { actorId: Id<"users"> | null; detail?: string },
  cleanupConfig?: CleanupConfig,
): Promise<Id<"maintenanceRuns">> {
  const last = await ctx.db
    .query("maintenanceRuns")
    .withIndex("by_kind", (q) => q.eq("kind", kind))
    .order("desc")
    .first();
  if (last?.status === "running") {
    throw new ConvexError({ code: "ALREADY_RUNNING", message: `A ${kind} run started at ${new Date(last.startedAt).toISOString()} is still running` });
  }
  if (by.actorId) await audit(ctx, by.actorId, "maintenance.run_now", kind, by.detail);
  return await launch(ctx, kind, "manual", Date.now(), undefined, cleanupConfig);
}

const RUNS_PER_KIND = 5;
const KINDS: MaintenanceKind[] = ["cleanup", "archive", "stats", "autoResolve", "metadata"];

/** Last runs of each job, the latest stats and the settings they follow: ≤ 5×5 runs + one row per table. */
export const overview = operatorQuery({
  args: {},
  returns: v.object({
    runs: v.array(vRun),
    stats: v.array(v.object({ table: v.string(), documents: v.number(), approxBytes: v.number(), computedAt: v.number() })),
    timeZone: v.string(),
    slots: v.array(v.object({ kind: v.string(), hour: v.number(), weekday: v.optional(v.number()) })),
  }),
  handler: async (ctx) => {
    const runs = [];
    for (const kind of KINDS) {
      runs.push(
        ...(await ctx.db
          .query("maintenanceRuns")
          .withIndex("by_kind", (q) => q.eq("kind", kind))
          .order("desc")
          .take(RUNS_PER_KIND)),
      );
    }
    const stats = (await ctx.db.query("databaseStats").take(50)).map(({ table, documents, approxBytes, computedAt }) => ({ table, documents, approxBytes, computedAt }));
    const { workingHours } = await loadSettings(ctx);
    const slots = Object.entries(LOCAL_SLOTS).map(([kind, slot]) => ({ kind, ...slot! }));
    return { runs: runs.sort((a, b) => b.startedAt - a.startedAt), stats, timeZone: workingHours.timeZone, slots };
  },
});
