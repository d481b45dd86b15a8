/**
 * The lifecycle's HTTP API (app/api/conversations/*, app/api/database/*,
 * app/api/messages/*): thin API-key registrations over the same helpers the
 * dashboard's lifecycle functions call. Ids arrive as strings and are
 * normalized here, so a malformed id is a clear NOT_FOUND, not a validator
 * error. The caller is recorded as `api:<key prefix>` (or `api:env`).
 */
import { ConvexError, v } from "convex/values";
import type { TableNames } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { audit } from "../model/accounts";
import { apiKeyMutation, apiKeyQuery, type ApiCaller } from "../apiKeys";
import { archiveSelection, MAX_ARCHIVE_SELECTION } from "./archive";
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
    if (conversationIds.length > MAX_ARCHIVE_SELECTION) {
      throw new ConvexError({ code: "BAD_SELECTION", message: `Select 1–${MAX_ARCHIVE_SELECTION} different conversations` });
    }
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
  args: {},
  returns: v.object({ runId: v.string() }),
  handler: async (ctx) => {
    const by = ctx.caller.kind === "key" ? { actorId: ctx.caller.key.createdBy, detail: `via ${apiActor(ctx.caller)}` } : { actorId: null };
    return { runId: await runMaintenanceNow(ctx, "cleanup", by) };
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

export const messages = apiKeyQuery({
  args: { conversationId: v.string(), cursor: v.optional(v.union(v.string(), v.null())), limit: v.number() },
  returns: v.object({
    items: v.array(
      v.object({
        id: v.string(),
        direction: v.union(v.literal("in"), v.literal("out")),
        author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")),
        text: v.string(),
        status: v.string(),
        sentAt: v.number(),
        receivedAt: v.number(),
        labels: v.optional(vMessageLabels),
      }),
    ),
    nextCursor: v.union(v.string(), v.null()),
  }),
  handler: async (ctx, { conversationId, cursor, limit }) => {
    const id = idOf(ctx, "conversations", conversationId, "Conversation");
    if (!(await ctx.db.get("conversations", id))) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
    const result = await ctx.db
      .query("messages")
      .withIndex("by_conversation", (q) => q.eq("conversationId", id))
      .order("asc")
      .paginate(page(limit, cursor));
    const items = result.page.map((m) => ({
      id: m._id as string,
      direction: m.direction,
      author: m.author,
      text: m.text,
      status: m.status as string,
      sentAt: m.sentAt,
      receivedAt: m.receivedAt,
      labels: m.labels,
    }));
    return { items, nextCursor: result.isDone ? null : result.continueCursor };
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

