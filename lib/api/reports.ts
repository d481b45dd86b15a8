/**
 * GET /api/reports: the scheduled reports' builder (lib/analytics/report.ts)
 * run for a span an API caller names, as JSON sections or as CSV streamed a
 * page of rows at a time. The events are read through the same pages the
 * report writer uses (convex/reportsApi.ts over convex/analytics/reports.ts).
 */
import type { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { z } from "zod";
import {
  channelBreakdown,
  conversationRows,
  loadReportEvents,
  namedRowPages,
  REPORT_PERIODS,
  REPORT_SECTIONS,
  reportCsvLines,
  reportSpan,
  reportSummary,
  ReportTooLargeError,
  responseTimes,
  satisfaction,
  staffIdsOf,
  staffPerformance,
  topIntents,
  type NamedRow,
  type ReportChannel,
  type ReportEventsPage,
  type ReportSource,
} from "../analytics/report";
import { CHANNELS } from "./schemas";

const date = z.iso.date();

export const reportsQuery = z.object({
  type: z.enum(REPORT_PERIODS).describe("Period the report is cut in: a day, an ISO week (Monday first) or a month, in the business time zone"),
  from: date
    .optional()
    .describe("First day (YYYY-MM-DD, business zone), moved back to the start of its period; without it, the last closed period"),
  to: date.optional().describe("Last day (YYYY-MM-DD, inclusive), moved on to the end of its period; without it, one period"),
  sections: z
    .string()
    .max(200)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === "") return [...REPORT_SECTIONS];
      const names = [...new Set(s.split(",").map((x) => x.trim()))];
      const unknown = names.filter((n) => !(REPORT_SECTIONS as readonly string[]).includes(n));
      if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown section ${unknown.join(", ")}; one of ${REPORT_SECTIONS.join(", ")}` });
      return names as (typeof REPORT_SECTIONS)[number][];
    })
    .describe(`Comma-separated JSON sections (default all): ${REPORT_SECTIONS.join(", ")}. CSV is always one row per conversation`),
  format: z.enum(["json", "csv"]).default("json").describe("json, or csv (text/csv, one row per conversation, streamed)"),
});

const ms = z.number().describe("Milliseconds");
const timing = z.object({ count: z.number(), p50Ms: ms.nullable(), p95Ms: ms.nullable() });
const sideTimes = z.object({ firstResponse: timing, reply: timing });
const distribution = z.array(z.object({ rating: z.number(), count: z.number() }));

export const reportResponse = z.object({
  type: z.enum(REPORT_PERIODS),
  timeZone: z.string(),
  from: z.number().describe("Start, Unix time in milliseconds (inclusive)"),
  to: z.number().describe("End, Unix time in milliseconds (exclusive)"),
  periods: z.number().describe("Periods of `type` the span covers"),
  summary: z
    .object({
      conversations: z.number(),
      messagesIn: z.number(),
      messagesOut: z.number(),
      resolved: z.number(),
      aiResolved: z.number(),
      escalated: z.number(),
      csatAverage: z.number().nullable(),
      csatResponses: z.number(),
      nps: z.number().nullable(),
      npsResponses: z.number(),
    })
    .optional(),
  conversations: z
    .array(
      z.object({
        conversationId: z.string(),
        channel: z.string(),
        contact: z.string(),
        contactId: z.string().nullable(),
        firstAt: z.number(),
        lastAt: z.number(),
        messagesIn: z.number(),
        messagesOut: z.number(),
        botReplies: z.number(),
        staffReplies: z.number(),
        firstResponseMs: ms.nullable(),
        escalations: z.number(),
        resolutions: z.number(),
        resolutionMs: ms.nullable(),
        resolvedBy: z.enum(["ai", "human"]).nullable(),
        reopened: z.number(),
        csat: z.number().nullable(),
        nps: z.number().nullable(),
        feedback: z.string().nullable(),
        intent: z.string().nullable(),
      }),
    )
    .optional()
    .describe("One entry per conversation with events in the span, oldest first within a channel"),
  response_times: z.object({ bot: sideTimes, staff: sideTimes }).optional(),
  staff_performance: z
    .array(
      z.object({
        staffId: z.string().describe("The operator's user id"),
        operator: z.string().describe("The operator's email (or name); the user id for an operator whose account is gone"),
        conversations: z.number(),
        replies: z.number(),
        replyTimeP50Ms: ms.nullable(),
        resolutions: z.number(),
        csatAverage: z.number().nullable(),
      }),
    )
    .optional(),
  satisfaction: z
    .object({
      surveysSent: z.number(),
      feedbackReceived: z.number(),
      csat: z.object({ average: z.number().nullable(), responses: z.number(), distribution }),
      nps: z.object({ score: z.number().nullable(), responses: z.number(), distribution }),
    })
    .optional(),
  top_intents: z.array(z.object({ intent: z.string(), conversations: z.number() })).optional(),
  channel_breakdown: z
    .array(
      z.object({
        channel: z.enum(CHANNELS),
        conversations: z.number(),
        messagesIn: z.number(),
        messagesOut: z.number(),
        escalated: z.number(),
        resolved: z.number(),
      }),
    )
    .optional(),
});
export type ReportResponse = z.input<typeof reportResponse>;

/** Referenced by name so the API builds whatever state convex/_generated is in. */
const timeZoneRef = makeFunctionReference<"query", { apiKey: string }, string>("reportsApi:timeZone");
const eventsPageRef = makeFunctionReference<
  "query",
  { apiKey: string; channel: ReportChannel; from: number; to: number; cursor: string | null },
  ReportEventsPage
>("reportsApi:eventsPage");
const staffNamesRef = makeFunctionReference<"query", { apiKey: string; staffIds: string[] }, Record<string, string>>("reportsApi:staffNames");
const contactNamesRef = makeFunctionReference<"query", { apiKey: string; contactIds: string[] }, Record<string, string>>(
  "reportsApi:contactNames",
);

type Context = { apiKey: string; convex: ConvexHttpClient; query: z.output<typeof reportsQuery> };

export async function runReport({ apiKey, convex, query }: Context, now: number): Promise<ReportResponse | Response> {
  const timeZone = await convex.query(timeZoneRef, { apiKey });
  const span = reportSpan(query.type, query, now, timeZone);
  if ("error" in span) throw new ConvexError({ code: "BAD_REQUEST", message: `query.${span.error}` });
  const source: ReportSource = {
    eventsPage: (args) => convex.query(eventsPageRef, { apiKey, ...args }),
    contactNames: (contactIds) => convex.query(contactNamesRef, { apiKey, contactIds }),
  };
  let events;
  try {
    events = await loadReportEvents(source, span);
  } catch (error) {
    if (error instanceof ReportTooLargeError) throw new ConvexError({ code: "REPORT_TOO_LARGE", message: error.message });
    throw error;
  }
  const rows = conversationRows(events);
  if (query.format === "csv") return csvResponse(source, rows, `${query.type}-${new Date(span.from).toISOString().slice(0, 10)}.csv`);

  const wanted = new Set(query.sections);
  const report: ReportResponse = { type: query.type, timeZone, from: span.from, to: span.to, periods: span.periods };
  if (wanted.has("summary")) report.summary = reportSummary(rows);
  if (wanted.has("conversations")) {
    const named: NamedRow[] = [];
    for await (const page of namedRowPages(source, rows)) named.push(...page);
    report.conversations = named;
  }
  if (wanted.has("response_times")) report.response_times = responseTimes(events);
  if (wanted.has("staff_performance")) {
    const staffIds = staffIdsOf(events);
    const names = staffIds.length ? await convex.query(staffNamesRef, { apiKey, staffIds }) : {};
    report.staff_performance = staffPerformance(events, rows, names);
  }
  if (wanted.has("satisfaction")) report.satisfaction = satisfaction(events, rows);
  if (wanted.has("top_intents")) report.top_intents = topIntents(rows);
  if (wanted.has("channel_breakdown")) report.channel_breakdown = channelBreakdown(rows) as ReportResponse["channel_breakdown"];
  return report;
}

/**
 * The CSV, one chunk per page of rows: the header first, then each page as
 * its contacts' names arrive. (The rows themselves need every event of the
 * span first: a conversation's row is complete only after its last event.)
 */
function csvResponse(source: ReportSource, rows: ReturnType<typeof conversationRows>, filename: string): Response {
  const encoder = new TextEncoder();
  const pages = namedRowPages(source, rows);
  let headerSent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode([...reportCsvLines([])].join("")));
        return;
      }
      try {
        const next = await pages.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode([...reportCsvLines(next.value, false)].join("")));
      } catch (error) {
        console.error(`[api] getReport csv failed: ${(error as Error).message}`);
        controller.error(error);
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
}
