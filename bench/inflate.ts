/**
 * Grows a seeded data folder to <messages> stored messages by copying its
 * message documents under new ids (same conversations, older times), and
 * writes the result as a fresh snapshot.jsonl + empty log, the runtime's own
 * format. For start-time and page benches at sizes that would take hours to
 * ingest on a shared 2-core machine:
 *   npx tsx bench/inflate.ts <fromDir> <toDir> <messages>
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { readFolderState } from "./dataFolder";

const [from, to, target] = process.argv.slice(2) as [string, string, string];
const state = await readFolderState(from);
const messages = [...state.docs.entries()].filter(([id]) => id.endsWith("messages")).map(([, line]) => JSON.parse(line) as Record<string, unknown>);
const extra = Math.max(0, Number(target) - messages.length);
await mkdir(path.join(to, "storage"), { recursive: true });
const out = createWriteStream(path.join(to, "snapshot.jsonl"));
const write = async (text: string) => {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
};
const hash = createHash("sha256");
const tables: Record<string, number> = {};
let count = 0;
let nextDocId = state.nextDocId;
const body = async (id: string, line: string) => {
  const text = line + "\n";
  hash.update(text);
  const table = id.replace(/^[0-9]+/, "");
  tables[table] = (tables[table] ?? 0) + 1;
  count += 1;
  await write(text);
};
const header = { format: "local-convex-snapshot/2", savedAt: new Date().toISOString(), walSeq: 1, nextDocId: 0, lastCreationTime: state.lastCreationTime, lastCommitTs: state.lastCommitTs };
// The id counter is known only at the end; reserve it up front.
nextDocId += extra;
header.nextDocId = nextDocId;
await write(JSON.stringify(header) + "\n");
for (const [id, line] of state.docs) await body(id, line);
let counter = state.nextDocId;
for (let i = 0; i < extra; i++) {
  const source = messages[i % messages.length]!;
  const id = `${String(counter++).padStart(32 - "messages".length, "0")}messages`;
  // Older than everything real, so pages of recent messages stay what they were.
  const copy = { ...source, _id: id, _creationTime: (source._creationTime as number) - 86_400_000 * (1 + Math.floor(i / messages.length)) - i / 1000, externalId: `copy-${i}` };
  await body(id, JSON.stringify(copy));
}
await write(JSON.stringify({ end: true, documents: count, tables, sha256: hash.digest("hex") }) + "\n");
out.end();
await new Promise<void>((resolve) => out.once("finish", () => resolve()));
await writeFile(path.join(to, "wal-000001.log"), JSON.stringify({ format: "local-convex-wal/1", seq: 1, after: "snapshot" }) + "\n");
console.log(`${count} documents (${messages.length + extra} messages) → ${to}`);
