// Run by engineHooks.test.ts in a child process: loads convex-test with
// local/engineHooks.mjs registered (argv "hooked") or as published
// ("plain"), exercises what the hooks patch, and prints the results as JSON.
import { register } from "node:module";

const hooked = process.argv[2] === "hooked";
if (hooked) register("../../local/engineHooks.mjs", import.meta.url);
const engine = await import("convex-test");
const { convexTest } = engine;
const { defineSchema, defineTable } = await import("convex/server");
const { v } = await import("convex/values");

const state = v.union(
  v.object({ kind: v.literal("idle") }),
  v.object({ kind: v.literal("buffering"), count: v.number(), note: v.optional(v.literal("held")) }),
  v.object({ kind: v.literal("processing"), batch: v.string() }),
  v.null(),
  v.literal("gone"),
  v.array(v.string()),
  v.number(),
);
const schema = defineSchema({ things: defineTable({ state }) });
const modules = { "./convex/_generated/api.js": async () => ({}) };

// Every value a union member's pre-check could wrongly skip or wrongly keep.
const VALUES = [
  { kind: "idle" },
  { kind: "idle", extra: 1 },
  { kind: "buffering", count: 2 },
  { kind: "buffering", count: 2, note: "held" },
  { kind: "buffering", count: 2, note: "other" },
  { kind: "buffering", count: "2" },
  { kind: "buffering" },
  { kind: "processing", batch: "b1" },
  { kind: "processing", count: 1 },
  { kind: "elsewhere" },
  {},
  null,
  "gone",
  "went",
  ["a", "b"],
  ["a", 1],
  [],
  7,
  true,
];

async function validation() {
  const t = convexTest(schema, modules);
  const results = [];
  for (const value of VALUES) {
    try {
      await t.run(async (ctx) => await ctx.db.insert("things", { state: value }));
      results.push({ value, ok: true });
    } catch (error) {
      results.push({ value, ok: false, error: String(error.message).split("\n")[0] });
    }
  }
  return results;
}

// Transactions queued behind a long one start in the order they asked, one
// at a time; a transaction that arrives while the queue drains waits its turn.
// `lockChecks` counts how often a waiter looked at the lock: once on arrival
// and once when woken if each release wakes one waiter, about n²/2 if every
// release wakes them all.
async function lockOrder() {
  const t = convexTest(schema, modules);
  const started = [];
  let running = 0;
  let maxRunning = 0;
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const transaction = (label) =>
    t.run(async (ctx) => {
      started.push(label);
      maxRunning = Math.max(maxRunning, ++running);
      await ctx.db.insert("things", { state: null });
      running--;
    });
  let lockChecks = 0;
  const first = t.run(async () => {
    const manager = engine.__getConvexGlobal().transactionManager;
    let current = manager._waitOnCurrentFunction;
    Object.defineProperty(manager, "_waitOnCurrentFunction", {
      get: () => (lockChecks++, current),
      set: (value) => (current = value),
    });
    started.push("first");
    await held;
  });
  while (started.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const queued = [];
  for (let i = 0; i < 50; i++) queued.push(transaction(`queued ${i}`));
  // One more arrives while the queue drains, after the 10th has started.
  const late = (async () => {
    while (started.length < 10) await new Promise((resolve) => setImmediate(resolve));
    await transaction("late");
  })();
  release();
  await Promise.all([first, late, ...queued]);
  return { started, maxRunning, lockChecks };
}

console.log(JSON.stringify({ validation: await validation(), lock: hooked ? await lockOrder() : null }));
