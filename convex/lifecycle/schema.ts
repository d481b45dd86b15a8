/**
 * The conversation lifecycle's part of the schema: status, archives, read
 * markers, maintenance runs and database stats. Spread into convex/schema.ts
 * so the lifecycle's tables and their invariants read in one place.
 */
import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";
import { vChannel } from "../validators";

export const vConversationStatus = v.union(v.literal("open"), v.literal("resolved"));

export const vArchiveReason = v.union(v.literal("age"), v.literal("inactivity"), v.literal("resolved_quiet"), v.literal("manual"));

export const vSentiment = v.union(v.literal("positive"), v.literal("neutral"), v.literal("negative"), v.literal("mixed"));

/** What the labelling run wrote; `source` says whether Claude or the offline heuristic did. */
export const vAutoMetadata = v.object({
  sentiment: vSentiment,
  category: v.string(),
  tags: v.array(v.string()),
  summary: v.string(),
  language: v.string(),
  source: v.union(v.literal("claude"), v.literal("offline")),
  model: v.optional(v.string()),
  analyzedAt: v.number(),
  /** The conversation's `lastMessageAt` the labels describe; newer messages mean "changed since". */
  analyzedThrough: v.number(),
});
export type AutoMetadata = Infer<typeof vAutoMetadata>;

/** An operator's edits; each field present wins over the automatic value and is never overwritten by a run. */
export const vManualMetadata = v.object({
  sentiment: v.optional(vSentiment),
  category: v.optional(v.string()),
  tags: v.optional(v.array(v.string())),
  summary: v.optional(v.string()),
  language: v.optional(v.string()),
  editedAt: v.number(),
  editedBy: v.string(),
});

/** Optional so conversations written before the lifecycle existed stay valid: absent status means open. */
export const lifecycleConversationFields = {
  status: v.optional(vConversationStatus),
  resolvedAt: v.optional(v.number()),
  /** Operator id, or "auto" for the quiet-time rule. */
  resolvedBy: v.optional(v.string()),
  reopenedAt: v.optional(v.number()),
  /** When a human's reply last reached the customer: customer messages received before it count as processed. */
  humanAnsweredAt: v.optional(v.number()),
  /** Set while the conversation's history lives in an archive; cleared when it is restored or the customer writes again. */
  archivedAt: v.optional(v.number()),
  archiveId: v.optional(v.id("archives")),
  metadata: v.optional(vAutoMetadata),
  metadataManual: v.optional(vManualMetadata),
};

/** Labels of one message, on request: the model's (or offline) answer, and an operator's own fields that win. */
export const vMessageLabels = v.object({
  auto: v.optional(
    v.object({
      sentiment: vSentiment,
      category: v.string(),
      tags: v.array(v.string()),
      summary: v.string(),
      language: v.string(),
      source: v.union(v.literal("claude"), v.literal("offline")),
      analyzedAt: v.number(),
    }),
  ),
  manual: v.optional(
    v.object({
      category: v.optional(v.string()),
      tags: v.optional(v.array(v.string())),
      /** The business's own fields, e.g. { orderId: "A-1042" }. */
      custom: v.optional(v.record(v.string(), v.string())),
      editedAt: v.number(),
      editedBy: v.string(),
    }),
  ),
});

export const lifecycleMessageFields = {
  labels: v.optional(vMessageLabels),
};

export const vArchiveStatus = v.union(
  v.literal("writing"), // the blob is being built; nothing removed yet
  v.literal("removing"), // the blob is stored; hot rows are being removed in pages
  v.literal("archived"), // hot rows gone; the blob holds them
  v.literal("restoring"), // unarchive in progress
  v.literal("restored"), // rows are back in the hot tables; the blob is deleted
  v.literal("failed"), // writing failed before anything was removed (see lastError)
);
export type ArchiveStatus = Infer<typeof vArchiveStatus>;

export const vArchiveCounts = v.object({
  batches: v.number(),
  meetings: v.number(),
  scheduledActions: v.number(),
  messages: v.number(),
});

export const vMaintenanceKind = v.union(
  v.literal("archive"),
  v.literal("cleanup"),
  v.literal("stats"),
  v.literal("autoResolve"),
  v.literal("metadata"),
);
export type MaintenanceKind = Infer<typeof vMaintenanceKind>;

