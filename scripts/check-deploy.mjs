// `npm run check:deploy`: is what we deploy known to work?
//
// 1. Bundles convex/ with the real Convex CLI, offline (`convex dev --once
//    --debug-bundle-path` against a stand-in: the same esbuild step a deploy
//    runs before it uploads), then loads
//    every bundle in @edge-runtime/vm, a V8 context with no Node `process`,
//    `Buffer` or `require` (Convex's isolate gives functions `process.env`
//    only, so that is all the context gets).
// 2. Builds the app as Vercel does (`npx convex deploy --cmd 'npm run build'`
//    sets NEXT_PUBLIC_CONVEX_URL for the build alone) and starts it with only
//    the variables the README puts on Vercel, then POSTs one signed Telegram
//    webhook (expects 200: ingest reached Convex) and loads /login (200).
//    A stand-in for the Convex deployment is the local runtime.
import { spawn } from "node:child_process";
import http from "node:http";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const DIST_DIR = ".next-deploy-check";
const READY_TIMEOUT_MS = 120_000;
process.chdir(ROOT);

const steps = process.argv.includes("--bundle-only") ? ["bundle"] : ["bundle", "app"];
const children = new Set();
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

try {
  if (steps.includes("bundle")) await checkBundles();
  if (steps.includes("app")) await checkBuiltApp();
  console.log("check:deploy passed");
} catch (error) {
  console.error(`check:deploy FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill("SIGTERM");
}

async function checkBundles() {
  // `npx convex dev --once --debug-bundle-path` bundles exactly as a deploy
  // does and stops before uploading; the stand-in answers the one URL lookup
  // the CLI makes first. It also writes .env.local, which is put back.
  const standIn = http.createServer((request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(request.url?.startsWith("/api/v1/get_canonical_urls") ? JSON.stringify({}) : "{}");
  });
  await new Promise((resolve) => standIn.listen(0, "127.0.0.1", resolve));
  const standInUrl = `http://127.0.0.1:${standIn.address().port}`;
  const envLocal = await readFile(".env.local", "utf8").catch(() => null);
  const out = await mkdtemp(path.join(os.tmpdir(), "convex-bundles-"));
  const bundleDir = path.join(out, "bundle");
  try {
    const cli = run("convex bundler", process.execPath, [
      path.join(path.dirname(require.resolve("convex/package.json")), "bin/main.js"),
      "dev",
      "--once",
      "--debug-bundle-path",
      bundleDir,
      "--typecheck",
      "disable",
      "--codegen",
      "disable",
    ], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CONVEX_SELF_HOSTED_URL: standInUrl,
      CONVEX_SELF_HOSTED_ADMIN_KEY: "deploy-check-stand-in",
    });
    const code = await new Promise((resolve) => cli.child.once("exit", resolve));
    if (code !== 0 || !/Wrote bundle/.test(cli.output())) throw new Error(`the Convex CLI did not bundle convex/:\n${cli.output()}`);
  } finally {
    standIn.close();
    if (envLocal === null) await rm(".env.local", { force: true });
    else await writeFile(".env.local", envLocal);
  }
  try {
    const { modules } = JSON.parse(await readFile(path.join(bundleDir, "fullConfig.json"), "utf8"));
    const entries = modules.filter((m) => m.environment === "isolate" && !m.path.startsWith("_deps/"));
    const nodeCount = modules.filter((m) => m.environment === "node").length;
    console.log(`the Convex CLI bundled ${entries.length} isolate modules (${nodeCount} "use node")`);
    // The bundles are ES modules importing shared chunks; esbuild (the CLI's
    // own) joins each entry with its chunks into one script to evaluate.
    const esbuild = require("esbuild");
    const { EdgeVM } = await import("@edge-runtime/vm");
    for (const entry of entries) {
      const built = await esbuild.build({
        entryPoints: [path.join(bundleDir, "isolate", entry.path)],
        bundle: true,
        format: "iife",
        write: false,
        logLevel: "silent",
      });
      const vm = new EdgeVM({
        extend: (context) => {
          for (const name of ["process", "Buffer", "require", "global", "setImmediate"]) delete context[name];
          // Convex's isolate: environment variables, nothing else of Node's process.
          context.process = { env: {} };
          return context;
        },
      });
      try {
        vm.evaluate(built.outputFiles[0].text);
      } catch (error) {
        throw new Error(`convex/${entry.path} does not load outside Node: ${error.message}`);
      }
    }
    console.log(`loaded ${entries.length} bundles in @edge-runtime/vm without Node's process, Buffer or require`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function checkBuiltApp() {
  const ingestSecret = randomBytes(16).toString("hex");
  const webhookSecret = "deploy-check-" + randomBytes(8).toString("hex");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "deploy-check-data-"));
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: "1" };
  try {
    // The Convex deployment's stand-in, with the deployment's variables.
    const convex = run("convex", process.execPath, ["--import", "tsx", "local/main.ts"], {
      ...base,
      LOCAL_CONVEX_DIR: "convex",
      LOCAL_CONVEX_PORT: "0",
      LOCAL_DATA_DIR: dataDir,
      INGEST_SECRET: ingestSecret,
    });
    const [, convexUrl] = await waitFor(convex, /ready in \d+ ms on (\S+)/);

    const next = require.resolve("next/dist/bin/next");
    // What `npx convex deploy --cmd 'npm run build'` gives the build.
    const build = run("build", process.execPath, [next, "build"], {
      ...base,
      NODE_ENV: "production",
      NEXT_DIST_DIR: DIST_DIR,
      NEXT_PUBLIC_CONVEX_URL: convexUrl,
    });
    const code = await new Promise((resolve) => build.child.once("exit", resolve));
    if (code !== 0) throw new Error(`next build failed:\n${build.output()}`);

    // What Vercel's runtime has: the README's Vercel variables, no Convex URL.
    const port = await freePort();
    const app = run("start", process.execPath, [next, "start", "-p", String(port)], {
      ...base,
      NODE_ENV: "production",
      NEXT_DIST_DIR: DIST_DIR,
      INGEST_SECRET: ingestSecret,
      TELEGRAM_WEBHOOK_SECRET: webhookSecret,
      TELEGRAM_BOT_TOKEN: "123456:deploy-check",
    });
    await waitFor(app, /Ready in|started server on|Local:/);
    const appUrl = `http://127.0.0.1:${port}`;

    const update = await readFile("tests/fixtures/telegram/private_text.json", "utf8");
    const webhook = await fetch(`${appUrl}/api/webhooks/telegram`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": webhookSecret },
      body: update,
    });
    const webhookBody = await webhook.text();
    if (webhook.status !== 200) throw new Error(`POST /api/webhooks/telegram answered ${webhook.status}: ${webhookBody}`);
    console.log(`POST /api/webhooks/telegram → 200 ${webhookBody}`);

    const login = await fetch(`${appUrl}/login`);
    if (login.status !== 200) throw new Error(`GET /login answered ${login.status}`);
    console.log("GET /login → 200");
    const dashboard = await fetch(`${appUrl}/conversations`, { redirect: "manual" });
    if (dashboard.status < 300 || dashboard.status >= 400 || !dashboard.headers.get("location")?.includes("/login")) {
      throw new Error(`GET /conversations signed out answered ${dashboard.status}, not a redirect to /login`);
    }
    console.log("GET /conversations signed out → redirect to /login");
    for (const secret of [ingestSecret, webhookSecret]) {
      for (const [name, child] of [["convex", convex], ["build", build], ["start", app]]) {
        if (child.output().includes(secret)) throw new Error(`a configured secret appears in the ${name} output`);
      }
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await rm(dataDir, { recursive: true, force: true });
  }
}

function run(name, command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return { child, output: () => output, name };
}

async function waitFor(proc, pattern) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${proc.name} did not get ready:\n${proc.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
