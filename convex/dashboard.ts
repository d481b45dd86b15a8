/**
 * Operator reads for the dashboard pages (playground, conversations list,
 * conversation page). Each one reads at most 100 documents, always through
 * an index, and never looks at the clock: pages format times themselves.
 */
import { pick } from "convex-helpers";
import { paginationOptsValidator, paginationResultValidator, type PaginationOptions } from "convex/server";
import { ConvexError, v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { vEventType } from "../lib/analytics/events";
import { eventMatches } from "../lib/analytics/links";
import { contactLabel } from "../lib/contacts";
import { inboxStatus, unreadOf, type InboxStatus } from "../lib/inbox";
import { operatorQuery } from "./functions";
import { statusOf } from "./lifecycle/status";
import { vConversationStatus } from "./lifecycle/schema";
import { readMarker } from "./model/readMarkers";
import { loadSettings } from "./settings";
import schema from "./schema";
import { vChannel, type Channel } from "./validators";

/**
 * Rows per inbox page: each reads its conversation, contact, the operator's
 * read marker and (at most once per operator on the page) its assignee, so a
 * page stays within 100 reads.
 */
export const MAX_PAGE_SIZE = 24;
/** Newest batches shown for a conversation. */
export const BATCHES_SHOWN = 50;
/** Messages per page of the conversation's chat (older pages load on scroll). */
export const MAX_MESSAGES_PAGE = 50;
/** Pending follow-ups and reminders, and booked meetings, on the conversation's side panel. */
export const PANEL_ACTIONS_SHOWN = 10;
export const PANEL_MEETINGS_SHOWN = 5;
/** "49+": each half of the navigation's attention count (flagged, held by a human) stops reading here. */
export const MAX_COUNTED = 49;
/** Search results per page: each message hit reads its conversation and contact. */
export const MAX_SEARCH_PAGE = 25;
/** Contacts matched by name, each with up to `CONVERSATIONS_PER_CONTACT` conversations. */
export const CONTACT_MATCHES = 10;
const CONVERSATIONS_PER_CONTACT = 3;

// Fields are picked from the schema's validators, so the pages follow a
// table when one of its fields gains a value. Absent optional fields stay
// absent in the results.
const conversationFields = schema.tables.conversations.validator.fields;
const messageFields = schema.tables.messages.validator.fields;
const vStateKind = v.union(v.literal("idle"), v.literal("buffering"), v.literal("processing"));
const vInboxStatus = v.union(
  v.literal("needs_human"),
  v.literal("human"),
  v.literal("bot_answering"),
  v.literal("bot_waiting"),
  v.literal("waiting"),
  v.literal("answered"),
);

const vConversationRow = v.object({
  id: v.id("conversations"),
  ...pick(conversationFields, ["channel", "takeover", "needsHuman", "lastMessageAt", "lastInboundAt", "tags"]),
  contactName: v.optional(v.string()),
  /** The customer's newest line (conversations from before it was kept: the newest message of anyone). */
  customerLine: v.string(),
  /** Who answered last, when a reply reached the customer after their newest line. */
  repliedBy: v.optional(v.union(v.literal("agent"), v.literal("human"))),
  /** Since when the customer waits for an answer (their first message after the last delivered reply). */
  waitingSince: v.optional(v.number()),
  status: vInboxStatus,
  state: vStateKind,
  /** Open or resolved (the lifecycle's), beside the handling status. */
  lifecycle: vConversationStatus,
  /** Customer messages this operator has not read; absent when only `unread` is known (older data). */
  unreadCount: v.optional(v.number()),
  unread: v.boolean(),
  /** Who owns it in the inbox, and their name or email; `assignedToMe` for the caller. */
  assigneeId: v.optional(v.id("users")),
  assigneeName: v.optional(v.string()),
  assignedToMe: v.boolean(),
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
  ...pick(messageFields, [
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
  ...pick(conversationFields, [
    "channel",
    "chatId",
    "takeover",
    "takeoverReason",
    "takeoverAt",
    "needsHuman",
    "lastMessageAt",
    "lastInboundAt",
    "tags",
    "assigneeId",
  ]),
  contactName: v.optional(v.string()),
  contact: v.object({
    ...pick(schema.tables.contacts.validator.fields, ["displayName", "username", "languageCode", "externalId"]),
  }),
  /** The customer's zone for follow-up times; absent: the business's (`businessTimeZone`). */
  contactTimeZone: v.optional(v.string()),
  businessTimeZone: v.string(),
  /** A takeover ends by itself after this much quiet; 0: only an operator ends it. */
  takeoverIdleResumeMs: v.number(),
  state: vStateKind,
  /** Customer messages waiting for the next batch. */
  pendingCount: v.number(),
  status: vInboxStatus,
  /** The newest outbound message's delivery, for the banner's advice (lib/inbox.ts `replyProblem`). */
  lastReply: v.optional(v.object({ ...pick(messageFields, ["status", "error"]) })),
});
type ConversationDetail = Infer<typeof vConversationDetail>;

function pendingCount(state: Doc<"conversations">["state"]): number {
  return state.kind === "idle" ? 0 : state.pendingCount;
}

export type ConversationFilter = {
  channel?: Channel;
  needsHuman?: boolean;
  lifecycle?: "open" | "resolved";
  /** Only the caller's conversations, or only nobody's. */
  assignee?: "me" | "unassigned";
};

/** An operator's name as the inbox shows it; one read per distinct operator per query (`cache`). */
function operatorName(ctx: QueryCtx, userId: Id<"users">, cache: Map<Id<"users">, Promise<string | undefined>>) {
  let found = cache.get(userId);
  if (!found) {
    found = ctx.db.get("users", userId).then((u) => u?.name ?? u?.email ?? undefined);
    cache.set(userId, found);
  }
  return found;
}

/**
 * What the inbox shows for one conversation, from the conversation's own
 * fields, its contact and the operator's read marker: three reads.
 */
export async function inboxRow(
  ctx: QueryCtx,
  c: Doc<"conversations">,
  operatorId: Id<"users">,
  names: Map<Id<"users">, Promise<string | undefined>> = new Map(),
): Promise<ConversationRow> {
  const [contact, marker, assigneeName] = await Promise.all([
    ctx.db.get("contacts", c.contactId),
    readMarker(ctx, operatorId, c._id),
    c.assigneeId === undefined ? undefined : operatorName(ctx, c.assigneeId, names),
  ]);
  const unread = unreadOf(c, marker);
  return {
    assigneeId: c.assigneeId,
    assigneeName,
    assignedToMe: c.assigneeId === operatorId,
    lifecycle: statusOf(c),
    unread: unread.unread,
    unreadCount: unread.count,
    id: c._id,
    channel: c.channel,
    contactName: contactLabel(contact),
    customerLine: c.lastCustomerText || c.lastMessagePreview,
    repliedBy: c.awaitingReplySince === undefined ? c.lastReplyAuthor : undefined,
    waitingSince: c.awaitingReplySince,
    status: conversationStatus(c),
    state: c.state.kind,
    takeover: c.takeover,
    needsHuman: c.needsHuman,
    lastMessageAt: c.lastMessageAt,
    lastInboundAt: c.lastInboundAt,
    tags: c.tags,
  };
}

/** The status word, from the conversation alone. */
export function conversationStatus(c: Doc<"conversations">): InboxStatus {
  return inboxStatus({
    needsHuman: c.needsHuman !== undefined,
    takeover: c.takeover,
    state: c.state.kind,
    waitingSince: c.awaitingReplySince,
  });
}

/**
 * One page of conversations. Each filter reads its own index, so a page
 * holds only matches: newest message first (open or resolved ones only, by
 * the stored status), or for "needs a human" the longest-waiting first,
 * whatever the status (a channel filter on top of that one is applied to
 * the page, since few conversations wait for a human at once).
 */
export async function listConversations(
  ctx: QueryCtx,
  paginationOpts: PaginationOptions,
  filter: ConversationFilter,
  operatorId: Id<"users">,
) {
  const numItems = Math.max(1, Math.min(paginationOpts.numItems, MAX_PAGE_SIZE));
  const conversations = ctx.db.query("conversations");
  const { channel, lifecycle } = filter;
  const assigneeId = filter.assignee === "me" ? operatorId : undefined;
  const source =
    filter.needsHuman === true
      ? conversations.withIndex("by_needs_human_since", (q) => q.gt("needsHuman.since", 0)).order("asc")
      : lifecycle !== undefined && filter.assignee !== undefined
        ? conversations
            .withIndex("by_status_and_assignee_id_and_last_message_at", (q) => q.eq("status", lifecycle).eq("assigneeId", assigneeId))
            .order("desc")
      : lifecycle !== undefined && channel !== undefined
        ? conversations
            .withIndex("by_status_and_channel_and_last_message_at", (q) => q.eq("status", lifecycle).eq("channel", channel))
            .order("desc")
        : lifecycle !== undefined
          ? conversations.withIndex("by_status_and_last_message_at", (q) => q.eq("status", lifecycle)).order("desc")
          : channel !== undefined
            ? conversations.withIndex("by_channel_and_last_message_at", (q) => q.eq("channel", channel)).order("desc")
            : conversations.withIndex("by_last_message_at").order("desc");
  const result = await source.paginate({ ...paginationOpts, numItems });
  const matches = result.page.filter(
    (c) =>
      (channel === undefined || c.channel === channel) &&
      (filter.needsHuman !== false || c.needsHuman === undefined) &&
      (filter.assignee === undefined || c.assigneeId === assigneeId),
  );
  const names = new Map<Id<"users">, Promise<string | undefined>>();
  const page = await Promise.all(matches.map((c) => inboxRow(ctx, c, operatorId, names)));
  return { ...result, page };
}

export const conversations = operatorQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    channel: v.optional(vChannel),
    needsHuman: v.optional(v.boolean()),
    /** Only open (or only resolved) conversations; absent: both. */
    lifecycle: v.optional(vConversationStatus),
    assignee: v.optional(v.union(v.literal("me"), v.literal("unassigned"))),
  },
  returns: paginationResultValidator(vConversationRow),
  handler: async (ctx, { paginationOpts, ...filter }) =>
    await listConversations(ctx, paginationOpts, filter, ctx.operator._id),
});

