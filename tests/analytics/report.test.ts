import { describe, expect, test } from "vitest";
import { conversationRows, currentPeriod, lastClosedPeriod, reportCsv, reportSpan, reportSummary, staffIdsOf, staffPerformance, type ReportEvent } from "../../lib/analytics/report";

const T = Date.UTC(2026, 10, 30, 10, 0, 0); // Monday 30 November 2026
const ev = (type: ReportEvent["type"], s: number, extra: Partial<ReportEvent> = {}): ReportEvent => ({ type, at: T + s * 1000, conversationId: "c1", channel: "telegram", ...extra });

describe("report periods", () => {
  test("the last closed day, ISO week and month in the business zone", () => {
    const now = Date.UTC(2026, 11, 2, 12); // Wednesday 2 December, 12:00 UTC
    expect(lastClosedPeriod("daily", now, "UTC")).toEqual({ from: Date.UTC(2026, 11, 1), to: Date.UTC(2026, 11, 2) });
    expect(lastClosedPeriod("weekly", now, "UTC")).toEqual({ from: Date.UTC(2026, 10, 23), to: Date.UTC(2026, 10, 30) });
    expect(lastClosedPeriod("monthly", now, "UTC")).toEqual({ from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) });
    // Berlin is UTC+1 in winter: its day starts at 23:00 UTC.
    expect(lastClosedPeriod("daily", now, "Europe/Berlin")).toEqual({ from: Date.UTC(2026, 10, 30, 23), to: Date.UTC(2026, 11, 1, 23) });
    // A DST day has 23 hours.
    const dst = lastClosedPeriod("daily", Date.UTC(2026, 2, 30, 12), "Europe/Berlin");
    expect(dst.to - dst.from).toBe(23 * 3600_000);
    expect(currentPeriod("monthly", now, "UTC")).toEqual({ from: Date.UTC(2026, 11, 1), to: now + 1 });
  });
});

