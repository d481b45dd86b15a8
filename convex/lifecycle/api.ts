/**
 * The lifecycle's HTTP API (app/api/conversations/*, app/api/database/*,
 * app/api/messages/*): thin API-key registrations over the same helpers the
 * dashboard's lifecycle functions call. Ids arrive as strings and are
 * normalized here, so a malformed id is a clear NOT_FOUND, not a validator
 * error. The caller is recorded as `api:<key prefix>` (or `api:env`).
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, TableNames } from "../_generated/dataModel";
import { action, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import { audit } from "../model/accounts";
import { apiKeyMutation, apiKeyQuery, authenticateApiKey, type ApiCaller } from "../apiKeys";
import { archiveSelection } from "./archive";
import { archivedMessages } from "./history";
import { vCleanupConfig } from "./cleanup";
import { runMaintenanceNow } from "./maintenance";
import { editMessageLabels, requestMessageAnalysis } from "./metadata";
import { vArchiveCounts, vArchiveReason, vArchiveStatus, vMessageLabels } from "./schema";
import { requestSync, scheduleRecentSync } from "./sync";
import { startUnarchive } from "./unarchive";

const vMode = v.union(v.literal("incremental"), v.literal("full"));
const MAX_PAGE = 100;

/** How an API caller appears in `requestedBy` / `editedBy`. Never the key itself. */
export function apiActor(caller: ApiCaller): string {
  return caller.kind === "env" ? "api:env" : `api:${caller.key.prefix}`;
}

/**
 * The audit log names a user: an API key's action is recorded under the
 * owner who made the key, with the key named in the detail. The
 * environment's OPERATOR_API_KEY belongs to no user and is not audited.
 */
async function auditApi(ctx: MutationCtx & { caller: ApiCaller }, action: string, target: string, detail?: string) {
  if (ctx.caller.kind !== "key") return;
  await audit(ctx, ctx.caller.key.createdBy, action, target, [`via ${apiActor(ctx.caller)}`, detail].filter(Boolean).join(": "));
}

function idOf<T extends TableNames>(ctx: QueryCtx, table: T, id: string, what: string) {
  const normalized = ctx.db.normalizeId(table, id);
  if (!normalized) throw new ConvexError({ code: "NOT_FOUND", message: `${what} ${id} not found` });
  return normalized;
}

function page(limit: number, cursor: string | null | undefined) {
  return { numItems: Math.max(1, Math.min(Math.floor(limit), MAX_PAGE)), cursor: cursor ?? null };
}

export const archive = apiKeyMutation({
  args: { conversationIds: v.array(v.string()), reason: v.optional(v.string()) },
  returns: v.array(v.string()),
  handler: async (ctx, { conversationIds, reason }) => {
    const ids = conversationIds.map((id) => idOf(ctx, "conversations", id, "Conversation"));
    const note = reason?.trim() || undefined;
    const archiveIds = await archiveSelection(ctx, ids, { reason: "manual", requestedBy: apiActor(ctx.caller), note }, Date.now());
    await auditApi(ctx, "conversations.archived", ids.join(", "), note);
    return archiveIds;
  },
});

const vArchiveItem = v.object({
  id: v.string(),
  conversationId: v.string(),
  status: vArchiveStatus,
  reason: vArchiveReason,
  note: v.optional(v.string()),
  requestedBy: v.string(),
  createdAt: v.number(),
  archivedAt: v.optional(v.number()),
  restoredAt: v.optional(v.number()),
  sha256: v.optional(v.string()),
  rawBytes: v.optional(v.number()),
  compressedBytes: v.optional(v.number()),
  counts: v.optional(vArchiveCounts),
  lastError: v.optional(v.string()),
});

