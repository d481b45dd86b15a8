/**
 * Sustained inbound load on the local runtime alone, with the model and
 * Telegram faked on 127.0.0.1. Each "webhook" is a real Telegram update run
 * through the product's own normalizer and sent to `ingest:inbound` over
 * ConvexHttpClient, exactly as the webhook route does after its checks (Next
 * is left out so the numbers are the runtime's).
 *
 *   npx tsx bench/localLoad.ts seed <dataDir> <messages>          # fill a data folder
 *   npx tsx bench/localLoad.ts run <repoDir> <dataDir> <rate> <seconds> [label] [--warmup=S] [--llm-concurrency=N] [--dashboards=N]
 *   npx tsx bench/localLoad.ts full <repoDir> <dataDir> [label] [--warmup=S] [--llm-concurrency=N] [--dashboards=N]  # issue 9's shape: 50/s for 2 minutes
 *
 * --warmup=S: S seconds of traffic ramping up to <rate> first, not measured
 * (a runtime that has been serving: functions compiled, documents read once).
 * Without it the measurement starts cold, right after the runtime is ready.
 *
 * --llm-concurrency=N: the owner sets this many model slots first (Settings),
 * as a business sizing the runtime for the load would; default 4.
 *
 * --dashboards=N: N operator dashboards stay open during the load (signed in
 * as the owner over the WebSocket client, each watching the inbox's first
 * page of conversations and its attention counts), as when someone watches
 * the inbox while traffic comes in.
 *
 * Start a freshly inflated <dataDir> once (and stop it) before measuring: a
 * folder in an older snapshot format is converted in the background at each
 * start, during the load.
 *
 * `run` copies <dataDir>, starts <repoDir>/local/main.ts on the copy (so a
 * checkout of main measures the baseline), sends <rate> messages/s spread
 * over 1,000 conversations for <seconds>, waits for the replies, and prints
 * one JSON line: ack p50/p95/p99/max, reply lag past the window p50/p95,
 * errors (acks slower than 30 s count as errors, "timeouts"), runtime CPU
 * (% of one core, during the load) and peak RSS.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import WebSocket from "ws";
import { api } from "../convex/_generated/api";
import { normalizeTelegramUpdate } from "../lib/channels/telegram";
import { startFakeAnthropic } from "../tests/support/fakeAnthropic";
import { startFakePlatform, telegramOk } from "../tests/support/fakePlatform";
import { OWNER, signInToken } from "../tests/support/operator";

const CONVERSATIONS = 1_000;
const WINDOW_MS = 4_000; // the default batch window
const ACK_TIMEOUT_MS = 30_000;
const CUSTOMER_MESSAGE_IDS = 1_000_000;
const SECRETS = {
  INGEST_SECRET: "bench-ingest-secret",
  TELEGRAM_BOT_TOKEN: "5550001111:AAbench-token",
  TELEGRAM_WEBHOOK_SECRET: "bench-hook",
  ANTHROPIC_API_KEY: "sk-ant-bench",
};
const BOT = { botId: "5550001111" };

let updateId = 1;
const argv = process.argv.slice(2);
const flags = new Map(argv.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=") as [string, string]));
const [mode, ...args] = argv.filter((a) => !a.startsWith("--"));
const dashboards = Number(flags.get("dashboards") ?? 0);
const warmupSeconds = Number(flags.get("warmup") ?? 0);
const llmConcurrency = flags.has("llm-concurrency") ? Number(flags.get("llm-concurrency")) : null;
const anthropic = await startFakeAnthropic();
const platform = await startFakePlatform((call) => telegramOk(call));
try {
  if (mode === "seed") await seed(args[0]!, Number(args[1]));
  else if (mode === "run") await run(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4] ?? "");
  else if (mode === "full") await run(args[0]!, args[1]!, 50, 120, args[2] ?? "full");
  else throw new Error("usage: seed <dataDir> <messages> | run <repoDir> <dataDir> <rate> <seconds> [label] | full <repoDir> <dataDir> [label]");
} finally {
  await anthropic.close();
  await platform.close();
}

function update(chat: number, messageId: number, text: string) {
  return {
    update_id: updateId++,
    message: {
      message_id: messageId,
      from: { id: 700_000 + chat, is_bot: false, first_name: `Load ${chat}` },
      chat: { id: 700_000 + chat, type: "private", first_name: `Load ${chat}` },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  };
}

function eventsOf(body: unknown) {
  return normalizeTelegramUpdate(body, BOT, Date.now()).events;
}

async function startRuntime(repoDir: string, dataDir: string) {
  const started = performance.now();
  // LOAD_PROFILE_DIR=<dir>: write the runtime's CPU profile there on exit.
  const profile = process.env.LOAD_PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.LOAD_PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "local/main.ts"], {
    cwd: repoDir,
    env: {
      ...process.env,
      ...SECRETS,
      LOCAL_CONVEX_DIR: "convex",
      LOCAL_CONVEX_PORT: "0",
      LOCAL_DATA_DIR: dataDir,
      ANTHROPIC_BASE_URL: anthropic.url,
      TELEGRAM_API_BASE_URL: platform.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // The runtime's lines with when they were printed (performance.now()), to place them in a run.
  const lines: { at: number; line: string }[] = [];
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push({ at: performance.now(), line });
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /ready in \d+ ms on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => reject(new Error(`runtime exited ${code}:\n${output}`)));
  });
  return { child, url, startMs: performance.now() - started, output: () => output, lines };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function seed(dataDir: string, messages: number) {
  const runtime = await startRuntime(process.cwd(), dataDir);
  const client = new ConvexHttpClient(runtime.url, { logger: false });
  const perChat = Math.ceil(messages / CONVERSATIONS);
  const perCall = 50;
  let sent = 0;
  const jobs: (() => Promise<void>)[] = [];
  for (let chat = 0; chat < CONVERSATIONS; chat++) {
    for (let first = 0; first < perChat; first += perCall) {
      jobs.push(async () => {
        const events = [];
        for (let m = first; m < Math.min(first + perCall, perChat); m++) {
          events.push(...eventsOf(update(chat, m + 1, `seed message ${m} of chat ${chat}, with some ordinary words in it`)));
        }
        await client.mutation(api.ingest.inbound, { secret: SECRETS.INGEST_SECRET, events });
        sent += events.length;
      });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
  // Let the bursts be answered so the folder holds replies and finished jobs too.
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline && anthropic.requests.length < CONVERSATIONS) await sleep(500);
  await sleep(WINDOW_MS + 2_000);
  await stop(runtime.child);
  console.log(JSON.stringify({ seeded: sent, modelCalls: anthropic.requests.length, startMs: Math.round(runtime.startMs) }));
}

async function run(repoDir: string, sourceDir: string, rate: number, seconds: number, label: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-load-"));
  await cp(sourceDir, dataDir, { recursive: true });
  const runtime = await startRuntime(path.resolve(repoDir), dataDir);
  const pid = runtime.child.pid!;
  const client = new ConvexHttpClient(runtime.url, { logger: false });
  // Warm the functions once; not measured.
  await client.mutation(api.ingest.inbound, { secret: SECRETS.INGEST_SECRET, events: eventsOf(update(99_999, 1, "warm")) });
  if (llmConcurrency !== null) await saveSettingsAsOwner(runtime.url, { llmConcurrency });
  const watchers = dashboards > 0 ? await openDashboards(runtime.url, dashboards) : null;
  const nextMessageId = new Map<number, number>();
  const nextUpdate = (i: number, label: string) => {
    const chat = Math.floor(Math.random() * CONVERSATIONS);
    // Telegram numbers a chat's messages, the bot's and the customer's, in one sequence. The fake
    // Telegram numbers the bot's replies from 9,001 across all chats, so customer ids start far above:
    // from 10,001 (as before) a customer's message now and then matched a reply's id in the same chat,
    // and the runtime rightly took it for a redelivery of that message (2-9 per 6,000, never stored).
    const messageId = (nextMessageId.get(chat) ?? CUSTOMER_MESSAGE_IDS) + 1;
    nextMessageId.set(chat, messageId);
    return { chat, events: eventsOf(update(chat, messageId, `${label} message ${i}`)) };
  };
  const warmupErrors = await warmUp(client, rate, warmupSeconds, nextUpdate);

  const acks: number[] = [];
  // Acks by when their message was sent, in 5 s slices: shows when a run fell behind.
  const ackSlices: number[][] = [];
  let errors = 0;
  let timeouts = 0;
  // Messages the runtime answered as duplicates or ignored: each load message is new, so 0.
  let notAccepted = 0;
  const lastInbound = new Map<number, number>();
  const cpuStart = await cpuTicks(pid);
  const schedStart = await runQueueWaitNs(pid);
  const wallStart = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => void rss(pid).then((kb) => (peakRss = Math.max(peakRss, kb))), 500);
  const total = Math.round(rate * seconds);
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const { chat, events } = nextUpdate(i, "load");
    inFlight.push(
      (async () => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          // A platform gives up on a webhook long before this; count it as failed.
          const result = await Promise.race([
            client.mutation(api.ingest.inbound, { secret: SECRETS.INGEST_SECRET, events }),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ACK_TIMEOUT_MS))),
          ]);
          notAccepted += result.duplicates + result.ignored;
          acks.push(performance.now() - started);
          ((ackSlices[Math.floor((started - t0) / 5_000)] ??= [])).push(performance.now() - started);
          lastInbound.set(700_000 + chat, Date.now());
        } catch (error) {
          if ((error as Error).message === "timeout") timeouts += 1;
          errors += 1;
        } finally {
          clearTimeout(timer);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  const loadWall = performance.now() - wallStart;
  const cpuLoad = (await cpuTicks(pid)) - cpuStart;
  // Time the runtime's main thread was ready to run but waiting for a core (a shared machine).
  const runQueueWaitMs = ((await runQueueWaitNs(pid)) - schedStart) / 1e6;
  // Replies: the last burst's window plus the model and the send.
  await sleep(WINDOW_MS + 10_000);
  clearInterval(sampler);
  // The runtime's CPU for the whole work (acks, batches, replies) per message:
  // unlike latency, barely moved by other processes on a shared machine.
  const cpuMsPerMessage = ((((await cpuTicks(pid)) - cpuStart) / 100) * 1000) / total;
  const lags: number[] = [];
  const repliesPerChat = new Map<number, number[]>();
  for (const call of platform.calls) {
    if (!call.path.endsWith("/sendMessage")) continue;
    const chatId = Number(call.body.chat_id);
    repliesPerChat.set(chatId, [...(repliesPerChat.get(chatId) ?? []), call.at]);
  }
  // Lag of each chat's last reply past (its last message + window): every burst's tail.
  for (const [chatId, at] of lastInbound) {
    const replies = (repliesPerChat.get(chatId) ?? []).filter((t) => t >= at);
    if (replies.length > 0) lags.push(Math.min(...replies) - (at + WINDOW_MS));
  }
  const unansweredChats = [...lastInbound.keys()].filter((c) => !(repliesPerChat.get(c) ?? []).some((t) => t >= lastInbound.get(c)!));
  const unanswered = unansweredChats.length;
  // Each with its last message's ack and its replies, in ms since the load began (to tell a late reply from a lost one).
  const wallT0 = Date.now() - (performance.now() - t0);
  const unansweredDetail = unansweredChats.slice(0, 5).map((c) => ({
    chat: c,
    lastAckAt: lastInbound.get(c)! - wallT0,
    replies: (repliesPerChat.get(c) ?? []).map((at) => at - wallT0),
  }));
  const hz = 100;
  const dashboardUpdates = watchers?.updates() ?? 0;
  await watchers?.close();
  await stop(runtime.child);
  console.log(
    JSON.stringify({
      label,
      rate,
      seconds,
      sent: total,
      acked: acks.length,
      errors,
      timeouts,
      notAccepted,
      ackP50: pct(acks, 50),
      ackP95: pct(acks, 95),
      ackP99: pct(acks, 99),
      ackMax: Math.round(Math.max(...acks)),
      ackP95By5s: Array.from(ackSlices, (slice) => pct(slice ?? [], 95)),
      lagP50: pct(lags, 50),
      lagP95: pct(lags, 95),
      unanswered,
      unansweredDetail,
      warmupSeconds,
      warmupErrors,
      llmConcurrency: llmConcurrency ?? "default",
      cpuPercent: Math.round(((cpuLoad / hz) * 1000 * 100) / loadWall),
      runQueueWaitPercent: Math.round((runQueueWaitMs * 100) / loadWall),
      peakRssMb: Math.round(peakRss / 1024),
      cpuMsPerMessage: Math.round(cpuMsPerMessage * 10) / 10,
      startMs: Math.round(runtime.startMs),
      dashboards,
      dashboardUpdates,
      // Background work the runtime reported during the load (snapshots, pruning), at seconds into it.
      runtimeNotes: runtime.lines
        .filter(({ at, line }) => at >= t0 && /snapshot|pruned|error|warn|fail/i.test(line))
        .map(({ at, line }) => `${((at - t0) / 1000).toFixed(1)} s: ${line.replace("[convex] ", "")}`),
    }),
  );
}

async function ownerToken(url: string) {
  return await signInToken(url, { ...OWNER, flow: "signUp" }).catch(() => signInToken(url, { ...OWNER, flow: "signIn" }));
}

/** Settings as the owner would change them on the Settings page. */
async function saveSettingsAsOwner(url: string, patch: { llmConcurrency: number }) {
  const client = new ConvexHttpClient(url, { logger: false });
  client.setAuth(await ownerToken(url));
  await client.mutation(api.settings.update, { patch });
}

