import { authTables } from "@convex-dev/auth/server";
import { defineSchema, defineTable } from "convex/server";
import { v, type Infer } from "convex/values";
import { vAttachment, vChannel, vFlushReason, vResponder, vSettingsFields, vTokenUsage, vToolCall } from "./validators";
import { analyticsTables, surveyContactFields, surveyConversationFields, surveyMessageFields } from "./analytics/schema";
import { lifecycleConversationFields, lifecycleMessageFields, lifecycleTables } from "./lifecycle/schema";

/**
 * Batching state of a conversation, as a union on `kind`.
 *
 * - idle: nothing pending; no job scheduled.
 * - buffering: customer messages are waiting for the burst to end.
 *   `firstPendingAt`/`lastPendingAt` drive the flush deadline
 *   (lib/batching.ts). `tickId` is the one scheduled tick that flushes when
 *   the deadline passes and re-sends "typing" meanwhile.
 * - processing: a batch is with the model or being sent. Messages arriving
 *   now stay `buffered` and form the next batch; `pendingCount` and the
 *   pending times track them so the next window can be armed on release.
 */
export const vBatchingState = v.union(
  v.object({ kind: v.literal("idle") }),
  v.object({
    kind: v.literal("buffering"),
    firstPendingAt: v.number(),
    lastPendingAt: v.number(),
    pendingCount: v.number(),
    tickId: v.id("_scheduled_functions"),
  }),
  v.object({
    kind: v.literal("processing"),
    batchId: v.id("batches"),
    startedAt: v.number(),
    /** Buffered messages waiting for the next batch (left over or newly arrived). */
    pendingCount: v.number(),
    /** Of those, how many arrived after the claim: the supersede guard's signal. */
    newSinceClaim: v.number(),
    firstPendingAt: v.optional(v.number()),
    lastPendingAt: v.optional(v.number()),
    /** The typing heartbeat, when the channel has one. */
    tickId: v.optional(v.id("_scheduled_functions")),
  }),
);
export type BatchingState = Infer<typeof vBatchingState>;

export const vMessageStatus = v.union(
  // inbound
  v.literal("buffered"), // waiting in the conversation's burst
  v.literal("batched"), // claimed by a batch that is with the model
  v.literal("answered"), // its batch's reply was sent
  v.literal("failed"), // its batch failed after all retries: a human must look
  v.literal("ignored"), // stored for context only (group chatter, takeover)
  // outbound
  v.literal("sending"),
  v.literal("sent"),
  v.literal("delivered"),
  v.literal("read"),
  v.literal("send_failed"),
  v.literal("blocked"), // the platform's reply window was closed
);

export const vBatchOutcome = v.union(
  v.literal("processing"),
  v.literal("sending"),
  v.literal("replied"),
  v.literal("superseded"),
  v.literal("failed"),
  v.literal("skipped"), // human takeover started while it waited
);

// Declared once in validators.ts (agent/claude.ts derives its types from them).
export { vResponder, vTokenUsage, vToolCall };

export const vRole = v.union(v.literal("owner"), v.literal("operator"));
export type Role = Infer<typeof vRole>;

