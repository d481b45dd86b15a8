/**
 * Retention cleanup, one phase after another, a page per transaction,
 * each page adding its counts to the run record:
 *
 * 1. archives past `archiveRetentionDays`: their dedupe keys, blob and row;
 * 2. orphans: messages, batches, scheduled actions, meetings and read
 *    markers whose conversation no longer exists (the only way to find them
 *    is to walk the table, so this is the slow part; the hot tables stay
 *    small because archiving empties them);
 * 3. storage blobs no archive points at, older than a day (a writer
 *    between storing its blob and recording it must not lose it).
 *
 * Convex has no VACUUM or index rebuild: deleted documents free their space
 * and index entries at commit, so there is nothing more to run.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { CLEANUP_PHASES, nextCleanupPhase, retentionCutoff, type CleanupConfig, type CleanupPhase } from "../../lib/lifecycle/rules";
import { DAY } from "../../lib/time";
import { loadSettings } from "../settings";
import { deleteArchive, deleteKeys } from "../model/archives";
import { forgetArchive } from "../model/conversations";
import { deleteReadMarker } from "../model/readMarkers";
import { ROW_OWNERS } from "./rows";
import { addCounts, finishRun } from "../model/maintenanceRuns";

/** Documents looked at per transaction in the orphan walk. */
const ORPHAN_PAGE = 500;
/** Archives deleted per transaction (each also deletes up to KEY_BUDGET dedupe keys overall). */
const ARCHIVE_PAGE = 10;
const KEY_BUDGET = 2000;
/** A blob younger than this may belong to an archive writer that has not recorded it yet. */
export const ORPHAN_BLOB_MIN_AGE_MS = DAY;

export { CLEANUP_PHASES };
type Phase = CleanupPhase;
const vPhase = v.union(...CLEANUP_PHASES.map((p) => v.literal(p)));
/** A run's overrides (lib/lifecycle/rules.ts CleanupConfig); absent, the saved settings and every phase. */
export const vCleanupConfig = v.object({ phases: v.optional(v.array(vPhase)), archiveRetentionDays: v.optional(v.number()) });

export const cleanup = internalMutation({
  args: {
    runId: v.id("maintenanceRuns"),
    phase: v.optional(vPhase),
    cursor: v.optional(v.union(v.string(), v.null())),
    config: v.optional(vCleanupConfig),
  },
  returns: v.null(),
  handler: async (ctx, { runId, phase: given, cursor = null, config }) => {
    const now = Date.now();
    const run = await ctx.db.get("maintenanceRuns", runId);
    if (!run || run.status !== "running") return null;
    // Dead letters (convex/deadLetters.ts) past their retention go with every full run; they page on their own.
    if (given === undefined && !config?.phases) await ctx.scheduler.runAfter(0, internal.deadLetters.purge, {});
    const phase = given ?? nextCleanupPhase(config, -1);
    if (phase === null) {
      await finishRun(ctx, runId, now);
      return null;
    }
    const step = phase === "archives" ? await deleteExpiredArchives(ctx, runId, now, config) : await orphanPage(ctx, runId, phase, cursor, now);
    if (!step.done) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.cleanup.cleanup, { runId, phase, cursor: step.cursor, config });
      return null;
    }
    const next = nextCleanupPhase(config, CLEANUP_PHASES.indexOf(phase));
    if (next) await ctx.scheduler.runAfter(0, internal.lifecycle.cleanup.cleanup, { runId, phase: next, cursor: null, config });
    else await finishRun(ctx, runId, now);
    return null;
  },
});

type Step = { done: boolean; cursor: string | null };

async function deleteExpiredArchives(ctx: MutationCtx, runId: Id<"maintenanceRuns">, now: number, config?: CleanupConfig): Promise<Step> {
  const cutoff = retentionCutoff(now, { archiveRetentionDays: config?.archiveRetentionDays ?? (await loadSettings(ctx)).archiveRetentionDays });
  if (cutoff === null) return { done: true, cursor: null };
  let keysLeft = KEY_BUDGET;
  let archivesDeleted = 0;
  let keysDeleted = 0;
  let bytesFreed = 0;
  let more = false;
  // Finished archives only: one being written, removed or restored belongs to a running job.
  for (const status of ["archived", "restored", "failed"] as const) {
    const expired = await ctx.db
      .query("archives")
      .withIndex("by_status", (q) => q.eq("status", status).lt("_creationTime", cutoff))
      .take(ARCHIVE_PAGE);
    for (const archive of expired) {
      const keys = await deleteKeys(ctx, archive._id, keysLeft);
      keysDeleted += keys.deleted;
      keysLeft -= keys.deleted;
      if (keys.more) {
        more = true; // this archive's keys continue on the next page
        break;
      }
      if (archive.storageId) bytesFreed += archive.compressedBytes ?? 0;
      await deleteArchive(ctx, archive);
      await unlinkConversation(ctx, archive);
      archivesDeleted++;
    }
    if (more || expired.length === ARCHIVE_PAGE) {
      more = true;
      break;
    }
  }
  await addCounts(ctx, runId, { archivesDeleted, keysDeleted }, bytesFreed);
  return { done: !more, cursor: null };
}

/** An archived conversation whose archive is gone is no longer archived: its history has expired. */
async function unlinkConversation(ctx: MutationCtx, archive: Doc<"archives">) {
  const conversation = await ctx.db.get("conversations", archive.conversationId);
  if (conversation?.archiveId === archive._id) {
    await forgetArchive(ctx, conversation._id);
  }
}

async function orphanPage(ctx: MutationCtx, runId: Id<"maintenanceRuns">, phase: Exclude<Phase, "archives">, cursor: string | null, now: number): Promise<Step> {
  if (phase === "blobs") {
    const page = await ctx.db.system.query("_storage").paginate({ numItems: ORPHAN_PAGE, cursor });
    let orphanBlobs = 0;
    let bytesFreed = 0;
    for (const blob of page.page) {
      if (now - blob._creationTime < ORPHAN_BLOB_MIN_AGE_MS) continue;
      const owner = await ctx.db
        .query("archives")
        .withIndex("by_storage_id", (q) => q.eq("storageId", blob._id))
        .first();
      if (owner) continue;
      // analytics reports keep their CSV in storage too
      if (await ctx.db.query("analyticsReports").withIndex("by_storage_id", (q) => q.eq("storageId", blob._id)).first()) continue;
      await ctx.storage.delete(blob._id);
      orphanBlobs++;
      bytesFreed += blob.size;
    }
    await addCounts(ctx, runId, { orphanBlobs }, bytesFreed);
    return { done: page.isDone, cursor: page.continueCursor };
  }
  const page = await ctx.db.query(phase).paginate({ numItems: ORPHAN_PAGE, cursor });
  const exists = new Map<Id<"conversations">, boolean>();
  let deleted = 0;
  for (const row of page.page) {
    const conversationId = row.conversationId;
    if (!exists.has(conversationId)) exists.set(conversationId, (await ctx.db.get("conversations", conversationId)) !== null);
    if (exists.get(conversationId)) continue;
    if (phase === "readMarkers") await deleteReadMarker(ctx, row as Doc<"readMarkers">);
    else await ROW_OWNERS[phase].remove(ctx, row._id);
    deleted++;
  }
  await addCounts(ctx, runId, { [`orphan_${phase}`]: deleted });
  return { done: page.isDone, cursor: page.continueCursor };
}