/** Events one page of `eventConversations` reads; each distinct conversation then costs three reads (`inboxRow`). */
export const EVENT_PAGE = 30;

/**
 * The conversations behind a number on /analytics (lib/analytics/links.ts):
 * those with an event of `event` in [from, to) matching the filter, newest
 * event first. Pages through the type's events by time; a page holds the
 * distinct conversations of its events (a conversation with events on two
 * pages appears on both, and the list shows it once). Events without a
 * conversation (sign-ins) match nothing.
 */
export const eventConversations = operatorQuery({
  args: {
    paginationOpts: paginationOptsValidator,
    event: vEventType,
    from: v.number(),
    to: v.number(),
    kind: v.optional(v.string()),
    channel: v.optional(vChannel),
    staff: v.optional(v.string()),
    intent: v.optional(v.string()),
    min: v.optional(v.number()),
    max: v.optional(v.number()),
    minMs: v.optional(v.number()),
  },
  returns: paginationResultValidator(vConversationRow),
  handler: async (ctx, { paginationOpts, event, from, to, ...filter }) => {
    const result = await ctx.db
      .query("analyticsEvents")
      .withIndex("by_type_and_at", (q) => q.eq("type", event).gte("at", from).lt("at", to))
      .order("desc")
      .paginate({ ...paginationOpts, numItems: Math.max(1, Math.min(paginationOpts.numItems, EVENT_PAGE)) });
    const ids = new Set<Id<"conversations">>();
    for (const e of result.page) {
      const id = e.conversationId !== undefined && eventMatches(e, filter) ? ctx.db.normalizeId("conversations", e.conversationId) : null;
      if (id) ids.add(id);
    }
    const names = new Map<Id<"users">, Promise<string | undefined>>();
    const conversations = await Promise.all([...ids].map((id) => ctx.db.get("conversations", id)));
    const page = await Promise.all(conversations.flatMap((c) => (c ? [inboxRow(ctx, c, ctx.operator._id, names)] : [])));
    return { ...result, page };
  },
});

