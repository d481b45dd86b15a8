// The runtime's own index structures answer exactly what convex-test's
// full scans answer: random writes, then random index ranges, orders,
// limits, filters, pages, searches and read-your-own-writes, compared
// between the spawned runtime (real ConvexHttpClient) and an in-process
// convex-test running the same fixture functions as the oracle.
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { convexTest } from "convex-test";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "./fixture/convex/_generated/api";
import schema from "./fixture/convex/schema";
import { eventually, startLocalRuntime, type LocalRuntime } from "./harness";

const modules = import.meta.glob("./fixture/convex/**/*.ts");

type Item = { a: number; b?: string; tag: string; text: string };
type Spec = {
  index: "by_a_b" | "by_tag" | "by_creation_time" | null;
  eq: unknown[];
  lower?: { op: string; value: unknown };
  upper?: { op: string; value: unknown };
  order: "asc" | "desc";
  limit?: number;
  skipTag?: string;
};
type Op =
  | { kind: "insert"; doc: Item }
  | { kind: "patch"; which: number; fields: { a?: number; tag?: string } }
  | { kind: "delete"; which: number };

const A = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1.5, 2.5, 1e9));
const B = fc.constantFrom("x", "y", "", "é", "xy", "Z");
const TAG = fc.constantFrom("t1", "t2", "t3");
const WORDS = fc.constantFrom("hello", "help", "world", "order", "ship", "zebra");
const itemArb: fc.Arbitrary<Item> = fc.record(
  { a: A, b: B, tag: TAG, text: fc.array(WORDS, { minLength: 1, maxLength: 3 }).map((w) => w.join(" ")) },
  { requiredKeys: ["a", "tag", "text"] },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: itemArb.map((doc) => ({ kind: "insert" as const, doc })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("patch" as const),
      which: fc.nat(),
      fields: fc.record({ a: A, tag: TAG }, { requiredKeys: [] }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), which: fc.nat() }) },
);
const FIELD_VALUES: Record<string, fc.Arbitrary<unknown>> = { a: A, b: B, tag: TAG };
const FIELDS = { by_a_b: ["a", "b"], by_tag: ["tag"], by_creation_time: [] as string[] };
const specArb: fc.Arbitrary<Spec> = fc
  .record({
    index: fc.constantFrom("by_a_b", "by_tag", "by_creation_time", null),
    order: fc.constantFrom("asc", "desc"),
    limit: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    skipTag: fc.option(TAG, { nil: undefined }),
    eqCount: fc.nat({ max: 2 }),
    lower: fc.option(fc.constantFrom("gt", "gte"), { nil: undefined }),
    upper: fc.option(fc.constantFrom("lt", "lte"), { nil: undefined }),
    seed: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }),
  })
  .chain(({ index, order, limit, skipTag, eqCount, lower, upper }) => {
    const fields = index ? FIELDS[index] : [];
    const n = Math.min(eqCount, fields.length);
    const next = fields[n];
    return fc
      .record({
        eq: fc.tuple(...fields.slice(0, n).map((f) => FIELD_VALUES[f])),
        lowerValue: next ? FIELD_VALUES[next] : fc.constant(undefined),
        upperValue: next ? FIELD_VALUES[next] : fc.constant(undefined),
      })
      .map(({ eq, lowerValue, upperValue }): Spec => ({
        index,
        order,
        eq: eq as unknown[],
        ...(limit === undefined ? {} : { limit }),
        ...(skipTag === undefined ? {} : { skipTag }),
        ...(next && lower ? { lower: { op: lower, value: lowerValue } } : {}),
        ...(next && upper ? { upper: { op: upper, value: upperValue } } : {}),
      }));
  });

let runtime: LocalRuntime;
let client: ConvexHttpClient;
const oracle = convexTest(schema, modules);
// Ids differ between the two (the runtime's crons take ids too): pair them by insertion.
const live: { runtime: string; oracle: string }[] = [];
const toOracleId = new Map<string, string>();

beforeAll(async () => {
  runtime = await startLocalRuntime();
  client = new ConvexHttpClient(runtime.url, { logger: false });
});
afterAll(async () => {
  await runtime?.stop();
});

type WriteOp = (typeof api.items.write)["_args"]["ops"][number];

function concrete(ops: Op[], side: "runtime" | "oracle"): WriteOp[] {
  return ops.flatMap((op): WriteOp[] => {
    if (op.kind === "insert") return [op];
    if (live.length === 0) return [];
    const target = live[op.which % live.length];
    return op.kind === "patch"
      ? [{ kind: "patch" as const, id: target[side] as never, fields: op.fields }]
      : [{ kind: "delete" as const, id: target[side] as never }];
  });
}

function forget(ops: Op[]) {
  // Deletes resolve against `live` before the batch; drop them afterwards.
  const gone = new Set(
    ops.flatMap((op) => (op.kind === "delete" && live.length ? [live[op.which % live.length].oracle] : [])),
  );
  for (let i = live.length - 1; i >= 0; i--) if (gone.has(live[i].oracle)) live.splice(i, 1);
}

type Writer = (args: { ops: WriteOp[] }) => Promise<string[]>;

async function write(ops: Op[], runtimeWrite: Writer = (args) => client.mutation(api.items.write, args)) {
  // A patch or delete of one row twice in a batch is fine; of a deleted one is not.
  const [runtimeIds, oracleIds] = await Promise.all([
    runtimeWrite({ ops: concrete(ops, "runtime") }),
    oracle.mutation(api.items.write, { ops: concrete(ops, "oracle") }),
  ]);
  forget(ops);
  runtimeIds.forEach((id, i) => {
    live.push({ runtime: id, oracle: oracleIds[i] });
    toOracleId.set(id, oracleIds[i]);
  });
}

