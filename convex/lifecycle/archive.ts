/**
 * Archiving: a conversation's messages, batches (with their tool calls),
 * follow-ups and meetings go into one gzip'd JSON blob in file storage with
 * a manifest row, then leave the hot tables in pages that stay inside
 * transaction limits. Mutation first (the manifest row and the cut-off),
 * action second (the blob: only actions can store files), then
 * self-rescheduling removal pages.
 *
 * Rows belong to an archive by `_creationTime <= cutoff`, so a customer who
 * writes while the archive is being built keeps the new message hot: it is
 * neither in the blob nor removed.
 */
import { ConvexError, v, type Value } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import { operatorMutation, operatorQuery } from "../functions";
import { ARCHIVE_FORMAT_VERSION, ARCHIVED_TABLES, encodeArchive, MAX_ARCHIVE_SELECTION, type ArchivePayload, type ArchivedRow, type ArchivedTable } from "../../lib/lifecycle/archive";
import { toArchivedRow } from "../../lib/lifecycle/remap";
import { addArchivedKey, insertArchive, patchArchive } from "../model/archives";
import { setArchive } from "../model/conversations";
import { ROW_OWNERS } from "./rows";
import { audit } from "../model/accounts";
import { isBusy } from "./status";
import { vArchiveCounts, vArchiveReason, vArchiveStatus } from "./schema";
import { paginationOptsValidator } from "convex/server";
import { MINUTE } from "../../lib/time";

export { MAX_ARCHIVE_SELECTION };
/** Rows the writer reads per query: 1,000 messages are ~1 MB, far below a query's 16 MiB read limit. */
const READ_PAGE = 1000;
/** Rows removed per transaction; each message also writes its dedupe key, so ~800 writes of the 8,192 allowed. */
export const REMOVE_PAGE = 400;
/**
 * How long a writing or restoring job counts as alive without progress.
 * Longer than an action may run (10 minutes on Convex), so a job whose
 * lease ran out has no action left; the recovery cron (recover.ts)
 * restarts it.
 */
export const ARCHIVE_LEASE_MS = 15 * MINUTE;

export const vArchivedTable = v.union(v.literal("batches"), v.literal("meetings"), v.literal("scheduledActions"), v.literal("messages"));

/**
 * Why a conversation cannot be archived right now, or null. Besides the
 * batching state, pending follow-ups and upcoming meetings keep it hot:
 * their timers point at rows that would be gone.
 */
export async function archiveBlocker(ctx: QueryCtx, conversation: Doc<"conversations">, now: number): Promise<string | null> {
  if (conversation.archivedAt !== undefined) return "it is already archived";
  const inFlight = await ctx.db
    .query("archives")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
    .order("desc")
    .first();
  if (inFlight && (inFlight.status === "writing" || inFlight.status === "removing" || inFlight.status === "restoring")) {
    return `an archive of it is ${inFlight.status}`;
  }
  if (isBusy(conversation)) return "the bot or a human is working on it";
  for (const cancelOnReply of [true, false]) {
    const pending = await ctx.db
      .query("scheduledActions")
      .withIndex("by_conversation_and_status_and_cancel_on_reply", (q) =>
        q.eq("conversationId", conversation._id).eq("status", "pending").eq("cancelOnReply", cancelOnReply),
      )
      .first();
    if (pending) return "it has a pending follow-up or reminder";
  }
  for await (const meeting of ctx.db.query("meetings").withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))) {
    if (meeting.status === "booked" && meeting.end > now) return "it has an upcoming meeting";
  }
  return null;
}

export type ArchiveRequest = {
  reason: Doc<"archives">["reason"];
  requestedBy: string;
  note?: string;
};

/**
 * The newest `_creationTime` among the conversation's rows: everything up
 * to it goes into the archive. Taken from the rows, not the clock, because
 * creation times come from the database, and a writer that touches the
 * conversation later (ingest, a flush) conflicts with this transaction and
 * so creates its rows after it.
 */
async function newestRowTime(ctx: QueryCtx, conversationId: Id<"conversations">) {
  let newest = 0;
  for (const table of ARCHIVED_TABLES) {
    const row = await rowsUpTo(ctx, table, conversationId, Number.MAX_SAFE_INTEGER).order("desc").first();
    if (row) newest = Math.max(newest, row._creationTime);
  }
  return newest;
}

/** Starts archiving; the caller has checked `archiveBlocker`. */
export async function startArchive(ctx: MutationCtx, conversation: Doc<"conversations">, request: ArchiveRequest) {
  const archiveId = await insertArchive(ctx, {
    conversationId: conversation._id,
    status: "writing",
    reason: request.reason,
    note: request.note,
    requestedBy: request.requestedBy,
    cutoff: await newestRowTime(ctx, conversation._id),
    leaseUntil: Date.now() + ARCHIVE_LEASE_MS,
  });
  await ctx.scheduler.runAfter(0, internal.lifecycle.archive.write, { archiveId });
  return archiveId;
}

/**
 * Archives a selection, all or nothing: an unknown id, or one that cannot
 * be archived now, refuses the whole request with the reason.
 */