export const archives = apiKeyQuery({
  args: { cursor: v.optional(v.union(v.string(), v.null())), limit: v.number() },
  returns: v.object({ items: v.array(vArchiveItem), nextCursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { cursor, limit }) => {
    const result = await ctx.db.query("archives").order("desc").paginate(page(limit, cursor));
    const items = result.page.map((a) => ({
      id: a._id as string,
      conversationId: a.conversationId as string,
      status: a.status,
      reason: a.reason,
      note: a.note,
      requestedBy: a.requestedBy,
      createdAt: a._creationTime,
      archivedAt: a.archivedAt,
      restoredAt: a.restoredAt,
      sha256: a.sha256,
      rawBytes: a.rawBytes,
      compressedBytes: a.compressedBytes,
      counts: a.counts,
      lastError: a.lastError,
    }));
    return { items, nextCursor: result.isDone ? null : result.continueCursor };
  },
});

export const unarchive = apiKeyMutation({
  args: { conversationId: v.string() },
  returns: v.string(),
  handler: async (ctx, { conversationId }) => {
    const id = idOf(ctx, "conversations", conversationId, "Conversation");
    const archiveId = await startUnarchive(ctx, id);
    await auditApi(ctx, "conversation.unarchived", id);
    return archiveId;
  },
});

export const sync = apiKeyMutation({
  args: { conversationId: v.optional(v.string()), mode: vMode },
  returns: v.object({ scheduled: v.number() }),
  handler: async (ctx, { conversationId, mode }) => {
    if (conversationId === undefined) return { scheduled: await scheduleRecentSync(ctx, mode) };
    await requestSync(ctx, idOf(ctx, "conversations", conversationId, "Conversation"), mode);
    return { scheduled: 1 };
  },
});

export const syncStatus = apiKeyQuery({
  args: { conversationId: v.optional(v.string()), cursor: v.optional(v.union(v.string(), v.null())), limit: v.number() },
  returns: v.object({
    items: v.array(
      v.object({
        conversationId: v.string(),
        status: v.string(),
        lastSyncAt: v.optional(v.number()),
        retryCount: v.number(),
        nextAttemptAt: v.optional(v.number()),
        error: v.optional(v.string()),
        stored: v.optional(v.number()),
        late: v.optional(v.number()),
      }),
    ),
    nextCursor: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, { conversationId, cursor, limit }) => {
    const table = ctx.db.query("syncStatus");
    const source =
      conversationId === undefined
        ? table.order("desc")
        : table.withIndex("by_conversation", (q) => q.eq("conversationId", idOf(ctx, "conversations", conversationId, "Conversation")));
    const result = await source.paginate(page(limit, cursor));
    const items = result.page.map(({ conversationId, status, lastSyncAt, retryCount, nextAttemptAt, error, stored, late }) => ({
      conversationId: conversationId as string,
      status,
      lastSyncAt,
      retryCount,
      nextAttemptAt,
      error,
      stored,
      late,
    }));
    return { items, nextCursor: result.isDone ? null : result.continueCursor };
  },
});

export const cleanup = apiKeyMutation({
  args: { config: v.optional(vCleanupConfig) },
  returns: v.object({ runId: v.string() }),
  handler: async (ctx, { config }) => {
    const days = config?.archiveRetentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 0 || days > 36500)) {
      throw new ConvexError({ code: "BAD_CONFIG", message: "archiveRetentionDays: a whole number of days, 0–36500 (0 keeps archives)" });
    }
    if (config?.phases?.length === 0) throw new ConvexError({ code: "BAD_CONFIG", message: "phases: name at least one phase" });
    const detail = [`via ${apiActor(ctx.caller)}`, config ? JSON.stringify(config) : undefined].filter(Boolean).join(": ");
    const by = ctx.caller.kind === "key" ? { actorId: ctx.caller.key.createdBy, detail } : { actorId: null };
    return { runId: await runMaintenanceNow(ctx, "cleanup", by, config) };
  },
});

export const stats = apiKeyQuery({
  args: {},
  returns: v.object({
    tables: v.array(v.object({ table: v.string(), documents: v.number(), approxBytes: v.number(), computedAt: v.number() })),
  }),
  handler: async (ctx) => ({
    tables: (await ctx.db.query("databaseStats").take(50)).map(({ table, documents, approxBytes, computedAt }) => ({ table, documents, approxBytes, computedAt })),
  }),
});

const vMessageItem = v.object({
  id: v.string(),
  archived: v.boolean(),
  direction: v.union(v.literal("in"), v.literal("out")),
  author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")),
  text: v.string(),
  status: v.string(),
  sentAt: v.number(),
  receivedAt: v.number(),
  labels: v.optional(vMessageLabels),
});
type MessageItem = Infer<typeof vMessageItem>;

function messageItem(m: Pick<Doc<"messages">, "direction" | "author" | "text" | "status" | "sentAt" | "receivedAt" | "labels"> & { _id: string }, archived: boolean): MessageItem {
  return {
    id: m._id,
    archived,
    direction: m.direction,
    author: m.author,
    text: m.text,
    status: m.status as string,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    labels: m.labels,
  };
}

