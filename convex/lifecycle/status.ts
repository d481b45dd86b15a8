/**
 * Conversation status (open → resolved → open again) and what each
 * operator has read. Ingest reopens through `reopenFields` (no extra read
 * or write: it folds into the patch ingest makes anyway); unread is a
 * comparison with the operator's marker, so no counter document exists.
 */
import { ConvexError, v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { audit } from "../model/accounts";
import { operatorMutation, operatorQuery } from "../functions";
import { loadSettings } from "../settings";
import { autoResolveDue } from "../../lib/lifecycle/rules";
import { inboundSeenUpTo, unreadOf } from "../../lib/inbox";
import { vConversationStatus } from "./schema";
import { addCounts, finishRun, startRun } from "../model/maintenanceRuns";
import { setStatus } from "../model/conversations";
import { advanceReadMarker, readMarker } from "../model/readMarkers";

/** Conversations one batch status update may touch; the dashboard selects a page at most. */
export const MAX_BATCH_IDS = 100;
/** Unread counting reads this many recent messages at most; the dashboard shows "99+" beyond. */
export const UNREAD_COUNT_CAP = 99;
/** Conversations the auto-resolve sweep looks at per page. */
const AUTO_RESOLVE_PAGE = 200;

export function statusOf(conversation: Doc<"conversations">): "open" | "resolved" {
  return conversation.status ?? "open";
}

/** Something is still moving: the bot is working, a human took over, or it waits for one. */
export function isBusy(conversation: Doc<"conversations">): boolean {
  return conversation.state.kind !== "idle" || conversation.takeover || conversation.needsHuman !== undefined;
}

async function loadAll(ctx: QueryCtx, ids: Id<"conversations">[]) {
  if (ids.length === 0 || ids.length > MAX_BATCH_IDS) {
    throw new ConvexError({ code: "BAD_SELECTION", message: `Select 1–${MAX_BATCH_IDS} conversations` });
  }
  const found: Doc<"conversations">[] = [];
  for (const id of ids) {
    const conversation = await ctx.db.get("conversations", id);
    if (!conversation) throw new ConvexError({ code: "NOT_FOUND", message: `Conversation ${id} not found` });
    found.push(conversation);
  }
  return found;
}

/** Resolve or reopen many conversations at once; all or nothing. Returns how many changed. */
export async function updateStatuses(ctx: MutationCtx, ids: Id<"conversations">[], status: "open" | "resolved", by: string, now: number) {
  let changed = 0;
  for (const conversation of await loadAll(ctx, ids)) if (await setStatus(ctx, conversation, status, by, now)) changed++;
  return changed;
}

export const setConversationStatus = operatorMutation({
  args: { conversationIds: v.array(v.id("conversations")), status: vConversationStatus },
  returns: v.number(),
  handler: async (ctx, { conversationIds, status }) => {
    const changed = await updateStatuses(ctx, conversationIds, status, ctx.operator._id, Date.now());
    if (changed > 0) await audit(ctx, ctx.operator._id, status === "resolved" ? "conversations.resolved" : "conversations.reopened", conversationIds.join(", "));
    return changed;
  },
});

/**
 * Marks conversations read for the calling operator up to `upTo` (the
 * newest message time the operator's screen showed), so a message that
 * arrives between rendering and clicking stays unread. Without `upTo`,
 * everything stored so far counts as seen.
 */
export async function markRead(ctx: MutationCtx, operatorId: string, ids: Id<"conversations">[], upTo: number | undefined) {
  let changed = 0;
  for (const conversation of await loadAll(ctx, ids)) {
    const lastReadAt = Math.min(upTo ?? conversation.lastInboundAt, conversation.lastInboundAt);
    const seen = inboundSeenUpTo(conversation.inboundCount, await inboundAfter(ctx, conversation, lastReadAt));
    if (await advanceReadMarker(ctx, operatorId, conversation._id, lastReadAt, seen)) changed++;
  }
  return changed;
}

/**
 * Customer messages received after `at` (those the operator's screen did
 * not show yet); no read at all when `at` is the newest one's time, which
 * is the usual case (the page marks what it shows).
 */
async function inboundAfter(ctx: QueryCtx, conversation: Doc<"conversations">, at: number) {
  if (at >= conversation.lastInboundAt || conversation.inboundCount === undefined) return 0;
  const newer = await ctx.db
    .query("messages")
    .withIndex("by_conversation_and_received_at", (q) => q.eq("conversationId", conversation._id).gt("receivedAt", at))
    .take(UNREAD_COUNT_CAP + 1);
  return newer.filter((m) => m.direction === "in").length;
}

export const markConversationsRead = operatorMutation({
  args: { conversationIds: v.array(v.id("conversations")), upTo: v.optional(v.number()) },
  returns: v.number(),
  handler: async (ctx, { conversationIds, upTo }) => await markRead(ctx, ctx.operator._id, conversationIds, upTo),
});

/**
 * Unread customer messages for one operator. From the conversation's count
 * and the marker when both keep one (one read, lib/inbox.ts `unreadOf`);
 * otherwise the recent inbound messages newer than the marker, capped so
 * the read stays bounded.
 */
export async function unreadCount(ctx: QueryCtx, operatorId: string, conversation: Doc<"conversations">) {
  const marker = await readMarker(ctx, operatorId, conversation._id);
  const known = unreadOf(conversation, marker);
  if (known.count !== undefined) return { count: Math.min(known.count, UNREAD_COUNT_CAP), capped: known.count > UNREAD_COUNT_CAP };
  const lastReadAt = marker?.lastReadAt ?? -1;
  if (conversation.lastInboundAt <= lastReadAt) return { count: 0, capped: false };
  let count = 0;
  let scanned = 0;
  for await (const message of ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
    .order("desc")) {
    if (++scanned > UNREAD_COUNT_CAP + 1) break;
    if (message.direction !== "in") continue;
    if (message.receivedAt <= lastReadAt) break;
    count++;
  }
  return { count: Math.min(count, UNREAD_COUNT_CAP), capped: count > UNREAD_COUNT_CAP || scanned > UNREAD_COUNT_CAP + 1 };
}

export const vLifecycleView = v.object({
  status: vConversationStatus,
  resolvedAt: v.optional(v.number()),
  resolvedBy: v.optional(v.string()),
  archivedAt: v.optional(v.number()),
  unread: v.number(),
  unreadCapped: v.boolean(),
  /** Customer messages neither answered by the bot nor followed by a human's reply (same cap as unread). */
  unprocessed: v.number(),
});

/**
 * Processed: an inbound message the bot answered (`answered`), or one a
 * human's reply came after (`humanAnsweredAt`). Counts the recent ones that
 * are not, within the unread cap.
 */
export async function unprocessedCount(ctx: QueryCtx, conversation: Doc<"conversations">) {
  let count = 0;
  let scanned = 0;
  for await (const message of ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
    .order("desc")) {
    if (++scanned > UNREAD_COUNT_CAP) break;
    if (message.direction !== "in") continue;
    if (message.receivedAt <= (conversation.humanAnsweredAt ?? -1)) break;
    if (message.status !== "answered") count++;
  }
  return count;
}

/** The lifecycle facts the conversation page shows for the calling operator. */
export const conversationLifecycle = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(v.null(), vLifecycleView),
  handler: async (ctx, { conversationId }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (!conversation) return null;
    const { count, capped } = await unreadCount(ctx, ctx.operator._id, conversation);
    return {
      status: statusOf(conversation),
      resolvedAt: conversation.resolvedAt,
      resolvedBy: conversation.resolvedBy,
      archivedAt: conversation.archivedAt,
      unread: count,
      unreadCapped: capped,
      unprocessed: await unprocessedCount(ctx, conversation),
    };
  },
});

