/**
 * Unarchive: the blob's hash is verified before anything changes, then
 * every row is inserted again in restore order (batches, meetings,
 * follow-ups, messages) with references remapped to the new ids, forward
 * references patched last, and the dedupe keys dropped once the messages
 * are back. A corrupt or missing blob leaves the archive and the
 * conversation exactly as they were, with the reason on the manifest.
 */
import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { audit } from "../model/accounts";
import { operatorMutation } from "../functions";
import { ARCHIVED_TABLES, decodeArchive, type ArchivedTable } from "../../lib/lifecycle/archive";
import { deferredPatch, emptyIdMap, prepareRow } from "../../lib/lifecycle/remap";
import { deleteKeys, deleteRestoredIds, patchArchive, recordRestoredRow } from "../model/archives";
import { setArchive } from "../model/conversations";
import { ROW_OWNERS } from "./rows";
import { ARCHIVE_LEASE_MS, vArchivedTable } from "./archive";

/** Rows inserted per transaction: 500 messages of a few KB stay far inside the 16 MiB write limit. */
export const RESTORE_PAGE = 500;
/** Dedupe keys (and restore id records) dropped per transaction. */
const KEY_PAGE = 1000;
/** Restore id records read per query when a run resumes: ~100 bytes each. */
const ID_PAGE = 4000;

/**
 * Restores the newest archive of a conversation (or the one named). An
 * archive still being written or removed is refused: its rows are moving.
 * One already `restoring` is restarted: a restore whose action died stays
 * `restoring`, and the new run continues where it stopped. Safe even while
 * the old run is alive: the new run supersedes it (`restoreRun`).
 */
export async function startUnarchive(ctx: MutationCtx, conversationId: Id<"conversations">, archiveId?: Id<"archives">) {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
  const archive = archiveId
    ? await ctx.db.get("archives", archiveId)
    : await ctx.db
        .query("archives")
        .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
        .order("desc")
        .first();
  if (!archive || archive.conversationId !== conversationId) {
    throw new ConvexError({ code: "NOT_ARCHIVED", message: `Conversation ${conversationId} has no archive to restore` });
  }
  if (archive.status !== "archived" && archive.status !== "restoring") {
    throw new ConvexError({ code: "NOT_ARCHIVED", message: `The conversation's latest archive is ${archive.status}, not archived` });
  }
  // An operator's request starts the recovery count again.
  await scheduleRestore(ctx, archive, Date.now(), 0);
  return archive._id;
}

/** Marks the archive restoring with a fresh lease and schedules a restore run that supersedes any earlier one. */
export async function scheduleRestore(ctx: MutationCtx, archive: Doc<"archives">, now: number, resumes: number) {
  const run = (archive.restoreRun ?? 0) + 1;
  await patchArchive(ctx, archive._id, { status: "restoring", lastError: undefined, leaseUntil: now + ARCHIVE_LEASE_MS, resumes, restoreRun: run });
  await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.restore, { archiveId: archive._id, run });
}

export const unarchiveConversation = operatorMutation({
  args: { conversationId: v.id("conversations"), archiveId: v.optional(v.id("archives")) },
  returns: v.id("archives"),
  handler: async (ctx, { conversationId, archiveId }) => {
    const id = await startUnarchive(ctx, conversationId, archiveId);
    await audit(ctx, ctx.operator._id, "conversation.unarchived", conversationId);
    return id;
  },
});

/** Old id → new id of the rows earlier runs of this restore put back, a page per query. */
export const restoredIdsPage = internalQuery({
  args: { archiveId: v.id("archives"), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ pairs: v.array(v.object({ oldId: v.string(), newId: v.string() })), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, { archiveId, cursor }) => {
    const page = await ctx.db
      .query("restoredRowIds")
      .withIndex("by_archive_and_old_id", (q) => q.eq("archiveId", archiveId))
      .paginate({ numItems: ID_PAGE, cursor });
    return { pairs: page.page.map(({ oldId, newId }) => ({ oldId, newId })), continueCursor: page.continueCursor, isDone: page.isDone };
  },
});