// Comparable form: oracle ids, no creation times (the two clocks differ).
function normalise(docs: Record<string, unknown>[], fromRuntime: boolean) {
  return docs.map(({ _creationTime: _, _id, ...rest }) => ({
    _id: fromRuntime ? toOracleId.get(_id as string) : _id,
    ...rest,
  }));
}

function dedupeDeletes(ops: Op[]): Op[] {
  // Deleting then touching the same row is an error on both sides; keep batches valid.
  const seen = new Set<number>();
  return ops.filter((op) => {
    if (op.kind === "insert" || live.length === 0) return true;
    const i = op.which % live.length;
    if (seen.has(i)) return false;
    if (op.kind === "delete") seen.add(i);
    return true;
  });
}

test("index ranges, orders, limits and filters match convex-test", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.array(specArb, { minLength: 1, maxLength: 4 }), async (ops, specs) => {
      const batch = dedupeDeletes(ops);
      await write(batch);
      for (const spec of specs) {
        const [got, want] = await Promise.all([
          client.query(api.items.read, { spec }),
          oracle.query(api.items.read, { spec }),
        ]);
        expect(normalise(got as never, true), JSON.stringify(spec)).toEqual(normalise(want as never, false));
      }
    }),
    { numRuns: 40 },
  );
  expect(live.length).toBeGreaterThan(20);
});

test("pages walk the same rows as convex-test", async () => {
  // Enough rows of every shape whether or not the test above ran.
  await write(fc.sample(itemArb, { numRuns: 40, seed: 9 }).map((doc) => ({ kind: "insert", doc })));
  await fc.assert(
    fc.asyncProperty(specArb, fc.integer({ min: 1, max: 7 }), async (spec, numItems) => {
      const walk = async (run: (cursor: string | null) => Promise<{ page: unknown[]; isDone: boolean; continueCursor: string }>, fromRuntime: boolean) => {
        const pages: unknown[] = [];
        let cursor: string | null = null;
        for (let i = 0; i < 200; i++) {
          const result = await run(cursor);
          pages.push({ rows: normalise(result.page as never, fromRuntime), isDone: result.isDone });
          if (result.isDone) break;
          cursor = result.continueCursor;
        }
        return pages;
      };
      const spec0 = { ...spec, limit: undefined };
      const [got, want] = await Promise.all([
        walk((cursor) => client.query(api.items.page, { spec: spec0, paginationOpts: { numItems, cursor } }), true),
        walk((cursor) => oracle.query(api.items.page, { spec: spec0, paginationOpts: { numItems, cursor } }), false),
      ]);
      expect(got, JSON.stringify(spec0)).toEqual(want);
    }),
    { numRuns: 12 },
  );
});

test("search and a mutation reading its own writes match convex-test", async () => {
  for (const [text, tag] of [["hel", undefined], ["order ship", "t2"], ["zebra", "t1"]] as const) {
    const [got, want] = await Promise.all([
      client.query(api.items.search, { text, tag }),
      oracle.query(api.items.search, { text, tag }),
    ]);
    expect(normalise(got as never, true)).toEqual(normalise(want as never, false));
  }
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), specArb, async (ops, spec) => {
      const batch = dedupeDeletes(ops).filter((op) => op.kind !== "insert");
      const [got, want] = await Promise.all([
        client.mutation(api.items.writeThenRead, { ops: concrete(batch, "runtime"), spec }),
        oracle.mutation(api.items.writeThenRead, { ops: concrete(batch, "oracle"), spec }),
      ]);
      forget(batch);
      expect(normalise(got as never, true), JSON.stringify(spec)).toEqual(normalise(want as never, false));
    }),
    { numRuns: 20 },
  );
});

test("subscribed queries re-run whenever a write touches what they read", async () => {
  // The runtime re-runs a subscribed query only when a commit's changes fall
  // inside its read set. A mutation over the socket resolves once the
  // subscriptions reflect it, so every subscription must then equal a fresh read.
  const socket = new ConvexClient(runtime.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
  });
  try {
    await write(fc.sample(itemArb, { numRuns: 20, seed: 4 }).map((doc) => ({ kind: "insert", doc })));
    await fc.assert(
      fc.asyncProperty(
        fc.array(specArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        async (specs, numItems, batches) => {
          const reads = specs.map((spec) => ({ fn: api.items.read, args: { spec } }) as const);
          const pages = specs.map(
            (spec) => ({ fn: api.items.page, args: { spec: { ...spec, limit: undefined }, paginationOpts: { numItems, cursor: null } } }) as const,
          );
          const watched = [...reads, ...pages];
          const subscriptions = watched.map(({ fn, args }) => socket.onUpdate(fn as never, args as never, () => {}));
          try {
            await eventually(
              () => subscriptions.every((s) => s.getCurrentValue() !== undefined),
              Boolean,
              20_000,
            );
            for (const ops of batches) {
              await write(dedupeDeletes(ops), (args) => socket.mutation(api.items.write, args));
              for (const [i, { fn, args }] of watched.entries()) {
                const fresh = await client.query(fn as never, args as never);
                expect(subscriptions[i].getCurrentValue(), JSON.stringify(args)).toEqual(fresh);
              }
            }
          } finally {
            subscriptions.forEach((s) => s.unsubscribe());
          }
        },
      ),
      { numRuns: 15 },
    );
  } finally {
    await socket.close();
  }
});
