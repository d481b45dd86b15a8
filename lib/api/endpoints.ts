/**
 * The operator API's endpoints: one entry per route handler under app/api
 * (webhooks and health excepted). The OpenAPI document is built from this
 * list, and tests/api checks every entry has its route file and back.
 */
import type { z } from "zod";
import { LIFECYCLE_ENDPOINTS } from "./lifecycle";
import { listConversationsQuery, listConversationsResponse } from "./schemas";

export type Endpoint = {
  method: "get" | "post";
  /** OpenAPI path, `{param}` for path parameters. */
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodObject;
  /** Path parameters (`{id}` in `path`). */
  params?: z.ZodObject;
  /** JSON request body (POST); strict, so unknown fields are refused. */
  body?: z.ZodObject;
  response: z.ZodType;
};

export const listConversations = {
  method: "get",
  path: "/api/conversations",
  operationId: "listConversations",
  summary: "Conversations, newest message first",
  query: listConversationsQuery,
  response: listConversationsResponse,
} satisfies Endpoint;

export const ENDPOINTS: Endpoint[] = [
  listConversations,
  // Conversation lifecycle (issue 12): lib/api/lifecycle.ts
  ...LIFECYCLE_ENDPOINTS,
];