/**
 * For the navigation and the tab title: the open conversations that need
 * attention, i.e. flagged for a human, or held by a human (takeover) while
 * the customer waits. Resolved ones never count. Each half reads at most
 * `MAX_COUNTED + 1` conversations; beyond that the count reads "N+".
 */
export async function inboxCounts(ctx: QueryCtx) {
  const [flagged, held] = await Promise.all([
    ctx.db
      .query("conversations")
      .withIndex("by_needs_human_since", (q) => q.gt("needsHuman.since", 0))
      .take(MAX_COUNTED + 1),
    ctx.db
      .query("conversations")
      .withIndex("by_status_and_takeover", (q) => q.eq("status", "open").eq("takeover", true))
      .take(MAX_COUNTED + 1),
  ]);
  const openFlagged = flagged.filter((c) => statusOf(c) === "open");
  const attention = new Set([...openFlagged, ...held.filter((c) => c.awaitingReplySince !== undefined)].map((c) => c._id));
  return {
    needsHuman: Math.min(openFlagged.length, MAX_COUNTED),
    needsHumanMore: flagged.length > MAX_COUNTED,
    attention: attention.size,
    attentionMore: flagged.length > MAX_COUNTED || held.length > MAX_COUNTED,
    /** The longest-flagged open one, for a notification that names who waits. */
    oldestNeedsHumanId: openFlagged[0]?._id,
  };
}

