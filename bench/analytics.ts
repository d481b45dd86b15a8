/**
 * Analytics costs on the embedded local runtime (local/, what `npm start`
 * runs: real ordered indexes), medians of 3:
 *
 *   npx tsx bench/analytics.ts                 # 10k, 100k, 1M events of history
 *   BENCH_PART=tuner npx tsx bench/analytics.ts  # the batching tuner's curve only
 *
 * - rollup: documents read/written and time for the runs that roll up 1,000
 *   new events, at 10k and 100k events of history already rolled up
 * - overview (the cards: /analytics and GET /api/analytics/dashboard):
 *   documents read and latency at 10k (baseline), 100k and 1M events, with
 *   the rollup caught up and with 1,000 events not rolled up yet; beside it
 *   the raw-events count it replaces
 *
 * Data folders are built once under BENCH_DATA (default /tmp/analytics-bench)
 * by the product's own code on the runtime: generated traffic
 * (tests/analytics/traffic.ts) recorded through `recordEvent`, then rolled
 * up by `rollupPage` (bigger pages to build faster; the rows are the same
 * merge). A folder with `built.json` is reused; folders measured with
 * writes are copied first, so every run starts from the same state.
 *
 * The runtime serves the product's convex/ modules plus
 * bench/analyticsProbe.ts (a folder of links, LOCAL_CONVEX_DIR), without
 * crons.ts so no rollup cron runs under the measurement. Documents read are
 * Convex's transaction metrics (`ctx.meta.getTransactionMetrics()`) taken
 * inside the measured transaction; latency is the client's round trip over
 * HTTP (ConvexHttpClient), as the page's server component and the API route
 * call it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { execSync } from "node:child_process";
import { readFolderState } from "./dataFolder";
import { tunerCurve, type InboundTrace } from "../lib/analytics/tuner";
import { bucketStart } from "../lib/analytics/buckets";
import type { AnalyticsEvent } from "../lib/analytics/events";
import { generateEvents, seededRandom } from "../tests/analytics/traffic";
import { DAY, HOUR, SECOND } from "../lib/time";

const repo = path.resolve(import.meta.dirname, "..");
const NOW = Date.UTC(2026, 10, 30, 12);
/** History spread over this many days up to the last hour (today and yesterday both have rows); new events land in the last day. */
const HISTORY_DAYS = 14;
const DATA = path.resolve(process.env.BENCH_DATA ?? "/tmp/analytics-bench");
const PORT = process.env.BENCH_PORT ?? "0";
const SIZES = (process.env.BENCH_HISTORY ?? "10000,100000,1000000").split(",").map(Number);
/** Sizes at which the rollup is measured (it writes, so those folders are copied first). */
const ROLLUP_SIZES = new Set((process.env.BENCH_ROLLUP_HISTORY ?? "10000,100000").split(",").map(Number));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Metrics = { read: number; bytesRead: number; written: number; bytesWritten: number };
const fn = {
  record: makeFunctionReference<"mutation", { events: AnalyticsEvent[] }, number>("benchAnalytics:record"),
  rollup: makeFunctionReference<"mutation", { pageSize?: number }, { events: number; rows: number; more: boolean; metrics: Metrics }>("benchAnalytics:rollup"),
  overview: makeFunctionReference<
    "query",
    { now: number },
    { complete: boolean; messagesReceivedToday: number; messagesReceivedYesterday: number; metrics: Metrics }
  >("benchAnalytics:overview"),
  rawScan: makeFunctionReference<"query", { from: number; to: number }, { received: number; metrics: Metrics }>("benchAnalytics:rawScan"),
};

/** convex/ as links (crons.ts left out) plus the probe module: the functions folder the runtime serves. */
async function functionsFolder(): Promise<string> {
  const app = path.join(DATA, "app");
  await rm(app, { recursive: true, force: true });
  const mirror = async (from: string, to: string) => {
    await mkdir(to, { recursive: true });
    for (const entry of await readdir(from, { withFileTypes: true })) {
      if (entry.isDirectory()) await mirror(path.join(from, entry.name), path.join(to, entry.name));
      else if (!(from === path.join(repo, "convex") && entry.name === "crons.ts")) await symlink(path.join(from, entry.name), path.join(to, entry.name));
    }
  };
  await mirror(path.join(repo, "convex"), app);
  await symlink(path.join(repo, "bench/analyticsProbe.ts"), path.join(app, "benchAnalytics.ts"));
  return app;
}

async function startRuntime(app: string, dataDir: string) {
  const started = performance.now();
  const child = spawn(process.execPath, ["--max-old-space-size=8192", "--import", "tsx", "local/main.ts"], {
    cwd: repo,
    env: { ...process.env, INGEST_SECRET: "bench-ingest-secret", LOCAL_CONVEX_DIR: app, LOCAL_CONVEX_PORT: PORT, LOCAL_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready in \d+ ms on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`runtime exited ${code}:\n${output}`)));
  });
  return {
    client: new ConvexHttpClient(url, { logger: false }),
    startMs: performance.now() - started,
    rssMb: async () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, "utf8"))?.[1]) / 1024),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

