// Composes the local runtime: engine, durable state, crons, and the
// deployment's two ports (function API + sync on `port`, http.ts routes on
// the next one, like `.convex.cloud` and `.convex.site`).
import { createRequire } from "node:module";
import type { Server } from "node:http";
import path from "node:path";
import { ensureAuthKeys, tokenVerifier, type VerifyToken } from "./auth.js";
import { startCrons } from "./crons.js";
import { createEngine } from "./engine.js";
import { createApiServer, createSiteServer } from "./httpApi.js";
import { log } from "./log.js";
import { lockDataDir, Persistence, preloadSnapshot } from "./persistence.js";
import { attachSync } from "./sync.js";

export type RuntimeOptions = {
  /** The Convex functions folder (with `_generated`, `schema.ts`, optional `http.ts`/`crons.ts`). */
  convexDir: string;
  dataDir: string;
  /** Function API port; HTTP actions listen on the next one. 0 picks free ports for both. */
  port: number;
  host?: string;
  /** Write a new snapshot once the log grows past this many bytes (or the last snapshot's size). */
  snapshotAfterBytes?: number;
};

export type Runtime = { url: string; siteUrl: string; stop(): Promise<void> };

// How long a stop waits for running functions before the final flush.
const DRAIN_TIMEOUT_MS = 10_000;
// Finished scheduler records older than the retention go this often (and at start).
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const host = options.host ?? "127.0.0.1";
  const unlock = await lockDataDir(options.dataDir);
  try {
    // The snapshot is read while the functions' modules load (their
    // compilation mostly waits on other threads).
    const preloaded = preloadSnapshot(options.dataDir);
    const engine = await createEngine(options.convexDir);
    const persistence = new Persistence(engine, options.dataDir, {
      snapshotAfterBytes: options.snapshotAfterBytes,
      preloaded,
    });
    const restored = await persistence.restore();
    const rearmed = await engine.rearmScheduledFunctions();

    // The site URL (the tokens' issuer) is known once the ports are; the
    // servers only verify tokens after that.
    let verifyToken: VerifyToken = () => Promise.reject(new Error("not listening yet"));
    const verify: VerifyToken = (token) => verifyToken(token);
    const api = createApiServer(engine, convexVersion(), verify);
    const sync = attachSync(api, engine, verify);
    const site = createSiteServer(engine);
    const port = await listen(api, options.port, host, "LOCAL_CONVEX_PORT");
    const sitePort = await listen(
      site,
      options.port === 0 ? 0 : port + 1,
      host,
      "LOCAL_CONVEX_PORT + 1",
    );
    const url = `http://${host}:${port}`;
    const siteUrl = `http://${host}:${sitePort}`;
    // Functions read these as they would on Convex cloud.
    process.env.CONVEX_CLOUD_URL = url;
    process.env.CONVEX_SITE_URL = siteUrl;
    // Convex Auth signs with these (convex/auth.ts); we verify with the JWKS.
    const keys = await ensureAuthKeys(options.dataDir);
    Object.assign(process.env, keys);
    verifyToken = tokenVerifier(keys.JWKS, siteUrl);

    const dataNote =
      restored === null
        ? "new database"
        : `restored ${restored} documents${rearmed ? `, re-armed ${rearmed} scheduled functions` : ""}`;
    log.info(
      `functions from ${display(options.convexDir)}, data in ${display(options.dataDir)} (${dataNote})`,
    );
    const stopCrons = startCrons(
      engine,
      engine.modules.byPath.get("crons")?.default,
    );
    const prune = () =>
      void engine
        .pruneScheduledFunctions()
        .then((n) => n > 0 && log.info(`pruned ${n} finished scheduled-function records older than 7 days`))
        .catch((error: unknown) => log.error(`could not prune scheduled functions: ${String(error)}`));
    prune();
    const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
    pruneTimer.unref();
    // performance.now() counts from process start: the whole cold start.
    log.info(
      `ready in ${Math.round(performance.now())} ms on ${url} (HTTP actions on ${siteUrl})`,
    );

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        stopCrons();
        clearInterval(pruneTimer);
        engine.stop();
        sync.pause();
        for (const server of [api, site]) {
          server.close();
          server.closeIdleConnections();
        }
        // Requests already running finish and get their answer (over the
        // socket, with the Transition that resolves a mutation); then the
        // rest is cut. A client re-sends what went unanswered.
        const stopStarted = performance.now();
        const drained = await engine.drain(DRAIN_TIMEOUT_MS);
        if (!drained) {
          log.warn(
            `functions still running after ${DRAIN_TIMEOUT_MS / 1000} s were cut off; scheduled actions among them are marked failed on the next start`,
          );
        }
        await sync.close();
        await new Promise(setImmediate); // let the last answers leave
        for (const server of [api, site]) server.closeAllConnections();
        await persistence.stop();
        await unlock();
        log.info(
          `stopped in ${Math.round(performance.now() - stopStarted)} ms; data saved in ${display(options.dataDir)}`,
        );
      })());
    return { url, siteUrl, stop };
  } catch (error) {
    await unlock();
    throw error;
  }
}

function listen(
  server: Server,
  port: number,
  host: string,
  setting: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `Port ${port} (${setting}) is in use: is another runtime running? Pick another LOCAL_CONVEX_PORT.`,
            )
          : error,
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/** `GET /version` answers with the Convex npm package version the functions run on. */
function convexVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("convex/package.json") as { version: string }).version;
}

/** A folder as the user would type it: relative inside the project, absolute outside. */
function display(dir: string): string {
  const relative = path.relative(process.cwd(), path.resolve(dir));
  return relative === ""
    ? "."
    : relative.startsWith("..")
      ? path.resolve(dir)
      : relative;
}
