/**
 * Scheduled reports (docs/analytics.md, "Reports"). An hourly cron starts
 * the report of every closed day, ISO week and month (business zone) that
 * has none yet; an owner can ask for the running period to date. The writer
 * action pages the period's raw events in through the channel-and-time
 * index, builds one CSV row per conversation (lib/analytics/report.ts),
 * stores it in file storage and records it; the Reports page lists them.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { httpAction, internalAction, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import { contactLabel } from "../../lib/contacts";
import { timingSafeEqual } from "../../lib/secret";
import {
  conversationRows,
  currentPeriod,
  lastClosedPeriod,
  loadReportEvents,
  NAMES_PAGE,
  namedRowPages,
  REPORT_PERIODS,
  reportCsvLines,
  reportSummary,
  type ReportEventsPage,
  type ReportPeriod,
  type ReportSource,
} from "../../lib/analytics/report";
import { operatorQuery, ownerMutation } from "../functions";
import { closedReport, finishReport, startReport } from "../model/analytics";
import { loadSettings } from "../model/settings";
import { vChannel, type Channel } from "../validators";
import { vReportPeriod, vReportSummary } from "./schema";

/** Events per query page of the writer; a page stays well inside a query's read limits. */
const EVENTS_PAGE = 2000;
/** Reports the page lists. */
export const REPORTS_SHOWN = 60;

async function begin(ctx: MutationCtx, period: ReportPeriod, span: { from: number; to: number }, timeZone: string, toDate: boolean, now: number) {
  const reportId = await startReport(ctx, { period, ...span, timeZone, toDate, requestedAt: now });
  await ctx.scheduler.runAfter(0, internal.analytics.reports.write, { reportId });
  return reportId;
}

/** Cron (hourly): starts the report of each closed period that has none. Three index reads when nothing is due. */
export const tick = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const now = Date.now();
    const timeZone = (await loadSettings(ctx)).workingHours.timeZone;
    let started = 0;
    for (const period of REPORT_PERIODS) {
      const span = lastClosedPeriod(period, now, timeZone);
      if (await closedReport(ctx, period, span.from)) continue;
      await begin(ctx, period, span, timeZone, false, now);
      started++;
    }
    return started;
  },
});

/** An owner's "generate now": the running period up to this moment. */
export const generateNow = ownerMutation({
  args: { period: vReportPeriod },
  returns: v.id("analyticsReports"),
  handler: async (ctx, { period }) => {
    const now = Date.now();
    const timeZone = (await loadSettings(ctx)).workingHours.timeZone;
    return await begin(ctx, period, currentPeriod(period, now, timeZone), timeZone, true, now);
  },
});

export const reportJob = internalQuery({
  args: { reportId: v.id("analyticsReports") },
  returns: v.union(v.null(), v.object({ from: v.number(), to: v.number() })),
  handler: async (ctx, { reportId }) => {
    const report = await ctx.db.get("analyticsReports", reportId);
    return report?.status === "generating" ? { from: report.from, to: report.to } : null;
  },
});

export const vReportEvent = v.object({
  type: v.string(),
  at: v.number(),
  channel: v.optional(vChannel),
  conversationId: v.optional(v.string()),
  contactId: v.optional(v.string()),
  staffId: v.optional(v.string()),
  kind: v.optional(v.string()),
  value: v.optional(v.number()),
  durationMs: v.optional(v.number()),
  intent: v.optional(v.string()),
  comment: v.optional(v.string()),
});
export const vReportEventsPageArgs = { channel: vChannel, from: v.number(), to: v.number(), cursor: v.union(v.string(), v.null()) };
export const vReportEventsPage = v.object({ events: v.array(vReportEvent), cursor: v.string(), done: v.boolean() });

/** One page of a channel's events in [from, to), by event time (the writer's and GET /api/reports' page). */
export async function readEventsPage(
  ctx: QueryCtx,
  { channel, from, to, cursor }: { channel: Channel; from: number; to: number; cursor: string | null },
): Promise<ReportEventsPage> {
  const page = await ctx.db
    .query("analyticsEvents")
    .withIndex("by_channel_and_at", (q) => q.eq("channel", channel).gte("at", from).lt("at", to))
    .paginate({ numItems: EVENTS_PAGE, cursor });
  return {
    events: page.page.map((e) => ({
      type: e.type,
      at: e.at,
      channel: e.channel,
      conversationId: e.conversationId,
      contactId: e.contactId,
      staffId: e.staffId,
      kind: e.kind,
      value: e.value,
      durationMs: e.durationMs,
      intent: e.intent,
      comment: typeof e.metadata?.comment === "string" ? e.metadata.comment : undefined,
    })),
    cursor: page.continueCursor,
    done: page.isDone,
  };
}

/** Display names of contacts (absent ones: deleted or unknown). */
export async function readContactNames(ctx: QueryCtx, contactIds: string[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const raw of contactIds.slice(0, NAMES_PAGE)) {
    const id = ctx.db.normalizeId("contacts", raw);
    const contact = id ? await ctx.db.get("contacts", id) : null;
    if (contact) names[raw] = contactLabel(contact) ?? contact.externalId;
  }
  return names;
}

/**
 * How an operator (a `staffId`, their user id) is shown in staff tables and
 * reports: their email, else their name. Operators whose account is gone are
 * left out (callers show the id). One read per operator; a business has a handful.
 */
export async function readStaffNames(ctx: QueryCtx, staffIds: string[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const raw of staffIds.slice(0, NAMES_PAGE)) {
    const id = ctx.db.normalizeId("users", raw);
    const user = id ? await ctx.db.get("users", id) : null;
    const label = user?.email ?? user?.name;
    if (label) names[raw] = label;
  }
  return names;
}