describe("one row per conversation", () => {
  const events: ReportEvent[] = [
    ev("message.received", 0, { kind: "first", contactId: "k1" }),
    ev("message.received", 2),
    ev("batch.flushed", 6),
    ev("response.ai_generated", 8, { kind: "first", durationMs: 8000 }),
    ev("message.sent", 8, { kind: "agent" }),
    ev("intent.classified", 30, { intent: "pricing" }),
    ev("conversation.resolved", 60, { kind: "ai", durationMs: 60_000, intent: "pricing" }),
    ev("satisfaction.rating_received", 90, { kind: "csat", value: 4 }),
    ev("satisfaction.feedback_received", 90, { kind: "csat", value: 4, metadata: { comment: "fast, thanks" } }),
    ev("message.received", 5, { conversationId: "c2", channel: "web", kind: "first", contactId: "k2" }),
    ev("conversation.escalated", 7, { conversationId: "c2", channel: "web" }),
    ev("response.staff_sent", 20, { conversationId: "c2", channel: "web", kind: "first", durationMs: 15_000 }),
    ev("conversation.resolved", 40, { conversationId: "c2", channel: "web", kind: "human", durationMs: 35_000 }),
    ev("satisfaction.rating_received", 50, { conversationId: "c2", channel: "web", kind: "nps", value: 10 }),
    { type: "task.created", at: T, kind: "meeting:booked" },
  ];

  test("counts, timings, ratings and the intent per conversation; the golden CSV escapes a formula-like name", () => {
    const rows = conversationRows(events);
    expect(rows.map((r) => r.conversationId)).toEqual(["c1", "c2"]);
    const names: Record<string, string> = { k1: "Dana, \"D\" Petrova", k2: '=HYPERLINK("x")' };
    const csv = reportCsv(rows.map((r) => ({ ...r, contact: names[r.contactId!]! })));
    expect(csv).toBe(
      [
        "conversation_id,channel,contact,first_event_at,last_event_at,messages_in,messages_out,bot_replies,staff_replies,first_response_s,escalations,resolutions,resolution_time_s,resolved_by,reopened,csat,nps,feedback,intent",
        'c1,telegram,"Dana, ""D"" Petrova",2026-11-30T10:00:00.000Z,2026-11-30T10:01:30.000Z,2,1,1,0,8,0,1,60,ai,0,4,,"fast, thanks",pricing',
        `c2,web,"'=HYPERLINK(""x"")",2026-11-30T10:00:05.000Z,2026-11-30T10:00:50.000Z,1,0,0,1,15,1,1,35,human,0,,10,,`,
        "",
      ].join("\r\n"),
    );
    expect(reportSummary(rows)).toEqual({
      conversations: 2, messagesIn: 3, messagesOut: 1, resolved: 2, aiResolved: 1, escalated: 1,
      csatAverage: 4, csatResponses: 1, nps: 100, npsResponses: 1,
    });
  });

  test("no events: a header-only CSV and an empty summary", () => {
    expect(reportCsv([])).toBe(`${"conversation_id,channel,contact,first_event_at,last_event_at,messages_in,messages_out,bot_replies,staff_replies,first_response_s,escalations,resolutions,resolution_time_s,resolved_by,reopened,csat,nps,feedback,intent"}\r\n`);
    expect(reportSummary([])).toMatchObject({ conversations: 0, csatAverage: null, nps: null });
  });

  test("an API report's span: dates in the business zone, widened to whole periods, DST-correct", () => {
    const now = Date.UTC(2026, 10, 30, 10);
    // Berlin, 29 March 2026 (spring forward): a 23-hour day.
    expect(reportSpan("daily", { from: "2026-03-29" }, now, "Europe/Berlin")).toEqual({
      from: Date.UTC(2026, 2, 28, 23), to: Date.UTC(2026, 2, 29, 22), periods: 1,
    });
    // Wednesday to the next Tuesday: two ISO weeks, Monday midnight Berlin (winter, UTC+1).
    expect(reportSpan("weekly", { from: "2026-11-18", to: "2026-11-24" }, now, "Europe/Berlin")).toEqual({
      from: Date.UTC(2026, 10, 15, 23), to: Date.UTC(2026, 10, 29, 23), periods: 2,
    });
    expect(reportSpan("monthly", {}, now, "UTC")).toEqual({ from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 1), periods: 1 });
    expect(reportSpan("daily", { from: "2026-11-02", to: "2026-11-01" }, now, "UTC")).toEqual({ error: "to: must be on or after from" });
    expect(reportSpan("monthly", { from: "2024-01-01", to: "2026-01-31" }, now, "UTC")).toEqual({ error: "to: at most 24 monthly periods in one report" });
  });
});

describe("staff performance", () => {
  test("operators are named (email or name), not shown by user id; one whose account is gone keeps the id", () => {
    const events: ReportEvent[] = [
      ev("response.staff_sent", 10, { staffId: "users:dana", kind: "first", durationMs: 12_000 }),
      ev("conversation.resolved", 20, { staffId: "users:dana", kind: "human" }),
      ev("response.staff_sent", 30, { conversationId: "c2", staffId: "users:gone", kind: "first", durationMs: 5_000 }),
      ev("response.staff_sent", 40, { conversationId: "c3", staffId: "operator", kind: "first" }), // before operators had ids
      ev("staff.login", 50, { staffId: "users:sam" }),
    ];
    expect(staffIdsOf(events)).toEqual(["users:dana", "users:gone"]);
    const rows = staffPerformance(events, conversationRows(events), { "users:dana": "dana@shop.example" });
    expect(rows.map((r) => [r.operator, r.staffId, r.conversations, r.replies, r.resolutions])).toEqual([
      ["dana@shop.example", "users:dana", 1, 1, 1],
      ["users:gone", "users:gone", 1, 1, 0],
    ]);
  });
});
