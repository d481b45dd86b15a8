// The write-ahead log: what a webhook was told is stored survives SIGKILL,
// a planned stop drains, and a damaged data folder either recovers without
// losing anything acknowledged or refuses to start, naming the file.
import { createHash } from "node:crypto";
import { appendFile, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { expect, test } from "vitest";
import { api } from "./fixture/convex/_generated/api";
import { eventually, newDataDir, startLocalRuntime, type LocalRuntime } from "./harness";

const client = (url: string) => new ConvexHttpClient(url, { logger: false });
const item = (text: string) => ({ kind: "insert" as const, doc: { a: 1, tag: "t1", text } });
const SMALL_SNAPSHOTS = { env: { LOCAL_SNAPSHOT_AFTER_BYTES: "4000" } };

/** Sends `count` writes at once; resolves with the texts that were acknowledged. */
async function burst(
  runtime: LocalRuntime,
  prefix: string,
  count: number,
  onAck?: (acked: number) => void,
): Promise<string[]> {
  const acked: string[] = [];
  await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      const text = `${prefix} ${i}`;
      await client(runtime.url).mutation(api.items.write, { ops: [item(text)] });
      acked.push(text);
      onAck?.(acked.length);
    }),
  );
  return acked;
}

async function storedTexts(runtime: LocalRuntime): Promise<string[]> {
  const rows = (await client(runtime.url).query(api.items.read, {
    spec: { index: null, eq: [], order: "asc" },
  })) as { text: string }[];
  return rows.map((row) => row.text);
}

async function startFails(dataDir: string): Promise<string> {
  const error = await startLocalRuntime(dataDir).then(
    async (runtime) => {
      await runtime.stop();
      return null;
    },
    (e: unknown) => e as Error,
  );
  expect(error, "the runtime started on a damaged folder").not.toBeNull();
  return error!.message;
}

test("SIGKILL right after acknowledged writes loses none of them", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  const acked = await burst(first, "kill", 60);
  // An action's own mutation is acknowledged with the action.
  await client(first.url).action(api.notes.shout, { body: "said" });
  expect(acked).toHaveLength(60);
  await first.stop("SIGKILL");

  const second = await startLocalRuntime(dataDir);
  try {
    expect((await storedTexts(second)).sort()).toEqual([...acked].sort());
    expect(await client(second.url).query(api.notes.list, {})).toContain("SAID");
  } finally {
    await second.stop();
  }
});

test("SIGKILL in the middle of a burst, with snapshots being written, loses nothing acknowledged", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  await burst(first, "before", 40);
  let killed: Promise<unknown> | undefined;
  const acked = await burst(first, "during", 150, (n) => {
    if (n === 60) killed = first.stop("SIGKILL");
  });
  await killed;
  expect(acked.length).toBeGreaterThanOrEqual(60);
  expect(first.output()).toContain("snapshot of");

  const second = await startLocalRuntime(dataDir);
  try {
    const stored = new Set(await storedTexts(second));
    expect(acked.filter((text) => !stored.has(text))).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(40 + acked.length);
    const files = await readdir(dataDir);
    expect(files).toContain("snapshot.jsonl");
  } finally {
    await second.stop();
  }
});

test("SIGTERM drains: running writes finish and are kept, new ones are refused, exit 0", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  let stopped: Promise<number | null> | undefined;
  const acked = await burst(first, "drain", 120, (n) => {
    if (n === 20) stopped = first.stop("SIGTERM");
  });
  expect(await stopped).toBe(0);
  expect(first.output()).toMatch(/stopped in \d+ ms; data saved/);
  await expect(client(first.url).mutation(api.items.write, { ops: [item("late")] })).rejects.toThrow();

  const second = await startLocalRuntime(dataDir);
  try {
    const stored = new Set(await storedTexts(second));
    expect(acked.filter((text) => !stored.has(text))).toEqual([]);
  } finally {
    await second.stop();
  }
});

