/**
 * Scheduled reports (daily, weekly, monthly): which period is due, and one
 * CSV row per conversation active in it, computed from raw analytics
 * events. Pure: the Convex side pages the events in and stores the file.
 */
import { utcFromWallClock } from "../followups/tz";
import { bucketStart, nextBucketStart, type Granularity } from "./buckets";
import { csvLines, type CsvCell } from "./csv";
import type { AnalyticsEvent } from "./events";
import { npsScore } from "./survey";

export const REPORT_PERIODS = ["daily", "weekly", "monthly"] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];
const GRANULARITY: Record<ReportPeriod, Granularity> = { daily: "day", weekly: "week", monthly: "month" };

/** The latest period of this kind that has ended at `now`, in the business zone (ISO weeks; DST-correct days). */
export function lastClosedPeriod(period: ReportPeriod, now: number, timeZone: string): { from: number; to: number } {
  const to = bucketStart(now, GRANULARITY[period], timeZone);
  return { from: bucketStart(to - 1, GRANULARITY[period], timeZone), to };
}

/** The period of this kind that `now` is in, up to and including `now` (a report "to date"; `to` is exclusive). */
export function currentPeriod(period: ReportPeriod, now: number, timeZone: string): { from: number; to: number } {
  return { from: bucketStart(now, GRANULARITY[period], timeZone), to: now + 1 };
}

export type ReportEvent = Pick<AnalyticsEvent, "type" | "at" | "channel" | "conversationId" | "contactId" | "staffId" | "kind" | "value" | "durationMs" | "intent" | "metadata">;

export type ConversationRow = {
  conversationId: string;
  channel: string;
  contactId: string | null;
  firstAt: number;
  lastAt: number;
  messagesIn: number;
  messagesOut: number;
  botReplies: number;
  staffReplies: number;
  /** The period's first reply to a conversation's first message (bot or human), if it fell in the period. */
  firstResponseMs: number | null;
  escalations: number;
  resolutions: number;
  /** The latest resolution in the period: its time and whether it needed a human. */
  resolutionMs: number | null;
  resolvedBy: "ai" | "human" | null;
  reopened: number;
  csat: number | null;
  nps: number | null;
  feedback: string | null;
  intent: string | null;
};

/** Events → one row per conversation, oldest first. Events without a conversation are left out. */
export function conversationRows(events: Iterable<ReportEvent>): ConversationRow[] {
  const rows = new Map<string, ConversationRow>();
  const sorted = [...events].filter((e) => e.conversationId !== undefined).sort((a, b) => a.at - b.at);
  for (const e of sorted) {
    const id = e.conversationId!;
    let row = rows.get(id);
    if (!row) {
      row = {
        conversationId: id, channel: e.channel ?? "", contactId: e.contactId ?? null, firstAt: e.at, lastAt: e.at,
        messagesIn: 0, messagesOut: 0, botReplies: 0, staffReplies: 0, firstResponseMs: null, escalations: 0,
        resolutions: 0, resolutionMs: null, resolvedBy: null, reopened: 0, csat: null, nps: null, feedback: null, intent: null,
      };
      rows.set(id, row);
    }
    row.lastAt = e.at;
    if (!row.channel && e.channel) row.channel = e.channel;
    if (!row.contactId && e.contactId) row.contactId = e.contactId;
    if (e.intent) row.intent = e.intent;
    switch (e.type) {
      case "message.received":
        row.messagesIn++;
        break;
      case "message.sent":
        row.messagesOut++;
        break;
      case "response.ai_generated":
      case "response.staff_sent":
        if (e.type === "response.ai_generated") row.botReplies++;
        else row.staffReplies++;
        if (e.kind === "first" && row.firstResponseMs === null && e.durationMs !== undefined) row.firstResponseMs = e.durationMs;
        break;
      case "conversation.escalated":
        row.escalations++;
        break;
      case "conversation.resolved":
        row.resolutions++;
        row.resolutionMs = e.durationMs ?? null;
        row.resolvedBy = e.kind === "human" ? "human" : "ai";
        break;
      case "conversation.reopened":
        row.reopened++;
        break;
      case "satisfaction.rating_received":
        if (e.kind === "nps") row.nps = e.value ?? null;
        else row.csat = e.value ?? null;
        break;
      case "satisfaction.feedback_received": {
        const comment = e.metadata?.comment;
        if (typeof comment === "string") row.feedback = comment;
        break;
      }
      default:
        break;
    }
  }
  return [...rows.values()];
}

