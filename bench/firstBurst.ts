/**
 * The first Telegram burst right after `npm start` says "Ready", against a
 * later burst of the same run (issue 8, item 8). Run:
 * `npx tsx bench/firstBurst.ts [runs=3] [-- extra start.mjs args]`, e.g.
 * `npx tsx bench/firstBurst.ts 3 --dev` for `npm run dev`.
 *
 * Each run starts the product on free ports with a fresh data folder, the
 * model and Telegram faked on 127.0.0.1, posts one message the moment
 * "Ready" is printed, and measures from the moment the webhook was sent:
 * - ack: the webhook's answer
 * - typing: the first sendChatAction reaching Telegram
 * - flush lateness: the model request arriving, minus the batch window
 *   (the flush starts the model call, so this is how late the flush was)
 * - reply: the sendMessage reaching Telegram
 * Then, once answered, the same for a second chat ("later burst").
 * Prints medians over the runs, as Markdown.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { startFakeAnthropic } from "../tests/support/fakeAnthropic";
import { startFakePlatform, telegramOk } from "../tests/support/fakePlatform";

const runs = Number(process.argv[2] ?? 3);
const startArgs = process.argv.slice(3).filter((arg) => arg !== "--");
// Another start script, e.g. the previous one for a before/after comparison.
const startScript = process.env.START_SCRIPT ?? "local/start.mjs";
const WINDOW_MS = 4_000; // lib/settings.ts batchWindowMs default
const ANSWER_TIMEOUT_MS = 60_000;
const SECRETS = {
  INGEST_SECRET: "bench-ingest-secret",
  TELEGRAM_BOT_TOKEN: "5550001111:AAbench-token",
  TELEGRAM_WEBHOOK_SECRET: "bench-hook",
  ANTHROPIC_API_KEY: "sk-ant-bench",
};

type Burst = { ack: number; typing: number; flushLate: number; reply: number };
const METRICS: Array<[keyof Burst, string]> = [
  ["ack", "webhook answered"],
  ["typing", "typing sent"],
  ["flushLate", "flush lateness (model call − window)"],
  ["reply", "reply sent"],
];

const anthropic = await startFakeAnthropic();
const platform = await startFakePlatform((call) => telegramOk(call));
const first: Burst[] = [];
const later: Burst[] = [];
const loads: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const product = await startProduct();
    try {
      loads.push(loadavg()[0]!);
      first.push(await burst(product.appUrl, 900_000 + run * 2));
      later.push(await burst(product.appUrl, 900_001 + run * 2));
      console.error(`run ${run + 1}: first ${JSON.stringify(first.at(-1))}, later ${JSON.stringify(later.at(-1))}`);
    } finally {
      await product.stop();
    }
  }
} finally {
  await anthropic.close();
  await platform.close();
}

const mode = `node ${startScript}${startArgs.map((arg) => ` ${arg}`).join("")}`;
console.log(
  [
    `### First burst after start (${mode}), window ${WINDOW_MS} ms`,
    ``,
    `Measured ${new Date().toISOString()}, ${runs} runs, load average at start ${loads.map((l) => l.toFixed(1)).join(" / ")}. Medians, from the webhook being sent:`,
    ``,
    `| | ${METRICS.map(([, name]) => name).join(" | ")} |`,
    `| --- | ${METRICS.map(() => "---").join(" | ")} |`,
    `| first burst after Ready | ${METRICS.map(([key]) => ms(median(first.map((b) => b[key])))).join(" | ")} |`,
    `| a later burst | ${METRICS.map(([key]) => ms(median(later.map((b) => b[key])))).join(" | ")} |`,
    ``,
    `Each run (first / later): ${first.map((b, i) => `typing ${ms(b.typing)} / ${ms(later[i]!.typing)}, reply ${ms(b.reply)} / ${ms(later[i]!.reply)}`).join("; ")}.`,
  ].join("\n"),
);

/** One message from a new chat; resolves when its reply reached Telegram. */
async function burst(appUrl: string, chatId: number): Promise<Burst> {
  let modelAt = 0;
  anthropic.script({ before: async () => void (modelAt = Date.now()) });
  const sentAt = Date.now();
  const response = await fetch(`${appUrl}/api/webhooks/telegram`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRETS.TELEGRAM_WEBHOOK_SECRET },
    body: JSON.stringify({
      update_id: chatId,
      message: {
        message_id: 1,
        from: { id: chatId, is_bot: false, first_name: "Bench" },
        chat: { id: chatId, type: "private", first_name: "Bench" },
        date: Math.floor(sentAt / 1000),
        text: "hello, do you have shoes?",
      },
    }),
  });
  const ack = Date.now() - sentAt;
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  const forChat = (suffix: string) => () =>
    platform.callsTo(suffix).find((call) => Number(call.body.chat_id) === chatId);
  const typing = await waitFor(forChat("/sendChatAction"));
  const reply = await waitFor(forChat("/sendMessage"));
  return { ack, typing: typing.at - sentAt, flushLate: modelAt - sentAt - WINDOW_MS, reply: reply.at - sentAt };
}

async function waitFor<T>(find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`nothing within ${ANSWER_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startProduct() {
  const [port, convexPort] = [await freePort(), await freePort(2)];
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-first-burst-"));
  const child = spawn(process.execPath, [startScript, ...startArgs], {
    env: {
      ...process.env,
      ...SECRETS,
      PORT: String(port),
      LOCAL_CONVEX_PORT: String(convexPort),
      LOCAL_DATA_DIR: dataDir,
      ANTHROPIC_BASE_URL: anthropic.url,
      TELEGRAM_API_BASE_URL: platform.url,
      NEXT_TELEMETRY_DISABLED: "1",
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 600_000; // a first production build included
  while (!/^Ready in /m.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    appUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A free port (and, with `span` 2, the one after it free too, for the runtime's HTTP routes). */
async function freePort(span = 1): Promise<number> {
  for (;;) {
    const port = await listenOnce(0);
    let ok = true;
    for (let i = 1; i < span; i++) ok &&= await listenOnce(port + i).then(() => true, () => false);
    if (ok) return port;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const chosen = (server.address() as { port: number }).port;
      server.close(() => resolve(chosen));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}
