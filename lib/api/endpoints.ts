/**
 * The operator API's endpoints: one entry per route handler under app/api
 * (webhooks and health excepted). The OpenAPI document is built from this
 * list, and tests/api checks every entry has its route file and back.
 */
import type { z } from "zod";
import { reportResponse, reportsQuery } from "./reports";
import { listConversationsQuery, listConversationsResponse } from "./schemas";

export type Endpoint = {
  method: "get" | "post";
  /** OpenAPI path, `{param}` for path parameters. */
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodObject;
  response: z.ZodType;
  /** Other 200 bodies than the JSON `response`, by content type (the document says each is a string). */
  textResponses?: Record<string, string>;
};

export const listConversations = {
  method: "get",
  path: "/api/conversations",
  operationId: "listConversations",
  summary: "Conversations, newest message first",
  query: listConversationsQuery,
  response: listConversationsResponse,
} satisfies Endpoint;

// --- Reports (issue 11) ---

export const getReport = {
  method: "get",
  path: "/api/reports",
  operationId: "getReport",
  summary: "A daily, weekly or monthly report: JSON sections, or CSV with one row per conversation",
  query: reportsQuery,
  response: reportResponse,
  textResponses: { "text/csv": "format=csv: one row per conversation, streamed; cells a spreadsheet would run as a formula start with '" },
} satisfies Endpoint;

export const ENDPOINTS: Endpoint[] = [listConversations, getReport];
