/**
 * GET /api/reports against the local runtime running the project's
 * functions: events made through the product's own paths (web chat
 * messages, an operator's reply and resolve), the report read back as JSON
 * (checked against the OpenAPI schema) and as streamed CSV.
 */
import Ajv from "ajv";
import type { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as getReport } from "../../app/api/reports/route";
import { GET as openApi } from "../../app/api/openapi.json/route";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { DAY } from "../../lib/time";
import { eventually, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "../local/harness";
import { OWNER, ownerClient } from "../support/operator";

const KEY = "env-operator-key-reports-0123456789";
const EVIL = '=HYPERLINK("x")';
let runtime: LocalRuntime;
let owner: ConvexHttpClient;
let evilConversation: Id<"conversations">;
let danaConversation: Id<"conversations">;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
// Yesterday to tomorrow (UTC, the default business zone): today's events whatever the clock says.
const SPAN = `type=daily&from=${day(-1)}&to=${day(1)}`;

async function conversationOf(sessionId: string): Promise<Id<"conversations">> {
  const thread = await eventually(() => owner.query(api.webchat.thread, { sessionId }), (t) => t.conversationId !== null);
  return thread.conversationId!;
}

beforeAll(async () => {
  runtime = await startLocalRuntime(undefined, {
    convexDir: PROJECT_CONVEX_DIR,
    env: { ANTHROPIC_API_KEY: "", OPERATOR_API_KEY: KEY },
  });
  process.env.NEXT_PUBLIC_CONVEX_URL = runtime.url;
  owner = await ownerClient(runtime.url);
  const evil = await owner.mutation(api.webchat.startSession, {});
  await owner.mutation(api.webchat.send, { sessionId: evil, clientMessageId: "1", text: "do you ship to Riga?", name: EVIL });
  await owner.mutation(api.webchat.send, { sessionId: evil, clientMessageId: "2", text: "and to Tallinn?" });
  evilConversation = await conversationOf(evil);
  const dana = await owner.mutation(api.webchat.startSession, {});
  await owner.mutation(api.webchat.send, { sessionId: dana, clientMessageId: "1", text: "hello", name: "Dana Visitor" });
  danaConversation = await conversationOf(dana);
  // An operator answers the first and resolves it.
  await owner.mutation(api.conversations.sendAsHuman, { conversationId: evilConversation, text: "We ship to both." });
  await owner.mutation(api.lifecycle.status.setConversationStatus, { conversationIds: [evilConversation], status: "resolved" });
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

function get(query: string, key: string | null = KEY) {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  return getReport(new Request(`http://localhost/api/reports?${query}`, { headers }));
}

type Row = { conversationId: string; contact: string; messagesIn: number; staffReplies: number; resolutions: number; resolvedBy: string | null };

/** The JSON report once the staff reply has been delivered (its message.sent is recorded on delivery). */
async function settledReport(query = SPAN) {
  return await eventually(
    async () => (await get(query)).json(),
    (r) => (r.conversations as Row[] | undefined)?.some((c) => c.staffReplies === 1 && c.resolutions === 1) ?? false,
    20_000,
  );
}

describe("GET /api/reports", () => {
  test("JSON: every section, numbers from the events the product recorded, valid against the OpenAPI schema", async () => {
    const report = await settledReport();
    expect(report).toMatchObject({ type: "daily", timeZone: "UTC", periods: 3, from: Date.parse(`${day(-1)}T00:00:00Z`), to: Date.parse(`${day(2)}T00:00:00Z`) });
    expect(report.summary).toMatchObject({ conversations: 2, messagesIn: 3, resolved: 1, csatAverage: null, csatResponses: 0 });
    const rows = new Map((report.conversations as Row[]).map((r) => [r.conversationId, r]));
    expect(rows.get(evilConversation)).toMatchObject({ contact: EVIL, messagesIn: 2, staffReplies: 1, resolutions: 1, resolvedBy: "human" });
    expect(rows.get(danaConversation)).toMatchObject({ contact: "Dana Visitor", messagesIn: 1, staffReplies: 0, resolutions: 0 });
    expect(report.channel_breakdown).toEqual([expect.objectContaining({ channel: "web", conversations: 2, messagesIn: 3, resolved: 1 })]);
    // The operator is named by their email, not their user id.
    expect(report.staff_performance).toEqual([
      expect.objectContaining({ staffId: expect.any(String), operator: OWNER.email, conversations: 1, replies: 1, resolutions: 1, csatAverage: null }),
    ]);
    expect(report.response_times.staff.firstResponse.count).toBe(1);
    expect(report.response_times.staff.firstResponse.p50Ms).toBeGreaterThanOrEqual(0);
    expect(report.satisfaction).toMatchObject({ surveysSent: 0, csat: { responses: 0, average: null }, nps: { responses: 0, score: null } });
    expect(report.top_intents).toEqual([]);

    const doc = await openApi().json();
    const operation = doc.paths["/api/reports"].get;
    expect(Object.keys(operation.responses["200"].content).sort()).toEqual(["application/json", "text/csv"]);
    const validate = new Ajv({ strictDefaults: false }).compile(operation.responses["200"].content["application/json"].schema);
    expect(validate(report)).toBe(true);
    expect(validate({ ...report, summary: { conversations: "2" } })).toBe(false);
  });

  test("sections picks what the JSON holds", async () => {
    const report = await (await get(`${SPAN}&sections=summary,channel_breakdown`)).json();
    expect(Object.keys(report).sort()).toEqual(["channel_breakdown", "from", "periods", "summary", "timeZone", "to", "type"]);
    expect(report.summary.conversations).toBe(2);
  });

  test("a span with no events is an empty report, not an error", async () => {
    const report = await (await get("type=monthly&from=2020-01-15")).json();
    expect(report).toMatchObject({ periods: 1, from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 1, 1), summary: { conversations: 0 }, conversations: [] });
  });

  test("CSV: one row per conversation, streamed in chunks, a formula-looking contact escaped", async () => {
    await settledReport();
    const response = await get(`${SPAN}&format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="daily-${day(-1)}.csv"`);
    const reader = response.body!.getReader();
    const chunks: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(new TextDecoder().decode(r.value));
    expect(chunks.length).toBeGreaterThanOrEqual(2); // the header, then a page of rows
    const lines = chunks.join("").split("\r\n").filter(Boolean);
    expect(lines[0]!.split(",").slice(0, 6)).toEqual(["conversation_id", "channel", "contact", "first_event_at", "last_event_at", "messages_in"]);
    expect(lines).toHaveLength(3);
    const evil = lines.find((l) => l.startsWith(`${evilConversation},`))!;
    expect(evil).toContain(`,web,"'=HYPERLINK(""x"")",`);
    const cells = evil.replace(`"'=HYPERLINK(""x"")"`, "CONTACT").split(",");
    expect(cells.slice(5, 9)).toEqual(["2", cells[6], "0", "1"]); // messages in, out, bot replies, staff replies
    expect(cells[13]).toBe("human");
    expect(lines.find((l) => l.startsWith(`${danaConversation},web,Dana Visitor,`))).toBeDefined();
  });

  test("no key or an unknown key is 401", async () => {
    expect((await get(SPAN, null)).status).toBe(401);
    const wrong = await get(SPAN, "brk_not_a_key");
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe("UNAUTHENTICATED");
  });

  test.each([
    ["type=yearly", "type"],
    ["", "type"],
    ["type=daily&from=2026-13-01", "from"],
    ["type=daily&from=yesterday", "from"],
    ["type=daily&from=2026-11-02&to=2026-02-30", "to"],
    ["type=daily&from=2026-11-02&to=2026-11-01", "to"],
    ["type=daily&to=2026-11-01", "to"],
    ["type=daily&from=2025-01-01&to=2026-01-01", "to"],
    ["type=daily&sections=summary,gossip", "sections"],
    ["type=daily&format=xlsx", "format"],
  ])("bad input %s is 400 naming %s", async (query, field) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(new RegExp(`^query\.${field}`));
  });
});
