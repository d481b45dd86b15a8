/**
 * Measures the DESIGN.md budgets on the whole product as `npm start` runs
 * it (local runtime + next dev), with the model and the platforms faked on
 * 127.0.0.1. Run: `npx tsx bench/budgets.ts` (about two minutes). Prints a
 * Markdown report; bench/RESULTS.md holds the last one committed.
 *
 * - webhook ack latency: signed Telegram POSTs over real HTTP to Next
 * - flush timing: web chat bursts, flush time vs last message + window
 * - model calls per burst, and extra calls under redelivery
 * - typing cadence per channel during a long wait
 */
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { startFakeAnthropic } from "../tests/support/fakeAnthropic";
import { startFakePlatform, telegramOk, type PlatformCall } from "../tests/support/fakePlatform";

const WEBHOOK_REQUESTS = 300;
const WEBHOOK_CHATS = 30; // Telegram delivers one chat's updates in order, chats in parallel
const WEBHOOK_CONCURRENCY = 4;
const BURSTS = 20;
const MESSAGES_PER_BURST = 3;
const CADENCE_WAIT_MS = 45_000; // long enough for three WhatsApp refreshes (every 20 s)
const SETTLE_MS = 8_000; // the default 4 s window plus the model and the send

const SECRETS = {
  INGEST_SECRET: "bench-ingest-secret",
  TELEGRAM_BOT_TOKEN: "5550001111:AAbench-token",
  TELEGRAM_WEBHOOK_SECRET: "bench-hook",
  META_APP_SECRET: "bench-app-secret",
  META_VERIFY_TOKEN: "bench-verify",
  META_PAGE_ACCESS_TOKEN: "bench-page-token",
  INSTAGRAM_ACCESS_TOKEN: "bench-ig-token",
  WHATSAPP_ACCESS_TOKEN: "bench-wa-token",
  WHATSAPP_PHONE_NUMBER_ID: "109000000000001",
  ANTHROPIC_API_KEY: "sk-ant-bench",
};

const report: string[] = [`# Budget measurements`, ``, `Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}.`, ``];
const line = (text = "") => {
  report.push(text);
};

const anthropic = await startFakeAnthropic();
const platform = await startFakePlatform((call) => ({ body: platformAnswer(call) }));
const product = await startProduct();
const convex = new ConvexHttpClient(product.convexUrl);

try {
  await measureWebhookAck();
  await measureFlushTiming();
  await measureTypingCadence();
} finally {
  product.stop();
  await anthropic.close();
  await platform.close();
}
console.log(report.join("\n"));

// ---------------------------------------------------------------------------

