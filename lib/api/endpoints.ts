/**
 * The operator API's endpoints: one entry per route handler under app/api
 * (webhooks and health excepted). The OpenAPI document is built from this
 * list, and tests/api checks every entry has its route file and back.
 */
import type { z } from "zod";
import { reportResponse, reportsQuery } from "./reports";
import { listConversationsQuery, listConversationsResponse } from "./schemas";
import {
  analyticsDashboardQuery,
  analyticsDashboardResponse,
  analyticsTimeseriesQuery,
  analyticsTimeseriesResponse,
  metricsQuery,
  metricsResponse,
} from "./analytics";

export type Endpoint = {
  method: "get" | "post";
  /** OpenAPI path, `{param}` for path parameters. */
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodObject;
  response: z.ZodType;
  /** The 200 body's media type when it is not JSON (the response schema is then a string). */
  contentType?: "text/plain; version=0.0.4; charset=utf-8";
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

// --- Analytics (issue 11): the cards, a time series, Prometheus metrics.

export const analyticsDashboard = {
  method: "get",
  path: "/api/analytics/dashboard",
  operationId: "analyticsDashboard",
  summary: "Today vs yesterday: conversations, messages, first response p50/p95, escalation rate, CSAT",
  query: analyticsDashboardQuery,
  response: analyticsDashboardResponse,
} satisfies Endpoint;

export const analyticsTimeseries = {
  method: "get",
  path: "/api/analytics/timeseries",
  operationId: "analyticsTimeseries",
  summary: "One event type per hour, day, week or month, optionally grouped by channel, staff, intent or kind",
  query: analyticsTimeseriesQuery,
  response: analyticsTimeseriesResponse,
} satisfies Endpoint;

export const metrics = {
  method: "get",
  path: "/api/metrics",
  operationId: "metrics",
  summary: "Prometheus metrics: counters, gauges and the reply-time histogram",
  query: metricsQuery,
  response: metricsResponse,
  contentType: "text/plain; version=0.0.4; charset=utf-8",
} satisfies Endpoint;

const ANALYTICS_ENDPOINTS: Endpoint[] = [analyticsDashboard, analyticsTimeseries, metrics];

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

export const ENDPOINTS: Endpoint[] = [listConversations, ...ANALYTICS_ENDPOINTS, getReport];