/** A data folder with a snapshot and a log after it, stopped cleanly. */
async function folderWithSnapshot(): Promise<{ dataDir: string; texts: string[] }> {
  const dataDir = await newDataDir();
  const runtime = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  await burst(runtime, "row", 30);
  const texts = await storedTexts(runtime);
  expect(await runtime.stop()).toBe(0);
  const files = await readdir(dataDir);
  expect(files).toContain("snapshot.jsonl");
  return { dataDir, texts };
}

test("a lowered id counter is raised above every stored id: no document is overwritten", async () => {
  const { dataDir, texts } = await folderWithSnapshot();
  // Lowered everywhere it is recorded: the snapshot's header and every log record.
  for (const name of await readdir(dataDir)) {
    if (name !== "snapshot.jsonl" && !name.startsWith("wal-")) continue;
    const file = path.join(dataDir, name);
    const lines = (await readFile(file, "utf8")).split("\n").map((line, i) => {
      if (!line) return line;
      const value = JSON.parse(line) as Record<string, unknown>;
      if (name === "snapshot.jsonl" && i === 0) return JSON.stringify({ ...value, nextDocId: 10000 });
      return "n" in value ? JSON.stringify({ ...value, n: 10000 }) : line;
    });
    await writeFile(file, lines.join("\n"));
  }

  const runtime = await startLocalRuntime(dataDir);
  try {
    expect(runtime.output()).toContain("id counter");
    await client(runtime.url).mutation(api.items.write, { ops: [item("new one")] });
    expect(await storedTexts(runtime)).toEqual([...texts, "new one"]);
  } finally {
    await runtime.stop();
  }
});

test("a snapshot missing a table's rows, or cut short, stops the start naming it", async () => {
  const { dataDir } = await folderWithSnapshot();
  const file = path.join(dataDir, "snapshot.jsonl");
  const original = await readFile(file, "utf8");
  await writeFile(file, original
      .split("\n")
      .filter((line) => !(line && (JSON.parse(line) as { _id?: string })._id?.endsWith("items")))
      .join("\n"));
  expect(await startFails(dataDir)).toMatch(/snapshot\.jsonl.*items/s);

  await writeFile(file, original.slice(0, Math.floor(original.length / 2)));
  expect(await startFails(dataDir)).toContain("snapshot.jsonl");

  await writeFile(file, original);
  const runtime = await startLocalRuntime(dataDir);
  await runtime.stop();
});

test("a deleted snapshot next to its log, or a missing log, stops the start naming the file", async () => {
  const { dataDir } = await folderWithSnapshot();
  const snapshot = path.join(dataDir, "snapshot.jsonl");
  const saved = await readFile(snapshot);
  await unlink(snapshot);
  expect(await startFails(dataDir)).toContain("snapshot.jsonl");

  await writeFile(snapshot, saved);
  const logs = (await readdir(dataDir)).filter((name) => name.startsWith("wal-"));
  expect(logs.length).toBeGreaterThan(0);
  await unlink(path.join(dataDir, logs[0]));
  expect(await startFails(dataDir)).toContain(logs[0]);
});

test("a torn last log record is dropped with a warning and nothing acknowledged is lost", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  const acked = await burst(first, "torn", 25);
  await first.stop("SIGKILL");
  const [log] = (await readdir(dataDir)).filter((name) => name.startsWith("wal-"));
  // What a crash in the middle of a write leaves behind.
  await appendFile(path.join(dataDir, log), '{"ts":"1","n":10099,"c":1,"w":[["0000000');

  const second = await startLocalRuntime(dataDir);
  try {
    expect(second.output()).toContain("torn last record");
    expect((await storedTexts(second)).sort()).toEqual([...acked].sort());
    await client(second.url).mutation(api.items.write, { ops: [item("after")] });
  } finally {
    await second.stop();
  }
  const third = await startLocalRuntime(dataDir);
  try {
    expect(await storedTexts(third)).toContain("after");
  } finally {
    await third.stop();
  }
});

