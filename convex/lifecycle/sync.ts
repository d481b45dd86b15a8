/**
 * History sync for Messenger and Instagram (Graph API Conversations
 * endpoints): messages missed while a webhook was down are fetched, stored
 * through ingest (so dedupe, reopen and batching apply as to any webhook),
 * and ones older than `syncReplyHorizonMs` are stored for a human instead
 * of being answered late. Failures retry up to 3 times with backoff, then
 * the conversation is flagged. Telegram, WhatsApp and web chat have no
 * history API; their status says so.
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { operatorMutation, operatorQuery } from "../functions";
import { readEnv } from "../../lib/channels/http";
import { graphApiVersion, META_DEFAULT_GRAPH_API_BASE_URL } from "../../lib/channels/meta";
import { customerMessages, graphConversations, graphMessagePage, parseGraphTime, syncRetryAt, syncUnsupportedReason, type GraphMessage } from "../../lib/lifecycle/sync";
import { DAY, SECOND } from "../../lib/time";
import { ingestEvents } from "../ingest";
import { escalate, startTakeover } from "../model/conversations";
import { syncStatusRow, upsertSyncStatus } from "../model/syncStatus";
import { loadSettings } from "../settings";
import type { InboundMessage } from "../validators";

const vMode = v.union(v.literal("incremental"), v.literal("full"));
/** Message pages followed per sync; Meta serves only a conversation's recent messages anyway. */
const MAX_MESSAGE_PAGES = 5;
const SYNC_TIMEOUT_MS = 20 * SECOND;
/** Conversations one cron tick syncs: recently active Messenger/Instagram chats. */
const SYNC_BATCH = 50;
/** The cron looks at chats active this recently; older ones have nothing new to miss. */
const SYNC_LOOKBACK_MS = 7 * DAY;

export const target = internalQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.any(),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    const status = await syncStatusRow(ctx, conversationId);
    const { syncReplyHorizonMs } = await loadSettings(ctx);
    return { conversation, status, syncReplyHorizonMs };
  },
});

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) });
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(`Graph API ${response.status}: ${body?.error?.message ?? "no error message"}`);
  return body;
}

/** The chat's messages from the Graph API, newest first, following pages up to the limit. */
async function fetchMessages(conversation: Doc<"conversations">, stopBefore: number): Promise<GraphMessage[]> {
  const token = readEnv("META_PAGE_ACCESS_TOKEN");
  if (!token) throw new Error("META_PAGE_ACCESS_TOKEN is not set");
  const base = readEnv("META_GRAPH_API_BASE_URL") ?? META_DEFAULT_GRAPH_API_BASE_URL;
  const url = new URL(`${base}/${graphApiVersion()}/${conversation.accountId}/conversations`);
  url.searchParams.set("platform", conversation.channel === "instagram" ? "instagram" : "messenger");
  url.searchParams.set("user_id", conversation.chatId);
  url.searchParams.set("fields", "messages{id,created_time,from,message}");
  url.searchParams.set("access_token", token);
  const list = graphConversations.parse(await fetchJson(url.toString()));
  const messages = [...(list.data[0]?.messages?.data ?? [])];
  let next = list.data[0]?.messages?.paging?.next;
  for (let page = 1; next && page < MAX_MESSAGE_PAGES; page++) {
    const oldest = messages.at(-1);
    if (oldest && parseGraphTime(oldest.created_time) <= stopBefore) break;
    const more = graphMessagePage.parse(await fetchJson(next));
    messages.push(...more.data);
    next = more.paging?.next;
  }
  return messages;
}

export const syncConversation = internalAction({
  args: { conversationId: v.id("conversations"), mode: vMode },
  returns: v.null(),
  handler: async (ctx, { conversationId, mode }) => {
    const found = (await ctx.runQuery(internal.lifecycle.sync.target, { conversationId })) as {
      conversation: Doc<"conversations">;
      status: Doc<"syncStatus"> | null;
      syncReplyHorizonMs: number;
    } | null;
    if (!found) return null;
    const { conversation, status, syncReplyHorizonMs } = found;
    const unsupported = syncUnsupportedReason(conversation.channel);
    if (unsupported) {
      await ctx.runMutation(internal.lifecycle.sync.record, { conversationId, outcome: { kind: "unsupported", reason: unsupported } });
      return null;
    }
    const since = mode === "full" ? -1 : (status?.syncedThrough ?? -1);
    try {
      const messages = await fetchMessages(conversation, since);
      const now = Date.now();
      const found = customerMessages(messages, { businessId: conversation.accountId, since, now, replyHorizonMs: syncReplyHorizonMs });
      const newest = messages.reduce((max, m) => Math.max(max, parseGraphTime(m.created_time)), since);
      await ctx.runMutation(internal.lifecycle.sync.store, { conversationId, messages: found, syncedThrough: newest });
    } catch (error) {
      await ctx.runMutation(internal.lifecycle.sync.record, {
        conversationId,
        mode,
        outcome: { kind: "failed", error: error instanceof Error ? error.message : String(error) },
      });
    }
    return null;
  },
});

const vSynced = v.object({ externalId: v.string(), senderId: v.string(), text: v.string(), sentAt: v.number(), late: v.boolean() });

/**
 * Stores what the sync found through ingest. Late messages go in as
 * context for a human (ingest stores them unanswered under takeover), and
 * the conversation is flagged so the dashboard shows it.
 */
