// `npm start`: the whole product on one machine with no accounts. Starts the
// local Convex runtime (local/main.ts) and Next.js side by side, prints the
// URLs once both answer, restarts the runtime when convex/ or lib/ change
// (its stand-in for `npx convex dev` pushing), and stops both cleanly on one
// Ctrl-C.
//
// Next runs as `next dev`. Measured on this 2-core machine (Next 16,
// Turbopack): `next dev` is ready in ~1.3 s and compiles each page on its
// first visit (1–7 s, then cached); `next build` took over 30 s before even
// finishing its type check, fails whenever any file in the repo has a type
// error, and bakes NEXT_PUBLIC_CONVEX_URL into the client bundle, so two
// instances on different Convex ports would need two builds.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, watch } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_PORT = "3000";
const DEFAULT_CONVEX_PORT = "3210";
const READY_TIMEOUT_MS = 60_000;
// Editors write a file in several steps; restart once they are done.
const RESTART_DEBOUNCE_MS = 300;
const WATCHED_DIRS = ["convex", "lib"];
const SOURCE_FILE = /\.(ts|tsx|mts|js|mjs)$/;

const startedAt = performance.now();
process.chdir(ROOT);
if (existsSync(".env.local")) process.loadEnvFile(".env.local"); // never overrides the real environment

const port = process.env.PORT || DEFAULT_PORT;
const convexPort = Number(process.env.LOCAL_CONVEX_PORT || DEFAULT_CONVEX_PORT);
const dataDir = process.env.LOCAL_DATA_DIR || ".local-data";
const convexUrl = `http://127.0.0.1:${convexPort}`;
const siteUrl = `http://127.0.0.1:${convexPort + 1}`;
const ingestSecret = await ensureIngestSecret();

let stopping = false;
let ready = false;
let runtime = startRuntime();
const next = launch(
  "next",
  [createRequire(import.meta.url).resolve("next/dist/bin/next"), "dev"],
  {
    PORT: port,
    NEXT_PUBLIC_CONVEX_URL: convexUrl,
    CONVEX_SITE_URL: siteUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    INGEST_SECRET: ingestSecret,
    // Two `next dev` in one folder refuse to share a build folder; honoured by
    // next.config's `distDir` (see local/README.md).
    NEXT_DIST_DIR: port === DEFAULT_PORT ? ".next" : `.next/port-${port}`,
  },
);
next.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`[start] next exited (${signal ?? `code ${code}`}); stopping`);
  process.exitCode = 1;
  stopAll();
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, stopAll);

try {
  // Asking the health route also compiles it before a user does.
  await Promise.all([
    waitForHttp(`${convexUrl}/version`),
    waitForHttp(`http://127.0.0.1:${port}/api/health`),
  ]);
  ready = true;
  watchSources();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      ``,
      `Ready in ${seconds} s`,
      `  app:           http://localhost:${port}`,
      `  health:        http://localhost:${port}/api/health`,
      `  convex:        ${convexUrl}`,
      `  http actions:  ${siteUrl}`,
      `  data:          ${dataDir}`,
      `Ctrl-C stops both.`,
      ``,
    ].join("\n"),
  );
} catch (error) {
  if (!stopping) {
    console.error(`[start] ${error.message}`);
    process.exitCode = 1;
    stopAll();
  }
}

function startRuntime() {
  const child = launch("convex", ["--import", "tsx", "local/main.ts"], {
    LOCAL_CONVEX_PORT: String(convexPort),
    LOCAL_DATA_DIR: dataDir,
    INGEST_SECRET: ingestSecret,
  });
  child.exited.then(({ code, signal }) => {
    if (stopping || child !== runtime) return;
    if (!ready) {
      // It never came up (bad config, broken convex/): say so and stop.
      console.error(
        `[start] the Convex runtime exited (${signal ?? `code ${code}`}); stopping`,
      );
      process.exitCode = 1;
      stopAll();
    } else {
      // Mid-session, a broken file is an edit in progress: keep Next up.
      console.error(
        `[start] the Convex runtime stopped; it restarts on the next change in ${WATCHED_DIRS.join("/, ")}/`,
      );
    }
  });
  return child;
}

// One child process of node, sharing this terminal.
function launch(name, args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    // The runtime gets an IPC channel so it saves and stops if this process dies.
    stdio:
      name === "convex"
        ? ["ignore", "inherit", "inherit", "ipc"]
        : ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

function watchSources() {
  let timer;
  let restarting = Promise.resolve();
  const restart = () => {
    restarting = restarting.then(async () => {
      if (stopping) return;
      console.log(
        "[start] convex/ or lib/ changed: restarting the Convex runtime",
      );
      const previous = runtime;
      runtime = null; // its exit is expected
      previous.child.kill("SIGTERM");
      await previous.exited; // it saves its data before exiting
      if (!stopping) runtime = startRuntime();
    });
  };
  for (const dir of WATCHED_DIRS.filter((dir) => existsSync(dir))) {
    watch(dir, { recursive: true }, (_event, file) => {
      if (!file || !SOURCE_FILE.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(restart, RESTART_DEBOUNCE_MS);
    });
  }
}

function stopAll() {
  if (stopping) return;
  stopping = true;
  const running = [runtime, next].filter(Boolean);
  // A terminal's Ctrl-C has reached the children too; a second signal is harmless to both.
  for (const { child } of running) {
    if (child.exitCode === null && child.signalCode === null)
      child.kill("SIGTERM");
  }
  void Promise.all(running.map(({ exited }) => exited)).then(() =>
    process.exit(),
  );
}

// Any HTTP answer means the server is up (health may say 503 until Convex is).
async function waitForHttp(url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (stopping) throw new Error("stopped before ready");
    try {
      await fetch(url, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(
          `nothing answered at ${url} within ${READY_TIMEOUT_MS / 1000} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

// Webhook route handlers and the ingest mutation share this secret. Made up
// once per data folder when the environment has none, so restarts keep it.
async function ensureIngestSecret() {
  if (process.env.INGEST_SECRET) return process.env.INGEST_SECRET;
  const file = path.join(dataDir, "ingest-secret");
  const saved = await readFile(file, "utf8").catch(() => "");
  if (saved.trim()) return saved.trim();
  const secret = randomBytes(32).toString("hex");
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