export const counts = operatorQuery({
  args: {},
  returns: v.object({
    needsHuman: v.number(),
    needsHumanMore: v.boolean(),
    attention: v.number(),
    attentionMore: v.boolean(),
    oldestNeedsHumanId: v.optional(v.id("conversations")),
  }),
  handler: async (ctx) => await inboxCounts(ctx),
});

/** "49+": the Mine / Unassigned tab counts stop reading here (two halves within 100 reads). */
export const ASSIGNMENT_COUNTED = 49;

/** Open conversations assigned to the caller, and open ones nobody owns, for the inbox's tabs. */
export async function assignmentCounts(ctx: QueryCtx, operatorId: Id<"users">) {
  const count = async (assigneeId: Id<"users"> | undefined) => {
    const found = await ctx.db
      .query("conversations")
      .withIndex("by_status_and_assignee_id_and_last_message_at", (q) => q.eq("status", "open").eq("assigneeId", assigneeId))
      .take(ASSIGNMENT_COUNTED + 1);
    return { count: Math.min(found.length, ASSIGNMENT_COUNTED), more: found.length > ASSIGNMENT_COUNTED };
  };
  const [mine, unassigned] = await Promise.all([count(operatorId), count(undefined)]);
  return { mine, unassigned };
}

export const assignmentTabCounts = operatorQuery({
  args: {},
  returns: v.object({ mine: v.object({ count: v.number(), more: v.boolean() }), unassigned: v.object({ count: v.number(), more: v.boolean() }) }),
  handler: async (ctx) => await assignmentCounts(ctx, ctx.operator._id),
});

