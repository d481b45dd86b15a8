// Crons, the scheduler on real timers, and the data folder across restarts.
import { ConvexHttpClient } from "convex/browser";
import { expect, test } from "vitest";
import { api } from "./fixture/convex/_generated/api";
import { eventually, newDataDir, startLocalRuntime } from "./harness";

const client = (url: string) => new ConvexHttpClient(url, { logger: false });

test("a cron fires on its schedule", async () => {
  const runtime = await startLocalRuntime();
  try {
    // The fixture's "tick" cron runs every second.
    const ticks = await eventually(
      () => client(runtime.url).query(api.ticks.count, {}),
      (count) => count >= 2,
    );
    expect(ticks).toBeGreaterThanOrEqual(2);
  } finally {
    await runtime.stop();
  }
});

test("a scheduled function runs once on real timers", async () => {
  const runtime = await startLocalRuntime();
  try {
    const jobId = await client(runtime.url).mutation(api.jobs.schedule, {
      label: "soon",
      delayMs: 200,
    });
    await eventually(
      () => client(runtime.url).query(api.jobs.status, { jobId }),
      (state) => state === "success",
    );
    expect(
      await client(runtime.url).query(api.jobs.runs, { label: "soon" }),
    ).toBe(1);
  } finally {
    await runtime.stop();
  }
});

test("a clean stop loses nothing", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  const bodies = Array.from({ length: 20 }, (_, i) => `note ${i}`);
  for (const body of bodies)
    await client(first.url).mutation(api.notes.add, { body });
  // Stop at once, before the periodic save has a chance to run.
  expect(await first.stop("SIGTERM")).toBe(0);

  const second = await startLocalRuntime(dataDir);
  try {
    expect(await client(second.url).query(api.notes.list, {})).toEqual(bodies);
  } finally {
    await second.stop();
  }
});

test("a scheduled function that fell due while stopped runs once on the next start", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  const delayMs = 1_000;
  const scheduledAt = Date.now();
  const jobId = await client(first.url).mutation(api.jobs.schedule, {
    label: "across restart",
    delayMs,
  });
  await first.stop("SIGTERM");
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, scheduledAt + delayMs - Date.now())),
  );

  const second = await startLocalRuntime(dataDir);
  try {
    expect(second.output()).toContain("re-armed 1 scheduled functions");
    await eventually(
      () => client(second.url).query(api.jobs.status, { jobId }),
      (state) => state === "success",
    );
    expect(
      await client(second.url).query(api.jobs.runs, {
        label: "across restart",
      }),
    ).toBe(1);
  } finally {
    await second.stop();
  }

  // And it stays done: a third start has nothing left to run.
  const third = await startLocalRuntime(dataDir);
  try {
    expect(third.output()).not.toContain("re-armed");
    expect(
      await client(third.url).query(api.jobs.runs, { label: "across restart" }),
    ).toBe(1);
  } finally {
    await third.stop();
  }
});