export async function archiveSelection(ctx: MutationCtx, ids: Id<"conversations">[], request: ArchiveRequest, now: number) {
  if (ids.length === 0 || ids.length > MAX_ARCHIVE_SELECTION || new Set(ids).size !== ids.length) {
    throw new ConvexError({ code: "BAD_SELECTION", message: `Select 1–${MAX_ARCHIVE_SELECTION} different conversations` });
  }
  const conversations: Doc<"conversations">[] = [];
  for (const id of ids) {
    const conversation = await ctx.db.get("conversations", id);
    if (!conversation) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${id} not found` });
    const blocker = await archiveBlocker(ctx, conversation, now);
    if (blocker) throw new ConvexError({ code: "CANNOT_ARCHIVE", message: `Conversation ${id} cannot be archived: ${blocker}` });
    conversations.push(conversation);
  }
  const archiveIds: Id<"archives">[] = [];
  for (const conversation of conversations) archiveIds.push(await startArchive(ctx, conversation, request));
  return archiveIds;
}

export const archiveConversations = operatorMutation({
  args: { conversationIds: v.array(v.id("conversations")), note: v.optional(v.string()) },
  returns: v.array(v.id("archives")),
  handler: async (ctx, { conversationIds, note }) => {
    const archiveIds = await archiveSelection(ctx, conversationIds, { reason: "manual", requestedBy: ctx.operator._id, note: note?.trim() || undefined }, Date.now());
    await audit(ctx, ctx.operator._id, "conversations.archived", conversationIds.join(", "), note?.trim() || undefined);
    return archiveIds;
  },
});

/** A conversation's rows of one archived table created at or before the cut-off, by creation time. */
function rowsUpTo(ctx: QueryCtx, table: ArchivedTable, conversationId: Id<"conversations">, cutoff: number) {
  switch (table) {
    case "messages":
      return ctx.db.query("messages").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).lte("_creationTime", cutoff));
    case "batches":
      return ctx.db.query("batches").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).lte("_creationTime", cutoff));
    case "scheduledActions":
      return ctx.db.query("scheduledActions").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).lte("_creationTime", cutoff));
    case "meetings":
      return ctx.db.query("meetings").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).lte("_creationTime", cutoff));
  }
}

export const getArchive = internalQuery({
  args: { archiveId: v.id("archives") },
  returns: v.any(),
  handler: async (ctx, { archiveId }) => await ctx.db.get("archives", archiveId),
});

/** One page of rows for the blob writer; stored documents as they are (the action encodes them). */
export const readRows = internalQuery({
  args: { conversationId: v.id("conversations"), table: vArchivedTable, cutoff: v.number(), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ rows: v.array(v.any()), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, { conversationId, table, cutoff, cursor }) => {
    const page = await rowsUpTo(ctx, table, conversationId, cutoff).paginate({ numItems: READ_PAGE, cursor });
    return { rows: page.page, continueCursor: page.continueCursor, isDone: page.isDone };
  },
});

/** Builds the blob, stores it, and hands over to the removal pages. Nothing hot is touched here. */
export const write = internalAction({
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    const archive = (await ctx.runQuery(internal.lifecycle.archive.getArchive, { archiveId })) as Doc<"archives"> | null;
    if (!archive || archive.status !== "writing") return null;
    let storageId: Id<"_storage"> | undefined;
    try {
      const rows = { batches: [], meetings: [], scheduledActions: [], messages: [] } as Record<ArchivedTable, ArchivedRow[]>;
      for (const table of ARCHIVED_TABLES) {
        let cursor: string | null = null;
        for (;;) {
          const page: { rows: Array<Record<string, Value | undefined>>; continueCursor: string; isDone: boolean } = await ctx.runQuery(
            internal.lifecycle.archive.readRows,
            { conversationId: archive.conversationId, table, cutoff: archive.cutoff, cursor },
          );
          for (const row of page.rows) rows[table].push(toArchivedRow(row));
          if (page.isDone) break;
          cursor = page.continueCursor;
        }
      }
      const payload: ArchivePayload = { version: ARCHIVE_FORMAT_VERSION, conversationId: archive.conversationId, cutoff: archive.cutoff, rows };
      const { bytes, manifest } = await encodeArchive(payload);
      storageId = await ctx.storage.store(new Blob([bytes.slice().buffer], { type: "application/gzip" }));
      const kept: boolean = await ctx.runMutation(internal.lifecycle.archive.stored, { archiveId, storageId, ...manifest });
      // Another run (a restart of a stuck write) stored its blob first: this copy is not needed.
      if (!kept) await ctx.storage.delete(storageId);
    } catch (error) {
      if (storageId) await ctx.storage.delete(storageId);
      await ctx.runMutation(internal.lifecycle.archive.writeFailed, { archiveId, error: error instanceof Error ? error.message : String(error) });
    }
    return null;
  },
});

export const writeFailed = internalMutation({
  args: { archiveId: v.id("archives"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { archiveId, error }) => {
    const archive = await ctx.db.get("archives", archiveId);
    // Only a write still in progress fails; a concurrent run may have finished it.
    if (archive?.status !== "writing") return null;
    await patchArchive(ctx, archiveId, { status: "failed", lastError: error, leaseUntil: undefined });
    return null;
  },
});

export const stored = internalMutation({
  args: { archiveId: v.id("archives"), storageId: v.id("_storage"), sha256: v.string(), rawBytes: v.number(), compressedBytes: v.number(), counts: vArchiveCounts },
  returns: v.boolean(),
  handler: async (ctx, { archiveId, ...manifest }) => {
    const archive = await ctx.db.get("archives", archiveId);
    // Not writing any more: another run stored its blob first (or the archive was removed); the caller drops its copy.
    if (!archive || archive.status !== "writing") return false;
    const now = Date.now();
    await patchArchive(ctx, archiveId, { status: "removing", archivedAt: now, leaseUntil: undefined, ...manifest });
    const conversation = await ctx.db.get("conversations", archive.conversationId);
    // A customer who wrote meanwhile brought the conversation back; only the older rows leave.
    if (conversation && !(await hasRowsAfter(ctx, conversation._id, archive.cutoff))) {
      await setArchive(ctx, conversation._id, { archivedAt: now, archiveId });
    }
    await ctx.scheduler.runAfter(0, internal.lifecycle.archive.removePage, { archiveId });
    return true;
  },
});

/**
 * Removes up to REMOVE_PAGE archived rows (messages first, so nothing points
 * at a removed batch for long) and keeps each message's platform id as a
 * dedupe key. Re-schedules itself until every row up to the cut-off is gone.
 */
async function hasRowsAfter(ctx: QueryCtx, conversationId: Id<"conversations">, cutoff: number) {
  const newer = await ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId).gt("_creationTime", cutoff))
    .first();
  return newer !== null;
}

export const removePage = internalMutation({
  args: { archiveId: v.id("archives") },
  returns: v.null(),
  handler: async (ctx, { archiveId }) => {
    const archive = await ctx.db.get("archives", archiveId);
    if (!archive || archive.status !== "removing") return null;
    let budget = REMOVE_PAGE;
    for (const table of ["messages", "scheduledActions", "meetings", "batches"] as const) {
      const rows = await rowsUpTo(ctx, table, archive.conversationId, archive.cutoff).take(budget);
      for (const row of rows) {
        if (table === "messages") {
          const message = row as Doc<"messages">;
          if (message.externalId !== undefined) {
            await addArchivedKey(ctx, { channel: message.channel, accountId: message.accountId, externalId: message.externalId, archiveId });
          }
        }
        await ROW_OWNERS[table].remove(ctx, row._id);
      }
      budget -= rows.length;
      if (budget === 0) break;
    }
    if (budget === 0) await ctx.scheduler.runAfter(0, internal.lifecycle.archive.removePage, { archiveId });
    else await patchArchive(ctx, archiveId, { status: "archived" });
    return null;
  },
});

export const vArchiveView = v.object({
  _id: v.id("archives"),
  _creationTime: v.number(),
  conversationId: v.id("conversations"),
  status: vArchiveStatus,
  reason: vArchiveReason,
  note: v.optional(v.string()),
  requestedBy: v.string(),
  cutoff: v.number(),
  sha256: v.optional(v.string()),
  rawBytes: v.optional(v.number()),
  compressedBytes: v.optional(v.number()),
  counts: v.optional(vArchiveCounts),
  archivedAt: v.optional(v.number()),
  restoredAt: v.optional(v.number()),
  lastError: v.optional(v.string()),
  leaseUntil: v.optional(v.number()),
  restoredRows: v.optional(v.number()),
  resumes: v.optional(v.number()),
  restoreRun: v.optional(v.number()),
});

function view(archive: Doc<"archives">) {
  const { storageId, ...rest } = archive;
  void storageId;
  return rest;
}

/** A conversation's archives, newest first (few per conversation by design). */
export const archivesOf = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.array(vArchiveView),
  handler: async (ctx, { conversationId }) => {
    const archives = await ctx.db
      .query("archives")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .order("desc")
      .take(20);
    return archives.map(view);
  },
});

/** Archived conversations, most recently archived first, for the list's archived filter. */
export const archivedConversations = operatorQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: v.object({
    page: v.array(v.object({ conversation: v.any(), archive: v.union(v.null(), vArchiveView) })),
    continueCursor: v.string(),
    isDone: v.boolean(),
  }),
  handler: async (ctx, { paginationOpts }) => {
    const result = await ctx.db
      .query("conversations")
      .withIndex("by_archived_at", (q) => q.gt("archivedAt", 0))
      .order("desc")
      .paginate({ ...paginationOpts, numItems: Math.min(paginationOpts.numItems, 50) });
    const page = [];
    for (const conversation of result.page) {
      const archive = conversation.archiveId ? await ctx.db.get("archives", conversation.archiveId) : null;
      page.push({ conversation, archive: archive ? view(archive) : null });
    }
    return { page, continueCursor: result.continueCursor, isDone: result.isDone };
  },
});
