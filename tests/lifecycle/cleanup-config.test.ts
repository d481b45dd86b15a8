/** A cleanup run's `config.phases` (HTTP API): which phases run, in the job's order. */
import { describe, expect, test } from "vitest";
import { CLEANUP_PHASES, nextCleanupPhase } from "../../lib/lifecycle/rules";

describe("nextCleanupPhase", () => {
  test("without a config every phase runs in order", () => {
    const seen = [];
    for (let phase = nextCleanupPhase(undefined, -1); phase; phase = nextCleanupPhase(undefined, CLEANUP_PHASES.indexOf(phase))) seen.push(phase);
    expect(seen).toEqual([...CLEANUP_PHASES]);
  });

  test("a config runs only its phases, in the job's order whatever order it names them", () => {
    const config = { phases: ["blobs", "archives", "batches"] as ("blobs" | "archives" | "batches")[] };
    const seen = [];
    for (let phase = nextCleanupPhase(config, -1); phase; phase = nextCleanupPhase(config, CLEANUP_PHASES.indexOf(phase))) seen.push(phase);
    expect(seen).toEqual(["archives", "batches", "blobs"]);
    expect(nextCleanupPhase({ phases: [] }, -1)).toBeNull();
  });
});
