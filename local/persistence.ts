// Durable state for the local runtime: a write-ahead log plus snapshots.
//
// Every top-level commit that wrote something is appended to the current log
// file (`wal-NNNNNN.log`, one JSON line per commit) and made durable (write +
// fdatasync, many commits per sync when they arrive together) before the
// caller hears of it: see Engine.durable. On start the last snapshot is read
// and the logs after it replayed. When the log has grown about as large as
// the snapshot, a new snapshot is written in the background: the log rotates,
// the committed documents of that instant are streamed to `snapshot.jsonl` a
// chunk at a time (yielding to the event loop between chunks), and the logs
// it covers are deleted. Nothing is ever serialised as one string.
//
// Damage is never papered over: a log or snapshot that cannot be read stops
// the start with the file's name; the only repair made on its own is cutting
// a torn last log record (its commit never became durable, so nobody was told
// it happened) and raising a lowered id counter above every stored id.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
  type FileHandle,
} from "node:fs/promises";
import path from "node:path";
import { convexToJson, jsonToConvex, type JSONValue } from "convex/values";
import type { Engine, StoredDocument } from "./engine.js";
import type { Change } from "./indexStore.js";
import { tableOfId } from "./indexStore.js";
import { log } from "./log.js";

const SNAPSHOT_FILE = "snapshot.jsonl";
const LEGACY_SNAPSHOT_FILE = "snapshot.json";
const BLOB_DIR = "storage";
const LOCK_FILE = "runtime.pid";
const SNAPSHOT_FORMAT = "local-convex-snapshot/2";
const LEGACY_FORMAT = "local-convex-snapshot/1";
const WAL_FORMAT = "local-convex-wal/1";
const WAL_NAME = /^wal-(\d{6,})\.log$/;
// A snapshot is due when the log has grown past this, or past the last snapshot's size.
const MIN_COMPACTION_BYTES = 16 * 1024 * 1024;
// Documents written per chunk of a snapshot, between two yields to the event loop.
const SNAPSHOT_CHUNK = 2_000;

type SnapshotHeader = {
  format: typeof SNAPSHOT_FORMAT;
  savedAt: string;
  /** The first log file not contained in this snapshot. */
  walSeq: number;
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: string;
};
type SnapshotFooter = {
  end: true;
  documents: number;
  tables: Record<string, number>;
  /** sha256 of the document lines, newlines included. */
  sha256: string;
};
type WalHeader = { format: typeof WAL_FORMAT; seq: number; after: "empty" | "snapshot" };
type WalRecord = {
  ts: string;
  n: number;
  c: number;
  w: [id: string, doc: JSONValue | null][];
};

type LoadedState = {
  docs: Map<string, StoredDocument>;
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: bigint;
};

class WalFile {
  bytes = 0;
  readonly ready: Promise<FileHandle>;
  constructor(
    readonly seq: number,
    readonly file: string,
    opening: Promise<FileHandle>,
  ) {
    this.ready = opening;
    // A failure surfaces at the first flush; do not crash on it here.
    opening.catch(() => undefined);
  }
}

export function walName(seq: number): string {
  return `wal-${String(seq).padStart(6, "0")}.log`;
}

