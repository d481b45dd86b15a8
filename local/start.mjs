// `npm start`: the whole product on one machine with no accounts. Starts the
// local Convex runtime (local/main.ts) and Next.js side by side, prints the
// URLs once both answer, restarts the runtime when convex/ or lib/ change
// (its stand-in for `npx convex dev` pushing), and stops both cleanly on one
// Ctrl-C.
//
// `npm start` serves a production build (`next start`): pages answer in
// milliseconds from the first visit, and there is no hot-reload channel to
// put open pages into a reload loop when the runtime restarts. The build is
// made once per content hash of what goes into it (BUILD_INPUTS) and reused
// while those are unchanged; it takes ~20-50 s on a 2-core machine, with
// Next's progress printed. Types are not checked there (`npm run typecheck`
// is), and NEXT_PUBLIC_* values are kept out of it: the dashboard reads the
// Convex URL when a page is served, so one build serves every instance.
//
// `npm run dev` (`--dev`) runs `next dev` instead: hot reload, each page
// compiled on its first visit (1-7 s here, then cached).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, watch } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
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
// Everything a production build is made from; a change in any of these
// (content or file list) makes the next `npm start` build again.
const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "convex/_generated",
  "next.config.ts",
  "tsconfig.json",
  "package-lock.json",
];
// Folders the web app's pages come from: under `npm start` a change there
// only takes effect after a restart (it rebuilds).
const APP_DIRS = ["app", "components", "lib"];
// Bump to throw away every cached build (e.g. when the build flags change).
const BUILD_FORMAT = "1";
const BUILDS_DIR = ".next-start";
// Builds kept besides the current one (another instance may still serve it).
const KEEP_OLD_BUILDS = 2;
// A waiting instance re-checks a build another one is making this often.
const BUILD_POLL_MS = 500;
// Only `next build` touches the build folder, and its step can last minutes.
const BUILD_LOCK_STALE_MS = 15 * 60_000;

let stopping = false;
let ready = false;
let next = null;
let building = null; // `next build`, while it runs

const devMode = process.argv.includes("--dev");
const buildOnly = process.argv.includes("--build");
const printHash = process.argv.includes("--build-hash");

const startedAt = performance.now();
process.chdir(ROOT);
if (existsSync(".env.local")) process.loadEnvFile(".env.local"); // never overrides the real environment

if (printHash) {
  console.log(await sourceHash());
  process.exit(0);
}
if (buildOnly) {
  const { distDir, built } = await ensureBuild();
  console.log(`${built ? "Built" : "Up to date"}: ${distDir}`);
  process.exit(0);
}

const port = process.env.PORT || DEFAULT_PORT;
const convexPort = Number(process.env.LOCAL_CONVEX_PORT || DEFAULT_CONVEX_PORT);
const dataDir = process.env.LOCAL_DATA_DIR || ".local-data";
const convexUrl = `http://127.0.0.1:${convexPort}`;
const siteUrl = `http://127.0.0.1:${convexPort + 1}`;
const appUrl = `http://127.0.0.1:${port}`;
const ingestSecret = await ensureIngestSecret();

// The runtime starts while Next builds: they do not depend on each other.
let runtime = startRuntime();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(signal, stopAll);

try {
  let nextDistDir;
  if (devMode) {
    // Two `next dev` in one folder refuse to share a build folder; honoured
    // by next.config's `distDir` (see local/README.md).
    nextDistDir = port === DEFAULT_PORT ? ".next" : `.next/port-${port}`;
  } else {
    const { distDir } = await ensureBuild();
    nextDistDir = distDir;
  }
  if (!stopping) next = startNext(nextDistDir);
  await Promise.all([
    waitForHttp(`${convexUrl}/version`),
    waitForHttp(`${appUrl}/api/health`),
  ]);
  await warmUp(nextDistDir);
  ready = true;
  watchSources();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      ``,
      `Ready in ${seconds} s (${devMode ? "next dev, hot reload" : "production build; npm run dev for hot reload"})`,
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

function startNext(distDir) {
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const child = launch(
    "next",
    devMode ? [nextBin, "dev"] : [nextBin, "start"],
    {
      PORT: port,
      NEXT_PUBLIC_CONVEX_URL: convexUrl,
      CONVEX_SITE_URL: siteUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      INGEST_SECRET: ingestSecret,
      NEXT_DIST_DIR: distDir,
    },
  );
  child.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`[start] next exited (${signal ?? `code ${code}`}); stopping`);
    process.exitCode = 1;
    stopAll();
  });
  return child;
}

