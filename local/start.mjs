// `npm start`: the whole product on one machine with no accounts. Starts the
// local Convex runtime (local/main.ts) and Next.js side by side, prints the
// URLs once both answer, and stops both cleanly on one Ctrl-C.
//
// Next runs as `next dev`. Measured on this 2-core machine (Next 16,
// Turbopack): `next dev` is ready in ~1.3 s and compiles each page on its
// first visit (1–7 s, then cached); `next build` took over 30 s before even
// finishing its type check, fails whenever any file in the repo has a type
// error, and bakes NEXT_PUBLIC_CONVEX_URL into the client bundle, so two
// instances on different Convex ports would need two builds.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_PORT = "3000";
const DEFAULT_CONVEX_PORT = "3210";
const READY_TIMEOUT_MS = 60_000;

const startedAt = performance.now();
process.chdir(ROOT);
if (existsSync(".env.local")) process.loadEnvFile(".env.local"); // never overrides the real environment

const port = process.env.PORT || DEFAULT_PORT;
const convexPort = Number(process.env.LOCAL_CONVEX_PORT || DEFAULT_CONVEX_PORT);
const dataDir = process.env.LOCAL_DATA_DIR || ".local-data";
const convexUrl = `http://127.0.0.1:${convexPort}`;
const siteUrl = `http://127.0.0.1:${convexPort + 1}`;
const ingestSecret = await ensureIngestSecret();

const children = [];
let stopping = false;

launch("convex", ["--import", "tsx", "local/main.ts"], {
  LOCAL_CONVEX_PORT: String(convexPort),
  LOCAL_DATA_DIR: dataDir,
  INGEST_SECRET: ingestSecret,
});
launch(
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
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, stopAll);

try {
  // Asking the health route also compiles it before a user does.
  await Promise.all([
    waitForHttp(`${convexUrl}/version`),
    waitForHttp(`http://127.0.0.1:${port}/api/health`),
  ]);
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

// One child process of node, sharing this terminal. Either one ending on its
// own ends the other: half the product is no product.
function launch(name, args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    // The runtime gets an IPC channel so it saves and stops if this process dies.
    stdio:
      name === "convex"
        ? ["ignore", "inherit", "inherit", "ipc"]
        : ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(
      `[start] ${name} exited (${signal ?? `code ${code}`}); stopping`,
    );
    process.exitCode = 1;
    stopAll();
  });
  children.push({ child, exited });
}

function stopAll() {
  if (stopping) return;
  stopping = true;
  // A terminal's Ctrl-C has reached the children too; a second signal is harmless to both.
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null)
      child.kill("SIGTERM");
  }
  void Promise.all(children.map(({ exited }) => exited)).then(() =>
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
