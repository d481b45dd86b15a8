/**
 * Analytics costs, measured in-process on convex-test (the same transaction
 * metrics Convex reports), medians of 3. Run: `npx tsx bench/analytics.ts`.
 *
 * - rollup: documents read/written and time for a run over 1,000 new events
 *   with 10k and 100k events of history already rolled up
 * - overview query: documents read and latency with 10k and 100k events
 *
 * History is spread over two weeks so the rows exist that such traffic
 * leaves; the new events land in the last day.
 *
 * Wall times here are convex-test's, whose indexes are in-memory scans, so
 * they grow with table size where Convex's B-tree indexes do not: compare
 * the document counts, which are what Convex bills and limits.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { convexTest } from "convex-test";
import { api } from "../convex/_generated/api";
import { rollupPage } from "../convex/model/analytics";
import schema from "../convex/schema";
import { tunerCurve, type InboundTrace } from "../lib/analytics/tuner";
import { generateEvents, seededRandom } from "../tests/analytics/traffic";
import { DAY, SECOND } from "../lib/time";

const root = path.resolve(import.meta.dirname, "../convex");
function moduleMap(dir: string, out: Record<string, () => Promise<unknown>> = {}) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) moduleMap(full, out);
    else if (/\.(ts|js)$/.test(name) && !name.endsWith(".d.ts")) out[full] = () => import(pathToFileURL(full).href);
  }
  return out;
}
const modules = moduleMap(root);

const NOW = Date.UTC(2026, 10, 30, 12);
/** History spread over this many days, so the rows exist that such traffic leaves. */
const HISTORY_DAYS = 14;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function scenario(history: number) {
  {
    const t = convexTest(schema, modules);
    const events = generateEvents(history, NOW - HISTORY_DAYS * DAY, NOW - DAY, history);
    for (let i = 0; i < events.length; i += 2000) {
      await t.run(async (ctx) => {
        for (const e of events.slice(i, i + 2000)) await ctx.db.insert("analyticsEvents", e);
      });
    }
    for (;;) {
      // Creation times are the real clock; `now` past the rollup's lag.
      const run = await t.run((ctx) => rollupPage(ctx, Date.now() + 11 * SECOND, 2000));
      if (!run.more) break;
    }
    const rollup = { read: [] as number[], written: [] as number[], ms: [] as number[] };
    for (let round = 0; round < 3; round++) {
      const fresh = generateEvents(1000, NOW - DAY + round, NOW, 7 + round).map((e) => ({ ...e, at: e.at }));
      await t.run(async (ctx) => {
        for (const e of fresh) await ctx.db.insert("analyticsEvents", e);
      });
      let read = 0;
      let written = 0;
      const started = performance.now();
      for (;;) {
        const { run, m } = await t.run(async (ctx) => ({ run: await rollupPage(ctx, Date.now() + 11 * SECOND), m: await ctx.meta.getTransactionMetrics() }));
        read += m.documentsRead.used;
        written += m.documentsWritten.used;
        if (!run.more) break;
      }
      rollup.ms.push(performance.now() - started);
      rollup.read.push(read);
      rollup.written.push(written);
    }
    const overview = { read: [] as number[], ms: [] as number[] };
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const m = await t.run(async (ctx) => {
        await ctx.runQuery(api.analytics.queries.overview, { now: NOW });
        return await ctx.meta.getTransactionMetrics();
      });
      overview.ms.push(performance.now() - started);
      overview.read.push(m.documentsRead.used);
    }
    return { history, rollup, overview };
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

const lines = [`## Analytics (convex-test, in-process; medians of 3)`, ``, `Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}.`, ``];
lines.push("| history | rollup of 1,000 new events: docs read | written | time | overview: docs read | overview time |", "| --- | --- | --- | --- | --- | --- |");
for (const history of (process.env.BENCH_HISTORY ?? "10000,100000").split(",").map(Number)) {
  const r = await scenario(history);
  lines.push(
    `| ${history.toLocaleString("en")} | ${median(r.rollup.read)} | ${median(r.rollup.written)} | ${Math.round(median(r.rollup.ms))} ms | ${median(r.overview.read)} | ${median(r.overview.ms).toFixed(1)} ms |`,
  );
  console.log(lines.join("\n"));
  lines.length = 0;
}
