/**
 * Owner of `archives` and `archivedMessageKeys`: the manifest rows and the
 * dedupe keys of archived messages. Called by convex/lifecycle (archive,
 * unarchive, retention).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Channel } from "../validators";

export async function insertArchive(ctx: MutationCtx, fields: Omit<Doc<"archives">, "_id" | "_creationTime">) {
  return await ctx.db.insert("archives", fields);
}

export async function patchArchive(ctx: MutationCtx, archiveId: Id<"archives">, fields: Partial<Omit<Doc<"archives">, "_id" | "_creationTime">>) {
  await ctx.db.patch("archives", archiveId, fields);
}

/** Deletes the manifest and its blob; its keys must be gone already (see `deleteKeys`). */
export async function deleteArchive(ctx: MutationCtx, archive: Doc<"archives">) {
  if (archive.storageId) await ctx.storage.delete(archive.storageId);
  await ctx.db.delete("archives", archive._id);
}

export async function addArchivedKey(ctx: MutationCtx, key: { channel: Channel; accountId: string; externalId: string; archiveId: Id<"archives"> }) {
  await ctx.db.insert("archivedMessageKeys", key);
}

/** Deletes up to `limit` of an archive's keys; returns how many it deleted and whether more remain. */
export async function deleteKeys(ctx: MutationCtx, archiveId: Id<"archives">, limit: number) {
  const keys = await ctx.db
    .query("archivedMessageKeys")
    .withIndex("by_archive", (q) => q.eq("archiveId", archiveId))
    .take(limit + 1);
  const deletable = keys.slice(0, limit);
  for (const key of deletable) await ctx.db.delete("archivedMessageKeys", key._id);
  return { deleted: deletable.length, more: keys.length > limit };
}

/**
 * Ingest's redelivery check for messages no longer in the hot table. An
 * index lookup that finds nothing reads no document, so a new message
 * costs nothing extra against ingest's read budget.
 */
export async function isArchivedMessage(ctx: QueryCtx, key: { channel: Channel; accountId: string; externalId: string }) {
  const found = await ctx.db
    .query("archivedMessageKeys")
    .withIndex("by_channel_and_account_and_external_id", (q) =>
      q.eq("channel", key.channel).eq("accountId", key.accountId).eq("externalId", key.externalId),
    )
    .first();
  return found !== null;
}

/** Records that a restore put archived row `oldId` back as `newId` (same transaction as the insert). */
export async function recordRestoredRow(ctx: MutationCtx, row: { archiveId: Id<"archives">; oldId: string; newId: string }) {
  await ctx.db.insert("restoredRowIds", row);
}

/** Deletes up to `limit` of a finished restore's id records; returns whether more remain. */
export async function deleteRestoredIds(ctx: MutationCtx, archiveId: Id<"archives">, limit: number) {
  const rows = await ctx.db
    .query("restoredRowIds")
    .withIndex("by_archive_and_old_id", (q) => q.eq("archiveId", archiveId))
    .take(limit + 1);
  const deletable = rows.slice(0, limit);
  for (const row of deletable) await ctx.db.delete("restoredRowIds", row._id);
  return { deleted: deletable.length, more: rows.length > limit };
}