export const eventsPage = internalQuery({
  args: vReportEventsPageArgs,
  returns: vReportEventsPage,
  handler: readEventsPage,
});

export const contactNames = internalQuery({
  args: { contactIds: v.array(v.string()) },
  returns: v.record(v.string(), v.string()),
  handler: (ctx, { contactIds }) => readContactNames(ctx, contactIds),
});

export const record = internalMutation({
  args: {
    reportId: v.id("analyticsReports"),
    storageId: v.optional(v.id("_storage")),
    downloadKey: v.optional(v.string()),
    bytes: v.optional(v.number()),
    rows: v.optional(v.number()),
    summary: v.optional(vReportSummary),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { reportId, error, ...result }) => {
    await finishReport(ctx, reportId, error !== undefined ? { error } : result, Date.now());
    return null;
  },
});

/** The writer: reads the period's events page by page, stores the CSV, records the report (or why it failed). */
export const write = internalAction({
  args: { reportId: v.id("analyticsReports") },
  returns: v.null(),
  handler: async (ctx, { reportId }) => {
    const job = await ctx.runQuery(internal.analytics.reports.reportJob, { reportId });
    if (!job) return null;
    try {
      const source: ReportSource = {
        eventsPage: (args) => ctx.runQuery(internal.analytics.reports.eventsPage, args),
        contactNames: (contactIds) => ctx.runQuery(internal.analytics.reports.contactNames, { contactIds }),
      };
      const rows = conversationRows(await loadReportEvents(source, job));
      const lines: string[] = [...reportCsvLines([])];
      for await (const page of namedRowPages(source, rows)) lines.push(...reportCsvLines(page, false));
      const csv = lines.join("");
      const storageId = await ctx.storage.store(new Blob([csv], { type: "text/csv;charset=utf-8" }));
      const downloadKey = randomKey();
      await ctx.runMutation(internal.analytics.reports.record, { reportId, storageId, downloadKey, bytes: new TextEncoder().encode(csv).length, rows: rows.length, summary: reportSummary(rows) });
    } catch (error) {
      await ctx.runMutation(internal.analytics.reports.record, { reportId, error: error instanceof Error ? error.message : String(error) });
    }
    return null;
  },
});

const vReportView = v.object({
  _id: v.id("analyticsReports"),
  period: vReportPeriod,
  from: v.number(),
  to: v.number(),
  timeZone: v.string(),
  toDate: v.boolean(),
  status: v.union(v.literal("generating"), v.literal("ready"), v.literal("failed")),
  requestedAt: v.number(),
  rows: v.union(v.number(), v.null()),
  bytes: v.union(v.number(), v.null()),
  summary: v.union(vReportSummary, v.null()),
  error: v.union(v.string(), v.null()),
  /** A download link for the CSV while it exists. */
  url: v.union(v.string(), v.null()),
});

/** The Reports page: the latest reports, newest first, with download links. */
export const list = operatorQuery({
  args: {},
  returns: v.array(vReportView),
  handler: async (ctx) => {
    const reports = await ctx.db.query("analyticsReports").withIndex("by_requested_at").order("desc").take(REPORTS_SHOWN);
    return reports.map((r) => ({
        _id: r._id,
        period: r.period,
        from: r.from,
        to: r.to,
        timeZone: r.timeZone,
        toDate: r.toDate,
        status: r.status,
        requestedAt: r.requestedAt,
        rows: r.rows ?? null,
        bytes: r.bytes ?? null,
        summary: r.summary ?? null,
        error: r.error ?? null,
        url: r.storageId && r.downloadKey ? downloadUrl(r._id, r.downloadKey) : null,
      }));
  },
});

/** The path convex/http.ts serves report files on. */
export const REPORT_DOWNLOAD_PATH = "/analytics/report.csv";

/**
 * Served by the deployment's HTTP actions (CONVEX_SITE_URL), not by
 * `storage.getUrl`: the file gets a name and a CSV type, and the local
 * runtime serves it too.
 */
function downloadUrl(reportId: string, key: string): string | null {
  const site = process.env.CONVEX_SITE_URL;
  return site ? `${site}${REPORT_DOWNLOAD_PATH}?id=${encodeURIComponent(reportId)}&key=${encodeURIComponent(key)}` : null;
}

/** 128 random bits, hex (actions have real randomness; mutations are deterministic). */
function randomKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The file behind a download link, if the link's key is the report's. */
export const fileFor = internalQuery({
  args: { id: v.string(), key: v.string() },
  returns: v.union(v.null(), v.object({ storageId: v.id("_storage"), name: v.string() })),
  handler: async (ctx, { id, key }) => {
    const reportId = ctx.db.normalizeId("analyticsReports", id);
    const report = reportId ? await ctx.db.get("analyticsReports", reportId) : null;
    if (!report?.storageId || !report.downloadKey || !timingSafeEqual(report.downloadKey, key)) return null;
    const day = new Date(report.from).toISOString().slice(0, 10);
    return { storageId: report.storageId, name: `${report.period}-${day}${report.toDate ? "-so-far" : ""}.csv` };
  },
});

/** GET REPORT_DOWNLOAD_PATH?id=&key= → the CSV, or 404 (unknown report or wrong key alike). */
export const download = httpAction(async (ctx, request) => {
  const params = new URL(request.url).searchParams;
  const file = await ctx.runQuery(internal.analytics.reports.fileFor, { id: params.get("id") ?? "", key: params.get("key") ?? "" });
  const blob = file ? await ctx.storage.get(file.storageId) : null;
  if (!file || !blob) return Response.json({ error: { code: "NOT_FOUND", message: "No such report" } }, { status: 404 });
  return new Response(blob, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${file.name}"`, "cache-control": "private, no-store" },
  });
});
