/**
 * Scheduled jobs per burst: how many scheduler entries one customer burst
 * costs, from its first message to its one reply, on Telegram (typing
 * every 4 s) and web chat (no typing). Bursts of 1, 3 and 10 messages with
 * the default settings (window 4 s, max 10 messages), the offline
 * responder, a fake Telegram API on 127.0.0.1, convex-test's engine (the
 * one the local runtime serves) with real timers.
 *
 * Run: `npx tsx bench/jobsPerBurst.ts [--baseline <checkout>]`. With a
 * baseline (e.g. `git worktree add /tmp/base main`), both trees run side
 * by side in the same process, burst for burst with the same gaps. Each
 * cell is the median of 3 runs; the gaps between messages differ per run
 * (seeded, the same for both trees). Prints a Markdown table; the last one
 * is kept in bench/RESULTS.md.
 */
import { execSync } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { convexTest } from "convex-test";
import { loadConvexModules } from "../local/modules";
import { startFakePlatform, telegramOk } from "../tests/support/fakePlatform";

const RUNS = 3;
const SIZES = [1, 3, 10] as const;
const CHANNELS = ["telegram", "web"] as const;
const SECRET = "bench-ingest-secret";

type Tree = { name: string; root: string; t: () => Promise<Test> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Test = any;

async function loadTree(name: string, root: string): Promise<Tree> {
  const modules = (await loadConvexModules(path.join(root, "convex"))).glob;
  const schema = ((await import(pathToFileURL(path.join(root, "convex/schema.ts")).href)) as { default: unknown }).default;
  return { name, root, t: async () => convexTest({ schema: schema as never, modules, transactionLimits: true }) };
}

/** Deterministic gaps (ms) between messages, per run: the same for every tree. */
function gaps(count: number, seed: number): number[] {
  let s = seed * 7919 + count;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // 300–2,500 ms: well inside the 4 s window, so every burst stays one burst.
  return Array.from({ length: count - 1 }, () => 300 + Math.round(next() * 2200));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobs(t: Test) {
  return (await t.run(async (ctx: Test) => await ctx.db.system.query("_scheduled_functions").collect())) as Array<{
    name: string;
    state: { kind: string };
  }>;
}

/** Waits (real time) until the burst is answered and nothing is pending or running. */
async function idle(t: Test, deadline: number) {
  for (;;) {
    await sleep(50);
    await t.finishInProgressScheduledFunctions();
    const all = await jobs(t);
    const replied = (await t.run(async (ctx: Test) => (await ctx.db.query("messages").collect()) as Array<{ direction: string; status: string }>)).some(
      (m: { direction: string; status: string }) => m.direction === "out" && m.status === "sent",
    );
    if (replied && !all.some((j) => j.state.kind === "pending" || j.state.kind === "inProgress")) return;
    if (Date.now() > deadline) throw new Error("burst not answered within the deadline");
  }
}

type Sample = { scheduled: number; ran: number; canceled: number; byName: Record<string, number>; replies: number };

async function burst(tree: Tree, channel: (typeof CHANNELS)[number], size: number, seed: number): Promise<Sample> {
  const t = await tree.t();
  const waits = gaps(size, seed);
  let sessionId = "";
  if (channel === "web") sessionId = await t.mutation("webchat:startSession", {});
  const chatId = String(600000 + seed * 100 + size);
  for (let i = 0; i < size; i++) {
    if (i > 0) await sleep(waits[i - 1]!);
    if (channel === "web") {
      await t.mutation("webchat:send", { sessionId, clientMessageId: `m${i}`, text: `part ${i + 1}` });
    } else {
      await t.mutation("ingest:inbound", {
        secret: SECRET,
        events: [
          {
            kind: "message",
            channel: "telegram",
            accountId: "7012345678",
            chatId,
            externalId: `${chatId}:${i + 1}`,
            sender: { externalId: chatId, displayName: "Dana" },
            text: `part ${i + 1}`,
            attachments: [],
            sentAt: Date.now(),
            chatType: "private",
          },
        ],
      });
    }
  }
  await idle(t, Date.now() + 60_000);
  const all = await jobs(t);
  const replies = (await t.run(async (ctx: Test) => (await ctx.db.query("messages").collect()) as Array<{ direction: string }>)).filter(
    (m: { direction: string }) => m.direction === "out",
  ).length;
  const byName: Record<string, number> = {};
  for (const j of all) byName[j.name] = (byName[j.name] ?? 0) + 1;
  return {
    scheduled: all.length,
    ran: all.filter((j) => j.state.kind === "success" || j.state.kind === "failed").length,
    canceled: all.filter((j) => j.state.kind === "canceled").length,
    byName,
    replies,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const argv = process.argv.slice(2);
  const baselineAt = argv.indexOf("--baseline");
  const here = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  const trees = [await loadTree("this branch", here)];
  if (baselineAt >= 0) trees.unshift(await loadTree("baseline", path.resolve(argv[baselineAt + 1]!)));

  const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(", ");
  const telegram = await startFakePlatform(telegramOk);
  process.env.INGEST_SECRET = SECRET;
  process.env.ANTHROPIC_API_KEY = "";
  process.env.TELEGRAM_BOT_TOKEN = "7012345678:AAbench";
  process.env.TELEGRAM_API_BASE_URL = telegram.url;

  const rows: string[] = [];
  const detail: string[] = [];
  for (const channel of CHANNELS) {
    for (const size of SIZES) {
      const perTree = new Map<string, Sample[]>();
      for (let run = 1; run <= RUNS; run++) {
        // Trees side by side: the same burst on each at the same time.
        const samples = await Promise.all(trees.map((tree) => burst(tree, channel, size, run)));
        trees.forEach((tree, i) => perTree.set(tree.name, [...(perTree.get(tree.name) ?? []), samples[i]!]));
      }
      const cells = trees.map((tree) => {
        const s = perTree.get(tree.name)!;
        if (s.some((x) => x.replies !== 1)) throw new Error(`${tree.name} ${channel} ${size}: not exactly one reply per burst`);
        return `${median(s.map((x) => x.scheduled))} (${median(s.map((x) => x.ran))} ran)`;
      });
      rows.push(`| ${channel} | ${size} | ${cells.join(" | ")} |`);
      for (const tree of trees) {
        const last = perTree.get(tree.name)!.at(-1)!;
        const names = Object.entries(last.byName)
          .sort()
          .map(([n, c]) => `${n} ×${c}`)
          .join(", ");
        detail.push(`| ${tree.name} | ${channel} | ${size} | ${names} |`);
      }
    }
  }
  await telegram.close();

  const commit = (root: string) => execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim();
  const header = trees.map((tree) => `${tree.name} (${commit(tree.root)})`);
  console.log(`## Scheduled jobs per burst\n`);
  const loadAtEnd = loadavg().map((x) => x.toFixed(2)).join(", ");
  console.log(`Measured ${new Date().toISOString()}, node ${process.version}, load average ${loadAtStart} at the start, ${loadAtEnd} at the end.\n`);
  console.log(`Jobs scheduled per burst, median of ${RUNS} runs (of which ran; the rest were cancelled unrun):\n`);
  console.log(`| channel | messages | ${header.join(" | ")} |`);
  console.log(`| --- | --- | ${header.map(() => "---").join(" | ")} |`);
  for (const row of rows) console.log(row);
  console.log(`\nJobs by function (run ${RUNS}):\n`);
  console.log(`| tree | channel | messages | jobs |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const row of detail) console.log(row);
}

await main();
process.exit(0);