export const lifecycleTables = {
  /**
   * One archive of one conversation's history (manifest + blob). Written
   * only by convex/lifecycle/archive.ts and unarchive.ts; read by the
   * dashboard, retention and the messages-of-a-conversation reader.
   * Invariant: while `status` is removing or archived, every row of the
   * conversation created at or before `cutoff` is in the blob, and the
   * blob's SHA-256 is `sha256`.
   */
  archives: defineTable({
    conversationId: v.id("conversations"),
    status: vArchiveStatus,
    reason: vArchiveReason,
    note: v.optional(v.string()),
    requestedBy: v.string(),
    /** Rows created at or before this `_creationTime` belong to this archive. */
    cutoff: v.number(),
    storageId: v.optional(v.id("_storage")),
    sha256: v.optional(v.string()),
    rawBytes: v.optional(v.number()),
    compressedBytes: v.optional(v.number()),
    counts: v.optional(vArchiveCounts),
    archivedAt: v.optional(v.number()),
    restoredAt: v.optional(v.number()),
    lastError: v.optional(v.string()),
    /**
     * While writing or restoring: the job counts as alive until then. Each
     * restore page extends it; the recovery cron restarts a job whose
     * lease has run out (its action died), and the rerun picks up where
     * the last one stopped (see `restoredRowIds`).
     */
    leaseUntil: v.optional(v.number()),
    /** Rows a restore has put back so far (all runs together). */
    restoredRows: v.optional(v.number()),
    /** Times the recovery cron restarted this job; it stops trying after MAX_RESUMES (an operator can still). */
    resumes: v.optional(v.number()),
    /**
     * The restore run allowed to write: each start or resume takes the next
     * number, and a page from an older run is refused, so two runs never
     * insert side by side and a new run's view of what is back is complete.
     */
    restoreRun: v.optional(v.number()),
  })
    // a conversation's archives, newest first (unarchive, history on demand)
    .index("by_conversation", ["conversationId"])
    // retention: archives by status, oldest first; the archives list
    .index("by_status", ["status"])
    // orphan blob check: is this storage id an archive's?
    .index("by_storage_id", ["storageId"]),

  /**
   * Platform message ids of archived messages, so a redelivery (Meta
   * retries for up to 36 h) is still a duplicate. Written by archive
   * removal, deleted by unarchive and retention; read by ingest (an index
   * lookup that finds nothing reads no document).
   */
  archivedMessageKeys: defineTable({
    channel: vChannel,
    accountId: v.string(),
    externalId: v.string(),
    archiveId: v.id("archives"),
  })
    // ingest: is this redelivered message id an archived one?
    .index("by_channel_and_account_and_external_id", ["channel", "accountId", "externalId"])
    // unarchive and retention: an archive's keys
    .index("by_archive", ["archiveId"]),

  /**
   * A restore's progress: for each archived row put back, its old and new
   * id, written in the same transaction as the row. A restore that dies
   * half-way resumes from here without inserting a row twice, and remaps
   * references to rows an earlier run restored. Deleted, in pages, once
   * the archive is restored.
   */
  restoredRowIds: defineTable({
    archiveId: v.id("archives"),
    oldId: v.string(),
    newId: v.string(),
  })
    // restore: the id map of what earlier runs put back, a page at a time; removal in pages
    .index("by_archive_and_old_id", ["archiveId", "oldId"]),

  /**
   * Per operator, per conversation: the newest inbound message time they
   * have seen (Chatwoot's agent_last_seen_at). Unread = the conversation's
   * `lastInboundAt` is newer. Written by operators only, so ingest never
   * touches a counter.
   */
  readMarkers: defineTable({
    operatorId: v.string(),
    conversationId: v.id("conversations"),
    lastReadAt: v.number(),
    /** The conversation's `inboundCount` up to `lastReadAt`: unread = inboundCount − inboundSeen. Absent on markers from before it was kept. */
    inboundSeen: v.optional(v.number()),
  })
    // unread flag and count for one operator
    .index("by_operator_and_conversation", ["operatorId", "conversationId"])
    // orphan cleanup: markers of a deleted conversation
    .index("by_conversation", ["conversationId"]),

  /**
   * One run of a maintenance job (cron or "run now"). Written by the job
   * as it pages; read by the Maintenance page and by the local-time cron
   * gate (`localDate`: the business day a scheduled run was for).
   */
  maintenanceRuns: defineTable({
    kind: vMaintenanceKind,
    trigger: v.union(v.literal("cron"), v.literal("manual")),
    localDate: v.optional(v.string()),
    status: v.union(v.literal("running"), v.literal("done"), v.literal("failed")),
    startedAt: v.number(),
    finishedAt: v.optional(v.number()),
    pages: v.number(),
    /** What was done, by name: archivesDeleted, orphanMessages, resolved… */
    counts: v.record(v.string(), v.number()),
    bytesFreed: v.optional(v.number()),
    /** Where a paged run continues (a cursor or phase); opaque to readers. */
    cursor: v.optional(v.string()),
    phase: v.optional(v.string()),
    /** Stats run: per table documents and bytes so far. */
    tables: v.optional(v.record(v.string(), v.object({ documents: v.number(), bytes: v.number() }))),
    note: v.optional(v.string()),
    error: v.optional(v.string()),
  })
    // Maintenance page and the cron gate: a kind's runs, newest first
    .index("by_kind", ["kind"]),

  /**
   * History sync with the platform, one row per conversation synced (or
   * found unsupported). Written by convex/lifecycle/sync.ts; read by the
   * conversation page and the sync cron.
   */
  syncStatus: defineTable({
    conversationId: v.id("conversations"),
    status: v.union(v.literal("synced"), v.literal("pending"), v.literal("failed"), v.literal("unsupported")),
    lastSyncAt: v.optional(v.number()),
    /** Newest platform message time seen; the next incremental sync asks for newer ones. */
    syncedThrough: v.optional(v.number()),
    retryCount: v.number(),
    nextAttemptAt: v.optional(v.number()),
    error: v.optional(v.string()),
    /** Last run's figures: messages stored, and how many of those were too old to answer. */
    stored: v.optional(v.number()),
    late: v.optional(v.number()),
  })
    // one row per conversation
    .index("by_conversation", ["conversationId"]),

  /**
   * The last finished stats run's figures, one row per table. Written by
   * the stats job at its end; read by the Maintenance page (never counted
   * on page load: Convex has no cheap count).
   */
  databaseStats: defineTable({
    table: v.string(),
    documents: v.number(),
    approxBytes: v.number(),
    computedAt: v.number(),
  })
    // one row per table
    .index("by_table", ["table"]),
};
