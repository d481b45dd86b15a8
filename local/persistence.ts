// Durable state for the local runtime: one JSON snapshot of every document
// (system tables included, so pending scheduled functions survive), plus one
// file per stored blob. Written atomically (temp file, fsync, rename) about
// once a second when something committed, and once more on a clean stop.
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  unlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { convexToJson, jsonToConvex, type JSONValue } from "convex/values";
import type { Engine, EngineState, StoredDocument } from "./engine.js";
import { log } from "./log.js";

const SNAPSHOT_FILE = "snapshot.json";
const BLOB_DIR = "storage";
const LOCK_FILE = "runtime.pid";
const FORMAT = "local-convex-snapshot/1";
// The most a crash can lose.
export const SAVE_INTERVAL_MS = 1_000;

type SnapshotFile = {
  format: typeof FORMAT;
  savedAt: string;
  nextDocId: number;
  lastCreationTime: number;
  /** Nanoseconds, as a decimal string: JSON has no 64-bit integers. */
  lastCommitTs: string;
  documents: JSONValue[];
};

export class Persistence {
  private savedCommitCount = -1;
  private saving: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private blobsOnDisk = new Set<string>();

  constructor(
    private readonly engine: Engine,
    private readonly dataDir: string,
  ) {}

  private get snapshotPath(): string {
    return path.join(this.dataDir, SNAPSHOT_FILE);
  }

  /** Loads the last snapshot into the engine; returns the document count, or null if there was none. */
  async restore(): Promise<number | null> {
    await mkdir(path.join(this.dataDir, BLOB_DIR), { recursive: true });
    this.blobsOnDisk = new Set(
      await readdir(path.join(this.dataDir, BLOB_DIR)),
    );
    let text: string;
    try {
      text = await readFile(this.snapshotPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    let snapshot: SnapshotFile;
    try {
      snapshot = JSON.parse(text) as SnapshotFile;
      if (snapshot.format !== FORMAT)
        throw new Error(`unknown format ${String(snapshot.format)}`);
    } catch (error) {
      // Never start empty over data we could not read: that would erase it on the next save.
      throw new Error(
        `Cannot read ${this.snapshotPath} (${String(error)}). Move it away to start with an empty database.`,
      );
    }
    const documents = snapshot.documents.map(
      (doc) => jsonToConvex(doc) as StoredDocument,
    );
    const blobs: EngineState["blobs"] = {};
    for (const doc of documents) {
      if (doc._id.endsWith("_storage") && this.blobsOnDisk.has(doc._id)) {
        blobs[doc._id] = new Blob([
          await readFile(path.join(this.dataDir, BLOB_DIR, doc._id)),
        ]);
      }
    }
    this.engine.importState({
      documents,
      nextDocId: snapshot.nextDocId,
      lastCreationTime: snapshot.lastCreationTime,
      lastCommitTs: BigInt(snapshot.lastCommitTs),
      blobs,
    });
    this.savedCommitCount = this.engine.commitCount;
    return documents.length;
  }

  start(): void {
    this.timer = setInterval(() => void this.save(), SAVE_INTERVAL_MS);
  }

  /** Final save on a clean stop. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.save();
  }

  /** Writes a snapshot if anything committed since the last one. */
  async save(): Promise<void> {
    while (this.saving) await this.saving;
    if (this.engine.commitCount === this.savedCommitCount) return;
    this.saving = this.write().catch((error: unknown) => {
      log.error(
        `could not save ${this.snapshotPath}: ${String(error)} (will retry)`,
      );
    });
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }

  private async write(): Promise<void> {
    const commitCount = this.engine.commitCount;
    const state = this.engine.exportState();
    // Serialize synchronously: the JSON is exactly the committed state of this tick.
    const snapshot: SnapshotFile = {
      format: FORMAT,
      savedAt: new Date().toISOString(),
      nextDocId: state.nextDocId,
      lastCreationTime: state.lastCreationTime,
      lastCommitTs: state.lastCommitTs.toString(),
      documents: state.documents.map((doc) => convexToJson(doc)),
    };
    const json = JSON.stringify(snapshot);
    // Blobs first, so the snapshot never names a file that is not there yet.
    for (const [id, blob] of Object.entries(state.blobs)) {
      if (this.blobsOnDisk.has(id)) continue; // stored files never change
      await writeAtomically(
        path.join(this.dataDir, BLOB_DIR, id),
        Buffer.from(await blob.arrayBuffer()),
      );
      this.blobsOnDisk.add(id);
    }
    await writeAtomically(this.snapshotPath, json);
    this.savedCommitCount = commitCount;
    for (const id of this.blobsOnDisk) {
      if (state.blobs[id]) continue;
      await unlink(path.join(this.dataDir, BLOB_DIR, id)).catch(
        () => undefined,
      );
      this.blobsOnDisk.delete(id);
    }
  }
}

/**
 * One runtime per data folder: two writers would overwrite each other's
 * snapshots. A lock left by a crashed process is taken over.
 */
export async function lockDataDir(
  dataDir: string,
): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const holder = Number(await readFile(lockPath, "utf8").catch(() => ""));
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `${dataDir} is in use by process ${holder}; give each runtime its own LOCAL_DATA_DIR.`,
    );
  }
  await writeFile(lockPath, String(process.pid));
  return () => unlink(lockPath).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function writeAtomically(
  file: string,
  data: string | Buffer,
): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync(); // the rename must not land before the bytes
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}