export type ReportSummary = {
  conversations: number;
  messagesIn: number;
  messagesOut: number;
  resolved: number;
  aiResolved: number;
  escalated: number;
  csatAverage: number | null;
  csatResponses: number;
  nps: number | null;
  npsResponses: number;
};

export function reportSummary(rows: ConversationRow[]): ReportSummary {
  const csat = rows.flatMap((r) => (r.csat === null ? [] : [r.csat]));
  const nps = rows.flatMap((r) => (r.nps === null ? [] : [{ rating: r.nps, count: 1 }]));
  return {
    conversations: rows.length,
    messagesIn: rows.reduce((a, r) => a + r.messagesIn, 0),
    messagesOut: rows.reduce((a, r) => a + r.messagesOut, 0),
    resolved: rows.filter((r) => r.resolutions > 0).length,
    aiResolved: rows.filter((r) => r.resolvedBy === "ai").length,
    escalated: rows.filter((r) => r.escalations > 0).length,
    csatAverage: csat.length ? Math.round((csat.reduce((a, b) => a + b, 0) / csat.length) * 100) / 100 : null,
    csatResponses: csat.length,
    nps: npsScore(nps),
    npsResponses: nps.length,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

export type NamedRow = ConversationRow & { contact: string };

export const REPORT_COLUMNS: readonly { header: string; cell: (row: NamedRow) => CsvCell }[] = [
  { header: "conversation_id", cell: (r) => r.conversationId },
  { header: "channel", cell: (r) => r.channel },
  { header: "contact", cell: (r) => r.contact },
  { header: "first_event_at", cell: (r) => iso(r.firstAt) },
  { header: "last_event_at", cell: (r) => iso(r.lastAt) },
  { header: "messages_in", cell: (r) => r.messagesIn },
  { header: "messages_out", cell: (r) => r.messagesOut },
  { header: "bot_replies", cell: (r) => r.botReplies },
  { header: "staff_replies", cell: (r) => r.staffReplies },
  { header: "first_response_s", cell: (r) => seconds(r.firstResponseMs) },
  { header: "escalations", cell: (r) => r.escalations },
  { header: "resolutions", cell: (r) => r.resolutions },
  { header: "resolution_time_s", cell: (r) => seconds(r.resolutionMs) },
  { header: "resolved_by", cell: (r) => r.resolvedBy },
  { header: "reopened", cell: (r) => r.reopened },
  { header: "csat", cell: (r) => r.csat },
  { header: "nps", cell: (r) => r.nps },
  { header: "feedback", cell: (r) => r.feedback },
  { header: "intent", cell: (r) => r.intent },
];

export function reportCsv(rows: NamedRow[]): string {
  return [...csvLines(REPORT_COLUMNS, rows)].join("");
}

export function* reportCsvLines(rows: Iterable<NamedRow>, header = true): Generator<string> {
  const lines = csvLines(REPORT_COLUMNS, rows);
  if (!header) lines.next();
  yield* lines;
}

// ---------------------------------------------------------------------------
// Loading a period's events: the one paging loop the scheduled writer
// (convex/analytics/reports.ts) and GET /api/reports (lib/api/reports.ts)
// share. The caller supplies how a page is read (ctx.runQuery or an HTTP
// client); everything else is here.

export const REPORT_CHANNELS = ["telegram", "messenger", "instagram", "whatsapp", "web"] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];
/** Events one report reads at most (about 60,000 conversations); beyond it the report refuses. */
export const MAX_REPORT_EVENTS = 500_000;
/** Conversations whose contact names one query looks up. */
export const NAMES_PAGE = 200;

/** An event as a page carries it: the feedback comment flattened out of `metadata`. */
export type PagedReportEvent = Omit<ReportEvent, "metadata"> & { comment?: string };
export type ReportEventsPage = { events: PagedReportEvent[]; cursor: string; done: boolean };

export type ReportSource = {
  eventsPage(args: { channel: ReportChannel; from: number; to: number; cursor: string | null }): Promise<ReportEventsPage>;
  contactNames(contactIds: string[]): Promise<Record<string, string>>;
};

export class ReportTooLargeError extends Error {}

/** Every event in [from, to), channel by channel, page by page. */
export async function loadReportEvents(source: ReportSource, span: { from: number; to: number }): Promise<ReportEvent[]> {
  const events: ReportEvent[] = [];
  for (const channel of REPORT_CHANNELS) {
    let cursor: string | null = null;
    for (;;) {
      const page: ReportEventsPage = await source.eventsPage({ channel, from: span.from, to: span.to, cursor });
      for (const { comment, ...e } of page.events) events.push(comment === undefined ? e : { ...e, metadata: { comment } });
      if (events.length > MAX_REPORT_EVENTS) {
        throw new ReportTooLargeError(`More than ${MAX_REPORT_EVENTS} events in the period; report a shorter one`);
      }
      if (page.done) break;
      cursor = page.cursor;
    }
  }
  return events;
}

/** Rows with their contacts' names, NAMES_PAGE at a time (one name query per page). */
export async function* namedRowPages(source: ReportSource, rows: ConversationRow[]): AsyncGenerator<NamedRow[]> {
  for (let i = 0; i < rows.length; i += NAMES_PAGE) {
    const page = rows.slice(i, i + NAMES_PAGE);
    const ids = [...new Set(page.flatMap((r) => (r.contactId ? [r.contactId] : [])))];
    const names = ids.length ? await source.contactNames(ids) : {};
    yield page.map((r) => ({ ...r, contact: (r.contactId && names[r.contactId]) || "" }));
  }
}

// ---------------------------------------------------------------------------
// The API's report span and JSON sections.

export const REPORT_SECTIONS = [
  "summary",
  "conversations",
  "response_times",
  "staff_performance",
  "satisfaction",
  "top_intents",
  "channel_breakdown",
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];
/** Periods one API report may span (a daily report of more than a year, say, is refused). */
export const MAX_REPORT_PERIODS: Record<ReportPeriod, number> = { daily: 92, weekly: 53, monthly: 24 };
const TOP_INTENTS = 10;

/** Midnight of a YYYY-MM-DD date in the zone (UTC ms). */
export function zoneDateStart(date: string, timeZone: string): number {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return utcFromWallClock({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone);
}

/**
 * The span a report covers. `from` and `to` are dates in the business zone;
 * `from` is moved back to the start of its period and `to` (inclusive) on to
 * the end of its period. No `from`: the last closed period; no `to`: one period.
 */
export function reportSpan(
  period: ReportPeriod,
  dates: { from?: string; to?: string },
  now: number,
  timeZone: string,
): { from: number; to: number; periods: number } | { error: string } {
  const g = GRANULARITY[period];
  if (dates.from === undefined) {
    if (dates.to !== undefined) return { error: "to: give from as well" };
    return { ...lastClosedPeriod(period, now, timeZone), periods: 1 };
  }
  const from = bucketStart(zoneDateStart(dates.from, timeZone), g, timeZone);
  const last = dates.to === undefined ? from : bucketStart(zoneDateStart(dates.to, timeZone), g, timeZone);
  if (last < from) return { error: "to: must be on or after from" };
  let periods = 1;
  let to = nextBucketStart(from, g, timeZone);
  while (to <= last) {
    if (++periods > MAX_REPORT_PERIODS[period]) return { error: `to: at most ${MAX_REPORT_PERIODS[period]} ${period} periods in one report` };
    to = nextBucketStart(to, g, timeZone);
  }
  return { from, to, periods };
}

/** Exact quantile (nearest rank) of sorted values, or null when there are none. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function timing(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95) };
}

const average = (values: number[]) =>
  values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100 : null;

/** Bot and staff reply times: first replies and every reply, p50/p95 exact from raw events. */
export function responseTimes(events: Iterable<ReportEvent>) {
  const bot = { first: [] as number[], all: [] as number[] };
  const staff = { first: [] as number[], all: [] as number[] };
  for (const e of events) {
    if (e.durationMs === undefined) continue;
    const side = e.type === "response.ai_generated" ? bot : e.type === "response.staff_sent" ? staff : null;
    if (!side) continue;
    side.all.push(e.durationMs);
    if (e.kind === "first") side.first.push(e.durationMs);
  }
  return {
    bot: { firstResponse: timing(bot.first), reply: timing(bot.all) },
    staff: { firstResponse: timing(staff.first), reply: timing(staff.all) },
  };
}

/** The operators `staffPerformance` will list (their names are read for them). */
export function staffIdsOf(events: Iterable<ReportEvent>): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.staffId && e.staffId !== "operator" && (e.type === "response.staff_sent" || e.type === "conversation.resolved")) ids.add(e.staffId);
  }
  return [...ids];
}

