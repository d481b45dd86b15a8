/**
 * Archive and unarchive of one 10,000-message conversation on the real
 * local runtime (local/main.ts, transaction limits enforced), the
 * conversation built as in tests/local/archive-10k.test.ts. Medians of 3,
 * each run on a fresh copy of the folder. Run:
 *   npx tsx bench/archiveLocal.ts   (prints a Markdown table;
 * bench/ARCHIVE_RESULTS.md keeps the last one beside bench/archive.ts's)
 *
 * Times are from the operator's call to the status the dashboard polls
 * (archived / restored), so they include the scheduler's hops.
 */
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ownerClient } from "../tests/support/operator";
import { inflateConversation, RUNTIME_OPTIONS, seedTemplate, storedRows, type Row } from "../tests/local/archiveFolder";
import { eventually, startLocalRuntime } from "../tests/local/harness";

const MESSAGES = 10_000;
const RUNS = 3;

const seeded = await mkdtemp(path.join(tmpdir(), "archive-local-seed-"));
const { conversationId: cid } = await seedTemplate(seeded);
const conversationId = cid as Id<"conversations">;

type Sample = { archiveMs: number; unarchiveMs: number; walBytesArchive: number; hotBefore: number; hotArchived: number; hotRestored: number; rawBytes: number; compressedBytes: number };
const samples: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(path.join(tmpdir(), "archive-local-run-"));
  await cp(seeded, dir, { recursive: true });
  await inflateConversation(dir, conversationId, MESSAGES);
  const mine = (row: Row) => row.conversationId === conversationId;
  const hotBefore = (await storedRows(dir, "messages", mine)).length;
  let runtime = await startLocalRuntime(dir, RUNTIME_OPTIONS);
  let client = await ownerClient(runtime.url, "signIn");
  let started = performance.now();
  await client.mutation(api.lifecycle.archive.archiveConversations, { conversationIds: [conversationId] });
  const [archive] = await eventually(() => client.query(api.lifecycle.archive.archivesOf, { conversationId }), (a) => a[0]?.status === "archived", 300_000);
  const archiveMs = performance.now() - started;
  await runtime.stop();
  const walBytesArchive = (await readFile(path.join(dir, "wal-000001.log"))).byteLength;
  const hotArchived = (await storedRows(dir, "messages", mine)).length;
  runtime = await startLocalRuntime(dir, RUNTIME_OPTIONS);
  client = await ownerClient(runtime.url, "signIn");
  started = performance.now();
  await client.mutation(api.lifecycle.unarchive.unarchiveConversation, { conversationId });
  await eventually(() => client.query(api.lifecycle.archive.archivesOf, { conversationId }), (a) => a[0]?.status === "restored", 300_000);
  const unarchiveMs = performance.now() - started;
  await runtime.stop();
  const hotRestored = (await storedRows(dir, "messages", mine)).length;
  samples.push({ archiveMs, unarchiveMs, walBytesArchive, hotBefore, hotArchived, hotRestored, rawBytes: archive!.rawBytes!, compressedBytes: archive!.compressedBytes! });
  console.error(`run ${i + 1}: archive ${Math.round(archiveMs)} ms, unarchive ${Math.round(unarchiveMs)} ms`);
}
const median = (pick: (s: Sample) => number) => samples.map(pick).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
const s = samples[0]!;
const ms = (n: number) => `${Math.round(n)} ms`;
console.log(`## On the real local runtime (${MESSAGES.toLocaleString("en")} messages, 5,000 batches; bench/archiveLocal.ts)

Measured ${new Date().toISOString()} on ${process.platform}, node ${process.version}; medians of ${RUNS}, each on a fresh copy of the folder.

| step | time (median) | per run |
| --- | --- | --- |
| archive: operator call → \`archived\` (read, gzip, store, remove in pages) | ${ms(median((x) => x.archiveMs))} | ${samples.map((x) => ms(x.archiveMs)).join(", ")} |
| unarchive: operator call → \`restored\` (verify, insert with id records, remap) | ${ms(median((x) => x.unarchiveMs))} | ${samples.map((x) => ms(x.unarchiveMs)).join(", ")} |

Blob: ${(s.rawBytes / 1e6).toFixed(2)} MB of JSON → ${(s.compressedBytes / 1e6).toFixed(2)} MB gzip (${(s.rawBytes / s.compressedBytes).toFixed(1)}×).
Hot messages of the conversation on disk: ${s.hotBefore.toLocaleString("en")} before, ${s.hotArchived} after archiving, ${s.hotRestored.toLocaleString("en")} after unarchiving.
Write-ahead log written by the archive: ${(median((x) => x.walBytesArchive) / 1e6).toFixed(1)} MB.
`);
process.exit(0);
