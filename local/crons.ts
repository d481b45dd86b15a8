// Runs the app's `convex/crons.ts` on real timers.
import { jsonToConvex, type JSONValue } from "convex/values";
import { cronTimer, type CronSchedule } from "./cronSchedule.js";
import type { Engine } from "./engine.js";
import { logFunctionError } from "./errors.js";
import { log } from "./log.js";

type CronEntry = { name: string; args: JSONValue[]; schedule: CronSchedule };
// setTimeout's ceiling; a monthly cron waits in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Arms every cron; returns a function that disarms them. */
export function startCrons(engine: Engine, cronsExport: unknown): () => void {
  const entries = cronEntries(cronsExport);
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  for (const [identifier, entry] of entries) {
    const kind = engine.describe(entry.name)?.kind;
    if (!kind || kind === "query") {
      log.error(
        `cron "${identifier}" names ${entry.name}, which is not a mutation or action; it will not run`,
      );
      continue;
    }
    const next = cronTimer(identifier, entry.schedule);
    let running = false;
    const arm = (at: number) => {
      if (stopped) return;
      const timer = setTimeout(
        () => (Date.now() < at ? arm(at) : void fire(at)),
        Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
      );
      timers.set(identifier, timer);
    };
    const fire = async (at: number) => {
      arm(next(Math.max(at, Date.now())));
      // Like Convex, a run still going when the next one is due makes that one skip.
      if (running) return;
      running = true;
      try {
        await engine.call(kind, entry.name, jsonToConvex(entry.args[0] ?? {}));
      } catch (error) {
        logFunctionError(`cron "${identifier}"`, entry.name, error);
      } finally {
        running = false;
      }
    };
    arm(next(Date.now()));
  }
  if (entries.length > 0)
    log.info(`crons: ${entries.map(([identifier]) => identifier).join(", ")}`);

  return () => {
    stopped = true;
    timers.forEach(clearTimeout);
  };
}

function cronEntries(cronsExport: unknown): [string, CronEntry][] {
  if (cronsExport === undefined) return [];
  const crons = cronsExport as {
    isCrons?: boolean;
    crons?: Record<string, CronEntry>;
  };
  if (!crons.isCrons || !crons.crons) {
    throw new Error(
      "convex/crons.ts must `export default` the object returned by cronJobs()",
    );
  }
  return Object.entries(crons.crons);
}