export const store = internalMutation({
  args: { conversationId: v.id("conversations"), messages: v.array(vSynced), syncedThrough: v.number() },
  returns: v.null(),
  handler: async (ctx, { conversationId, messages, syncedThrough }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    const now = Date.now();
    const settings = await loadSettings(ctx);
    const late = messages.filter((m) => m.late);
    if (late.length > 0 && !conversation.needsHuman) {
      // Flag first, so ingest stores the late messages without answering them (takeover keeps the bot out).
      if (!conversation.takeover) await startTakeover(ctx, conversation, "History sync found messages too old to answer automatically", now);
      await escalate(ctx, conversationId, `${late.length} message(s) found by history sync were missed while the webhook was down`, now, "sync");
    }
    const events: InboundMessage[] = messages.map((m) => ({
      kind: "message",
      channel: conversation.channel,
      accountId: conversation.accountId,
      chatId: conversation.chatId,
      externalId: m.externalId,
      sender: { externalId: m.senderId },
      text: m.text,
      attachments: [],
      sentAt: m.sentAt,
      chatType: "private",
    }));
    const result = events.length > 0 ? await ingestEvents(ctx, events, now, settings) : { accepted: 0, duplicates: 0, ignored: 0 };
    await upsertSyncStatus(ctx, conversationId, {
      status: "synced",
      lastSyncAt: now,
      syncedThrough,
      retryCount: 0,
      nextAttemptAt: undefined,
      error: undefined,
      stored: result.accepted,
      late: late.length,
    });
    return null;
  },
});

export const record = internalMutation({
  args: {
    conversationId: v.id("conversations"),
    mode: v.optional(vMode),
    outcome: v.union(v.object({ kind: v.literal("unsupported"), reason: v.string() }), v.object({ kind: v.literal("failed"), error: v.string() })),
  },
  returns: v.null(),
  handler: async (ctx, { conversationId, mode, outcome }) => {
    const now = Date.now();
    if (outcome.kind === "unsupported") {
      await upsertSyncStatus(ctx, conversationId, { status: "unsupported", error: outcome.reason, lastSyncAt: now, retryCount: 0 });
      return null;
    }
    const row = await syncStatusRow(ctx, conversationId);
    const retryCount = (row?.retryCount ?? 0) + 1;
    const retryAt = syncRetryAt(retryCount, now);
    if (retryAt !== null) {
      await upsertSyncStatus(ctx, conversationId, { status: "pending", retryCount, nextAttemptAt: retryAt, error: outcome.error });
      await ctx.scheduler.runAt(retryAt, internal.lifecycle.sync.syncConversation, { conversationId, mode: mode ?? "incremental" });
      return null;
    }
    await upsertSyncStatus(ctx, conversationId, { status: "failed", retryCount, nextAttemptAt: undefined, error: outcome.error });
    const conversation = await ctx.db.get("conversations", conversationId);
    if (conversation && !conversation.needsHuman) {
      await escalate(ctx, conversationId, `History sync failed ${retryCount} times: ${outcome.error}`, now, "sync");
    }
    return null;
  },
});

/** Cron: syncs recently active Messenger and Instagram conversations (incremental every 30 min, full daily). */
/** Schedules a sync of recently active Messenger and Instagram conversations; how many were scheduled. */
export async function scheduleRecentSync(ctx: MutationCtx, mode: Infer<typeof vMode>): Promise<number> {
  const now = Date.now();
  let scheduled = 0;
  for (const channel of ["messenger", "instagram"] as const) {
    const recent = await ctx.db
      .query("conversations")
      .withIndex("by_channel_and_last_message_at", (q) => q.eq("channel", channel).gt("lastMessageAt", now - SYNC_LOOKBACK_MS))
      .order("desc")
      .take(SYNC_BATCH);
    for (const conversation of recent) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.sync.syncConversation, { conversationId: conversation._id, mode });
      scheduled++;
    }
  }
  return scheduled;
}

export const syncRecent = internalMutation({
  args: { mode: vMode },
  returns: v.number(),
  handler: async (ctx, { mode }) => await scheduleRecentSync(ctx, mode),
});

/** Schedules one conversation's sync (dashboard "Sync now" and the API). */
export async function requestSync(ctx: MutationCtx, conversationId: Id<"conversations">, mode: Infer<typeof vMode>) {
  if (!(await ctx.db.get("conversations", conversationId))) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${conversationId} not found` });
  await ctx.scheduler.runAfter(0, internal.lifecycle.sync.syncConversation, { conversationId, mode });
}

/** "Sync now" on the conversation page. */
export const syncNow = operatorMutation({
  args: { conversationId: v.id("conversations"), mode: v.optional(vMode) },
  returns: v.null(),
  handler: async (ctx, { conversationId, mode }) => {
    await requestSync(ctx, conversationId, mode ?? "incremental");
    return null;
  },
});

export const syncStatusOf = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(
    v.null(),
    v.object({
      status: v.string(),
      lastSyncAt: v.optional(v.number()),
      retryCount: v.number(),
      nextAttemptAt: v.optional(v.number()),
      error: v.optional(v.string()),
      stored: v.optional(v.number()),
      late: v.optional(v.number()),
    }),
  ),
  handler: async (ctx, { conversationId }) => {
    const row = await syncStatusRow(ctx, conversationId);
    if (!row) return null;
    const { status, lastSyncAt, retryCount, nextAttemptAt, error, stored, late } = row;
    return { status, lastSyncAt, retryCount, nextAttemptAt, error, stored, late };
  },
});
