/**
 * The analytics endpoints of the HTTP API: route handlers called with real
 * Requests, talking over HTTP to the local runtime running the project's
 * functions (plus tests/api/fixture/analyticsSeed.ts, which records events
 * through the real recordEvent and runs the real rollup). Numbers are
 * checked against a direct computation over the events generated here:
 * some rolled up, some still in the raw tail, as in production.
 */
import { mkdir, mkdtemp, readdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Ajv from "ajv";
import type { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GET as dashboardRoute } from "../../app/api/analytics/dashboard/route";
import { GET as timeseriesRoute } from "../../app/api/analytics/timeseries/route";
import { GET as metricsRoute } from "../../app/api/metrics/route";
import { GET as openApi } from "../../app/api/openapi.json/route";
import { api } from "../../convex/_generated/api";
import type { AnalyticsEvent } from "../../lib/analytics/events";
import { REPLY_TIME_BUCKETS_SECONDS } from "../../lib/analytics/metrics";
import { exactQuantile } from "../../lib/analytics/sketch";
import { DAY, HOUR } from "../../lib/time";
import { eventually, PROJECT_CONVEX_DIR, startLocalRuntime, type LocalRuntime } from "../local/harness";
import { ownerClient } from "../support/operator";

const KEY = "env-operator-key-analytics-0123456789";
const SEED = path.resolve(__dirname, "fixture/analyticsSeed.ts");
const insertEvents = makeFunctionReference<"mutation", { events: AnalyticsEvent[] }, number>("analyticsSeed:insert");
const rollAll = makeFunctionReference<"mutation", { now: number }, number>("analyticsSeed:roll");

let runtime: LocalRuntime;
let owner: ConvexHttpClient;

/** The project's convex/ folder, file by file as links, plus the seeding module. */
async function convexDirWithSeed(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "analytics-api-convex-"));
  async function mirror(from: string, to: string) {
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      if (entry.isDirectory()) {
        await mkdir(path.join(to, entry.name));
        await mirror(source, path.join(to, entry.name));
      } else await symlink(source, path.join(to, entry.name));
    }
  }
  await mirror(PROJECT_CONVEX_DIR, dir);
  await symlink(SEED, path.join(dir, "analyticsSeed.ts"));
  return dir;
}

// The business zone is UTC (the default), so days start at multiples of DAY.
const NOW = Date.now();
const TODAY = Math.floor(NOW / DAY) * DAY;
const YESTERDAY = TODAY - DAY;
let seq = 0;
const at = (day: number) => day + 60_000 * ++seq; // distinct minutes early in the day
type Seeded = Omit<AnalyticsEvent, "at"> & { at: number };
const ev = (day: number, e: Omit<AnalyticsEvent, "at">): Seeded => ({ at: at(day), ...e });

const received = (day: number, channel: "telegram" | "web", first = false) =>
  ev(day, { type: "message.received", channel, value: 10, ...(first ? { kind: "first" } : {}) });
const sent = (day: number, channel: "telegram" | "web") => ev(day, { type: "message.sent", channel, kind: "agent", value: 20 });
const bot = (day: number, kind: "first" | "next", durationMs: number) => ev(day, { type: "response.ai_generated", kind, durationMs, value: 900 });
const human = (day: number, kind: "first" | "next", durationMs: number) => ev(day, { type: "response.staff_sent", kind, durationMs, staffId: "op" });

