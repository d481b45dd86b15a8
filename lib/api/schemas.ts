/**
 * The operator HTTP API's shapes, in zod: route handlers parse input and
 * check output with them, and the OpenAPI document is generated from them
 * (lib/api/openapi.ts), so the two cannot drift.
 */
import { z } from "zod";

export const CHANNELS = ["telegram", "messenger", "instagram", "whatsapp", "web"] as const;

/** Every 4xx/5xx body: a machine code and a sentence for people. */
export const apiErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof apiErrorSchema>;

export const listConversationsQuery = z.object({
  channel: z.enum(CHANNELS).optional().describe("Only this channel"),
  q: z.string().max(200).optional().describe("Contact name contains this (case-insensitive)"),
  cursor: z.string().max(4000).optional().describe("`nextCursor` of the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(25).describe("Conversations read per page (1–100)"),
});

export const conversationItemSchema = z
  .object({
    id: z.string(),
    channel: z.enum(CHANNELS),
    accountId: z.string(),
    externalChatId: z.string().describe("The platform's chat id (for web chat, an opaque id, never the visitor's session)"),
    contact: z.object({ name: z.string().nullable() }),
    lastMessageAt: z.number().describe("Unix time in milliseconds"),
    needsHuman: z.boolean(),
    takeover: z.boolean(),
  });

export const listConversationsResponse = z
  .object({
    items: z.array(conversationItemSchema),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null at the end"),
  });