/**
 * Per operator: conversations replied to or resolved, replies, reply time
 * p50, resolutions, CSAT of those conversations. `names` (staffId → email
 * or name) labels them; an operator without one (account deleted) shows the id.
 */
export function staffPerformance(events: Iterable<ReportEvent>, rows: ConversationRow[], names: Record<string, string> = {}) {
  const csatOf = new Map(rows.map((r) => [r.conversationId, r.csat]));
  const staff = new Map<string, { conversations: Set<string>; replies: number; times: number[]; resolutions: number }>();
  const of = (id: string) => {
    let s = staff.get(id);
    if (!s) staff.set(id, (s = { conversations: new Set(), replies: 0, times: [], resolutions: 0 }));
    return s;
  };
  for (const e of events) {
    if (!e.staffId || e.staffId === "operator") continue;
    if (e.type === "response.staff_sent") {
      const s = of(e.staffId);
      s.replies++;
      if (e.durationMs !== undefined) s.times.push(e.durationMs);
      if (e.conversationId) s.conversations.add(e.conversationId);
    } else if (e.type === "conversation.resolved") {
      const s = of(e.staffId);
      s.resolutions++;
      if (e.conversationId) s.conversations.add(e.conversationId);
    }
  }
  return [...staff.entries()]
    .map(([staffId, s]) => ({
      staffId,
      operator: names[staffId] ?? staffId,
      conversations: s.conversations.size,
      replies: s.replies,
      replyTimeP50Ms: quantile([...s.times].sort((a, b) => a - b), 0.5),
      resolutions: s.resolutions,
      csatAverage: average([...s.conversations].flatMap((c) => (csatOf.get(c) == null ? [] : [csatOf.get(c)!]))),
    }))
    .sort((a, b) => b.conversations - a.conversations || a.staffId.localeCompare(b.staffId));
}