export class Persistence {
  private current: WalFile | null = null;
  private buffer: { file: WalFile; text: string }[] = [];
  private pendingBlobs = new Set<string>();
  private appended = 0;
  private synced = 0;
  private waiters: { target: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;
  private compacting: Promise<void> | null = null;
  private compactionThreshold = MIN_COMPACTION_BYTES;
  private blobsOnDisk = new Set<string>();
  private stopListening: (() => void) | null = null;

  private readonly minCompactionBytes: number;

  constructor(
    private readonly engine: Engine,
    private readonly dataDir: string,
    options: { snapshotAfterBytes?: number } = {},
  ) {
    this.minCompactionBytes = options.snapshotAfterBytes ?? MIN_COMPACTION_BYTES;
    this.compactionThreshold = this.minCompactionBytes;
  }

  private file(name: string): string {
    return path.join(this.dataDir, name);
  }

  /**
   * Loads the snapshot and replays the logs after it into the engine, then
   * starts logging. Returns the document count, or null for a new database.
   */
  async restore(): Promise<number | null> {
    await mkdir(this.file(BLOB_DIR), { recursive: true });
    this.blobsOnDisk = new Set(await readdir(this.file(BLOB_DIR)));
    const walFiles = (await readdir(this.dataDir))
      .map((name) => ({ name, match: WAL_NAME.exec(name) }))
      .filter((f) => f.match)
      .map((f) => ({ name: f.name, seq: Number(f.match![1]) }))
      .sort((a, b) => a.seq - b.seq);

    const snapshot = await this.readSnapshot();
    const legacy = snapshot ? null : await this.readLegacySnapshot();
    const state: LoadedState = snapshot?.state ??
      legacy ?? {
        docs: new Map(),
        nextDocId: 10000,
        lastCreationTime: 0,
        lastCommitTs: 0n,
      };
    const walStart = snapshot?.walSeq ?? 1;
    const obsolete = walFiles.filter((f) => f.seq < walStart);
    const logs = walFiles.filter((f) => f.seq >= walStart);
    if (!snapshot && logs.length > 0 && logs[0].seq !== 1) {
      throw new Error(
        `${this.file(SNAPSHOT_FILE)} is missing, but ${this.file(logs[0].name)} continues from it; ` +
          `without it the commits before that log would be lost. Put it back, or move the folder away to start empty.`,
      );
    }
    logs.forEach((f, i) => {
      if (f.seq !== walStart + i) {
        throw new Error(
          `${this.file(walName(walStart + i))} is missing (the data folder has ${logs.map((l) => l.name).join(", ")}); ` +
            `commits in it would be lost. Put it back, or move the folder away to start empty.`,
        );
      }
    });
    // A snapshot is only ever written after the log that follows it exists.
    if (snapshot && logs.length === 0) {
      throw new Error(
        `${this.file(walName(walStart))} is missing: ${this.file(SNAPSHOT_FILE)} continues into it. Put it back, or move the folder away to start empty.`,
      );
    }
    if (!snapshot && !legacy && this.blobsOnDisk.size > 0 && logs.length === 0) {
      throw new Error(
        `${this.file(BLOB_DIR)} holds stored files but there is no ${SNAPSHOT_FILE} and no log: the database is missing. ` +
          `Put it back, or move the folder away to start empty.`,
      );
    }
    let lastEmpty = false;
    for (const [i, { name }] of logs.entries()) {
      lastEmpty =
        (await this.replay(name, state, {
          isLast: i === logs.length - 1,
          expectEmptyBase: i === 0 && !snapshot && !legacy,
        })) === "empty";
    }

    // Ids are a counter: one lowered below a stored id would hand that id out again.
    let highest = 0;
    let latestCreation = 0;
    for (const doc of state.docs.values()) {
      const counter = parseInt(doc._id, 10);
      if (counter > highest) highest = counter;
      if (doc._creationTime > latestCreation) latestCreation = doc._creationTime;
    }
    if (state.nextDocId <= highest) {
      log.warn(
        `${this.dataDir}: the id counter (${state.nextDocId}) is not above the highest stored id (${highest}); raised to ${highest + 1} so no document is overwritten`,
      );
      state.nextDocId = highest + 1;
    }
    state.lastCreationTime = Math.max(state.lastCreationTime, latestCreation);

    const blobs: Record<string, Blob> = {};
    for (const id of state.docs.keys()) {
      if (tableOfId(id) === "_storage" && this.blobsOnDisk.has(id)) {
        blobs[id] = new Blob([await readFile(this.file(path.join(BLOB_DIR, id)))]);
      }
    }
    this.engine.importState({
      documents: [...state.docs.values()],
      nextDocId: state.nextDocId,
      lastCreationTime: state.lastCreationTime,
      lastCommitTs: state.lastCommitTs,
      blobs,
    });

    if (logs.length > 0 && !lastEmpty) {
      const last = logs[logs.length - 1];
      this.current = this.openWal(last.seq, null);
      this.current.bytes = (await stat(this.file(last.name))).size;
    } else if (logs.length > 0) {
      const last = logs[logs.length - 1];
      this.current = this.openWal(
        last.seq,
        logs.length === 1 && !snapshot && !legacy ? "empty" : "snapshot",
      );
    } else {
      this.current = this.openWal(walStart, snapshot || legacy ? "snapshot" : "empty");
    }
    this.stopListening = this.engine.onChanges((changes) => this.append(changes));
    this.engine.durable = () => this.durable();
    for (const { name } of obsolete) await unlink(this.file(name)).catch(() => undefined);
    if (snapshot) this.compactionThreshold = Math.max(this.minCompactionBytes, snapshot.bytes);
    if (legacy) {
      // Move to the new format at once, then retire the old file.
      await this.compact();
      await unlink(this.file(LEGACY_SNAPSHOT_FILE));
      log.info(`converted ${this.file(LEGACY_SNAPSHOT_FILE)} to ${SNAPSHOT_FILE} and a write-ahead log`);
    }
    return snapshot || legacy || logs.length > 0 ? state.docs.size : null;
  }

  /** On a clean stop: everything committed is durable, and logging ends. */
  async stop(): Promise<void> {
    await this.durable();
    if (this.compacting) await this.compacting;
    this.stopListening?.();
    this.engine.durable = () => Promise.resolve();
    const handle = await this.current?.ready.catch(() => null);
    await handle?.close();
  }

  /** Resolves when every commit logged so far is on disk. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failureError());
    if (this.synced >= this.appended) return Promise.resolve();
    const target = this.appended;
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Starts a snapshot now (tests and benches); resolves when it is written. */
  async compactNow(): Promise<void> {
    await this.compact();
  }

  private failureError(): Error {
    return new Error(
      `the local runtime cannot write its log in ${this.dataDir}: ${String(this.failure)}`,
    );
  }

  // Called synchronously inside the commit.
  private append(changes: Change[]): void {
    const counters = this.engine.counters();
    const record: WalRecord = {
      ts: counters.lastCommitTs.toString(),
      n: counters.nextDocId,
      c: counters.lastCreationTime,
      w: changes.map(({ id, after }) => [id, after ? (convexToJson(after) as JSONValue) : null]),
    };
    for (const { id, after } of changes) {
      if (after && tableOfId(id) === "_storage" && !this.blobsOnDisk.has(id)) this.pendingBlobs.add(id);
    }
    this.buffer.push({ file: this.current!, text: JSON.stringify(record) + "\n" });
    this.appended += 1;
    this.scheduleFlush();
  }

  private maybeCompact(): void {
    if (this.compacting || this.failure || this.current!.bytes <= this.compactionThreshold) return;
    void this.compact().catch((error: unknown) =>
      log.error(`could not write a snapshot in ${this.dataDir}: ${String(error)} (the log keeps everything)`),
    );
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      // Let the commits of this turn of the event loop join one sync.
      await new Promise(setImmediate);
      try {
        while (this.buffer.length > 0) {
          await this.flushOnce();
          this.maybeCompact();
        }
      } catch (error) {
        this.failure = error;
        log.error(this.failureError().message);
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.failureError());
      } finally {
        this.flushing = null;
      }
    })();
  }

  private async flushOnce(): Promise<void> {
    const batch = this.buffer.splice(0);
    const upTo = this.appended - this.buffer.length;
    // Stored files first: a logged `_storage` document never names a missing file.
    for (const id of [...this.pendingBlobs]) {
      const blob = this.engine.blob(id);
      if (blob) {
        await writeAtomically(this.file(path.join(BLOB_DIR, id)), Buffer.from(await blob.arrayBuffer()));
        this.blobsOnDisk.add(id);
      }
      this.pendingBlobs.delete(id);
    }
    const files: WalFile[] = [];
    for (const entry of batch) if (!files.includes(entry.file)) files.push(entry.file);
    for (const file of files) {
      const text = batch.filter((e) => e.file === file).map((e) => e.text).join("");
      const handle = await file.ready;
      const bytes = Buffer.from(text, "utf8");
      await handle.write(bytes);
      await handle.datasync();
      file.bytes += bytes.length;
    }
    this.synced = upTo;
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.target > this.synced) return true;
      waiter.resolve();
      return false;
    });
  }

  private openWal(seq: number, newWith: WalHeader["after"] | null): WalFile {
    const file = this.file(walName(seq));
    const opening = (async () => {
      const handle = await open(file, newWith ? "wx" : "a");
      if (newWith) {
        const header: WalHeader = { format: WAL_FORMAT, seq, after: newWith };
        await handle.write(JSON.stringify(header) + "\n");
        await handle.datasync();
        await syncDir(this.dataDir);
      }
      return handle;
    })();
    return new WalFile(seq, file, opening);
  }

  private compact(): Promise<void> {
    this.compacting ??= this.writeSnapshot().finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  private async writeSnapshot(): Promise<void> {
    const started = performance.now();
    // One synchronous instant: these documents are exactly the commits logged
    // before the rotation; everything after goes to the next file.
    const documents = this.engine.documents();
    const counters = this.engine.counters();
    const previous = this.current!;
    this.current = this.openWal(previous.seq + 1, "snapshot");
    await this.current.ready;
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      savedAt: new Date().toISOString(),
      walSeq: this.current.seq,
      nextDocId: counters.nextDocId,
      lastCreationTime: counters.lastCreationTime,
      lastCommitTs: counters.lastCommitTs.toString(),
    };
    const target = this.file(SNAPSHOT_FILE);
    const temp = `${target}.${process.pid}.tmp`;
    const handle = await open(temp, "w");
    const hash = createHash("sha256");
    const tables: Record<string, number> = {};
    let bytes = 0;
    try {
      const write = async (text: string) => {
        const buffer = Buffer.from(text, "utf8");
        bytes += buffer.length;
        await handle.write(buffer);
      };
      await write(JSON.stringify(header) + "\n");
      for (let i = 0; i < documents.length; i += SNAPSHOT_CHUNK) {
        let text = "";
        for (const doc of documents.slice(i, i + SNAPSHOT_CHUNK)) {
          text += JSON.stringify(convexToJson(doc)) + "\n";
          const table = tableOfId(doc._id);
          tables[table] = (tables[table] ?? 0) + 1;
        }
        hash.update(text);
        await write(text);
        await new Promise(setImmediate);
      }
      const footer: SnapshotFooter = { end: true, documents: documents.length, tables, sha256: hash.digest("hex") };
      await write(JSON.stringify(footer) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Stored files the snapshot names must be on disk before it replaces the old one.
    await this.durable();
    await rename(temp, target);
    await syncDir(this.dataDir);
    for (const name of await readdir(this.dataDir)) {
      const match = WAL_NAME.exec(name);
      if (match && Number(match[1]) <= previous.seq) await unlink(this.file(name));
    }
    await (await previous.ready.catch(() => null))?.close();
    // Stored files whose `_storage` document is gone from the snapshot and from now.
    const inSnapshot = new Set(documents.filter((d) => tableOfId(d._id) === "_storage").map((d) => d._id));
    for (const id of this.blobsOnDisk) {
      if (inSnapshot.has(id) || this.pendingBlobs.has(id) || this.engine.hasDocument(id)) continue;
      await unlink(this.file(path.join(BLOB_DIR, id))).catch(() => undefined);
      this.blobsOnDisk.delete(id);
    }
    this.compactionThreshold = Math.max(this.minCompactionBytes, bytes);
    log.info(
      `snapshot of ${documents.length} documents (${Math.round(bytes / 1024 / 1024)} MB) written in ${Math.round(performance.now() - started)} ms`,
    );
  }

  private async readSnapshot(): Promise<{ state: LoadedState; walSeq: number; bytes: number } | null> {
    const file = this.file(SNAPSHOT_FILE);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    const fail = (reason: string): never => {
      throw new Error(
        `Cannot read ${file}: ${reason}. Nothing was changed; restore the file, or move the folder away to start empty.`,
      );
    };
    let header: SnapshotHeader | null = null;
    let footer: SnapshotFooter | null = null;
    const docs = new Map<string, StoredDocument>();
    const tables: Record<string, number> = {};
    const hash = createHash("sha256");
    let lineNo = 0;
    for await (const batch of lineBatches(file)) for (const line of batch) {
      lineNo += 1;
      if (footer) fail(`text after the end marker (line ${lineNo})`);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        fail(`line ${lineNo} is not valid JSON`);
      }
      if (lineNo === 1) {
        header = value as SnapshotHeader;
        if (header?.format !== SNAPSHOT_FORMAT) fail(`unknown format ${JSON.stringify(header?.format)}`);
        continue;
      }
      if ((value as SnapshotFooter)?.end === true) {
        footer = value as SnapshotFooter;
        continue;
      }
      hash.update(line + "\n");
      const doc = decode(line, value);
      docs.set(doc._id, doc);
      const table = tableOfId(doc._id);
      tables[table] = (tables[table] ?? 0) + 1;
    }
    if (!header) return fail("it is empty");
    if (!footer) return fail(`it ends early, after ${lineNo} lines (no end marker)`);
    if (footer.documents !== docs.size || JSON.stringify(sortKeys(footer.tables)) !== JSON.stringify(sortKeys(tables))) {
      fail(
        `it lists ${footer.documents} documents (${describeTables(footer.tables)}) but holds ${docs.size} (${describeTables(tables)})`,
      );
    }
    if (footer.sha256 !== hash.digest("hex")) fail("its contents do not match their checksum (the file was changed)");
    return {
      state: {
        docs,
        nextDocId: header.nextDocId,
        lastCreationTime: header.lastCreationTime,
        lastCommitTs: BigInt(header.lastCommitTs),
      },
      walSeq: header.walSeq,
      bytes: size,
    };
  }

  // The one-file JSON snapshot earlier versions wrote.
  private async readLegacySnapshot(): Promise<LoadedState | null> {
    const file = this.file(LEGACY_SNAPSHOT_FILE);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    try {
      const snapshot = JSON.parse(text) as {
        format: string;
        nextDocId: number;
        lastCreationTime: number;
        lastCommitTs: string;
        documents: JSONValue[];
      };
      if (snapshot.format !== LEGACY_FORMAT) throw new Error(`unknown format ${String(snapshot.format)}`);
      const docs = new Map<string, StoredDocument>();
      for (const json of snapshot.documents) {
        const doc = jsonToConvex(json) as StoredDocument;
        docs.set(doc._id, doc);
      }
      return {
        docs,
        nextDocId: snapshot.nextDocId,
        lastCreationTime: snapshot.lastCreationTime,
        lastCommitTs: BigInt(snapshot.lastCommitTs),
      };
    } catch (error) {
      throw new Error(`Cannot read ${file} (${String(error)}). Move it away to start with an empty database.`);
    }
  }

  private async replay(
    name: string,
    state: LoadedState,
    { isLast, expectEmptyBase }: { isLast: boolean; expectEmptyBase: boolean },
  ): Promise<"empty" | "replayed"> {
    const file = this.file(name);
    const fail = (reason: string): never => {
      throw new Error(
        `Cannot replay ${file}: ${reason}. Nothing was changed; restore the file, or move the folder away to start empty.`,
      );
    };
    let lineNo = 0;
    let offset = 0;
    let torn: { line: number; offset: number } | null = null;
    for await (const batch of lineBatches(file)) for (const line of batch) {
      lineNo += 1;
      if (torn) fail(`line ${torn.line} is damaged and more records follow it`);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        torn = { line: lineNo, offset };
        offset += Buffer.byteLength(line) + 1;
        continue;
      }
      offset += Buffer.byteLength(line) + 1;
      if (lineNo === 1) {
        const header = value as WalHeader;
        if (header?.format !== WAL_FORMAT) fail(`unknown format ${JSON.stringify(header?.format)}`);
        if (expectEmptyBase && header.after !== "empty") {
          fail(`it continues from ${this.file(SNAPSHOT_FILE)}, which is missing`);
        }
        continue;
      }
      const record = value as WalRecord;
      if (!Array.isArray(record?.w)) fail(`line ${lineNo} is not a commit record`);
      for (const [id, json] of record.w) {
        if (json === null) state.docs.delete(id);
        else state.docs.set(id, decode(line, json));
      }
      state.nextDocId = Math.max(state.nextDocId, record.n);
      state.lastCreationTime = Math.max(state.lastCreationTime, record.c);
      const ts = BigInt(record.ts);
      if (ts > state.lastCommitTs) state.lastCommitTs = ts;
    }
    if (lineNo === 0 || (torn?.line === 1 && lineNo === 1)) {
      // Created, then the process died before its header was synced: nothing was logged in it.
      if (!isLast) fail("it is empty but later logs exist");
      log.warn(`${file}: empty log left by a stop during its creation; written again`);
      await unlink(file);
      return "empty";
    }
    if (torn) {
      if (!isLast) fail(`line ${torn.line} is damaged and later logs exist`);
      if (torn.line === 1) fail("its header is damaged");
      // The process died while writing this record: it was never synced, so never acknowledged.
      log.warn(`${file}: dropped a torn last record (line ${torn.line}) that never became durable`);
      await truncate(file, torn.offset);
    } else if (isLast) {
      // A last record without its newline: complete it before appending more.
      const size = (await stat(file)).size;
      if (size !== offset) await writeFile(file, "\n", { flag: "a" });
    }
    return "replayed";
  }
}