/**
 * Cron: resolves open conversations quiet for `autoResolveAfterMs`,
 * oldest activity first, one page per transaction, re-scheduling itself
 * while full pages come back. Conversations without a status (written
 * before the lifecycle) count as open and are swept as well.
 */
export const autoResolve = internalMutation({
  args: { runId: v.optional(v.id("maintenanceRuns")), legacy: v.optional(v.boolean()), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.null(),
  handler: async (ctx, { runId, legacy = false, cursor = null }) => {
    const now = Date.now();
    const settings = await loadSettings(ctx);
    const run = runId ?? (await startRun(ctx, "autoResolve", "cron", now));
    if (settings.autoResolveAfterMs <= 0) {
      await finishRun(ctx, run, now, { note: "Auto-resolve is off" });
      return null;
    }
    const quietBefore = now - settings.autoResolveAfterMs;
    const page = await ctx.db
      .query("conversations")
      .withIndex("by_status_and_last_message_at", (q) =>
        (legacy ? q.eq("status", undefined) : q.eq("status", "open")).lte("lastMessageAt", quietBefore),
      )
      .paginate({ numItems: AUTO_RESOLVE_PAGE, cursor });
    let resolved = 0;
    for (const conversation of page.page) {
      const facts = { status: statusOf(conversation), lastMessageAt: conversation.lastMessageAt, busy: isBusy(conversation), archived: conversation.archivedAt !== undefined };
      if (autoResolveDue(facts, now, settings) && (await setStatus(ctx, conversation, "resolved", "auto", now))) resolved++;
    }
    await addCounts(ctx, run, { resolved, looked: page.page.length });
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.status.autoResolve, { runId: run, legacy, cursor: page.continueCursor });
    } else if (!legacy) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.status.autoResolve, { runId: run, legacy: true, cursor: null });
    } else {
      await finishRun(ctx, run, now);
    }
    return null;
  },
});