// Yesterday: rolled up before the API reads it.
const YESTERDAY_EVENTS: Seeded[] = [
  received(YESTERDAY, "web", true),
  received(YESTERDAY, "web", true),
  sent(YESTERDAY, "web"),
  bot(YESTERDAY, "first", 2_100),
  bot(YESTERDAY, "first", 4_300),
  ev(YESTERDAY, { type: "batch.flushed", kind: "timeout", value: 2, durationMs: 4_000 }),
];
// Today, first half: rolled up too.
const TODAY_ROLLED: Seeded[] = [
  received(TODAY, "telegram", true),
  received(TODAY, "telegram"),
  received(TODAY, "web", true),
  sent(TODAY, "telegram"),
  sent(TODAY, "web"),
  bot(TODAY, "first", 1_200),
  bot(TODAY, "first", 3_400),
  human(TODAY, "first", 58_000),
  ev(TODAY, { type: "batch.flushed", kind: "timeout", value: 3, durationMs: 4_100 }),
  ev(TODAY, { type: "task.completed", kind: "followup:sent" }),
  ev(TODAY, { type: "task.completed", kind: "meeting_reminder:sent" }),
  ev(TODAY, { type: "satisfaction.rating_received", kind: "csat", value: 5 }),
];
// Today, second half: still raw when the API reads (the open tail).
const TODAY_TAIL: Seeded[] = [
  received(TODAY, "telegram", true),
  received(TODAY, "telegram"),
  received(TODAY, "web"),
  sent(TODAY, "telegram"),
  sent(TODAY, "web"),
  sent(TODAY, "web"),
  bot(TODAY, "first", 800),
  bot(TODAY, "first", 15_000),
  bot(TODAY, "next", 450),
  human(TODAY, "first", 45_000),
  ev(TODAY, { type: "conversation.escalated" }),
  ev(TODAY, { type: "batch.flushed", kind: "max_messages", value: 10, durationMs: 1_500 }),
  ev(TODAY, { type: "task.completed", kind: "followup:cancelled" }),
  ev(TODAY, { type: "task.failed", kind: "followup:failed" }),
  ev(TODAY, { type: "message.failed", kind: "blocked" }),
  ev(TODAY, { type: "satisfaction.rating_received", kind: "csat", value: 4 }),
];
const ALL = [...YESTERDAY_EVENTS, ...TODAY_ROLLED, ...TODAY_TAIL];

beforeAll(async () => {
  runtime = await startLocalRuntime(undefined, {
    convexDir: await convexDirWithSeed(),
    env: { ANTHROPIC_API_KEY: "", OPERATOR_API_KEY: KEY },
  });
  process.env.NEXT_PUBLIC_CONVEX_URL = runtime.url;
  owner = await ownerClient(runtime.url);
  expect(await owner.mutation(insertEvents, { events: [...YESTERDAY_EVENTS, ...TODAY_ROLLED] })).toBe(YESTERDAY_EVENTS.length + TODAY_ROLLED.length);
  // + 1: the owner's sign-up above is a staff.login event.
  expect(await owner.mutation(rollAll, { now: Date.now() + HOUR })).toBe(YESTERDAY_EVENTS.length + TODAY_ROLLED.length + 1);
  expect(await owner.mutation(insertEvents, { events: TODAY_TAIL })).toBe(TODAY_TAIL.length);
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

/** `key: null` sends no Authorization header. */
function call(route: (r: Request) => Promise<Response>, pathAndQuery: string, key: string | null = KEY) {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  return route(new Request(`http://localhost${pathAndQuery}`, { headers }));
}

/** Direct computation: the cards' numbers for one day from the generated events. */
function expectedCard(day: number) {
  const of = (type: string, kind?: string) => ALL.filter((e) => e.type === type && e.at >= day && e.at < day + DAY && (kind === undefined || e.kind === kind));
  const started = of("message.received", "first").length;
  const firsts = [...of("response.ai_generated", "first"), ...of("response.staff_sent", "first")].map((e) => e.durationMs!);
  const ratings = of("satisfaction.rating_received", "csat").map((e) => e.value!);
  return {
    conversationsStarted: started,
    messagesReceived: of("message.received").length,
    messagesSent: of("message.sent").length,
    firstResponse: { p50: exactQuantile(firsts, 0.5), p95: exactQuantile(firsts, 0.95) },
    escalationRate: started ? of("conversation.escalated").length / started : null,
    csat: ratings.length ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
  };
}

function expectWithinOnePercent(actual: number | null, exact: number | null) {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact!) / exact!).toBeLessThanOrEqual(0.01);
}