export const restore = internalAction({
  args: { archiveId: v.id("archives"), run: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, { archiveId, run = 0 }) => {
    const archive = (await ctx.runQuery(internal.lifecycle.archive.getArchive, { archiveId })) as Doc<"archives"> | null;
    if (!archive || archive.status !== "restoring" || (archive.restoreRun ?? 0) !== run) return null;
    const blob = archive.storageId ? await ctx.storage.get(archive.storageId) : null;
    if (!blob || !archive.sha256 || !archive.counts) {
      await ctx.runMutation(internal.lifecycle.unarchive.refused, { archiveId, run, error: "The archive's blob is missing from file storage; nothing was changed" });
      return null;
    }
    let payload;
    try {
      payload = await decodeArchive(new Uint8Array(await blob.arrayBuffer()), { sha256: archive.sha256, counts: archive.counts });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await ctx.runMutation(internal.lifecycle.unarchive.refused, { archiveId, run, error: `${reason}; nothing was changed` });
      return null;
    }
    try {
      // Rows earlier runs put back (complete: they can no longer write): skipped, and their new ids feed the remapping.
      const earlier = new Map<string, string>();
      for (let cursor: string | null = null; ; ) {
        const page: { pairs: Array<{ oldId: string; newId: string }>; continueCursor: string; isDone: boolean } = await ctx.runQuery(
          internal.lifecycle.unarchive.restoredIdsPage,
          { archiveId, cursor },
        );
        for (const { oldId, newId } of page.pairs) earlier.set(oldId, newId);
        if (page.isDone) break;
        cursor = page.continueCursor;
      }
      const ids = emptyIdMap();
      for (const table of ARCHIVED_TABLES) {
        for (const row of payload.rows[table]) {
          const known = earlier.get(row._id);
          if (known) ids[table].set(row._id, known);
        }
        const rows = payload.rows[table].filter((row) => !ids[table].has(row._id));
        for (let start = 0; start < rows.length; start += RESTORE_PAGE) {
          const prepared = rows.slice(start, start + RESTORE_PAGE).map((row) => prepareRow(table, row, ids));
          const newIds: string[] | null = await ctx.runMutation(internal.lifecycle.unarchive.insertRows, {
            archiveId,
            run,
            table,
            rows: prepared.map((p) => ({ oldId: p.oldId, fields: p.fields })),
          });
          // A newer run took over (or finished): this one stops.
          if (newIds === null) return null;
          prepared.forEach((p, i) => ids[table].set(p.oldId, newIds[i]!));
        }
      }
      // Forward references of every row, this run's or an earlier one's: setting them again is harmless.
      const patches: Array<{ table: ArchivedTable; id: string; patch: Record<string, string> }> = [];
      for (const table of ARCHIVED_TABLES) {
        for (const row of payload.rows[table]) {
          const { deferred } = prepareRow(table, row, ids);
          if (Object.keys(deferred).length > 0) patches.push({ table, id: ids[table].get(row._id)!, patch: deferredPatch(table, deferred, ids) });
        }
      }
      for (let start = 0; start < patches.length; start += RESTORE_PAGE) {
        await ctx.runMutation(internal.lifecycle.unarchive.patchRows, { patches: patches.slice(start, start + RESTORE_PAGE) });
      }
      await ctx.runMutation(internal.lifecycle.unarchive.restored, { archiveId, run });
    } catch (error) {
      // The archive stays restoring with what is back so far; the recovery cron or the Unarchive button resumes it.
      await ctx.runMutation(internal.lifecycle.unarchive.interrupted, { archiveId, run, error: error instanceof Error ? error.message : String(error) });
    }
    return null;
  },
});

/** A restore run stopped on an error: its lease ends now, so the next recovery tick resumes it. */
export const interrupted = internalMutation({
  args: { archiveId: v.id("archives"), run: v.number(), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { archiveId, run, error }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (archive?.status !== "restoring" || (archive.restoreRun ?? 0) !== run) return null;
    await patchArchive(ctx, archiveId, { lastError: `Restore stopped after ${archive.restoredRows ?? 0} rows: ${error}; it resumes where it stopped`, leaseUntil: Date.now() });
    return null;
  },
});