/** The conversation page's header and side panel: who, what state, and what the banner should advise. */
export async function conversationDetail(
  ctx: QueryCtx,
  conversationId: Id<"conversations">,
): Promise<ConversationDetail | null> {
  const conversation = await ctx.db.get("conversations", conversationId);
  if (!conversation) return null;
  const [contact, settings, newestOut] = await Promise.all([
    ctx.db.get("contacts", conversation.contactId),
    loadSettings(ctx),
    ctx.db
      .query("messages")
      .withIndex("by_conversation_and_direction", (q) => q.eq("conversationId", conversationId).eq("direction", "out"))
      .order("desc")
      .first(),
  ]);
  return {
    id: conversation._id,
    channel: conversation.channel,
    chatId: conversation.chatId,
    contactName: contactLabel(contact),
    contact: {
      displayName: contact?.displayName,
      username: contact?.username,
      languageCode: contact?.languageCode,
      externalId: contact?.externalId ?? "",
    },
    contactTimeZone: contact?.timeZone,
    businessTimeZone: settings.workingHours.timeZone,
    takeoverIdleResumeMs: settings.takeoverIdleResumeMs,
    state: conversation.state.kind,
    pendingCount: pendingCount(conversation.state),
    takeover: conversation.takeover,
    takeoverReason: conversation.takeoverReason,
    takeoverAt: conversation.takeoverAt,
    needsHuman: conversation.needsHuman,
    lastMessageAt: conversation.lastMessageAt,
    lastInboundAt: conversation.lastInboundAt,
    tags: conversation.tags,
    assigneeId: conversation.assigneeId,
    status: conversationStatus(conversation),
    lastReply: newestOut ? { status: newestOut.status, error: newestOut.error } : undefined,
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

/** The chat, newest first, one page at a time: the page shows them oldest to newest and loads older ones on scroll. */
export async function conversationMessages(
  ctx: QueryCtx,
  conversationId: Id<"conversations">,
  paginationOpts: PaginationOptions,
) {
  const numItems = Math.max(1, Math.min(paginationOpts.numItems, MAX_MESSAGES_PAGE));
  const result = await ctx.db
    .query("messages")
    // By the message's own time, not _creationTime: restored history (new
    // _creationTime) still sorts before what the customer wrote since.
    .withIndex("by_conversation_and_received_at", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .paginate({ ...paginationOpts, numItems });
  return {
    ...result,
    page: result.page.map((m) => ({
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
  };
}

export const messages = operatorQuery({
  args: { conversationId: v.id("conversations"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vTimelineMessage),
  handler: async (ctx, { conversationId, paginationOpts }) =>
    await conversationMessages(ctx, conversationId, paginationOpts),
});

const actionFields = schema.tables.scheduledActions.validator.fields;
const vPanelAction = v.object({
  id: v.id("scheduledActions"),
  ...pick(actionFields, ["kind", "dueAt", "nextAttemptAt", "note", "attempts", "lastError"]),
});
const vPanelMeeting = v.object({
  id: v.id("meetings"),
  ...pick(schema.tables.meetings.validator.fields, ["start", "end", "topic", "email", "provider", "joinUrl"]),
});

/** The side panel's pending follow-ups and reminders (soonest first) and booked meetings (latest first). */
export async function conversationPlans(ctx: QueryCtx, conversationId: Id<"conversations">) {
  const pending = (cancelOnReply: boolean) =>
    ctx.db
      .query("scheduledActions")
      .withIndex("by_conversation_and_status_and_cancel_on_reply", (q) =>
        q.eq("conversationId", conversationId).eq("status", "pending").eq("cancelOnReply", cancelOnReply),
      )
      .take(PANEL_ACTIONS_SHOWN);
  const [followups, reminders, meetings] = await Promise.all([
    pending(true),
    pending(false),
    ctx.db
      .query("meetings")
      .withIndex("by_conversation_and_status_and_start", (q) =>
        q.eq("conversationId", conversationId).eq("status", "booked"),
      )
      .order("desc")
      .take(PANEL_MEETINGS_SHOWN),
  ]);
  return {
    actions: [...followups, ...reminders]
      .sort((a, b) => a.dueAt - b.dueAt)
      .map((a) => ({
        id: a._id,
        kind: a.kind,
        dueAt: a.dueAt,
        nextAttemptAt: a.nextAttemptAt,
        note: a.note,
        attempts: a.attempts,
        lastError: a.lastError,
      })),
    meetings: meetings.map((m) => ({
      id: m._id,
      start: m.start,
      end: m.end,
      topic: m.topic,
      email: m.email,
      provider: m.provider,
      joinUrl: m.joinUrl,
    })),
  };
}

export const plans = operatorQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.object({ actions: v.array(vPanelAction), meetings: v.array(vPanelMeeting) }),
  handler: async (ctx, { conversationId }) => await conversationPlans(ctx, conversationId),
});

// ---------------------------------------------------------------------------
// Search: contacts by name and messages by text, on the server

const vSearchFilter = {
  channel: v.optional(vChannel),
  status: v.optional(vInboxStatus),
  tag: v.optional(v.string()),
  /** Whose conversations: the caller's ("me"), nobody's, or one operator's. */
  assignee: v.optional(v.union(v.literal("me"), v.literal("unassigned"), v.id("users"))),
  /** Message time range (ms), inclusive; contacts ignore it. */
  from: v.optional(v.number()),
  to: v.optional(v.number()),
};
type SearchFilter = {
  channel?: Channel;
  status?: InboxStatus;
  tag?: string;
  /** Already resolved: "me" becomes the caller's id before the search runs. */
  assignee?: "unassigned" | Id<"users">;
  from?: number;
  to?: number;
};

/** The search arguments with "me" turned into the signed-in operator's id. */
function ownFilter(filter: Omit<SearchFilter, "assignee"> & { assignee?: "me" | "unassigned" | Id<"users"> }, me: Id<"users">): SearchFilter {
  return { ...filter, assignee: filter.assignee === "me" ? me : filter.assignee };
}

const vMessageHit = v.object({
  messageId: v.id("messages"),
  conversationId: v.id("conversations"),
  ...pick(messageFields, ["channel", "author", "text", "sentAt"]),
  contactName: v.optional(v.string()),
});

/** Status, tag and assignee filters read the conversation; the status word is the list's. */
function conversationMatches(c: Doc<"conversations">, filter: SearchFilter): boolean {
  if (filter.tag !== undefined && !(c.tags ?? []).includes(filter.tag)) return false;
  if (filter.assignee !== undefined && (c.assigneeId ?? "unassigned") !== filter.assignee) return false;
  return filter.status === undefined || conversationStatus(c) === filter.status;
}

/**
 * Messages whose text matches, most relevant first, paginated. The channel
 * filter runs inside the search index; time, status, tag and assignee apply to each
 * page (a page can come back shorter than asked; the next one continues).
 */
export async function searchMessages(
  ctx: QueryCtx,
  text: string,
  filter: SearchFilter,
  paginationOpts: PaginationOptions,
) {
  const numItems = Math.max(1, Math.min(paginationOpts.numItems, MAX_SEARCH_PAGE));
  const result = await ctx.db
    .query("messages")
    .withSearchIndex("search_text", (q) =>
      filter.channel === undefined ? q.search("text", text) : q.search("text", text).eq("channel", filter.channel),
    )
    .paginate({ ...paginationOpts, numItems });
  const hits = await Promise.all(
    result.page
      .filter((m) => (filter.from === undefined || m.sentAt >= filter.from) && (filter.to === undefined || m.sentAt <= filter.to))
      .map(async (m) => {
        const conversation = await ctx.db.get("conversations", m.conversationId);
        if (!conversation || !conversationMatches(conversation, filter)) return null;
        return {
          messageId: m._id,
          conversationId: m.conversationId,
          channel: m.channel,
          author: m.author,
          text: m.text,
          sentAt: m.sentAt,
          contactName: contactLabel(await ctx.db.get("contacts", conversation.contactId)),
        };
      }),
  );
  return { ...result, page: hits.filter((h) => h !== null) };
}

export const messageSearch = operatorQuery({
  args: { text: v.string(), paginationOpts: paginationOptsValidator, ...vSearchFilter },
  returns: paginationResultValidator(vMessageHit),
  handler: async (ctx, { text, paginationOpts, ...filter }) =>
    text.trim() === ""
      ? { page: [], isDone: true, continueCursor: "" }
      : await searchMessages(ctx, text.trim(), ownFilter(filter, ctx.operator._id), paginationOpts),
});

/** Contacts whose name or @username matches, with their conversations (as inbox rows, minus message reads). */
export async function searchContacts(ctx: QueryCtx, text: string, filter: SearchFilter) {
  const contacts = await ctx.db
    .query("contacts")
    .withSearchIndex("search_name", (q) =>
      filter.channel === undefined
        ? q.search("searchName", text)
        : q.search("searchName", text).eq("channel", filter.channel),
    )
    .take(CONTACT_MATCHES);
  const found = await Promise.all(
    contacts.map(async (contact) => {
      const conversations = await ctx.db
        .query("conversations")
        .withIndex("by_contact_id", (q) => q.eq("contactId", contact._id))
        .take(CONVERSATIONS_PER_CONTACT);
      return conversations
        .filter((c) => conversationMatches(c, filter))
        .map((c) => ({
          conversationId: c._id,
          channel: c.channel,
          contactName: contactLabel(contact),
          username: contact.username,
          lastMessageAt: c.lastMessageAt,
          preview: c.lastMessagePreview,
        }));
    }),
  );
  return found.flat();
}

export const contactSearch = operatorQuery({
  args: { text: v.string(), ...vSearchFilter },
  returns: v.array(
    v.object({
      conversationId: v.id("conversations"),
      channel: vChannel,
      contactName: v.optional(v.string()),
      username: v.optional(v.string()),
      lastMessageAt: v.number(),
      preview: v.string(),
    }),
  ),
  handler: async (ctx, { text, ...filter }) =>
    text.trim() === "" ? [] : await searchContacts(ctx, text.trim(), ownFilter(filter, ctx.operator._id)),
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

// ---------------------------------------------------------------------------
// Follow-ups page helpers

/** Tab counts stop here ("50+"): enough to see the size of the queue within the 100-read budget. */
export const PENDING_COUNTED = 50;
export const TROUBLE_COUNTED = 25;

/** How many actions wait, and how many went wrong; the history tabs (sent, cancelled) are not counted. */
export async function followupCounts(ctx: QueryCtx) {
  const count = async (status: "pending" | "failed" | "blocked", limit: number) => {
    const found = await ctx.db
      .query("scheduledActions")
      .withIndex("by_status_and_due_at", (q) => q.eq("status", status))
      .take(limit + 1);
    return { count: Math.min(found.length, limit), more: found.length > limit };
  };
  const [pending, failed, blocked] = await Promise.all([
    count("pending", PENDING_COUNTED - 1),
    count("failed", TROUBLE_COUNTED - 1),
    count("blocked", TROUBLE_COUNTED - 1),
  ]);
  return { pending, failed, blocked };
}

const vCount = v.object({ count: v.number(), more: v.boolean() });

export const followupTabCounts = operatorQuery({
  args: {},
  returns: v.object({ pending: vCount, failed: vCount, blocked: vCount }),
  handler: async (ctx) => await followupCounts(ctx),
});

/** Most rows a page asks texts for at once (the follow-ups page shows 30). */
export const MAX_SENT_TEXTS = 30;

/** What actually went out for each action (its message's text), for the Sent tab. Two reads per action. */
export async function sentTexts(ctx: QueryCtx, actionIds: Id<"scheduledActions">[]) {
  if (actionIds.length > MAX_SENT_TEXTS) {
    throw new ConvexError({ code: "TOO_MANY", message: `Ask for at most ${MAX_SENT_TEXTS} texts at once` });
  }
  const texts = await Promise.all(
    actionIds.map(async (id) => {
      const action = await ctx.db.get("scheduledActions", id);
      const message = action?.messageId ? await ctx.db.get("messages", action.messageId) : null;
      return message ? { actionId: id, text: message.text } : null;
    }),
  );
  return texts.filter((t) => t !== null);
}

export const followupSentTexts = operatorQuery({
  args: { actionIds: v.array(v.id("scheduledActions")) },
  returns: v.array(v.object({ actionId: v.id("scheduledActions"), text: v.string() })),
  handler: async (ctx, { actionIds }) => await sentTexts(ctx, actionIds),
});
