// Starts the real local runtime as a child process, the way `npm start`
// does, against the fixture app in ./fixture/convex, on free ports and a
// fresh data folder.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE_CONVEX_DIR = fileURLToPath(
  new URL("./fixture/convex", import.meta.url),
);
const READY_LINE = /ready in \d+ ms on (\S+) \(HTTP actions on (\S+)\)/;
const START_TIMEOUT_MS = 15_000;

// A test that fails half-way must not leave a runtime behind.
const running = new Set<ChildProcess>();
try {
  afterAll(() => running.forEach((child) => child.kill("SIGKILL")));
} catch {
  // Outside a vitest run (bench/archiveLocal.ts) there is no suite; the bench stops its runtimes itself.
}

export type LocalRuntime = {
  url: string;
  siteUrl: string;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

export async function newDataDir(): Promise<string> {
  return await mkdtemp(path.join(tmpdir(), "local-convex-test-"));
}

/** The project's own functions, for tests of the whole product. */
export const PROJECT_CONVEX_DIR = fileURLToPath(new URL("../../convex", import.meta.url));

export async function startLocalRuntime(
  dataDir?: string,
  options: { convexDir?: string; env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<LocalRuntime> {
  const dir = dataDir ?? (await newDataDir());
  const child = spawn(process.execPath, ["--import", "tsx", "local/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...options.env,
      LOCAL_CONVEX_DIR: options.convexDir ?? FIXTURE_CONVEX_DIR,
      LOCAL_CONVEX_PORT: "0",
      LOCAL_DATA_DIR: dir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );

  const [, url, siteUrl] = await waitForReady(child, () => output, exited, options.startTimeoutMs ?? START_TIMEOUT_MS);
  return {
    url,
    siteUrl,
    dataDir: dir,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      return await exited;
    },
  };
}

function waitForReady(
  child: ChildProcess,
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `runtime not ready after ${timeoutMs} ms:\n${output()}`,
        ),
      );
    }, timeoutMs);
    const check = () => {
      const match = output().match(READY_LINE);
      if (match) {
        clearTimeout(timeout);
        resolve(match);
      }
    };
    child.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timeout);
      reject(
        new Error(
          `runtime exited with ${code} before it was ready:\n${output()}`,
        ),
      );
    });
  });
}

/** Polls `read` until `done` holds for its value; returns that value. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
