/**
 * Scheduled reports (daily, weekly, monthly): which period is due, and one
 * CSV row per conversation active in it, computed from raw analytics
 * events. Pure: the Convex side pages the events in and stores the file.
 */
import { bucketStart, type Granularity } from "./buckets";
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

export type ReportEvent = Pick<AnalyticsEvent, "type" | "at" | "channel" | "conversationId" | "contactId" | "kind" | "value" | "durationMs" | "intent" | "metadata">;

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
