/**
 * Starts the product for browser tests exactly as the README does
 * (`npm start`, i.e. `node local/start.mjs`) on free ports with a fresh
 * data folder, and launches Debian's Chromium the way DESIGN.md prescribes.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fakeAnthropic";
import { OWNER } from "../support/operator";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Cold start on a 2-core machine: runtime and `next start` (start.mjs waits up to 60 s for each);
// the production build is made beforehand by globalSetup.ts.
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
// Generous for a loaded machine; pages come from a production build and open in about a second.
export const FIRST_VISIT_MS = 90_000;

export type Product = {
  appUrl: string;
  convexUrl: string;
  /** Everything the product printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
};

/** `env` is added to the product's environment last (e.g. a fake Anthropic server instead of the offline responder). */
export async function startProduct(env: Record<string, string> = {}): Promise<Product> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "burstreply-e2e-"));
  const port = await freePort();
  // The runtime also takes the next port for http.ts routes.
  const convexPort = await freePortPair();
  const child = spawn(process.execPath, ["local/start.mjs"], {
    cwd: ROOT,
    // Its own process group, so stopping reaches the runtime and Next like a terminal's Ctrl-C.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      LOCAL_CONVEX_PORT: String(convexPort),
      LOCAL_DATA_DIR: dataDir,
      // The labelled offline responder answers, whatever the developer's environment holds.
      ANTHROPIC_API_KEY: "",
      ...env,
    },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid!, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  // start.mjs prints "Ready in …" once the runtime and Next both answer.
  while (!/^Ready in /m.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // localhost, as start.mjs prints it (under `npm run dev`, `next dev` serves its scripts only to origins it trusts).
  const appUrl = `http://localhost:${port}`;
  // "Ready" means both servers answer; a page that cannot render should fail here, plainly.
  // Signed out, every page leads to /login, which also compiles it before a test visits.
  const page = await fetch(`${appUrl}/login`, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) }).catch(
    (error: Error) => error,
  );
  if (page instanceof Error || !page.ok) {
    await stop();
    const what = page instanceof Error ? page.message : `HTTP ${page.status}`;
    throw new Error(`npm start is up but /login does not render (${what}):\n${output}`);
  }
  return { appUrl, convexUrl: `http://127.0.0.1:${convexPort}`, output: () => output, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function listenOn(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

async function close(server: net.Server) {
  await new Promise((resolve) => server.close(resolve));
}

async function freePort(): Promise<number> {
  const server = (await listenOn(0))!;
  const { port } = server.address() as net.AddressInfo;
  await close(server);
  return port;
}

async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = (await listenOn(0))!;
    const { port } = first.address() as net.AddressInfo;
    const second = port < 65535 ? await listenOn(port + 1) : null;
    await close(first);
    if (second) {
      await close(second);
      return port;
    }
  }
  throw new Error("no two consecutive free ports");
}

/** Debian's Chromium, headless, with a fresh temporary profile. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** After a failed test: what its pages showed (saved outside the repository) and what the product logged. */
export async function reportFailure(context: BrowserContext, product: Product, testName: string) {
  for (const [i, page] of context.pages().entries()) {
    const file = path.join(os.tmpdir(), `burstreply-e2e-${testName.replace(/\W+/g, "-")}-${i}.png`);
    await page.screenshot({ path: file }).catch(() => {});
    console.error(`screenshot: ${file}`);
  }
  console.error(`product output:\n${product.output()}`);
}

export { OWNER };

/** Fills the login form (whichever it is showing) and waits until a dashboard page replaced it. */
export async function submitLogin(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  await page.getByTestId("signed-in-as").waitFor();
}

/** Creates the owner account through the first-run form. */
async function createOwner(browser: Browser, product: Product) {
  const context = await browser.newContext();
  context.setDefaultTimeout(FIRST_VISIT_MS);
  context.setDefaultNavigationTimeout(FIRST_VISIT_MS);
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/login`);
  await page.getByRole("heading", { name: "Create the owner account" }).waitFor();
  await submitLogin(page, OWNER.email, OWNER.password);
  await context.close();
}

/**
 * Signs the context in through the login page. Each context signs in on its
 * own: Convex Auth rotates the refresh token on every page load and treats a
 * reused one as stolen, so a saved browser state cannot be shared.
 */
async function signInOwner(context: BrowserContext, product: Product) {
  const page = await context.newPage();
  await page.goto(`${product.appUrl}/login`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await submitLogin(page, OWNER.email, OWNER.password);
  await page.close();
}

/**
 * The hooks of a browser suite: the product (with `env()` added to its
 * environment) and Chromium once per file, and a fresh context per test
 * (signed in as the owner unless `signedIn: false`; otherwise empty
 * storage, so the playground starts a new visitor). Read
 * `suite.product`, `suite.context` in tests.
 */
export function browserSuite(
  env: () => Record<string, string> = () => ({}),
  { signedIn = true }: { signedIn?: boolean } = {},
) {
  const suite = {} as { product: Product; browser: Browser; context: BrowserContext };
  beforeAll(async () => {
    suite.product = await startProduct(env());
    suite.browser = await launchChromium();
    // Dashboard pages need a session: the owner is created once per product, through the page.
    if (signedIn) await createOwner(suite.browser, suite.product);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.product?.stop();
  });
  beforeEach(async () => {
    suite.context = await suite.browser.newContext({ viewport: { width: 1360, height: 860 } });
    suite.context.setDefaultNavigationTimeout(FIRST_VISIT_MS);
    suite.context.setDefaultTimeout(FIRST_VISIT_MS);
    if (signedIn) await signInOwner(suite.context, suite.product);
  });
  afterEach(async ({ task }) => {
    if (task.result?.state === "fail") await reportFailure(suite.context, suite.product, task.name);
    await suite.context.close();
  });
  return suite;
}

/**
 * `browserSuite` with the product talking to a fake Anthropic server, for
 * tests that script the agent's tool calls (schedule_followup, book_meeting):
 * the offline responder never calls tools. `suite.anthropic` is the fake.
 */
export function modelBackedBrowserSuite() {
  const fake = {} as { anthropic: FakeAnthropic };
  // Registered first, so the model answers before the product starts.
  beforeAll(async () => {
    fake.anthropic = await startFakeAnthropic();
  });
  afterAll(async () => {
    await fake.anthropic?.close();
  });
  const suite = browserSuite(() => ({ ANTHROPIC_API_KEY: "sk-ant-e2e", ANTHROPIC_BASE_URL: fake.anthropic.url }));
  // A getter, not a copy: the fake exists only once beforeAll has run.
  return Object.defineProperty(suite, "anthropic", { get: () => fake.anthropic }) as typeof suite & { anthropic: FakeAnthropic };
}

/** The widths every dashboard page is checked at: a laptop and a 390 px phone. */
export const SIZES = [
  { name: "desktop", viewport: { width: 1360, height: 860 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

/** A new tab of `context` at `viewport`, on `url`. */
export async function openAt(context: BrowserContext, url: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(url);
  return page;
}
