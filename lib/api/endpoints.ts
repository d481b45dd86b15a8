/**
 * The operator API's endpoints: one entry per route handler under app/api
 * (webhooks and health excepted). The OpenAPI document is built from this
 * list, and tests/api checks every entry has its route file and back.
 */
import type { z } from "zod";
import { listConversationsQuery, listConversationsResponse } from "./schemas";

export type Endpoint = {
  method: "get" | "post";
  /** OpenAPI path, `{param}` for path parameters. */
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodObject;
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

export const ENDPOINTS: Endpoint[] = [listConversations];
