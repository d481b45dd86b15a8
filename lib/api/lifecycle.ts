/**
 * The conversation lifecycle's operator API (issue 12): zod shapes and the
 * endpoint entries, added to ENDPOINTS in lib/api/endpoints.ts. Bodies are
 * strict (an unknown field is refused with its name); ids are checked again
 * in Convex (convex/lifecycle/api.ts), where a malformed one is NOT_FOUND.
 */
import { z } from "zod";
import { MAX_ARCHIVE_SELECTION } from "../lifecycle/archive";
import { CLEANUP_PHASES } from "../lifecycle/rules";
import type { Endpoint } from "./endpoints";


const id = (what: string) => z.string().min(1).max(100).describe(`The ${what}'s id`);
const cursor = z.string().max(4000).optional().describe("`nextCursor` of the previous page");
const limit = z.coerce.number().int().min(1).max(100).default(25).describe("Items per page (1–100)");
const nextCursor = z.string().nullable().describe("Pass as `cursor` for the next page; null at the end");
const ok = z.object({ ok: z.literal(true) });

const archiveStatus = z.enum(["writing", "removing", "archived", "restoring", "restored", "failed"]);

export const archiveBody = z.strictObject({
  conversationIds: z.array(id("conversation")).min(1).max(MAX_ARCHIVE_SELECTION).describe(`1–${MAX_ARCHIVE_SELECTION} different conversations, archived all or none`),
  reason: z.string().trim().max(500).optional().describe("Why (kept on the archive's manifest)"),
  compress: z
    .literal(true)
    .default(true)
    .describe("Archives are always gzip-compressed JSON; `false` is refused rather than ignored"),
});

export const archiveConversationsEndpoint = {
  method: "post",
  path: "/api/conversations/archive",
  operationId: "archiveConversations",
  summary: "Archive conversations (manual); messages move to a compressed blob in the background",
  body: archiveBody,
  response: z.object({ archiveIds: z.array(z.string()).describe("One archive per conversation, in request order") }),
} satisfies Endpoint;

export const archiveItemSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  status: archiveStatus,
  reason: z.enum(["age", "inactivity", "resolved_quiet", "manual"]),
  note: z.string().optional(),
  requestedBy: z.string().describe("An operator's user id, `auto`, or `api:<key prefix>`"),
  createdAt: z.number(),
  archivedAt: z.number().optional(),
  restoredAt: z.number().optional(),
  sha256: z.string().optional(),
  rawBytes: z.number().optional(),
  compressedBytes: z.number().optional(),
  counts: z.record(z.string(), z.number()).optional().describe("Rows archived per table"),
  lastError: z.string().optional(),
});

export const listArchivesEndpoint = {
  method: "get",
  path: "/api/conversations/archives",
  operationId: "listArchives",
  summary: "Archive manifests, newest first",
  query: z.strictObject({ cursor, limit }),
  response: z.object({ items: z.array(archiveItemSchema), nextCursor }),
} satisfies Endpoint;

export const unarchiveEndpoint = {
  method: "post",
  path: "/api/conversations/unarchive",
  operationId: "unarchiveConversation",
  summary: "Restore a conversation's latest archive (hash verified first; runs in the background)",
  body: z.strictObject({ conversationId: id("conversation") }),
  response: z.object({ archiveId: z.string() }),
} satisfies Endpoint;

export const syncEndpoint = {
  method: "post",
  path: "/api/conversations/sync",
  operationId: "syncConversations",
  summary: "Sync with the platform: one conversation, or every recently active Messenger/Instagram one",
  body: z.strictObject({
    conversationId: id("conversation").optional(),
    mode: z.enum(["incremental", "full"]),
  }),
  response: z.object({ scheduled: z.number().describe("Conversations whose sync was scheduled") }),
} satisfies Endpoint;

export const syncStatusEndpoint = {
  method: "get",
  path: "/api/conversations/sync-status",
  operationId: "syncStatus",
  summary: "Sync status per conversation",
  query: z.strictObject({ conversationId: id("conversation").optional(), cursor, limit }),
  response: z.object({
    items: z.array(
      z.object({
        conversationId: z.string(),
        status: z.enum(["synced", "pending", "failed", "unsupported"]),
        lastSyncAt: z.number().optional(),
        retryCount: z.number(),
        nextAttemptAt: z.number().optional(),
        error: z.string().optional(),
        stored: z.number().optional(),
        late: z.number().optional(),
      }),
    ),
    nextCursor,
  }),
} satisfies Endpoint;

