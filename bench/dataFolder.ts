// Reads a local runtime data folder (snapshot.jsonl plus the logs after it)
// into memory for the bench tools, as JSON lines keyed by document id.
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

export type FolderState = {
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: string;
  /** Document JSON (convexToJson form) by id, in insertion order. */
  docs: Map<string, string>;
};

const lines = (file: string) => createInterface({ input: createReadStream(file), crlfDelay: Infinity });

export async function readFolderState(dir: string): Promise<FolderState> {
  const state: FolderState = { nextDocId: 10000, lastCreationTime: 0, lastCommitTs: "0", docs: new Map() };
  const files = await readdir(dir);
  let walSeq = 1;
  if (files.includes("snapshot.jsonl")) {
    let first = true;
    for await (const line of lines(path.join(dir, "snapshot.jsonl"))) {
      const value = JSON.parse(line) as { _id?: string; walSeq: number } & Omit<FolderState, "docs">;
      if (first) {
        Object.assign(state, { nextDocId: value.nextDocId, lastCreationTime: value.lastCreationTime, lastCommitTs: value.lastCommitTs });
        walSeq = value.walSeq;
      } else if (value._id) state.docs.set(value._id, line);
      first = false;
    }
  }
  const logs = files.filter((f) => /^wal-\d+\.log$/.test(f) && Number(f.slice(4, -4)) >= walSeq).sort();
  for (const name of logs) {
    let first = true;
    for await (const line of lines(path.join(dir, name))) {
      if (!first && line) {
        const record = JSON.parse(line) as { ts: string; n: number; c: number; w: [string, unknown][] };
        for (const [id, doc] of record.w) {
          if (doc === null) state.docs.delete(id);
          else state.docs.set(id, JSON.stringify(doc));
        }
        state.nextDocId = Math.max(state.nextDocId, record.n);
        state.lastCreationTime = Math.max(state.lastCreationTime, record.c);
        state.lastCommitTs = record.ts;
      }
      first = false;
    }
  }
  return state;
}
