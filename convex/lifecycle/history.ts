/**
 * Reading an archived conversation's messages on demand, without restoring
 * it: the blob from file storage, its hash checked against the manifest
 * (lib/lifecycle/archive.ts decodeArchive), the message rows in creation order.
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../lib/lifecycle/archive";
import { operatorAction } from "../functions";
import { vArchiveCounts } from "./schema";

export type ArchivedMessage = Doc<"messages"> & { _id: string };

/** The archive's message rows, oldest first. A missing or corrupt blob is ARCHIVE_UNREADABLE with the reason. */
export async function archivedMessages(
  ctx: ActionCtx,
  archive: { storageId: Id<"_storage">; sha256: string; counts: Doc<"archives">["counts"] & object },
): Promise<ArchivedMessage[]> {
  const blob = await ctx.storage.get(archive.storageId);
  if (!blob) throw new ConvexError({ code: "ARCHIVE_UNREADABLE", message: "The archive's blob is missing from file storage" });
  let payload;
  try {
    payload = await decodeArchive(new Uint8Array(await blob.arrayBuffer()), { sha256: archive.sha256, counts: archive.counts });
  } catch (error) {
    throw new ConvexError({ code: "ARCHIVE_UNREADABLE", message: error instanceof Error ? error.message : String(error) });
  }
  return (payload.rows.messages as unknown as ArchivedMessage[]).slice().sort((a, b) => a._creationTime - b._creationTime);
}

const PAGE = 50;

const vArchivedItem = v.object({
  id: v.string(),
  author: v.string(),
  text: v.string(),
  status: v.string(),
  at: v.number(),
  archived: v.literal(true),
});
export type ArchivedItem = Infer<typeof vArchivedItem>;

/** The conversation's archives still holding messages (status archived), oldest first. */
export const archivedPlan = internalQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.array(v.object({ id: v.id("archives"), storageId: v.id("_storage"), sha256: v.string(), counts: vArchiveCounts })),
  handler: async (ctx, { conversationId }) => {
    const archives = [];
    for await (const a of ctx.db.query("archives").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))) {
      if (a.status === "archived" && a.storageId && a.sha256 && a.counts && a.counts.messages > 0) {
        archives.push({ id: a._id, storageId: a.storageId, sha256: a.sha256, counts: a.counts });
      }
    }
    return archives;
  },
});

const CURSOR = /^([^.]+)\.(\d+)$/;

/**
 * The dashboard's "Show archived history": archived messages read backwards
 * from the newest, ≤ 50 a page, each page oldest first, so the chat prepends
 * it above what it shows. The cursor `<archiveId>.<end>` says where the
 * next (older) page ends; null when the oldest archived message is shown.
 */
export const archivedPage = operatorAction({
  args: { conversationId: v.id("conversations"), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.object({ items: v.array(vArchivedItem), nextCursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { conversationId, cursor }): Promise<{ items: ArchivedItem[]; nextCursor: string | null }> => {
    const archives = await ctx.runQuery(internal.lifecycle.history.archivedPlan, { conversationId });
    if (archives.length === 0) return { items: [], nextCursor: null };
    let index = archives.length - 1;
    let end: number | null = null;
    if (cursor) {
      const parsed = CURSOR.exec(cursor);
      index = parsed ? archives.findIndex((a) => a.id === parsed[1]) : -1;
      if (!parsed || index < 0) throw new ConvexError({ code: "BAD_CURSOR", message: "The archive was restored or removed since; reload the conversation" });
      end = Number(parsed[2]);
    }
    const archive = archives[index]!;
    const rows = await archivedMessages(ctx, archive);
    const stop = Math.min(end ?? rows.length, rows.length);
    const from = Math.max(0, stop - PAGE);
    const items = rows.slice(from, stop).map((m) => ({
      id: m._id,
      author: m.author as string,
      text: m.text,
      status: m.status as string,
      at: m.sentAt,
      archived: true as const,
    }));
    const nextCursor = from > 0 ? `${archive.id}.${from}` : index > 0 ? `${archives[index - 1]!.id}.${archives[index - 1]!.counts.messages}` : null;
    return { items, nextCursor };
  },
});