async function measureWebhookAck() {
  const post = (update: unknown) =>
    fetch(`${product.appUrl}/api/webhooks/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRETS.TELEGRAM_WEBHOOK_SECRET },
      body: JSON.stringify(update),
    });
  const callsAtStart = anthropic.requests.length;
  await post(telegramUpdate(1, 999, 1)); // compiles the route once; not measured
  const timings: number[] = [];
  const perChat = WEBHOOK_REQUESTS / WEBHOOK_CHATS;
  const chats = Array.from({ length: WEBHOOK_CHATS }, (_, i) => i + 1);
  let next = 0;
  await Promise.all(
    Array.from({ length: WEBHOOK_CONCURRENCY }, async () => {
      while (next < chats.length) {
        const chat = chats[next++]!;
        for (let m = 1; m <= perChat; m++) {
          const started = performance.now();
          const response = await post(telegramUpdate(chat * 1000 + m, chat, m));
          if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
          timings.push(performance.now() - started);
        }
      }
    }),
  );
  // Let every chat's burst be answered before counting.
  await sleep(SETTLE_MS);
  const modelCalls = anthropic.requests.length - callsAtStart - 1; // less the warm-up chat
  // Redeliver every update: nothing new may reach the model.
  for (let chat = 1; chat <= WEBHOOK_CHATS; chat++) {
    for (let m = 1; m <= perChat; m++) await post(telegramUpdate(chat * 1000 + m, chat, m));
  }
  await sleep(SETTLE_MS);
  const extraCalls = anthropic.requests.length - callsAtStart - 1 - modelCalls;
  line(`## Webhook acknowledgement (Telegram, real HTTP to next dev → local runtime)`);
  line();
  line(`${timings.length} requests, ${WEBHOOK_CONCURRENCY} chats at a time, each chat in order:`);
  line();
  line(`| p50 | p95 | p99 | max | budget |`);
  line(`| --- | --- | --- | --- | --- |`);
  line(`| ${ms(percentile(timings, 50))} | ${ms(percentile(timings, 95))} | ${ms(percentile(timings, 99))} | ${ms(Math.max(...timings))} | p95 ≤ 150 ms, p99 ≤ 500 ms |`);
  line();
  line(`Model calls: ${modelCalls} for ${WEBHOOK_CHATS} chats' bursts of ${perChat} messages (budget: 1 per burst).`);
  line(`Redelivering all ${timings.length} updates: ${extraCalls} extra model calls (budget 0).`);
  line();
}

async function measureFlushTiming() {
  const { settings } = await convex.query(api.settings.get, {});
  const windowMs = settings.batchWindowMs;
  const callsBefore = anthropic.requests.length;
  const sessions: string[] = [];
  for (let i = 0; i < BURSTS; i++) sessions.push(await convex.mutation(api.webchat.startSession, {}));
  await Promise.all(
    sessions.map(async (sessionId, i) => {
      await sleep(i * 50);
      for (let m = 0; m < MESSAGES_PER_BURST; m++) {
        await convex.mutation(api.webchat.send, { sessionId, clientMessageId: `b${m}`, text: `burst ${i} message ${m}` });
        await sleep(700);
      }
    }),
  );
  await sleep(windowMs + 3000);
  const lags: number[] = [];
  let replies = 0;
  for (const sessionId of sessions) {
    const thread = await convex.query(api.webchat.thread, { sessionId });
    replies += thread.messages.filter((m) => m.author === "agent").length;
    const batches = await convex.query(api.dashboard.batches, { conversationId: thread.conversationId as Id<"conversations"> });
    const lastCustomerAt = Math.max(...thread.messages.filter((m) => m.author === "customer").map((m) => m.at));
    for (const batch of batches) lags.push(batch.flushedAt - (lastCustomerAt + windowMs));
  }
  const calls = anthropic.requests.length - callsBefore;
  line(`## Flush timing (web chat, window ${windowMs} ms)`);
  line();
  line(`${BURSTS} bursts of ${MESSAGES_PER_BURST} messages 700 ms apart. Flush start minus (last message + window):`);
  line();
  line(`| p50 | p95 | max | budget |`);
  line(`| --- | --- | --- | --- |`);
  line(`| ${ms(percentile(lags, 50))} | ${ms(percentile(lags, 95))} | ${ms(Math.max(...lags))} | p95 ≤ 250 ms |`);
  line();
  line(`Model calls: ${calls} for ${BURSTS} bursts; replies: ${replies} (budget: exactly 1 each).`);
  line();
}

async function measureTypingCadence() {
  await convex.mutation(api.settings.update, { patch: { batchWindowMs: CADENCE_WAIT_MS, maxBatchWaitMs: CADENCE_WAIT_MS + 10_000 } });
  const since = platform.calls.length;
  await post(`${product.appUrl}/api/webhooks/telegram`, telegramUpdate(777_001, 777, 1), { "x-telegram-bot-api-secret-token": SECRETS.TELEGRAM_WEBHOOK_SECRET });
  await postMeta("messenger", metaMessage("page", "9001", "psid-cadence", "m_cadence_1"));
  await postMeta("instagram", metaMessage("instagram", "9002", "igsid-cadence", "ig_cadence_1"));
  await postMeta("whatsapp", whatsappMessage("wamid.cadence1"));
  await sleep(CADENCE_WAIT_MS + 5000);
  const calls = platform.calls.slice(since);
  const cadence = (isTyping: (c: PlatformCall) => boolean) => {
    const times = calls.filter(isTyping).map((c) => c.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    return { count: times.length, gaps };
  };
  const rows: Array<[string, ReturnType<typeof cadence>, string]> = [
    ["Telegram", cadence((c) => c.path.endsWith("/sendChatAction")), "≤ 4 s (lasts 5 s)"],
    ["Messenger", cadence((c) => c.body.sender_action === "typing_on" && (c.body.recipient as { id?: string })?.id === "psid-cadence"), "≤ 15 s (lasts ~20 s)"],
    ["Instagram", cadence((c) => c.body.sender_action === "typing_on" && (c.body.recipient as { id?: string })?.id === "igsid-cadence"), "≤ 15 s"],
    ["WhatsApp", cadence((c) => c.body.typing_indicator !== undefined), "≤ 20 s (lasts 25 s)"],
  ];
  line(`## Typing cadence during a ${CADENCE_WAIT_MS / 1000} s wait`);
  line();
  line(`| channel | typing actions | gaps between them | target |`);
  line(`| --- | --- | --- | --- |`);
  for (const [name, { count, gaps }, target] of rows) {
    line(`| ${name} | ${count} | ${gaps.map((g) => (g / 1000).toFixed(1) + " s").join(", ") || "–"} | ${target} |`);
  }
  line();
}

// ---------------------------------------------------------------------------

function telegramUpdate(updateId: number, chat: number, messageId: number) {
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from: { id: 800_000 + chat, is_bot: false, first_name: `Bench ${chat}` },
      chat: { id: 800_000 + chat, type: "private", first_name: `Bench ${chat}` },
      date: Math.floor(Date.now() / 1000),
      text: `bench message ${messageId}`,
    },
  };
}