describe("GET /api/analytics/dashboard", () => {
  test("today vs yesterday equal a direct computation over rolled-up and raw events", async () => {
    const response = await call(dashboardRoute, "/api/analytics/dashboard");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.timeZone).toBe("UTC");
    expect(body.complete).toBe(true);
    for (const [name, day] of [["today", TODAY], ["yesterday", YESTERDAY]] as const) {
      const want = expectedCard(day);
      const card = body[name];
      expect(card).toMatchObject({
        conversationsStarted: want.conversationsStarted,
        messagesReceived: want.messagesReceived,
        messagesSent: want.messagesSent,
        escalationRate: want.escalationRate,
        csat: want.csat,
      });
      expectWithinOnePercent(card.firstResponseMs.p50, want.firstResponse.p50);
      expectWithinOnePercent(card.firstResponseMs.p95, want.firstResponse.p95);
    }
    // The generated day: 3 conversations, 1 escalation, ratings 5 and 4; yesterday had no ratings.
    expect(body.today.escalationRate).toBeCloseTo(1 / 3);
    expect(body.today.csat).toBe(4.5);
    expect(body.yesterday.csat).toBeNull();
    expect(body.change.messagesReceived).toBeCloseTo((6 - 2) / 2);
    expect(body.change.csat).toBeNull();
  });

  test("no key or a wrong key is 401", async () => {
    expect((await call(dashboardRoute, "/api/analytics/dashboard", null)).status).toBe(401);
    const wrong = await call(dashboardRoute, "/api/analytics/dashboard", "brk_wrong");
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe("UNAUTHENTICATED");
  });

  test("a key made in the dashboard works", async () => {
    const { key } = await owner.mutation(api.apiKeys.create, { name: "grafana" });
    expect((await call(dashboardRoute, "/api/analytics/dashboard", key)).status).toBe(200);
  });
});