test("damage in the middle of the log stops the start naming the file and line", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  await burst(first, "mid", 5);
  await first.stop();
  const [log] = (await readdir(dataDir)).filter((name) => name.startsWith("wal-"));
  const lines = (await readFile(path.join(dataDir, log), "utf8")).split("\n");
  lines[2] = lines[2].slice(0, 10);
  await writeFile(path.join(dataDir, log), lines.join("\n"));
  expect(await startFails(dataDir)).toMatch(new RegExp(`${log}.*line 3`));
});

test("finished scheduler records older than 7 days are pruned at start; newer ones and pending ones stay", async () => {
  const dataDir = await newDataDir();
  const day = 24 * 60 * 60 * 1000;
  const now = Date.now();
  const job = (n: number, ageDays: number, kind: string) => ({
    _id: `${String(n).padStart(12, "0")}_scheduled_functions`,
    _creationTime: now - ageDays * day,
    name: "jobs:run",
    args: [{ label: "old" }],
    scheduledTime: now - ageDays * day + (kind === "pending" ? 30 * day : 0),
    state: { kind },
    ...(kind === "failed" ? { completedTime: now - ageDays * day } : {}),
  });
  const jobs = [job(10000, 9, "success"), job(10001, 8, "failed"), job(10002, 8, "pending"), job(10003, 2, "success")];
  await writeFile(
    path.join(dataDir, "wal-000001.log"),
    [
      { format: "local-convex-wal/1", seq: 1, after: "empty" },
      { ts: String(BigInt(now) * 1_000_000n), n: 10004, c: now - 2 * day, w: jobs.map((j) => [j._id, j]) },
    ]
      .map((line) => JSON.stringify(line) + "\n")
      .join(""),
  );
  const runtime = await startLocalRuntime(dataDir);
  try {
    await eventually(runtime.output, (text) => text.includes("pruned 2 finished scheduled-function records"));
    const status = (jobId: string) => client(runtime.url).query(api.jobs.status, { jobId: jobId as never });
    expect(await Promise.all(jobs.map((j) => status(j._id)))).toEqual([null, null, "pending", "success"]);
  } finally {
    await runtime.stop();
  }
});

test("a job falling due during a planned stop is held back and runs once after the restart", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir);
  // The stop drains this action for ~2 s; the job falls due in the middle.
  const slow = client(first.url).action(api.notes.slow, { ms: 2_000 });
  const jobId = await client(first.url).mutation(api.jobs.schedule, { label: "held", delayMs: 500 });
  const stopped = first.stop("SIGTERM");
  await expect(slow).resolves.toBeNull();
  expect(await stopped).toBe(0);

  const second = await startLocalRuntime(dataDir);
  try {
    expect(second.output()).toContain("re-armed 1 scheduled functions");
    await eventually(
      () => client(second.url).query(api.jobs.status, { jobId }),
      (state) => state === "success",
    );
    expect(await client(second.url).query(api.jobs.runs, { label: "held" })).toBe(1);
  } finally {
    await second.stop();
  }
});

