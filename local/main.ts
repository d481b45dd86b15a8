// Entry point of the local runtime process: `node --import tsx local/main.ts`.
// Configured by environment (see local/README.md); stops cleanly, saving
// everything, on SIGINT, SIGTERM or SIGHUP, or when `npm start` (its parent,
// over IPC) goes away.
import { register } from "node:module";

// Must precede the first import of convex-test, hence the dynamic imports below.
register("./engineHooks.mjs", import.meta.url);
const { startRuntime } = await import("./runtime.js");
const { log } = await import("./log.js");

const DEFAULT_PORT = 3210;

try {
  const runtime = await startRuntime({
    convexDir: process.env.LOCAL_CONVEX_DIR ?? "convex",
    dataDir: process.env.LOCAL_DATA_DIR ?? ".local-data",
    port: parsePort(process.env.LOCAL_CONVEX_PORT),
  });
  // Repeated signals are expected (a terminal's Ctrl-C reaches this process
  // and `npm start`, which forwards it) and harmless: stop() runs once and is
  // bounded by its drain timeout. The exit also ends convex-test's timers.
  const shutdown = () => void runtime.stop().then(() => process.exit(0));
  // SIGHUP: the terminal window closed.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, shutdown);
  process.on("disconnect", shutdown);
  // Node loads its HTTP client (undici) on the first fetch: ~0.1-0.2 s on a
  // busy 2-core machine that the first burst's typing action would pay.
  // One request to ourselves pays it now (bench/firstBurst.ts).
  void fetch(`${runtime.url}/version`)
    .then((response) => response.arrayBuffer())
    .catch(() => {});
} catch (error) {
  log.error(
    `could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65534) {
    throw new Error(`LOCAL_CONVEX_PORT must be a port number, got "${value}"`);
  }
  return port;
}
