/**
 * Writes a data folder's current state (snapshot.jsonl plus its logs) as the
 * single `snapshot.json` the runtime used before the write-ahead log, so a
 * checkout of the old code can be measured on the same data:
 *   npx tsx bench/toLegacySnapshot.ts <fromDir> <toDir>
 * Streams line by line; the old format itself is one JSON document.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { readFolderState } from "./dataFolder";

const [from, to] = process.argv.slice(2) as [string, string];
const state = await readFolderState(from);
await mkdir(to, { recursive: true });
const out = createWriteStream(path.join(to, "snapshot.json"));
out.write(
  `{"format":"local-convex-snapshot/1","savedAt":"${new Date().toISOString()}","nextDocId":${state.nextDocId},` +
    `"lastCreationTime":${state.lastCreationTime},"lastCommitTs":"${state.lastCommitTs}","documents":[`,
);
let i = 0;
for (const line of state.docs.values()) {
  if (!out.write((i++ ? "," : "") + line)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}
out.end("]}");
await new Promise<void>((resolve) => out.once("finish", () => resolve()));
console.log(`${state.docs.size} documents → ${path.join(to, "snapshot.json")}`);
