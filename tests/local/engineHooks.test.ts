// local/engineHooks.mjs patches convex-test's source. These tests load
// convex-test in a child process with and without the hooks and check that
// the patches change cost only: the same values pass validation with the same
// errors, and queued transactions run one at a time in arrival order, each
// release waking only the next in line.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";

const PROBE = fileURLToPath(new URL("./engineProbe.mjs", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

type Probe = {
  validation: { value: unknown; ok: boolean; error?: string }[];
  lock: { started: string[]; maxRunning: number; lockChecks: number } | null;
};

async function probe(mode: "hooked" | "plain"): Promise<Probe> {
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, mode], { cwd: REPO_ROOT, timeout: 60_000 });
  return JSON.parse(stdout) as Probe;
}

let hooked: Probe;
let plain: Probe;
beforeAll(async () => {
  [hooked, plain] = await Promise.all([probe("hooked"), probe("plain")]);
}, 120_000);

describe("convex-test with the local runtime's patches", () => {
  test("union validation accepts and rejects exactly what convex-test does, with the same messages", () => {
    expect(hooked.validation).toEqual(plain.validation);
    // The probe's values cover both outcomes, each union member and its near misses.
    expect(plain.validation.filter((r) => r.ok).length).toBeGreaterThanOrEqual(8);
    expect(plain.validation.filter((r) => !r.ok).length).toBeGreaterThanOrEqual(8);
  });

  test("transactions queued behind a long one run one at a time, in arrival order, each woken once", () => {
    const lock = hooked.lock!;
    const queued = Array.from({ length: 50 }, (_, i) => `queued ${i}`);
    expect(lock.started).toEqual(["first", ...queued, "late"]);
    expect(lock.maxRunning).toBe(1);
    // Each of the 51 waiters looks at the lock on arrival and once more when woken (about 100);
    // waking every waiter on every release made it about 2,600.
    expect(lock.lockChecks).toBeLessThanOrEqual(3 * 51);
  });
});