function metaMessage(object: string, pageId: string, senderId: string, mid: string) {
  return {
    object,
    entry: [{ id: pageId, time: Date.now(), messaging: [{ sender: { id: senderId }, recipient: { id: pageId }, timestamp: Date.now(), message: { mid, text: "typing cadence" } }] }],
  };
}

function whatsappMessage(wamid: string) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "WABA-1",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: SECRETS.WHATSAPP_PHONE_NUMBER_ID },
              contacts: [{ profile: { name: "Bench" }, wa_id: "15551230000" }],
              messages: [{ from: "15551230000", id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "typing cadence" } }],
            },
          },
        ],
      },
    ],
  };
}

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

async function postMeta(channel: string, body: unknown) {
  const raw = JSON.stringify(body);
  const signature = "sha256=" + createHmac("sha256", SECRETS.META_APP_SECRET).update(raw).digest("hex");
  const response = await fetch(`${product.appUrl}/api/webhooks/${channel}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body: raw,
  });
  if (response.status !== 200) throw new Error(`${channel} webhook answered ${response.status}: ${await response.text()}`);
}

function platformAnswer(call: PlatformCall): unknown {
  if (call.path.includes("/bot")) return telegramOk(call).body;
  if (call.body.messaging_product === "whatsapp") {
    return call.body.type === "text" ? { messaging_product: "whatsapp", messages: [{ id: `wamid.out${Date.now()}` }] } : { success: true };
  }
  const recipient = (call.body.recipient as { id?: string } | undefined)?.id;
  return call.body.sender_action ? { recipient_id: recipient } : { recipient_id: recipient, message_id: `m_out_${Date.now()}` };
}

async function startProduct() {
  const [port, convexPort] = [await freePort(), await freePort(2)];
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-product-"));
  const child = spawn(process.execPath, ["local/start.mjs"], {
    env: {
      ...process.env,
      ...SECRETS,
      PORT: String(port),
      LOCAL_CONVEX_PORT: String(convexPort),
      LOCAL_DATA_DIR: dataDir,
      ANTHROPIC_BASE_URL: anthropic.url,
      TELEGRAM_API_BASE_URL: platform.url,
      META_GRAPH_API_BASE_URL: platform.url,
      INSTAGRAM_GRAPH_API_BASE_URL: platform.url,
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!/Ready in/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await sleep(200);
  }
  return {
    appUrl: `http://127.0.0.1:${port}`,
    convexUrl: `http://127.0.0.1:${convexPort}`,
    stop: () => child.kill("SIGTERM"),
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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
