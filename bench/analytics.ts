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
import { generateEvents } from "../tests/analytics/traffic";
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

const lines = [`## Analytics (convex-test, in-process; medians of 3)`, ``, `Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}.`, ``];
lines.push("| history | rollup of 1,000 new events: docs read | written | time | overview: docs read | overview time |", "| --- | --- | --- | --- | --- | --- |");
for (const history of (process.env.BENCH_HISTORY ?? "10000,100000").split(",").map(Number)) {
  const r = await scenario(history);
  lines.push(
    `| ${history.toLocaleString("en")} | ${median(r.rollup.read)} | ${median(r.rollup.written)} | ${Math.round(median(r.rollup.ms))} ms | ${median(r.overview.read)} | ${median(r.overview.ms).toFixed(1)} ms |`,
  );
  console.error(`done: ${history}`);
}
console.log(lines.join("\n"));