/**
 * First requests load (under `next dev`: compile) a route's code. Make them
 * here, before "Ready", so neither the first page view nor the first webhook
 * pays for it: every page without a parameter, and every route handler (a
 * GET; a POST-only webhook answers 405 after loading).
 */
async function warmUp(distDir) {
  const routes = await appRoutes(distDir);
  const pages = routes.filter((route) => !route.startsWith("/api/"));
  const handlers = routes.filter((route) => route.startsWith("/api/"));
  const get = (route) =>
    fetch(`${appUrl}${route}`, {
      redirect: "manual",
      signal: AbortSignal.timeout(READY_TIMEOUT_MS),
    })
      .then((response) => response.arrayBuffer())
      .catch(() => {}); // a page that fails shows its error to whoever opens it
  // Under `next dev` each compile takes seconds: the webhooks now, the pages
  // in the background after "Ready", one at a time.
  if (devMode) {
    await Promise.all(handlers.map(get));
    void pages.reduce((previous, route) => previous.then(() => get(route)), Promise.resolve());
  } else {
    await Promise.all(routes.map(get));
  }
}

/** Request paths of the app's pages and route handlers, without dynamic segments. */
async function appRoutes(distDir) {
  if (!devMode) {
    const manifest = JSON.parse(
      await readFile(path.join(distDir, "server", "app-paths-manifest.json"), "utf8"),
    );
    return Object.keys(manifest)
      .map((entry) => entry.replace(/\/(page|route)$/, "") || "/")
      .filter((route) => !route.includes("[") && !route.includes("/_") && !/\.\w+$/.test(route));
  }
  // `next dev` has compiled nothing yet: read app/ itself.
  const routes = [];
  const walk = async (dir, route) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!entry.name.includes("[") && !entry.name.startsWith("_"))
          await walk(path.join(dir, entry.name), `${route}/${entry.name}`);
      } else if (/^(page|route)\.(tsx?|jsx?)$/.test(entry.name)) {
        routes.push(route || "/");
      }
    }
  };
  await walk("app", "");
  return routes;
}

// ---------------------------------------------------------------------------
// The production build, cached by source hash.

/**
 * Returns the build folder for the current sources, building it first if no
 * finished build exists. Concurrent starts share one build: the first takes
 * a lock file, the others wait for it.
 */