type Built = { history: number; buildMs: number; rollupRows: number };

/** The folder holding `history` events and the rollup rows they leave, built on first use. */
async function dataFolder(app: string, history: number): Promise<{ dir: string; built: Built }> {
  const dir = path.join(DATA, `history-${history}`);
  const marker = path.join(dir, "built.json");
  if (existsSync(marker)) return { dir, built: JSON.parse(await readFile(marker, "utf8")) as Built };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  const rt = await startRuntime(app, dir);
  try {
    await fill(rt.client, history);
  } finally {
    await rt.stop();
  }
  const rollupRows = [...(await readFolderState(dir)).docs.keys()].filter((id) => id.endsWith("analyticsRollups")).length;
  const built = { history, buildMs: Math.round(performance.now() - started), rollupRows };
  await writeFile(marker, JSON.stringify(built));
  console.error(`built ${dir}: ${JSON.stringify(built)}`);
  return { dir, built };
}

/** Records `history` generated events and rolls them all up. */
async function fill(client: ConvexHttpClient, history: number) {
  const events = generateEvents(history, NOW - HISTORY_DAYS * DAY, NOW - HOUR, history);
  for (let i = 0; i < events.length; i += 2000) await client.mutation(fn.record, { events: events.slice(i, i + 2000) });
  // Pages spanning about 6 hours of traffic stay inside Convex's 4,096 index ranges per transaction.
  const pageSize = Math.min(4000, Math.max(200, Math.round(history / (HISTORY_DAYS * 4))));
  for (;;) {
    const run = await client.mutation(fn.rollup, { pageSize });
    if (!run.more) break;
  }
}

type Client = ConvexHttpClient;

async function overview(client: Client) {
  await client.query(fn.overview, { now: NOW }); // warm-up, not counted
  const runs: { ms: number; read: number; complete: boolean; received: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await client.query(fn.overview, { now: NOW });
    runs.push({ ms: performance.now() - t, read: r.metrics.read, complete: r.complete, received: r.messagesReceivedToday + r.messagesReceivedYesterday });
  }
  return { ms: median(runs.map((r) => r.ms)), read: median(runs.map((r) => r.read)), complete: runs.every((r) => r.complete), received: runs[0]!.received };
}

async function rawScan(client: Client) {
  const from = bucketStart(NOW - DAY, "day", "UTC");
  const runs: { ms: number; read: number; received: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    try {
      const r = await client.query(fn.rawScan, { from, to: from + 2 * DAY });
      runs.push({ ms: performance.now() - t, read: r.metrics.read, received: r.received });
    } catch (error) {
      const limit = /\(limit: (\d+)\)/.exec(String(error));
      return { error: limit ? `fails: over Convex's ${Number(limit[1]).toLocaleString("en")}-document scan limit` : String(error).slice(0, 160) };
    }
  }
  return { ms: median(runs.map((r) => r.ms)), read: median(runs.map((r) => r.read)), received: runs[0]!.received };
}

async function rollupRounds(client: Client) {
  const rounds: { read: number; written: number; ms: number; runs: number }[] = [];
  for (let round = 0; round < 3; round++) {
    await client.mutation(fn.record, { events: generateEvents(1000, NOW - DAY + round, NOW, 7 + round) });
    let read = 0;
    let written = 0;
    let runs = 0;
    const started = performance.now();
    for (;;) {
      const run = await client.mutation(fn.rollup, {});
      read += run.metrics.read;
      written += run.metrics.written;
      runs += 1;
      if (!run.more) break;
    }
    rounds.push({ read, written, runs, ms: performance.now() - started });
  }
  return { read: median(rounds.map((r) => r.read)), written: median(rounds.map((r) => r.written)), ms: median(rounds.map((r) => r.ms)), runs: median(rounds.map((r) => r.runs)) };
}

async function measure(app: string, history: number) {
  const { dir, built } = await dataFolder(app, history);
  const writes = ROLLUP_SIZES.has(history);
  let runDir = dir;
  if (writes) {
    runDir = `${dir}-run`;
    await rm(runDir, { recursive: true, force: true });
    await cp(dir, runDir, { recursive: true });
  }
  const rt = await startRuntime(app, runDir);
  try {
    const caughtUp = await overview(rt.client);
    const raw = await rawScan(rt.client);
    const rollup = writes ? await rollupRounds(rt.client) : null;
    let backlog = null;
    if (writes) {
      // 1,000 events the rollup has not read yet: more than the raw tail reads (it stops at its cap).
      await rt.client.mutation(fn.record, { events: generateEvents(1000, NOW - DAY, NOW, 99) });
      backlog = await overview(rt.client);
    }
    return { history, built, startMs: Math.round(rt.startMs), rssMb: await rt.rssMb(), caughtUp, raw, rollup, backlog };
  } finally {
    await rt.stop();
    if (writes) await rm(runDir, { recursive: true, force: true });
  }
}