export function satisfaction(events: Iterable<ReportEvent>, rows: ConversationRow[]) {
  let surveysSent = 0;
  let feedback = 0;
  for (const e of events) {
    if (e.type === "satisfaction.survey_sent") surveysSent++;
    else if (e.type === "satisfaction.feedback_received") feedback++;
  }
  const csat = rows.flatMap((r) => (r.csat === null ? [] : [r.csat]));
  const nps = rows.flatMap((r) => (r.nps === null ? [] : [r.nps]));
  const distribution = (values: number[], min: number, max: number) =>
    Array.from({ length: max - min + 1 }, (_, i) => ({ rating: min + i, count: values.filter((x) => x === min + i).length }));
  return {
    surveysSent,
    feedbackReceived: feedback,
    csat: { average: average(csat), responses: csat.length, distribution: distribution(csat, 1, 5) },
    nps: { score: npsScore(nps.map((rating) => ({ rating, count: 1 }))), responses: nps.length, distribution: distribution(nps, 0, 10) },
  };
}

/** The most frequent intents by conversations, most first. */
export function topIntents(rows: ConversationRow[]) {
  const counts = new Map<string, number>();
  for (const r of rows) if (r.intent) counts.set(r.intent, (counts.get(r.intent) ?? 0) + 1);
  return [...counts.entries()]
    .map(([intent, conversations]) => ({ intent, conversations }))
    .sort((a, b) => b.conversations - a.conversations || a.intent.localeCompare(b.intent))
    .slice(0, TOP_INTENTS);
}

export function channelBreakdown(rows: ConversationRow[]) {
  const channels = new Map<string, { channel: string; conversations: number; messagesIn: number; messagesOut: number; escalated: number; resolved: number }>();
  for (const r of rows) {
    let c = channels.get(r.channel);
    if (!c) channels.set(r.channel, (c = { channel: r.channel, conversations: 0, messagesIn: 0, messagesOut: 0, escalated: 0, resolved: 0 }));
    c.conversations++;
    c.messagesIn += r.messagesIn;
    c.messagesOut += r.messagesOut;
    if (r.escalations > 0) c.escalated++;
    if (r.resolutions > 0) c.resolved++;
  }
  return [...channels.values()].sort((a, b) => b.conversations - a.conversations || a.channel.localeCompare(b.channel));
}