export const cleanupEndpoint = {
  method: "post",
  path: "/api/database/cleanup",
  operationId: "runCleanup",
  summary: "Start a retention and orphan cleanup run now (409 while one is running)",
  body: z.strictObject({
    config: z
      .strictObject({
        phases: z.array(z.enum(CLEANUP_PHASES)).min(1).optional().describe("Only these phases (default: all, in order)"),
        archiveRetentionDays: z
          .number()
          .int()
          .min(0)
          .max(36500)
          .optional()
          .describe("This run only: delete archives older than this many days instead of the setting's (0 keeps them)"),
      })
      .optional(),
  }),
  response: z.object({ runId: z.string().describe("The maintenance run; its counts show on the Maintenance page") }),
} satisfies Endpoint;

export const statsEndpoint = {
  method: "get",
  path: "/api/database/stats",
  operationId: "databaseStats",
  summary: "Documents and approximate bytes per table, as of the last stats run",
  query: z.strictObject({}),
  response: z.object({
    tables: z.array(z.object({ table: z.string(), documents: z.number(), approxBytes: z.number(), computedAt: z.number().describe("As of (Unix ms)") })),
  }),
} satisfies Endpoint;

export const conversationMessagesEndpoint = {
  method: "get",
  path: "/api/conversations/{id}/messages",
  operationId: "conversationMessages",
  summary: "A conversation's messages, archived or not, oldest first: archived ones (read from the archive) before the hot table's",
  params: z.strictObject({ id: id("conversation") }),
  query: z.strictObject({ cursor, limit }),
  response: z.object({
    items: z.array(
      z.object({
        id: z.string().describe("For an archived message, its id before archiving (no longer a document)"),
        archived: z.boolean().describe("Read from an archive blob; unarchive to label or analyze it"),
        direction: z.enum(["in", "out"]),
        author: z.enum(["customer", "agent", "human"]),
        text: z.string(),
        status: z.string(),
        sentAt: z.number(),
        receivedAt: z.number(),
        labels: z
          .object({
            auto: z
              .object({
                sentiment: z.enum(["positive", "neutral", "negative", "mixed"]),
                category: z.string(),
                tags: z.array(z.string()),
                summary: z.string(),
                language: z.string(),
                source: z.enum(["claude", "offline"]),
                analyzedAt: z.number(),
              })
              .optional(),
            manual: z
              .object({
                category: z.string().optional(),
                tags: z.array(z.string()).optional(),
                custom: z.record(z.string(), z.string()).optional(),
                editedAt: z.number(),
                editedBy: z.string().describe("An operator's user id or `api:<key prefix>`"),
              })
              .optional(),
          })
          .optional()
          .describe("Labels on request: the model's (or offline) and manual ones, which win"),
      }),
    ),
    nextCursor,
  }),
} satisfies Endpoint;

const tag = z.string().trim().min(1).max(40);
const CUSTOM_FIELD = z.string().max(500);

/** `tags`, `category`, and any other string fields (kept as custom labels). */
export const messageMetadataBody = z
  .object({
    tags: z.array(tag).max(20).optional(),
    category: z.string().trim().min(1).max(80).optional(),
  })
  .catchall(CUSTOM_FIELD)
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field" })
  .refine((body) => Object.keys(body).filter((k) => k !== "tags" && k !== "category").length <= 20, { message: "at most 20 custom fields" });

export const messageMetadataEndpoint = {
  method: "post",
  path: "/api/messages/{id}/metadata",
  operationId: "setMessageMetadata",
  summary: "Label a message: tags, category and custom string fields; manual labels are never overwritten by the model",
  params: z.strictObject({ id: id("message") }),
  body: messageMetadataBody,
  response: ok,
} satisfies Endpoint;

export const analyzeMessageEndpoint = {
  method: "post",
  path: "/api/messages/{id}/analyze",
  operationId: "analyzeMessage",
  summary: "Label one message with Claude (or offline heuristics) in the background",
  params: z.strictObject({ id: id("message") }),
  body: z.strictObject({}),
  response: ok,
} satisfies Endpoint;

export const LIFECYCLE_ENDPOINTS: Endpoint[] = [
  archiveConversationsEndpoint,
  listArchivesEndpoint,
  unarchiveEndpoint,
  syncEndpoint,
  syncStatusEndpoint,
  cleanupEndpoint,
  statsEndpoint,
  conversationMessagesEndpoint,
  messageMetadataEndpoint,
  analyzeMessageEndpoint,
];