/**
 * The what-if curve on generated traffic: 300 conversations, each a few
 * bursts of 1–6 messages; within a burst pauses are log-normal around 2 s
 * (typing a short line), between bursts 2–30 minutes.
 */
function tunerSample() {
  const random = seededRandom(42);
  const traces: InboundTrace[] = [];
  for (let c = 0; c < 300; c++) {
    const times: number[] = [];
    let t = NOW - 7 * DAY + random() * 6 * DAY;
    for (let burst = 0; burst < 1 + Math.floor(random() * 4); burst++) {
      const size = 1 + Math.floor(random() * random() * 6);
      for (let m = 0; m < size; m++) {
        times.push(Math.round(t));
        t += Math.exp(Math.log(2000) + 0.7 * gaussian(random));
      }
      t += (2 + random() * 28) * 60 * SECOND;
    }
    traces.push({ conversationId: `c${c}`, channel: c % 2 ? "telegram" : "whatsapp", times });
  }
  const curve = tunerCurve(traces, { windowMs: 4 * SECOND, maxWaitMs: 30 * SECOND, maxMessages: 10 });
  const out = [`## Batching tuner on generated traffic`, ``, `${traces.reduce((a, t) => a + t.times.length, 0)} messages in 300 conversations; max wait 30 s, max messages 10; target 90 % of multi-message bursts merged.`, ``];
  out.push("| window | model calls | messages per call | replies per burst | bursts merged | added wait p50 | p95 |", "| --- | --- | --- | --- | --- | --- | --- |");
  for (const p of curve.points) {
    const mark = p.policy.windowMs === curve.recommendedWindowMs ? " **(recommended)**" : "";
    out.push(`| ${p.policy.windowMs / 1000} s${mark} | ${p.modelCalls} | ${p.messagesPerCall.toFixed(2)} | ${p.repliesPerBurst.toFixed(2)} | ${Math.round(p.mergedShare * 100)} % | ${((p.addedWaitP50Ms ?? 0) / 1000).toFixed(1)} s | ${((p.addedWaitP95Ms ?? 0) / 1000).toFixed(1)} s |`);
  }
  return out.join("\n");
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

if (process.env.BENCH_PART === "tuner") {
  console.log(tunerSample());
  process.exit(0);
}

await mkdir(DATA, { recursive: true });
const app = await functionsFolder();
const results = [];
for (const history of SIZES) {
  const r = await measure(app, history);
  console.error(JSON.stringify(r));
  results.push(r);
}
const load = execSync("uptime").toString().trim();
const fmtMs = (ms: number) => (ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);
const lines = [
  `### Analytics on the local runtime (medians of 3)`,
  ``,
  `Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}; load: \`${load}\`.`,
  ``,
  `Rollup: the runs (pages of ${200}, as the cron runs them) that roll up 1,000 new events into a history already rolled up.`,
  ``,
  "| history | rollup of 1,000 new events: docs read | written | runs | time |",
  "| --- | --- | --- | --- | --- |",
];
for (const r of results) if (r.rollup) lines.push(`| ${r.history.toLocaleString("en")} | ${r.rollup.read} | ${r.rollup.written} | ${r.rollup.runs} | ${fmtMs(r.rollup.ms)} |`);
lines.push(
  ``,
  `Overview (the cards' query): caught up = the rollup has read every event; backlog = 1,000 events recorded since it last ran. Raw scan = the same two days' messages received counted from raw events instead (the baseline rollups replace); "same count" = the overview's messages received today + yesterday equal the raw scan's.`,
  ``,
  "| history | rollup rows | runtime start | RSS | overview docs read | latency | with backlog: docs read | latency | complete | raw scan: docs read | latency | same count |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const r of results) {
  const raw = "error" in r.raw ? `${r.raw.error} | – | –` : `${r.raw.read} | ${fmtMs(r.raw.ms)} | ${r.raw.received === r.caughtUp.received ? `yes (${r.raw.received})` : `NO: ${r.caughtUp.received} vs ${r.raw.received}`}`;
  const backlog = r.backlog ? `${r.backlog.read} | ${fmtMs(r.backlog.ms)} | ${r.backlog.complete ? "yes" : "no (tail capped)"}` : "– | – | –";
  lines.push(
    `| ${r.history.toLocaleString("en")} | ${r.built.rollupRows.toLocaleString("en")} | ${(r.startMs / 1000).toFixed(1)} s | ${r.rssMb} MB | ${r.caughtUp.read} | ${fmtMs(r.caughtUp.ms)} | ${backlog} | ${raw} |`,
  );
}
console.log(lines.join("\n"));