test("indexes come back from a snapshot's stored order, with the log's writes; a damaged order stops the start naming the file", async () => {
  const dataDir = await newDataDir();
  const first = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  // Index order unlike creation order: `a` falls as rows are written, tags alternate.
  const ops = Array.from({ length: 40 }, (_, i) => ({
    kind: "insert" as const,
    doc: { a: 40 - i, ...(i % 3 === 0 ? {} : { b: `b${i % 5}` }), tag: `t${i % 4}`, text: `row ${i}` },
  }));
  for (let i = 0; i < ops.length; i += 5) {
    await client(first.url).mutation(api.items.write, { ops: ops.slice(i, i + 5) });
  }
  const specs = [
    { index: "by_a_b" as const, eq: [], order: "asc" as const },
    { index: "by_a_b" as const, eq: [], order: "desc" as const },
    { index: "by_tag" as const, eq: ["t2"], order: "asc" as const },
    { index: "by_tag" as const, eq: [], order: "desc" as const, limit: 7 },
    { index: null, eq: [], order: "desc" as const },
  ];
  const read = (runtime: LocalRuntime) =>
    Promise.all(specs.map((spec) => client(runtime.url).query(api.items.read, { spec }) as Promise<{ text: string }[]>))
      .then((results) => results.map((rows) => rows.map((row) => row.text)));
  const expected = await read(first);
  expect(await first.stop()).toBe(0);
  const snapshotFile = path.join(dataDir, "snapshot.jsonl");
  const lines = (await readFile(snapshotFile, "utf8")).split("\n");
  expect(JSON.parse(lines[0]!).format).toBe("local-convex-snapshot/3");
  expect(lines.some((line) => line.startsWith('{"table":"items","index":"by_a_b"'))).toBe(true);

  // Loaded from the stored order (nothing sorted) and written to, without
  // reading first, until a snapshot is written: documents never parsed are
  // copied into it as they were read.
  const second = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  let afterMore: string[][];
  try {
    await client(second.url).mutation(api.items.write, { ops: [{ kind: "insert", doc: { a: 0, tag: "t2", text: "late" } }] });
    const snapshotsBefore = second.output().split("snapshot of").length;
    for (let i = 0; second.output().split("snapshot of").length === snapshotsBefore; i++) {
      expect(i, "no snapshot was written").toBeLessThan(100);
      await client(second.url).mutation(api.items.write, {
        ops: Array.from({ length: 5 }, (_, k) => ({ kind: "insert" as const, doc: { a: (i * 7 + k) % 13, tag: `t${k % 4}`, text: `more ${i}.${k}` } })),
      });
    }
    afterMore = await read(second);
    expect(afterMore[0]![0]).toBe("late");
    // The first rows keep their order among the new ones (specs without a limit).
    const old = new Set(expected.flat());
    for (const i of [0, 1, 2, 4]) expect(afterMore[i]!.filter((text) => old.has(text))).toEqual(expected[i]);
  } finally {
    await second.stop();
  }
  const third = await startLocalRuntime(dataDir);
  try {
    expect(await read(third)).toEqual(afterMore);
  } finally {
    await third.stop();
  }

  // A stored order naming one document twice, its checksum made to match:
  // the start refuses rather than serve a wrong index.
  const original = await readFile(snapshotFile, "utf8");
  const rows = original.split("\n");
  const at = rows.findIndex((line) => line.startsWith('{"table":"items","index":"by_tag"'));
  expect(at).toBeGreaterThan(0);
  const order = JSON.parse(rows[at]!) as { p: number[] };
  order.p[1] = order.p[0]!;
  rows[at] = JSON.stringify(order);
  const footerAt = rows.findIndex((line) => line.startsWith('{"end":true'));
  const body = rows.slice(1, footerAt).map((line) => line + "\n").join("");
  const footer = JSON.parse(rows[footerAt]!) as { sha256: string };
  footer.sha256 = createHash("sha256").update(body).digest("hex");
  rows[footerAt] = JSON.stringify(footer);
  await writeFile(snapshotFile, rows.join("\n"));
  expect(await startFails(dataDir)).toMatch(/snapshot\.jsonl.*stored order of items\.by_tag/s);
  // The same bytes changed without fixing the checksum: refused too.
  await writeFile(snapshotFile, original.replace('"index":"by_tag"', '"index":"by_tog"'));
  expect(await startFails(dataDir)).toContain("snapshot.jsonl");
});

