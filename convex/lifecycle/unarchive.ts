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
import { internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import { audit } from "../model/accounts";
import { operatorMutation } from "../functions";
import { ARCHIVED_TABLES, decodeArchive, type ArchivedTable } from "../../lib/lifecycle/archive";
import { deferredPatch, emptyIdMap, prepareRow } from "../../lib/lifecycle/remap";
import { deleteKeys, patchArchive } from "../model/archives";
import { setArchive } from "../model/conversations";
import { ROW_OWNERS } from "./rows";
import { vArchivedTable } from "./archive";

/** Rows inserted per transaction: 500 messages of a few KB stay far inside the 16 MiB write limit. */
export const RESTORE_PAGE = 500;
/** Dedupe keys dropped per transaction. */
const KEY_PAGE = 1000;

/**
 * Restores the newest archive of a conversation (or the one named). An
 * archive still being written or removed is refused: its rows are moving.
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
  if (archive.status !== "archived") {
    throw new ConvexError({ code: "NOT_ARCHIVED", message: `The conversation's latest archive is ${archive.status}, not archived` });
  }
  await patchArchive(ctx, archive._id, { status: "restoring", lastError: undefined });
  await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.restore, { archiveId: archive._id });
  return archive._id;
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

export const restore = internalAction({
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    const archive = (await ctx.runQuery(internal.lifecycle.archive.getArchive, { archiveId })) as Doc<"archives"> | null;
    if (!archive || archive.status !== "restoring") return null;
    const blob = archive.storageId ? await ctx.storage.get(archive.storageId) : null;
    if (!blob || !archive.sha256 || !archive.counts) {
      await ctx.runMutation(internal.lifecycle.unarchive.refused, { archiveId, error: "The archive's blob is missing from file storage; nothing was changed" });
      return null;
    }
    let payload;
    try {
      payload = await decodeArchive(new Uint8Array(await blob.arrayBuffer()), { sha256: archive.sha256, counts: archive.counts });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await ctx.runMutation(internal.lifecycle.unarchive.refused, { archiveId, error: `${reason}; nothing was changed` });
      return null;
    }
    const ids = emptyIdMap();
    const patches: Array<{ table: ArchivedTable; id: string; patch: Record<string, string> }> = [];
    for (const table of ARCHIVED_TABLES) {
      const rows = payload.rows[table];
      for (let start = 0; start < rows.length; start += RESTORE_PAGE) {
        const prepared = rows.slice(start, start + RESTORE_PAGE).map((row) => prepareRow(table, row, ids));
        const newIds: string[] = await ctx.runMutation(internal.lifecycle.unarchive.insertRows, { table, docs: prepared.map((p) => p.fields) });
        prepared.forEach((p, i) => {
          ids[table].set(p.oldId, newIds[i]);
          if (Object.keys(p.deferred).length > 0) patches.push({ table, id: newIds[i], patch: p.deferred });
        });
      }
    }
    const resolved = patches.map((p) => ({ table: p.table, id: p.id, patch: deferredPatch(p.table, p.patch, ids) }));
    for (let start = 0; start < resolved.length; start += RESTORE_PAGE) {
      await ctx.runMutation(internal.lifecycle.unarchive.patchRows, { patches: resolved.slice(start, start + RESTORE_PAGE) });
    }
    await ctx.runMutation(internal.lifecycle.unarchive.restored, { archiveId });
    return null;
  },
});

export const refused = internalMutation({
  args: { archiveId: v.id("archives"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { archiveId, error }) => {
    await patchArchive(ctx, archiveId, { status: "archived", lastError: error });
    return null;
  },
});

export const insertRows = internalMutation({
  args: { table: vArchivedTable, docs: v.array(v.any()) },
  returns: v.array(v.string()),
  handler: async (ctx, { table, docs }) => {
    const ids: string[] = [];
    // The schema validates each document on insert, so a row that no longer fits fails loudly here.
    for (const doc of docs) ids.push(await ROW_OWNERS[table].restore(ctx, doc as Record<string, unknown>));
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
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (!archive) throw new Error(`Archive ${archiveId} not found`);
    const now = Date.now();
    await patchArchive(ctx, archiveId, { status: "restored", restoredAt: now, storageId: undefined });
    if (archive.storageId) await ctx.storage.delete(archive.storageId);
    const conversation = await ctx.db.get("conversations", archive.conversationId);
    if (conversation?.archiveId === archiveId) {
      await setArchive(ctx, conversation._id, undefined);
    }
    await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.dropKeys, { archiveId });
    return null;
  },
});

/** The messages are hot again and dedupe through their own index; their archived keys go, in pages. */
export const dropKeys = internalMutation({
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    const { more } = await deleteKeys(ctx, archiveId, KEY_PAGE);
    if (more) await ctx.scheduler.runAfter(0, internal.lifecycle.unarchive.dropKeys, { archiveId });
    return null;
  },
});