/** Checks the key and the conversation; its archives still holding messages (status archived), oldest first. */
export const messagesPlan = internalQuery({
  args: { apiKey: v.string(), conversationId: v.string() },
  returns: v.object({
    conversationId: v.id("conversations"),
    archives: v.array(v.object({ id: v.id("archives"), storageId: v.id("_storage"), sha256: v.string(), counts: vArchiveCounts })),
  }),
  handler: async (ctx, { apiKey, conversationId }) => {
    await authenticateApiKey(ctx, apiKey);
    const id = idOf(ctx, "conversations", conversationId, "Conversation");
    if (!(await ctx.db.get("conversations", id))) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
    const archives = [];
    for await (const a of ctx.db.query("archives").withIndex("by_conversation", (q) => q.eq("conversationId", id))) {
      if (a.status === "archived" && a.storageId && a.sha256 && a.counts && a.counts.messages > 0) {
        archives.push({ id: a._id, storageId: a.storageId, sha256: a.sha256, counts: a.counts });
      }
    }
    return { conversationId: id, archives };
  },
});

/** A page of the conversation's messages in the hot table, oldest first. */
export const hotMessagesPage = internalQuery({
  args: { conversationId: v.id("conversations"), cursor: v.union(v.string(), v.null()), limit: v.number() },
  returns: v.object({ items: v.array(vMessageItem), nextCursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { conversationId, cursor, limit }) => {
    const result = await ctx.db
      .query("messages")
      // The message's own time, as the chat: restored rows keep theirs.
      .withIndex("by_conversation_and_received_at", (q) => q.eq("conversationId", conversationId))
      .order("asc")
      .paginate(page(limit, cursor));
    return { items: result.page.map((m) => messageItem(m, false)), nextCursor: result.isDone ? null : result.continueCursor };
  },
});

const ARCHIVE_CURSOR = /^a\.([^.]+)\.(\d+)$/;

/**
 * GET /api/conversations/{id}/messages: the archived messages first (read
 * from each archive's blob, hash verified, oldest archive first), then the
 * hot table's. The cursor says where: `a.<archiveId>.<offset>` inside an
 * archive, `h.<cursor>` in the hot table. An action, because only actions
 * read file storage; the key is checked by `messagesPlan` on every page.
 */
export const messages = action({
  args: { apiKey: v.string(), conversationId: v.string(), cursor: v.optional(v.union(v.string(), v.null())), limit: v.number() },
  returns: v.object({ items: v.array(vMessageItem), nextCursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { apiKey, conversationId, cursor, limit }): Promise<{ items: MessageItem[]; nextCursor: string | null }> => {
    const plan = await ctx.runQuery(internal.lifecycle.api.messagesPlan, { apiKey, conversationId });
    const numItems = page(limit, null).numItems;
    const hotStart = "h.";
    const start = cursor ?? (plan.archives[0] ? `a.${plan.archives[0].id}.0` : hotStart);
    const inArchive = ARCHIVE_CURSOR.exec(start);
    if (inArchive) {
      const index = plan.archives.findIndex((a) => a.id === inArchive[1]);
      if (index < 0) throw new ConvexError({ code: "BAD_CURSOR", message: "The cursor's archive was restored or removed since; start again without a cursor" });
      const archive = plan.archives[index]!;
      const offset = Number(inArchive[2]);
      const rows = await archivedMessages(ctx, archive);
      const items = rows.slice(offset, offset + numItems).map((row) => messageItem(row, true));
      const next = offset + numItems < rows.length ? `a.${archive.id}.${offset + numItems}` : plan.archives[index + 1] ? `a.${plan.archives[index + 1]!.id}.0` : hotStart;
      return { items, nextCursor: next };
    }
    if (!start.startsWith(hotStart)) throw new ConvexError({ code: "BAD_CURSOR", message: "Not a cursor this endpoint returned" });
    const hotCursor = start.slice(hotStart.length) || null;
    const hot: { items: MessageItem[]; nextCursor: string | null } = await ctx.runQuery(internal.lifecycle.api.hotMessagesPage, {
      conversationId: plan.conversationId,
      cursor: hotCursor,
      limit: numItems,
    }).catch((error: unknown) => {
      if (error instanceof ConvexError) throw error;
      throw new ConvexError({ code: "BAD_CURSOR", message: "Not a cursor this endpoint returned" });
    });
    return { items: hot.items, nextCursor: hot.nextCursor === null ? null : `${hotStart}${hot.nextCursor}` };
  },
});

export const messageMetadata = apiKeyMutation({
  args: {
    messageId: v.string(),
    category: v.optional(v.string()),
    tags: v.optional(v.array(v.string())),
    custom: v.optional(v.record(v.string(), v.string())),
  },
  returns: v.null(),
  handler: async (ctx, { messageId, ...edit }) => {
    await editMessageLabels(ctx, idOf(ctx, "messages", messageId, "Message"), edit, apiActor(ctx.caller));
    return null;
  },
});

export const analyzeMessage = apiKeyMutation({
  args: { messageId: v.string() },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    await requestMessageAnalysis(ctx, idOf(ctx, "messages", messageId, "Message"));
    return null;
  },
});