test("documents patched and deleted before anything read them keep every index exact, across chunks, snapshots and restarts", async () => {
  const dataDir = await newDataDir();
  // Enough rows for several index chunks (512 each); `a` and `tag` orders unlike creation order.
  type Row = { text: string; a: number; b?: string; tag: string; alive: boolean };
  const rows: Row[] = Array.from({ length: 1200 }, (_, i) => ({
    text: `row ${i}`,
    a: (i * 37) % 101,
    ...(i % 3 === 0 ? {} : { b: `b${i % 5}` }),
    tag: `t${i % 4}`,
    alive: true,
  }));
  const ids: string[] = [];
  const first = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  try {
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200).map(({ text, a, b, tag }) => ({
        kind: "insert" as const,
        doc: { a, ...(b === undefined ? {} : { b }), tag, text },
      }));
      ids.push(...(await client(first.url).mutation(api.items.write, { ops: batch })));
    }
  } finally {
    expect(await first.stop()).toBe(0);
  }

  const specs = [
    { index: "by_a_b" as const, eq: [], order: "asc" as const },
    { index: "by_a_b" as const, eq: [], order: "desc" as const },
    { index: "by_a_b" as const, eq: [], lower: { op: "gte", value: 40 }, upper: { op: "lt", value: 60 }, order: "asc" as const },
    { index: "by_tag" as const, eq: ["t2"], order: "asc" as const },
    { index: "by_tag" as const, eq: [], order: "desc" as const, limit: 300 },
    { index: null, eq: [], order: "desc" as const },
  ];
  // The same reads over the model: index fields, then creation order.
  const cmp = (x: number | string | undefined, y: number | string | undefined) =>
    x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
  const expected = () => {
    const alive = rows.map((row, i) => ({ ...row, i })).filter((row) => row.alive);
    const byAB = [...alive].sort((x, y) => cmp(x.a, y.a) || cmp(x.b, y.b) || x.i - y.i);
    const byTag = [...alive].sort((x, y) => cmp(x.tag, y.tag) || x.i - y.i);
    return [
      byAB,
      [...byAB].reverse(),
      byAB.filter((row) => row.a >= 40 && row.a < 60),
      byTag.filter((row) => row.tag === "t2"),
      [...byTag].reverse().slice(0, 300),
      [...alive].reverse(),
    ].map((list) => list.map((row) => row.text));
  };
  const read = (runtime: LocalRuntime) =>
    Promise.all(specs.map((spec) => client(runtime.url).query(api.items.read, { spec }) as Promise<{ text: string }[]>))
      .then((results) => results.map((list) => list.map((row) => row.text)));

  // Restarted from the snapshot's stored orders: the first thing the runtime
  // does is change documents no index has read yet.
  const second = await startLocalRuntime(dataDir, SMALL_SNAPSHOTS);
  try {
    const ops: ({ kind: "patch"; id: string; fields: { a?: number; tag?: string } } | { kind: "delete"; id: string })[] = [];
    rows.forEach((row, i) => {
      if (i % 17 === 5) {
        row.alive = false;
        ops.push({ kind: "delete", id: ids[i]! });
      } else if (i % 7 === 3) {
        row.a = (i * 11) % 97;
        ops.push({ kind: "patch", id: ids[i]!, fields: { a: row.a } });
      } else if (i % 11 === 4) {
        row.tag = `t${(i + 1) % 4}`;
        ops.push({ kind: "patch", id: ids[i]!, fields: { tag: row.tag } });
      } else if (i % 13 === 6) {
        ops.push({ kind: "patch", id: ids[i]!, fields: { a: row.a } }); // same key: no index moves
      }
    });
    for (let i = 0; i < ops.length; i += 100) {
      await client(second.url).mutation(api.items.write, { ops: ops.slice(i, i + 100) as never });
    }
    expect(await read(second)).toEqual(expected());
    // Every document has now been read; those unchanged since the snapshot they came from go
    // into the next one as their stored lines. New rows push the log past the snapshot's size.
    const snapshots = () => second.output().match(/snapshot of \d+ documents/g)?.length ?? 0;
    const before = snapshots();
    const late = Array.from({ length: 400 }, (_, k) => ({ text: `late ${k} ${"x".repeat(300)}`, a: k % 101, tag: `t${k % 4}`, alive: true }));
    for (let i = 0; i < late.length; i += 100) {
      const batch = late.slice(i, i + 100).map(({ text, a, tag }) => ({ kind: "insert" as const, doc: { a, tag, text } }));
      await client(second.url).mutation(api.items.write, { ops: batch });
    }
    rows.push(...late);
    await eventually(snapshots, (n) => n > before, 30_000);
    expect(await read(second)).toEqual(expected());
  } finally {
    expect(await second.stop()).toBe(0);
  }
  const third = await startLocalRuntime(dataDir);
  try {
    expect(await read(third)).toEqual(expected());
  } finally {
    await third.stop();
  }
});
