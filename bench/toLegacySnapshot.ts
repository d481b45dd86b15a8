/**
 * Writes a data folder's current state (snapshot.jsonl plus its logs) as the
 * single `snapshot.json` the runtime used before the write-ahead log, so a
 * checkout of the old code can be measured on the same data:
 *   npx tsx bench/toLegacySnapshot.ts <fromDir> <toDir>
 * Streams line by line; the old format itself is one JSON document.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

const [from, to] = process.argv.slice(2) as [string, string];
const docs = new Map<string, string>();
let header = { nextDocId: 10000, lastCreationTime: 0, lastCommitTs: "0" };

const lines = (file: string) => createInterface({ input: createReadStream(file), crlfDelay: Infinity });
const files = await readdir(from);
if (files.includes("snapshot.jsonl")) {
  let first = true;
  for await (const line of lines(path.join(from, "snapshot.jsonl"))) {
    const value = JSON.parse(line) as { _id?: string; end?: boolean } & typeof header;
    if (first) header = value;
    else if (value._id) docs.set(value._id, line);
    first = false;
  }
}
for (const name of files.filter((f) => /^wal-\d+\.log$/.test(f)).sort()) {
  let first = true;
  for await (const line of lines(path.join(from, name))) {
    if (!first && line) {
      const record = JSON.parse(line) as { ts: string; n: number; c: number; w: [string, unknown][] };
      for (const [id, doc] of record.w) {
        if (doc === null) docs.delete(id);
        else docs.set(id, JSON.stringify(doc));
      }
      header = { nextDocId: Math.max(header.nextDocId, record.n), lastCreationTime: Math.max(header.lastCreationTime, record.c), lastCommitTs: record.ts };
    }
    first = false;
  }
}
await mkdir(to, { recursive: true });
const out = createWriteStream(path.join(to, "snapshot.json"));
out.write(
  `{"format":"local-convex-snapshot/1","savedAt":"${new Date().toISOString()}","nextDocId":${header.nextDocId},` +
    `"lastCreationTime":${header.lastCreationTime},"lastCommitTs":"${header.lastCommitTs}","documents":[`,
);
let i = 0;
for (const line of docs.values()) {
  if (!out.write((i++ ? "," : "") + line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}
out.end("]}");
await new Promise<void>((resolve) => out.once("finish", () => resolve()));
console.log(`${docs.size} documents → ${path.join(to, "snapshot.json")}`);