export default defineSchema({
  // Convex Auth's sessions, accounts, refresh tokens, verifiers, rate limits.
  ...authTables,

  /**
   * People who operate the dashboard. Convex Auth creates them (through
   * convex/auth.ts's `createOrUpdateUser`, which sets the role); the owner
   * disables them. Read by every operator function (convex/functions.ts).
   */
  users: defineTable({
    ...authTables.users.validator.fields,
    /** Absent only on users made outside convex/auth.ts; treated as no access. */
    role: v.optional(vRole),
    /** A disabled operator's functions are refused; their sessions are ended. */
    disabledAt: v.optional(v.number()),
    invitedBy: v.optional(v.id("users")),
  })
    // Convex Auth: account linking by email
    .index("email", ["email"])
    // Convex Auth: account linking by phone
    .index("phone", ["phone"]),

  /**
   * One-time invite links the owner makes. Only the SHA-256 of the token is
   * stored. Written by users.createInvite and the sign-up that uses it.
   */
  invites: defineTable({
    tokenHash: v.string(),
    role: vRole,
    createdBy: v.id("users"),
    expiresAt: v.number(),
    usedBy: v.optional(v.id("users")),
    usedAt: v.optional(v.number()),
    revokedAt: v.optional(v.number()),
  })
    // sign-up: the invite a token names
    .index("by_token_hash", ["tokenHash"]),

  /**
   * Keys for the HTTP API (app/api). Shown once at creation; only the
   * SHA-256 is kept. Written by the owner (create, revoke) and by API calls
   * (lastUsedAt, at most once a minute so a busy key is not a hot document).
   */
  apiKeys: defineTable({
    name: v.string(),
    keyHash: v.string(),
    /** The first characters, so the owner can tell keys apart. */
    prefix: v.string(),
    createdBy: v.id("users"),
    lastUsedAt: v.optional(v.number()),
    revokedAt: v.optional(v.number()),
  })
    // API calls: the key a bearer token names
    .index("by_key_hash", ["keyHash"]),

  /**
   * Who did what to what, for the owner. Appended by operator mutations
   * (convex/auditLog.ts); never updated.
   */
  auditLog: defineTable({
    actorId: v.id("users"),
    action: v.string(),
    /** The document or thing acted on, as text (an id, "settings"). */
    target: v.optional(v.string()),
    detail: v.optional(v.string()),
    at: v.number(),
  })
    // the owner's audit page, newest first
    .index("by_at", ["at"]),

  /**
   * Web chat sessions, minted by webchat.startSession: `send` refuses an id
   * that is not here. The secret `sessionId` lives only here; the web
   * conversation's chatId is this document's `_id`, so nothing an operator
   * reads carries the secret. The per-session flood window is kept on the
   * document, so the check is this one read.
   */
  webChatSessions: defineTable({
    sessionId: v.string(),
    issuedAt: v.number(),
    windowStart: v.number(),
    windowCount: v.number(),
  })
    // send/thread: the session an id names
    .index("by_session_id", ["sessionId"]),

  /**
   * Site-wide web chat counters, one document per name ("sessions/minute",
   * "calls/minute", "calls/day") holding the current window: issuing
   * sessions and the global model-call budget cost one read each, and the
   * table never grows. Written by webchat.startSession and webchat.send.
   */
  webChatCounters: defineTable({ name: v.string(), windowStart: v.number(), count: v.number() })
    // the limit checks: a counter by name
    .index("by_name", ["name"]),

  /**
   * One person on one channel. Owner: convex/model/contacts.ts (ingest
   * inserts on first contact, operators set the time zone); read by ingest
   * and the dashboard.
   */
  contacts: defineTable({
    channel: vChannel,
    accountId: v.string(),
    externalId: v.string(),
    displayName: v.optional(v.string()),
    username: v.optional(v.string()),
    languageCode: v.optional(v.string()),
    /** IANA zone for follow-ups; settings' default when absent. */
    timeZone: v.optional(v.string()),
    /**
     * Name and @username as one searchable string (lib/contacts.ts); ingest
     * writes it on every contact, even empty, since convex-test's search
     * (the local runtime's engine) fails on a document lacking the field.
     */
    searchName: v.optional(v.string()),
    ...surveyContactFields,
  })
    // ingest: find the sender of an inbound message
    .index("by_channel_and_account_and_external_id", ["channel", "accountId", "externalId"])
    // backfill (inbox:backfillStatus): contacts stored before searchName existed
    .index("by_search_name", ["searchName"])
    // inbox search: contacts by name or @username
    .searchIndex("search_name", { searchField: "searchName", filterFields: ["channel"] }),

  /**
   * One chat on one channel (channel + account + external chat). Owner:
   * convex/model/conversations.ts (batching state for ingest, the tick and
   * settleBatch; takeover and escalation through its one hook); read by
   * every feature. Invariant: at most one tick job is
   * live per conversation, the one named in `state`.
   */
  conversations: defineTable({
    channel: vChannel,
    accountId: v.string(),
    chatId: v.string(),
    contactId: v.id("contacts"),
    state: vBatchingState,
    /** Bumped whenever the tick is re-armed or stopped; a tick carrying an older value exits. */
    tickGeneration: v.number(),
    /** When "typing…" last went to the channel; the tick refreshes it before it expires. */
    typingSentAt: v.optional(v.number()),
    /** Human takeover: automation (replies, follow-ups) is paused. */
    takeover: v.boolean(),
    takeoverReason: v.optional(v.string()),
    takeoverAt: v.optional(v.number()),
    /** The operator who took over; absent when the agent or a failure did. */
    takeoverBy: v.optional(v.id("users")),
    /** The operator who last ended an escalation (needsHuman) and when. */
    escalationResolvedBy: v.optional(v.id("users")),
    escalationResolvedAt: v.optional(v.number()),
    /** Set when the agent itself handed over while writing this batch's reply, which is still sent. */
    takeoverBatchId: v.optional(v.id("batches")),
    /** Set when a batch failed for good or delivery is uncertain. */
    needsHuman: v.optional(v.object({ reason: v.string(), since: v.number() })),
    /** Platform reply windows (Meta, WhatsApp: 24 h) count from here. */
    lastInboundAt: v.number(),
    /** Newest customer message id; WhatsApp typing marks it read. */
    lastInboundExternalId: v.optional(v.string()),
    threadId: v.optional(v.string()),
    businessConnectionId: v.optional(v.string()),
    /** What the list shows without reading messages. */
    lastMessagePreview: v.string(),
    lastMessageAt: v.number(),
    /** The inbox's view (lib/inbox.ts): the customer's newest line (its time is `lastInboundAt`)... */
    lastCustomerText: v.optional(v.string()),
    /** ...since when they wait: their first message after the last delivered reply; absent when answered. */
    awaitingReplySince: v.optional(v.number()),
    /** ...and who wrote the last delivered reply. */
    lastReplyAuthor: v.optional(v.union(v.literal("agent"), v.literal("human"))),
    tags: v.optional(v.array(v.string())),
    /**
     * Customer messages stored so far (ingest adds one in the patch it makes
     * anyway): unread = this minus the operator's `readMarkers.inboundSeen`,
     * one read per inbox row. Absent on conversations from before it was kept.
     */
    inboundCount: v.optional(v.number()),
    /** The operator who owns it in the inbox (Mine / Unassigned); set by assign, or by an operator's takeover when unowned. */
    assigneeId: v.optional(v.id("users")),
    /** Status, archive pointer and metadata: convex/lifecycle/schema.ts. */
    ...lifecycleConversationFields,
    ...surveyConversationFields,
  })
    // ingest: the conversation an inbound event belongs to
    .index("by_channel_and_account_and_chat", ["channel", "accountId", "chatId"])
    // dashboard list, newest first
    .index("by_last_message_at", ["lastMessageAt"])
    // backfill (inbox:backfillStatus): conversations stored before the inbox list fields existed
    .index("by_last_customer_text", ["lastCustomerText"])
    // dashboard list filtered by channel, newest first
    .index("by_channel_and_last_message_at", ["channel", "lastMessageAt"])
    // dashboard list of conversations waiting for a human, longest waiting first
    .index("by_needs_human_since", ["needsHuman.since"])
    // conversations in a batching state (flushAll, metrics gauges); and, ordered by when the burst
    // began, the watchdog's longest-buffering conversations (a burst whose tick.start never ran).
    // Named for its first field so the queries that use only that need not change.
    .index("by_state_kind", ["state.kind", "state.firstPendingAt"])
    // inbox search: a matching contact's conversations
    .index("by_contact_id", ["contactId"])
    // auto-resolve sweep: open conversations quiet the longest; inbox Open/Resolved tabs, newest first
    .index("by_status_and_last_message_at", ["status", "lastMessageAt"])
    // inbox Open/Resolved tabs filtered by channel, newest first
    .index("by_status_and_channel_and_last_message_at", ["status", "channel", "lastMessageAt"])
    // inbox Mine / Unassigned tabs (and their counts), newest first
    .index("by_status_and_assignee_id_and_last_message_at", ["status", "assigneeId", "lastMessageAt"])
    // navigation count: open conversations a human has taken over
    .index("by_status_and_takeover", ["status", "takeover"])
    // archive sweep by inactivity: hot conversations quiet the longest
    .index("by_archived_at_and_last_message_at", ["archivedAt", "lastMessageAt"])
    // archive sweep by age (hot ones, oldest first); the archived list (newest archived first)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_archived_at", ["archivedAt"]),

  /**
   * Every message in and out. Owner: convex/model/messages.ts. Inbound:
   * inserted by ingest, status advanced by claimBatch and settleBatch.
   * Outbound: recorded for batch replies, follow-ups and operators, final
   * status set by settleReply, then moved on by platform receipts.
   *
   * The burst buffer is the set of the conversation's `buffered` messages:
   * no separate pending table, so ingest writes one document per message
   * and the flush claims a batch by flipping statuses in one transaction.
   */
  messages: defineTable({
    conversationId: v.id("conversations"),
    channel: vChannel,
    accountId: v.string(),
    direction: v.union(v.literal("in"), v.literal("out")),
    /** Platform message id (dedupe key with channel + account); absent until an outbound send succeeds. */
    externalId: v.optional(v.string()),
    contactId: v.optional(v.id("contacts")),
    author: v.union(v.literal("customer"), v.literal("agent"), v.literal("human")),
    text: v.string(),
    attachments: v.array(vAttachment),
    status: vMessageStatus,
    /** Platform send time; orders a burst when arrivals interleave. */
    sentAt: v.number(),
    /** The platform gave no sane send time; `sentAt` is when it arrived. */
    sentAtEstimated: v.optional(v.boolean()),
    /** When ingest stored it (drives the batching window). */
    receivedAt: v.number(),
    batchId: v.optional(v.id("batches")),
    editedAt: v.optional(v.number()),
    error: v.optional(v.string()),
    /** Outbound: send attempts so far. */
    attempts: v.optional(v.number()),
    /** Outbound: the send's answer was lost; the platform's echo of it will confirm delivery (convex/outbound.ts). */
    awaitingEcho: v.optional(v.boolean()),
    reactions: v.optional(v.array(v.object({ emoji: v.string(), at: v.number() }))),
    callbackQueryId: v.optional(v.string()),
    /** author "human": the operator who wrote it. */
    operatorId: v.optional(v.id("users")),
    /** Outbound: the follow-up or reminder this message carries. */
    scheduledActionId: v.optional(v.id("scheduledActions")),
    /** Per-message labels: convex/lifecycle/schema.ts. */
    ...lifecycleMessageFields,
    ...surveyMessageFields,
  })
    // ingest: drop redeliveries; edits and receipts find their message
    .index("by_channel_and_account_and_external_id", ["channel", "accountId", "externalId"])
    // flush: claim the buffer; supersede guard: anything buffered after the claim
    .index("by_conversation_and_status", ["conversationId", "status"])
    // prompt history and the conversation timeline, in arrival order (the
    // status index would sort by status first)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_conversation", ["conversationId"])
    // a batch's messages, in and out
    .index("by_batch", ["batchId"])
    // inbox list: a conversation's newest customer line, newest reply, and
    // the first customer message after that reply (how long they wait)
    .index("by_conversation_and_direction", ["conversationId", "direction"])
    // inbox search: message text in any language, narrowed by channel
    .searchIndex("search_text", { searchField: "text", filterFields: ["channel"] })
    // stall sweep: outbound messages stuck in `sending`
    .index("by_status_and_sent_at", ["status", "sentAt"])
    // analytics and archiving: a conversation's messages by the time they
    // entered the system (in and out), e.g. "messages of conversation C
    // received between T1 and T2"
    .index("by_conversation_and_received_at", ["conversationId", "receivedAt"])
    // analytics rollups and retention: every message received between T1
    // and T2, oldest first, across conversations
    .index("by_received_at", ["receivedAt"]),

  /**
   * One flush of one burst: the unit of analytics and of "at most one reply".
   * Owner: convex/model/batches.ts (claimBatch creates, settleBatch ends);
   * read by the dashboard and the watchdog.
   */
  batches: defineTable({
    conversationId: v.id("conversations"),
    channel: vChannel,
    flushReason: vFlushReason,
    outcome: vBatchOutcome,
    messageCount: v.number(),
    totalCharacters: v.number(),
    /** First buffered message to flush. */
    bufferDurationMs: v.number(),
    flushedAt: v.number(),
    attempts: v.number(),
    /** When the current model attempt must be over; the watchdog acts after it. */
    leaseUntil: v.number(),
    processingDurationMs: v.optional(v.number()),
    responseLength: v.optional(v.number()),
    model: v.optional(v.string()),
    /** Which responder wrote the reply: Claude, the offline responder, or the after-hours notice. */
    responder: v.optional(vResponder),
    /** Tools the agent used while writing the reply, in order. */
    toolCalls: v.optional(v.array(vToolCall)),
    usage: v.optional(vTokenUsage),
    replyMessageId: v.optional(v.id("messages")),
    lastError: v.optional(v.string()),
    /** When it settled (replied, failed, superseded, skipped); set only by settleBatch. */
    completedAt: v.optional(v.number()),
    /** The model slot (modelSlots.slot) it holds while the model writes (processing), if it took one. */
    slot: v.optional(v.number()),
  })
    // dashboard: a conversation's batches; supersede counting
    .index("by_conversation", ["conversationId"])
    // watchdog: batches whose lease ran out
    .index("by_outcome_and_lease", ["outcome", "leaseUntil"])
    // analytics and retention: batches that settled between T1 and T2
    // (unsettled ones have no completedAt and sort first, before any range)
    .index("by_completed_at", ["completedAt"]),

  /**
   * Follow-ups and reminders the agent scheduled. Owner:
   * convex/model/scheduledActions.ts (the agent's tools insert, ingest
   * cancels on a customer reply, endAction ends); read by the dashboard. `jobId` is the scheduler entry that will run it.
   */
  scheduledActions: defineTable({
    conversationId: v.id("conversations"),
    kind: v.union(v.literal("followup"), v.literal("meeting_reminder")),
    dueAt: v.number(),
    status: v.union(
      v.literal("pending"),
      v.literal("sent"),
      v.literal("cancelled"),
      v.literal("failed"),
      v.literal("blocked"),
    ),
    attempts: v.number(),
    lastError: v.optional(v.string()),
    jobId: v.optional(v.id("_scheduled_functions")),
    note: v.string(),
    /** Follow-ups are cancelled by a customer reply; meeting reminders are not. */
    cancelOnReply: v.boolean(),
    /** The batch whose reply scheduled it: a superseded or retried draft takes it back. */
    batchId: v.optional(v.id("batches")),
    meetingId: v.optional(v.id("meetings")),
    /** When a held, deferred, paced or retried action is tried next; `dueAt` keeps the time asked for. */
    nextAttemptAt: v.optional(v.number()),
    /** Set once an overdue action (after downtime) got its place in the paced queue. */
    pacedAt: v.optional(v.number()),
    /** The outbound message carrying it, once composed. */
    messageId: v.optional(v.id("messages")),
    /** When it left `pending` (sent, failed, blocked, cancelled); set only by endAction. */
    endedAt: v.optional(v.number()),
  })
    // ingest: the conversation's pending follow-ups a reply cancels (reminders stay)
    .index("by_conversation_and_status_and_cancel_on_reply", ["conversationId", "status", "cancelOnReply"])
    // dashboard: follow-ups by due time; recovery pacing: overdue ones, oldest first
    .index("by_status_and_due_at", ["status", "dueAt"])
    // a retried or superseded draft withdraws what it scheduled
    .index("by_batch", ["batchId"])
    // stall sweep: pending actions whose next run is long overdue
    .index("by_status_and_next_attempt_at", ["status", "nextAttemptAt"])
    // analytics and retention: actions that ended between T1 and T2
    // (pending ones have no endedAt and sort first, before any range)
    .index("by_ended_at", ["endedAt"])
    // archiving: a conversation's actions up to the archive's cut-off, by creation time
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_conversation", ["conversationId"]),

  /**
   * The LLM concurrency bound: `llmConcurrency` slot documents, each held by
   * at most one batch while the model writes its draft. Written only by
   * convex/model/slots.ts (claimed by a due tick with point reads, freed when
   * the draft is recorded or by settleBatch, whichever comes first; a send
   * being retried holds none), so
   * unrelated conversations never read what others write.
   */
  modelSlots: defineTable({
    slot: v.number(),
    batchId: v.optional(v.id("batches")),
  })
    // claim and free: one point read of slot N
    .index("by_slot", ["slot"]),

  /**
   * Meetings booked by the agent. Owner: convex/model/meetings.ts (the
   * booking tool inserts, settleBatch cancels an unsent draft's); read by slot
   * search (the built-in calendar's busy times) and the dashboard.
   */
  meetings: defineTable({
    conversationId: v.id("conversations"),
    batchId: v.optional(v.id("batches")),
    start: v.number(),
    end: v.number(),
    topic: v.string(),
    email: v.optional(v.string()),
    /** Where the booking lives: "builtin", or the external services used. */
    provider: v.string(),
    joinUrl: v.optional(v.string()),
    zoomMeetingId: v.optional(v.string()),
    googleEventId: v.optional(v.string()),
    status: v.union(v.literal("booked"), v.literal("cancelled")),
  })
    // slot search and double-booking check: meetings overlapping a range
    .index("by_status_and_start", ["status", "start"])
    // a draft that was not sent cancels what it booked
    .index("by_batch", ["batchId"])
    // conversation page: the customer's booked meetings, soonest first
    .index("by_conversation_and_status_and_start", ["conversationId", "status", "start"])
    // archiving: a conversation's meetings up to the archive's cut-off (by creation time)
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_conversation", ["conversationId"]),

  /**
   * The one settings document (key "global"). Owner: convex/model/settings.ts
   * (operators, through the
   * dashboard form, or by hand in the Convex dashboard); read by ingest and
   * the batch lifecycle. Every field is optional so a hand edit can leave
   * any out: lib/settings.ts fills defaults.
   */
  settings: defineTable({
    key: v.literal("global"),
    ...vSettingsFields,
    /** The operator who last saved the form. */
    updatedBy: v.optional(v.id("users")),
    updatedAt: v.optional(v.number()),
  })
    // the single settings document
    .index("by_key", ["key"]),

  /**
   * Webhook events Convex refused as input, kept for a retry instead of
   * only a log line. Owner: convex/model/deadLetters.ts. Written by the
   * webhook route (deadLetters:record, ingest secret); read, retried and
   * dismissed on the Maintenance page; purged after `deadLetterRetentionDays`
   * by the cleanup run. The event is JSON text, not a Convex value: it was
   * refused as one.
   */
  deadLetters: defineTable({
    channel: vChannel,
    /** Why it was refused (the latest reason, after a retry that failed again). */
    reason: v.string(),
    /** The normalized event as JSON, cut to DEAD_LETTER_MAX_BYTES. */
    eventJson: v.string(),
    /** The JSON was cut: the stored text is not the whole event and cannot be retried. */
    truncated: v.boolean(),
    /** The whole event's size in UTF-8 bytes. */
    bytes: v.number(),
    /** Channel + event kind + external id (or a hash of the JSON): a redelivered POST is not kept twice. */
    key: v.string(),
    receivedAt: v.number(),
    retries: v.optional(v.number()),
    lastRetryAt: v.optional(v.number()),
  })
    // Maintenance page (newest first) and retention (oldest first)
    .index("by_received_at", ["receivedAt"])
    // record: drop a redelivered event already kept
    .index("by_key", ["key"]),

  ...analyticsTables,
  ...lifecycleTables,
});