/** `count` signed-in dashboards watching the inbox page and counts; returns how many updates they saw. */
async function openDashboards(url: string, count: number) {
  const token = await ownerToken(url);
  let updates = 0;
  const clients = Array.from({ length: count }, () => {
    const client = new ConvexClient(url, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
    });
    client.setAuth(() => Promise.resolve(token));
    const onError = (error: Error) => console.error(`dashboard query failed: ${error.message}`);
    client.onUpdate(api.dashboard.conversations, { paginationOpts: { numItems: 24, cursor: null } }, () => (updates += 1), onError);
    client.onUpdate(api.dashboard.counts, {}, () => (updates += 1), onError);
    return client;
  });
  const deadline = Date.now() + 30_000;
  while (updates < 2 * count && Date.now() < deadline) await sleep(50);
  if (updates < 2 * count) throw new Error("the dashboards got no first result within 30 s");
  return {
    updates: () => updates,
    close: () => Promise.all(clients.map((client) => client.close())),
  };
}

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

async function runQueueWaitNs(pid: number): Promise<number> {
  const schedstat = await readFile(`/proc/${pid}/schedstat`, "utf8").catch(() => "0 0 0");
  return Number(schedstat.split(" ")[1]);
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/**
 * Traffic before the measurement (`--warmup=S`): S seconds ramping from a
 * fifth of `rate` to `rate`, as a runtime that has been serving for a while
 * has seen (functions compiled, documents read once, connections open).
 * Resolves with how many of its webhooks failed.
 */
async function warmUp(
  client: ConvexHttpClient,
  rate: number,
  seconds: number,
  nextUpdate: (i: number, label: string) => { events: ReturnType<typeof eventsOf> },
): Promise<number> {
  let errors = 0;
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; ; i++) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= seconds) break;
    const current = rate * (0.2 + (0.8 * elapsed) / seconds);
    await sleep(1000 / current);
    const { events } = nextUpdate(i, "warm-up");
    sends.push(
      client.mutation(api.ingest.inbound, { secret: SECRETS.INGEST_SECRET, events }).then(
        () => undefined,
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(sends);
  return errors;
}

function pct(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
