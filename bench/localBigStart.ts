/**
 * Start time and one dashboard page on a big data folder:
 *   npx tsx bench/localBigStart.ts <repoDir> <dataDir>
 * Starts <repoDir>/local/main.ts on <dataDir> (in place: the folder is a
 * bench copy), reports the time to "ready", then times the dashboard's page
 * of 50 conversations (signed in as the owner) and an idle ingest ack
 * (median of 5 each), and stops. A folder in an older snapshot format is
 * converted in the background after its first start: start it once
 * (`--convert`: start, wait for the snapshot, stop) before timing.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import { normalizeTelegramUpdate } from "../lib/channels/telegram";
import { OWNER, signInToken } from "../tests/support/operator";

const args = process.argv.slice(2);
const [repoDir, dataDir] = args.filter((a) => !a.startsWith("--")) as [string, string];
const convert = args.includes("--convert");
// --default-heap: run the runtime without the larger heap limit, as `npm start` does.
const nodeFlags = args.includes("--default-heap") ? [] : ["--max-old-space-size=8192"];
const started = performance.now();
const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", "local/main.ts"], {
  cwd: path.resolve(repoDir),
  env: {
    ...process.env,
    INGEST_SECRET: "bench-ingest-secret",
    LOCAL_CONVEX_DIR: "convex",
    LOCAL_CONVEX_PORT: "0",
    LOCAL_DATA_DIR: path.resolve(dataDir),
    // Nothing answers here: replies are not part of this measurement.
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    TELEGRAM_API_BASE_URL: "http://127.0.0.1:9",
  },
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
const startMs = performance.now() - started;
if (convert) {
  while (!/snapshot of \d+ documents/.test(output)) {
    if (child.exitCode !== null) throw new Error(`runtime exited:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
  console.log(JSON.stringify({ converted: dataDir, startMs: Math.round(startMs), snapshot: /snapshot of .*/.exec(output)?.[0] }));
  process.exit(0);
}
const client = new ConvexHttpClient(url, { logger: false });
// The dashboard's queries need an operator: the first sign-up is the owner.
client.setAuth(
  await signInToken(url, { ...OWNER, flow: "signUp" }).catch(() => signInToken(url, { ...OWNER, flow: "signIn" })),
);
const time = async (run: () => Promise<unknown>) => {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await run();
    runs.push(performance.now() - t);
  }
  return Math.round(runs.sort((a, b) => a - b)[2]!);
};
const pageMs = await time(() => client.query(api.dashboard.conversations, { paginationOpts: { numItems: 50, cursor: null } }));
let n = 0;
const ackMs = await time(() =>
  client.mutation(api.ingest.inbound, {
    secret: "bench-ingest-secret",
    events: normalizeTelegramUpdate(
      { update_id: 5e8 + n, message: { message_id: 5e8 + n++, from: { id: 42, is_bot: false, first_name: "B" }, chat: { id: 42, type: "private" }, date: Math.floor(Date.now() / 1000), text: "hello" } },
      { botId: "5550001111" },
      Date.now(),
    ).events,
  }),
);
const rssMb = Math.round(Number(/VmRSS:\s+(\d+)/.exec(await import("node:fs/promises").then((fs) => fs.readFile(`/proc/${child.pid}/status`, "utf8")))?.[1]) / 1024);
await new Promise<void>((resolve) => {
  child.once("exit", () => resolve());
  child.kill("SIGTERM");
});
console.log(JSON.stringify({ repoDir, dataDir, startMs: Math.round(startMs), pageOf50Ms: pageMs, idleAckMs: ackMs, rssMb, restored: /restored \d+ documents/.exec(output)?.[0] }));