export const refused = internalMutation({
  args: { archiveId: v.id("archives"), run: v.number(), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { archiveId, run, error }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (archive?.status !== "restoring" || (archive.restoreRun ?? 0) !== run) return null;
    if ((archive.restoredRows ?? 0) > 0) {
      // An earlier run already put rows back: they stay, and so does the restoring state.
      await patchArchive(ctx, archiveId, { lastError: error.replace(/; nothing was changed$/, `; the ${archive.restoredRows} rows restored earlier stay`) });
      return null;
    }
    await patchArchive(ctx, archiveId, { status: "archived", lastError: error, leaseUntil: undefined });
    return null;
  },
});

/**
 * Puts one page of archived rows back, each with its id record in the same
 * transaction, so a later run knows exactly what is back. Null when the
 * archive is no longer restoring or a newer run took over: the caller stops.
 */
export const insertRows = internalMutation({
  args: { archiveId: v.id("archives"), run: v.number(), table: vArchivedTable, rows: v.array(v.object({ oldId: v.string(), fields: v.any() })) },
  returns: v.union(v.null(), v.array(v.string())),
  handler: async (ctx, { archiveId, run, table, rows }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (archive?.status !== "restoring" || (archive.restoreRun ?? 0) !== run) return null;
    const ids: string[] = [];
    for (const { oldId, fields } of rows) {
      // The schema validates each document on insert, so a row that no longer fits fails loudly here.
      const newId = await ROW_OWNERS[table].restore(ctx, fields as Record<string, unknown>);
      await recordRestoredRow(ctx, { archiveId, oldId, newId });
      ids.push(newId);
    }
    await patchArchive(ctx, archiveId, { restoredRows: (archive.restoredRows ?? 0) + rows.length, leaseUntil: Date.now() + ARCHIVE_LEASE_MS });
    return ids;
  },
});

export const patchRows = internalMutation({
  args: { patches: v.array(v.object({ table: vArchivedTable, id: v.string(), patch: v.record(v.string(), v.string()) })) },
  returns: v.null(),
  handler: async (ctx, { patches }) => {
    for (const { table, id, patch } of patches) {
      const normalized = ctx.db.normalizeId(table, id);
      if (!normalized) throw new Error(`Restored ${table} id ${id} is not valid`);
      const relink = ROW_OWNERS[table].relink;
      if (!relink) throw new Error(`Restored ${table} have no forward references to patch (${id})`);
      await relink(ctx, normalized, patch);
    }
    return null;
  },
});

export const restored = internalMutation({
  args: { archiveId: v.id("archives"), run: v.number() },
  returns: v.null(),
  handler: async (ctx, { archiveId, run }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (!archive) throw new Error(`Archive ${archiveId} not found`);
    // A newer run took over; it finishes the restore.
    if (archive.status !== "restoring" || (archive.restoreRun ?? 0) !== run) return null;
    const now = Date.now();
    await patchArchive(ctx, archiveId, { status: "restored", restoredAt: now, storageId: undefined, leaseUntil: undefined, lastError: undefined });
    if (archive.storageId) await ctx.storage.delete(archive.storageId);
    const conversation = await ctx.db.get("conversations", archive.conversationId);
    if (conversation?.archiveId === archiveId) {
      await setArchive(ctx, conversation._id, undefined);
    }
    await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.dropKeys, { archiveId });
    return null;
  },
});

/**
 * The messages are hot again and dedupe through their own index; their
 * archived keys go, in pages, then the restore's id records.
 */
export const dropKeys = internalMutation({
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    let { more } = await deleteKeys(ctx, archiveId, KEY_PAGE);
    if (!more) ({ more } = await deleteRestoredIds(ctx, archiveId, KEY_PAGE));
    if (more) await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.dropKeys, { archiveId });
    return null;
  },
});