describe("GET /api/analytics/timeseries", () => {
  const q = (params: Record<string, string | number>) => `/api/analytics/timeseries?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

  test("hourly messages by channel equal the generated events, every bucket present", async () => {
    const response = await call(timeseriesRoute, q({ metric: "message.received", granularity: "hour", groupBy: "channel", from: YESTERDAY, to: TODAY + DAY }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ metric: "message.received", granularity: "hour", groupBy: "channel", timeZone: "UTC", complete: true });
    expect(body.points).toHaveLength(48);
    for (const point of body.points) {
      const inBucket = ALL.filter((e) => e.type === "message.received" && e.at >= point.start && e.at < point.start + HOUR);
      const want: Record<string, number> = {};
      for (const e of inBucket) want[e.channel!] = (want[e.channel!] ?? 0) + 1;
      const got = Object.fromEntries(Object.entries(point.values as Record<string, { count: number }>).map(([k, v]) => [k, v.count]));
      expect(got).toEqual(want);
    }
    expect(body.points.reduce((n: number, p: { values: Record<string, { count: number }> }) => n + Object.values(p.values).reduce((a, v) => a + v.count, 0), 0)).toBe(
      ALL.filter((e) => e.type === "message.received").length,
    );
  });

  test("daily first-response percentiles, ISO times accepted", async () => {
    const from = new Date(YESTERDAY).toISOString();
    const to = new Date(TODAY + DAY).toISOString();
    const body = await (await call(timeseriesRoute, q({ metric: "response.ai_generated", granularity: "day", groupBy: "kind", from, to }))).json();
    expect(body.points.map((p: { start: number }) => p.start)).toEqual([YESTERDAY, TODAY]);
    const today = body.points[1].values.first;
    const exact = TODAY_ROLLED.concat(TODAY_TAIL).filter((e) => e.type === "response.ai_generated" && e.kind === "first").map((e) => e.durationMs!);
    expect(today.count).toBe(exact.length);
    expectWithinOnePercent(today.p50, exactQuantile(exact, 0.5));
    expectWithinOnePercent(today.p95, exactQuantile(exact, 0.95));
    expect(body.points[1].values.next.count).toBe(1);
  });

  test("bad input is 400 with the reason; no key is 401", async () => {
    const bad = async (params: Record<string, string | number>, field: string) => {
      const response = await call(timeseriesRoute, q(params));
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toContain(field);
    };
    await bad({ granularity: "day", from: YESTERDAY, to: TODAY }, "metric");
    await bad({ metric: "message.nope", from: YESTERDAY, to: TODAY }, "metric");
    await bad({ metric: "message.received", granularity: "minute", from: YESTERDAY, to: TODAY }, "granularity");
    await bad({ metric: "message.received", from: "yesterday", to: TODAY }, "from");
    await bad({ metric: "message.received", from: TODAY, to: YESTERDAY }, "from");
    await bad({ metric: "message.received", granularity: "hour", from: TODAY - 30 * DAY, to: TODAY }, "to");
    await bad({ metric: "message.received", groupBy: "contact", from: YESTERDAY, to: TODAY }, "groupBy");
    expect((await call(timeseriesRoute, q({ metric: "message.received", from: YESTERDAY, to: TODAY }), null)).status).toBe(401);
  });
});

type Sample = { name: string; labels: Record<string, string>; value: number };
/** A small parser for the text exposition format: families with HELP/TYPE, and samples. */
function parsePrometheus(text: string) {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") types.set(meta[2]!, meta[3]!);
      else helps.add(meta[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    samples.push({ name: sample[1]!, labels, value: sample[3] === "+Inf" ? Infinity : Number(sample[3]) });
  }
  return { types, helps, samples };
}

describe("GET /api/metrics", () => {
  async function scrape(key: string | null = KEY) {
    const response = await call(metricsRoute, "/api/metrics", key);
    return { response, text: response.status === 200 ? await response.text() : "" };
  }

  test("Prometheus text: typed families, _total counters, numbers from the generated events", async () => {
    const { response, text } = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { types, helps, samples } = parsePrometheus(text);
    // Every sample belongs to a declared family; counters end in _total; every family has HELP.
    for (const s of samples) {
      const family = types.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, "");
      expect(types.get(family), s.name).toBeDefined();
      if (family !== s.name) expect(types.get(family)).toBe("histogram");
    }
    for (const [name, type] of types) {
      expect(helps.has(name)).toBe(true);
      expect(name.startsWith("burstreply_")).toBe(true);
      expect(name.endsWith("_total")).toBe(type === "counter");
    }
    expect(Object.fromEntries(types)).toMatchObject({
      burstreply_messages_total: "counter",
      burstreply_batches_total: "counter",
      burstreply_replies_total: "counter",
      burstreply_send_failures_total: "counter",
      burstreply_followups_total: "counter",
      burstreply_model_calls_total: "counter",
      burstreply_model_errors_total: "counter",
      burstreply_escalations_total: "counter",
      burstreply_conversations: "gauge",
      burstreply_conversations_needing_human: "gauge",
      burstreply_pending_scheduled_actions: "gauge",
      burstreply_oldest_unanswered_message_age_seconds: "gauge",
      burstreply_reply_time_seconds: "histogram",
      burstreply_metrics_complete: "gauge",
    });
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.keys(labels).every((k) => s.labels[k] === labels[k]) && Object.keys(s.labels).length >= Object.keys(labels).length)?.value;
    const count = (pred: (e: Seeded) => boolean) => ALL.filter(pred).length;

    for (const channel of ["telegram", "web"] as const) {
      expect(value("burstreply_messages_total", { channel, direction: "in" })).toBe(count((e) => e.type === "message.received" && e.channel === channel));
      expect(value("burstreply_messages_total", { channel, direction: "out" })).toBe(count((e) => e.type === "message.sent" && e.channel === channel));
    }
    expect(value("burstreply_batches_total", { flush_reason: "timeout" })).toBe(2);
    expect(value("burstreply_batches_total", { flush_reason: "max_messages" })).toBe(1);
    expect(value("burstreply_replies_total", { responder: "bot" })).toBe(count((e) => e.type === "response.ai_generated"));
    expect(value("burstreply_replies_total", { responder: "human" })).toBe(count((e) => e.type === "response.staff_sent"));
    expect(value("burstreply_send_failures_total", { reason: "blocked" })).toBe(1);
    // Follow-ups only (the meeting reminder is not one), by outcome.
    expect(samples.filter((s) => s.name === "burstreply_followups_total").map((s) => [s.labels.outcome, s.value]).sort()).toEqual([
      ["cancelled", 1],
      ["failed", 1],
      ["sent", 1],
    ]);
    expect(value("burstreply_metrics_complete")).toBe(1);

    // The histogram: seconds, cumulative buckets equal to a direct count, +Inf = count, exact sum.
    for (const [responder, type] of [["bot", "response.ai_generated"], ["human", "response.staff_sent"]] as const) {
      const durations = ALL.filter((e) => e.type === type).map((e) => e.durationMs! / 1000);
      const buckets = samples.filter((s) => s.name === "burstreply_reply_time_seconds_bucket" && s.labels.responder === responder);
      expect(buckets.map((b) => b.labels.le)).toEqual([...REPLY_TIME_BUCKETS_SECONDS.map(String), "+Inf"]);
      for (const b of buckets) {
        const le = b.labels.le === "+Inf" ? Infinity : Number(b.labels.le);
        expect(b.value, `${responder} le=${b.labels.le}`).toBe(durations.filter((d) => d <= le).length);
      }
      expect(value("burstreply_reply_time_seconds_count", { responder })).toBe(durations.length);
      expect(value("burstreply_reply_time_seconds_sum", { responder })).toBeCloseTo(durations.reduce((a, b) => a + b, 0), 6);
    }
  });

  test("gauges follow the live tables: a buffering web chat shows, with its message's age", async () => {
    const before = parsePrometheus((await scrape()).text).samples;
    const gauge = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(gauge(before, "burstreply_conversations", { state: "buffering" })).toBe(0);
    expect(gauge(before, "burstreply_oldest_unanswered_message_age_seconds", { waiting_for: "bot" })).toBe(0);
    expect(gauge(before, "burstreply_conversations_needing_human")).toBe(0);
    expect(gauge(before, "burstreply_pending_scheduled_actions", { kind: "followup" })).toBe(0);

    // A long window keeps the burst buffering while we look.
    await owner.mutation(api.settings.update, { patch: { batchWindowMs: 120_000 } });
    const sessionId = await owner.mutation(api.webchat.startSession, {});
    const sentAt = Date.now();
    await owner.mutation(api.webchat.send, { sessionId, clientMessageId: "1", text: "hello" });
    const after = await eventually(
      async () => parsePrometheus((await scrape()).text).samples,
      (s) => gauge(s, "burstreply_conversations", { state: "buffering" }) === 1,
      10_000,
    );
    const age = gauge(after, "burstreply_oldest_unanswered_message_age_seconds", { waiting_for: "bot" })!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThanOrEqual((Date.now() - sentAt) / 1000 + 1);
    // The message counts at once (raw tail), without waiting for the rollup.
    expect(gauge(after, "burstreply_messages_total", { channel: "web", direction: "in" })).toBe(
      gauge(before, "burstreply_messages_total", { channel: "web", direction: "in" })! + 1,
    );
  });

  test("no key or a wrong key is 401 (JSON), never metrics", async () => {
    for (const key of [null, "brk_wrong"]) {
      const { response } = await scrape(key);
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toContain("application/json");
    }
  });
});

describe("OpenAPI", () => {
  test("the analytics endpoints are documented, /api/metrics as text/plain, and live answers satisfy the schemas", async () => {
    const doc = await openApi().json();
    const ajv = new Ajv({ strictDefaults: false });
    const metrics = doc.paths["/api/metrics"].get;
    expect(Object.keys(metrics.responses["200"].content)).toEqual(["text/plain; version=0.0.4; charset=utf-8"]);
    expect(metrics.responses["200"].content["text/plain; version=0.0.4; charset=utf-8"].schema.type).toBe("string");
    const series = doc.paths["/api/analytics/timeseries"].get;
    expect(series.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["from", "granularity", "groupBy", "metric", "to"]);
    for (const parameter of series.parameters) expect(ajv.validateSchema(parameter.schema)).toBe(true);
    const validateSeries = ajv.compile(series.responses["200"].content["application/json"].schema);
    const live = await (await call(timeseriesRoute, `/api/analytics/timeseries?metric=message.received&from=${YESTERDAY}&to=${TODAY + DAY}`)).json();
    expect(validateSeries(live)).toBe(true);
    expect(validateSeries({ ...live, points: [{ start: "x" }] })).toBe(false);
    const validateDashboard = ajv.compile(doc.paths["/api/analytics/dashboard"].get.responses["200"].content["application/json"].schema);
    expect(validateDashboard(await (await call(dashboardRoute, "/api/analytics/dashboard")).json())).toBe(true);
  });
});
