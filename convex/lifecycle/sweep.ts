/**
 * The archive sweep: finds conversations the rules in
 * lib/lifecycle/rules.ts say should be archived (inactive, resolved and
 * quiet, or old) and starts an archive for each, a page per transaction,
 * re-scheduling itself, at most MAX_ARCHIVES_PER_RUN per run.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { archiveReason, archiveScanBefore } from "../../lib/lifecycle/rules";
import { DAY } from "../../lib/time";
import { loadSettings } from "../settings";
import { archiveBlocker, startArchive } from "./archive";
import { addCounts, finishRun } from "../model/maintenanceRuns";
import { isBusy, statusOf } from "./status";

/** Conversations looked at per transaction; each started archive is one insert and one scheduled action. */
const SWEEP_PAGE = 100;
/** Archives one run starts; the rest wait for tomorrow, so a backlog never floods the scheduler. */
export const MAX_ARCHIVES_PER_RUN = 500;

type Phase = "inactivity" | "age";

export const archiveSweep = internalMutation({
  args: { runId: v.id("maintenanceRuns"), phase: v.optional(v.union(v.literal("inactivity"), v.literal("age"))), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.null(),
  handler: async (ctx, { runId, phase = "inactivity", cursor = null }) => {
    const now = Date.now();
    const settings = await loadSettings(ctx);
    const run = await ctx.db.get("maintenanceRuns", runId);
    if (!run || run.status !== "running") return null;
    const page = await candidates(ctx, phase, cursor, now, settings);
    let started = 0;
    const budget = MAX_ARCHIVES_PER_RUN - (run.counts.started ?? 0);
    for (const conversation of page.page) {
      if (started >= budget) break;
      const reason = archiveReason(
        {
          createdAt: conversation._creationTime,
          lastMessageAt: conversation.lastMessageAt,
          status: statusOf(conversation),
          resolvedAt: conversation.resolvedAt,
          archived: conversation.archivedAt !== undefined,
          busy: isBusy(conversation),
        },
        now,
        settings,
      );
      if (!reason || (await archiveBlocker(ctx, conversation, now))) continue;
      await startArchive(ctx, conversation, { reason, requestedBy: "auto" });
      started++;
    }
    await addCounts(ctx, runId, { started, looked: page.page.length });
    if (started >= budget) {
      await finishRun(ctx, runId, now, { note: `Stopped at ${MAX_ARCHIVES_PER_RUN} archives; the rest follow on the next run` });
    } else if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.sweep.archiveSweep, { runId, phase, cursor: page.continueCursor });
    } else if (phase === "inactivity" && settings.archiveAfterDays > 0) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.sweep.archiveSweep, { runId, phase: "age", cursor: null });
    } else {
      await finishRun(ctx, runId, now);
    }
    return null;
  },
});

async function candidates(
  ctx: MutationCtx,
  phase: Phase,
  cursor: string | null,
  now: number,
  settings: Awaited<ReturnType<typeof loadSettings>>,
): Promise<{ page: Doc<"conversations">[]; continueCursor: string; isDone: boolean }> {
  if (phase === "inactivity") {
    // Inactivity and resolved-and-quiet both need a message older than the shorter of their limits.
    const quietBefore = archiveScanBefore(now, { ...settings, archiveAfterDays: 0 });
    if (quietBefore === -Infinity) return { page: [], continueCursor: "", isDone: true };
    return await ctx.db
      .query("conversations")
      .withIndex("by_archived_at_and_last_message_at", (q) => q.eq("archivedAt", undefined).lt("lastMessageAt", quietBefore))
      .paginate({ numItems: SWEEP_PAGE, cursor });
  }
  const createdBefore = now - settings.archiveAfterDays * DAY;
  return await ctx.db
    .query("conversations")
    .withIndex("by_archived_at", (q) => q.eq("archivedAt", undefined).lt("_creationTime", createdBefore))
    .paginate({ numItems: SWEEP_PAGE, cursor });
}

