/**
 * Reading an archived conversation's messages on demand, without restoring
 * it: the blob from file storage, its hash checked against the manifest
 * (lib/lifecycle/archive.ts decodeArchive), the message rows in creation order.
 */
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../lib/lifecycle/archive";

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
