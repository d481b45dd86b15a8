/**
 * Operator reads for the dashboard pages (playground, conversations list,
 * conversation page). Each one reads at most 100 documents, always through
 * an index, and never looks at the clock: pages format times themselves.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator, type PaginationOptions } from "convex/server";
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { contactLabel } from "../lib/contacts";
import { operatorQuery } from "./functions";
import { loadSettings } from "./settings";
import schema from "./schema";
import { vChannel, type Channel } from "./validators";

/** Rows per list page; with one contact read per row a page stays within 100 reads. */
export const MAX_PAGE_SIZE = 50;
/** Newest batches shown for a conversation. */
export const BATCHES_SHOWN = 50;
/** Newest messages on the conversation page; with the conversation, contact and settings, 100 reads. */
export const MESSAGES_SHOWN = 96;

// Fields are picked from the schema's validators, so the pages follow a
// table when one of its fields gains a value. Absent optional fields stay
// absent in the results.
const conversationFields = schema.tables.conversations.validator.fields;
const vStateKind = v.union(v.literal("idle"), v.literal("buffering"), v.literal("processing"));

const vConversationRow = v.object({
  id: v.id("conversations"),
  ...pick(conversationFields, ["channel", "takeover", "needsHuman", "lastMessageAt"]),
  contactName: v.optional(v.string()),
  preview: v.string(),
  state: vStateKind,
});
type ConversationRow = Infer<typeof vConversationRow>;

const vBatchRow = v.object({
  id: v.id("batches"),
  ...pick(schema.tables.batches.validator.fields, [
    "flushedAt",
    "flushReason",
    "outcome",
    "messageCount",
    "bufferDurationMs",
    "processingDurationMs",
    "model",
    "responder",
    "attempts",
    "usage",
    "replyMessageId",
    "lastError",
  ]),
});
type BatchRow = Infer<typeof vBatchRow>;

const vTimelineMessage = v.object({
  id: v.id("messages"),
  ...pick(schema.tables.messages.validator.fields, [
    "direction",
    "author",
    "text",
    "attachments",
    "status",
    "sentAt",
    "editedAt",
    "error",
    "batchId",
  ]),
});

const vConversationDetail = v.object({
  id: v.id("conversations"),
  ...pick(conversationFields, ["channel", "chatId", "takeover", "takeoverReason", "needsHuman", "lastMessageAt"]),
  contactName: v.optional(v.string()),
  /** The customer's zone for follow-up times; absent: the business's (`businessTimeZone`). */
  contactTimeZone: v.optional(v.string()),
  businessTimeZone: v.string(),
  state: vStateKind,
  /** Customer messages waiting for the next batch. */
  pendingCount: v.number(),
  /** Oldest first; only the newest `MESSAGES_SHOWN`. */
  messages: v.array(vTimelineMessage),
  olderMessagesHidden: v.boolean(),
});
type ConversationDetail = Infer<typeof vConversationDetail>;

function pendingCount(state: Doc<"conversations">["state"]): number {
  return state.kind === "idle" ? 0 : state.pendingCount;
}

export type ConversationFilter = { channel?: Channel; needsHuman?: boolean };

/**
 * One page of conversations. Each filter reads its own index, so a page
 * holds only matches: newest message first, or for "needs a human" the
 * longest-waiting first (a channel filter on top of that one is applied to
 * the page, since few conversations wait for a human at once).
 */
export async function listConversations(
  ctx: QueryCtx,
  paginationOpts: PaginationOptions,
  filter: ConversationFilter,
) {
  const numItems = Math.max(1, Math.min(paginationOpts.numItems, MAX_PAGE_SIZE));
  const conversations = ctx.db.query("conversations");
  const source =
    filter.needsHuman === true
      ? conversations.withIndex("by_needs_human_since", (q) => q.gt("needsHuman.since", 0)).order("asc")
      : filter.channel !== undefined
        ? conversations.withIndex("by_channel_and_last_message_at", (q) => q.eq("channel", filter.channel!)).order("desc")
        : conversations.withIndex("by_last_message_at").order("desc");
  const result = await source.paginate({ ...paginationOpts, numItems });
  const matches = result.page.filter(
    (c) =>
      (filter.channel === undefined || c.channel === filter.channel) &&
      (filter.needsHuman !== false || c.needsHuman === undefined),
  );
  const page = await Promise.all(
    matches.map(async (c): Promise<ConversationRow> => ({
      id: c._id,
      channel: c.channel,
      contactName: contactLabel(await ctx.db.get("contacts", c.contactId)),
      preview: c.lastMessagePreview,
      state: c.state.kind,
      takeover: c.takeover,
      needsHuman: c.needsHuman,
      lastMessageAt: c.lastMessageAt,
    })),
  );
  return { ...result, page };
}

export const conversations = operatorQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    channel: v.optional(vChannel),
    needsHuman: v.optional(v.boolean()),
  },
  returns: paginationResultValidator(vConversationRow),
  handler: async (ctx, { paginationOpts, ...filter }) => await listConversations(ctx, paginationOpts, filter),
});

/** The conversation page: who, what state, and the newest messages oldest first. */
export async function conversationDetail(
  ctx: QueryCtx,
  conversationId: Id<"conversations">,
): Promise<ConversationDetail | null> {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) return null;
  const contact = await ctx.db.get("contacts", conversation.contactId);
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .take(MESSAGES_SHOWN + 1);
  return {
    id: conversation._id,
    channel: conversation.channel,
    chatId: conversation.chatId,
    contactName: contactLabel(contact),
    contactTimeZone: contact?.timeZone,
    businessTimeZone: (await loadSettings(ctx)).workingHours.timeZone,
    state: conversation.state.kind,
    pendingCount: pendingCount(conversation.state),
    takeover: conversation.takeover,
    takeoverReason: conversation.takeoverReason,
    needsHuman: conversation.needsHuman,
    lastMessageAt: conversation.lastMessageAt,
    messages: newest
      .slice(0, MESSAGES_SHOWN)
      .reverse()
      .map((m) => ({
        id: m._id,
        direction: m.direction,
        author: m.author,
        text: m.text,
        attachments: m.attachments,
        status: m.status,
        sentAt: m.sentAt,
        editedAt: m.editedAt,
        error: m.error,
        batchId: m.batchId,
      })),
    olderMessagesHidden: newest.length > MESSAGES_SHOWN,
  };
}

export const conversation = operatorQuery({
  // A string, not v.id: a mistyped URL should read "not found", not throw.
  args: { conversationId: v.string() },
  returns: v.union(v.null(), vConversationDetail),
  handler: async (ctx, { conversationId }) => {
    const id = ctx.db.normalizeId("conversations", conversationId);
    return id === null ? null : await conversationDetail(ctx, id);
  },
});

/** The batches formed for one conversation, newest first. */
export async function conversationBatches(ctx: QueryCtx, conversationId: Id<"conversations">): Promise<BatchRow[]> {
  const batches = await ctx.db
    .query("batches")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .take(BATCHES_SHOWN);
  return batches.map((b) => ({
    id: b._id,
    flushedAt: b.flushedAt,
    flushReason: b.flushReason,
    outcome: b.outcome,
    messageCount: b.messageCount,
    bufferDurationMs: b.bufferDurationMs,
    processingDurationMs: b.processingDurationMs,
    model: b.model,
    responder: b.responder,
    attempts: b.attempts,
    usage: b.usage,
    replyMessageId: b.replyMessageId,
    lastError: b.lastError,
  }));
}

export const batches = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.array(vBatchRow),
  handler: async (ctx, { conversationId }) => await conversationBatches(ctx, conversationId),
});