// convexToJson marks every value plain JSON cannot hold (int64, bytes, NaN,
// ±Infinity, -0) with a "$…" key; a line without one decodes to itself.
function decode(line: string, json: unknown): StoredDocument {
  return (line.includes('"$') ? jsonToConvex(json as JSONValue) : json) as StoredDocument;
}

function sortKeys(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function describeTables(tables: Record<string, number>): string {
  return sortKeys(tables).map(([name, n]) => `${name}: ${n}`).join(", ") || "no tables";
}

/**
 * The file's lines, a few MiB at a time: one await per chunk rather than per
 * line (every promise is costly while convex-test's async hooks are on).
 */
async function* lineBatches(file: string): AsyncGenerator<string[]> {
  let rest = "";
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 4 << 20 })) {
    const parts = (rest + (chunk as string)).split("\n");
    rest = parts.pop()!;
    if (parts.length > 0) yield parts;
  }
  if (rest) yield [rest];
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * One runtime per data folder: two writers would overwrite each other's
 * logs. A lock left by a crashed process is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const holder = Number(await readFile(lockPath, "utf8").catch(() => ""));
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(`${dataDir} is in use by process ${holder}; give each runtime its own LOCAL_DATA_DIR.`);
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

async function writeAtomically(file: string, data: Buffer): Promise<void> {
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
