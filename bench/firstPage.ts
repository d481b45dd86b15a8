/**
 * First page view after `npm start` prints "Ready" (issue 13, item 8: ≤ 2 s
 * on a quiet machine). Run: `npx tsx bench/firstPage.ts [runs=3] [-- extra
 * start.mjs args]`, e.g. `npx tsx bench/firstPage.ts 3 --dev` for
 * `npm run dev`.
 *
 * Each run starts the product on free ports with a fresh data folder
 * (Chromium is launched before, so its start is not counted), and the moment
 * "Ready" is printed opens each dashboard page in Debian's Chromium, one
 * after another, timing navigation start to the page's heading being visible
 * with data from the runtime (the page's "loading" text gone). The first page
 * is the first view after Ready; the others are each page's first visit.
 * Prints medians over the runs, as Markdown. A production build made for the
 * first run is reported, not counted.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const runs = Number(process.argv[2] ?? 3);
const startArgs = process.argv.slice(3).filter((arg) => arg !== "--");
// Another start script, e.g. the previous one for a before/after comparison.
const startScript = process.env.START_SCRIPT ?? "local/start.mjs";
const PAGES = ["/conversations", "/playground", "/followups", "/settings"];
const VIEW_TIMEOUT_MS = 120_000;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const views: Record<string, number[]> = Object.fromEntries(PAGES.map((page) => [page, []]));
const readyTimes: number[] = [];
const loads: number[] = [];
let buildNote = "";
try {
  for (let run = 0; run < runs; run++) {
    const product = await startProduct();
    try {
      loads.push(loadavg()[0]!);
      readyTimes.push(product.readySeconds);
      if (product.built) buildNote = ` Run ${run + 1} built first (${product.built}); the others reused that build.`;
      const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
      const page = await context.newPage();
      page.setDefaultTimeout(VIEW_TIMEOUT_MS);
      for (const route of PAGES) {
        const started = performance.now();
        await page.goto(`${product.appUrl}${route}`, { waitUntil: "commit" });
        await page.locator("h1").first().waitFor({ state: "visible" });
        // Data from the runtime arrived: no page is still saying it loads.
        await page.waitForFunction(() => !/Loading|loading…/.test(document.querySelector("main")?.textContent ?? ""));
        views[route]!.push(performance.now() - started);
      }
      await context.close();
      console.error(`run ${run + 1}: ${PAGES.map((route) => `${route} ${Math.round(views[route]!.at(-1)!)} ms`).join(", ")}`);
    } finally {
      await product.stop();
    }
  }
} finally {
  await browser.close();
}

const mode = `node ${startScript}${startArgs.map((arg) => ` ${arg}`).join("")}`;
console.log(
  [
    `### First page view after Ready (${mode})`,
    ``,
    `Measured ${new Date().toISOString()}, ${runs} runs, load average at start ${loads.map((l) => l.toFixed(1)).join(" / ")}; ` +
      `"Ready" printed after ${readyTimes.map((s) => `${s.toFixed(1)} s`).join(" / ")}.${buildNote} ` +
      `Medians, navigation start to heading and data visible in Chromium, pages opened in this order right after Ready:`,
    ``,
    `| ${PAGES.join(" | ")} |`,
    `| ${PAGES.map(() => "---").join(" | ")} |`,
    `| ${PAGES.map((route) => seconds(median(views[route]!))).join(" | ")} |`,
  ].join("\n"),
);

async function startProduct() {
  const [port, convexPort] = [await freePort(), await freePort(2)];
  const dataDir = await mkdtemp(path.join(tmpdir(), "bench-first-page-"));
  const child = spawn(process.execPath, [startScript, ...startArgs], {
    env: {
      ...process.env,
      PORT: String(port),
      LOCAL_CONVEX_PORT: String(convexPort),
      LOCAL_DATA_DIR: dataDir,
      ANTHROPIC_API_KEY: "",
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
  let ready: RegExpMatchArray | null;
  while (!(ready = output.match(/^Ready in ([\d.]+) s/m))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    appUrl: `http://localhost:${port}`,
    readySeconds: Number(ready[1]),
    built: output.match(/\[start\] built in ([\d.]+ s)/)?.[1],
    stop: async () => {
      process.kill(-child.pid!, "SIGTERM");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

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

function seconds(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}