async function ensureBuild() {
  const hash = await sourceHash();
  const distDir = path.join(BUILDS_DIR, hash);
  const done = path.join(distDir, "source-hash");
  const lock = path.join(BUILDS_DIR, `${hash}.lock`);
  await mkdir(BUILDS_DIR, { recursive: true });
  let announced = false;
  for (;;) {
    if (stopping) throw new Error("stopped before ready");
    if ((await readFile(done, "utf8").catch(() => "")) === hash)
      return { distDir, built: false };
    const handle = await open(lock, "wx").catch(async (error) => {
      if (error.code !== "EEXIST") throw error;
      // Left by a start that was killed while building: take it over.
      const owner = Number(await readFile(lock, "utf8").catch(() => ""));
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if ((owner && !isAlive(owner)) || age > BUILD_LOCK_STALE_MS)
        await rm(lock, { force: true });
      return null;
    });
    if (!handle) {
      if (!announced)
        console.log(`[start] another npm start is building ${distDir}; waiting for it`);
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, BUILD_POLL_MS));
      continue;
    }
    try {
      await handle.writeFile(String(process.pid));
      await handle.close();
      console.log(
        `[start] building the web app into ${distDir} (its sources changed since the last build; ` +
          `about a minute, once; npm run dev skips this)`,
      );
      const seconds = await runBuild(distDir);
      await writeFile(done, hash);
      console.log(`[start] built in ${seconds.toFixed(1)} s`);
      await pruneBuilds(hash);
      return { distDir, built: true };
    } finally {
      await rm(lock, { force: true });
    }
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/** `next build` into `distDir`, its progress on this terminal; resolves with the seconds it took. */
async function runBuild(distDir) {
  const started = performance.now();
  const env = { ...process.env };
  // Kept out of the build so it is the same for every instance; the pages
  // read the Convex URL when served.
  for (const name of Object.keys(env))
    if (name.startsWith("NEXT_PUBLIC_")) delete env[name];
  const child = launch(
    "build",
    [createRequire(import.meta.url).resolve("next/dist/bin/next"), "build"],
    {
      NEXT_DIST_DIR: distDir,
      NEXT_SKIP_TYPECHECK: "1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    env,
  );
  building = child;
  const { code, signal } = await child.exited;
  building = null;
  if (stopping) throw new Error("stopped before ready");
  if (code !== 0)
    throw new Error(
      `next build failed (${signal ?? `code ${code}`}); its output is above. npm run dev serves the app without building.`,
    );
  return (performance.now() - started) / 1000;
}

/** A content hash of BUILD_INPUTS: paths and bytes of every file. */
async function sourceHash() {
  const hash = createHash("sha256").update(`format ${BUILD_FORMAT}\n`);
  const files = [];
  const walk = async (entry) => {
    const info = await stat(entry).catch(() => null);
    if (!info) return;
    if (!info.isDirectory()) return void files.push(entry);
    for (const name of (await readdir(entry)).sort())
      if (!name.startsWith(".") && name !== "node_modules")
        await walk(path.join(entry, name));
  };
  for (const input of BUILD_INPUTS) await walk(input);
  for (const file of files) {
    hash.update(`${file.split(path.sep).join("/")}\0`);
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

/** Deletes finished builds other than the newest few. */
async function pruneBuilds(current) {
  const builds = [];
  for (const name of await readdir(BUILDS_DIR).catch(() => [])) {
    if (name === current || !/^[0-9a-f]{16}$/.test(name)) continue;
    if (existsSync(path.join(BUILDS_DIR, `${name}.lock`))) continue;
    const info = await stat(path.join(BUILDS_DIR, name)).catch(() => null);
    if (info) builds.push({ name, at: info.mtimeMs });
  }
  builds.sort((a, b) => b.at - a.at);
  for (const { name } of builds.slice(KEEP_OLD_BUILDS))
    await rm(path.join(BUILDS_DIR, name), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------

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

/** One child process of node, sharing this terminal. `baseEnv` replaces this process's environment. */
function launch(name, args, env, baseEnv = process.env) {
  const child = spawn(process.execPath, args, {
    env: { ...baseEnv, ...env },
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
  let told = false;
  const tellStale = (dir) => {
    if (devMode || told) return;
    told = true;
    console.log(
      `[start] ${dir}/ changed: the pages were built before this change; restart npm start to rebuild, or use npm run dev for hot reload`,
    );
  };
  const dirs = [...new Set([...WATCHED_DIRS, ...APP_DIRS])];
  for (const dir of dirs.filter((dir) => existsSync(dir))) {
    watch(dir, { recursive: true }, (_event, file) => {
      if (!file || !SOURCE_FILE.test(file)) return;
      // Dotfiles are not in the build's source hash either.
      if (APP_DIRS.includes(dir) && !/(^|[\\/])\./.test(file)) tellStale(dir);
      if (!WATCHED_DIRS.includes(dir)) return;
      clearTimeout(timer);
      timer = setTimeout(restart, RESTART_DEBOUNCE_MS);
    });
  }
}

function stopAll() {
  if (stopping) return;
  stopping = true;
  const running = [runtime, next, building].filter(Boolean);
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
