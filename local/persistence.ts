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
import { decodeDocument, DocumentStore, type Page } from "./documentStore.js";
import type { Engine, StoredDocument } from "./engine.js";
import { idsOf, tableOfId, type Change, type StoredTableOrder } from "./indexStore.js";
import { log } from "./log.js";

const SNAPSHOT_FILE = "snapshot.jsonl";
const LEGACY_SNAPSHOT_FILE = "snapshot.json";
const BLOB_DIR = "storage";
const LOCK_FILE = "runtime.pid";
// /3: each table's documents in creation order, each line starting with its
// `_id` (read without parsing), then every other index's order as positions
// (loaded without sorting). /2 (documents in any order) is still read.
const SNAPSHOT_FORMAT = "local-convex-snapshot/3";
const UNORDERED_SNAPSHOT_FORMAT = "local-convex-snapshot/2";
const LEGACY_FORMAT = "local-convex-snapshot/1";
const WAL_FORMAT = "local-convex-wal/1";
const WAL_NAME = /^wal-(\d{6,})\.log$/;
// A snapshot is due when the log has grown past this, or past the last snapshot's size.
const MIN_COMPACTION_BYTES = 16 * 1024 * 1024;
// Documents written per chunk of a snapshot, between two yields to the event loop.
const SNAPSHOT_CHUNK = 2_000;
// Positions per stored-order line of a snapshot.
const ORDER_LINE = 50_000;
// A snapshot written while traffic comes in takes at most this share of the
// main thread: it rests after each chunk in proportion to the chunk's work.
// Back to back, a 77 MB snapshot at 50 messages/s took ~1.6 s of CPU inside
// 4 s and webhooks waited behind it (ack p95 3.5 s); at a quarter, still up
// to 2 s. A slower snapshot costs only a longer log meanwhile; a planned
// stop waits for it unpaced.
const SNAPSHOT_SHARE = 1 / 8;
// A snapshot is read (and its unparsed lines kept) in pages of about this size.
const PAGE_BYTES = 8 << 20;
// The log is compacted once past this even when the snapshot is bigger: the
// start replays (parses) the whole log, but only reads the snapshot's index.
const MAX_COMPACTION_BYTES = 64 * 1024 * 1024;
// How a /3 document line starts: `{"_id":"`.
const ID_PREFIX = Buffer.from('{"_id":"');

type SnapshotHeader = {
  format: typeof SNAPSHOT_FORMAT | typeof UNORDERED_SNAPSHOT_FORMAT;
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

type SnapshotOrderLine = { table: string; index: string; fields: string[]; at: number; p: number[] };

type LoadedState = {
  docs: DocumentStore;
  /** Each snapshot table's ids and stored index orders (none for older formats). */
  tables: Map<string, StoredTableOrder>;
  /** Ids the logs wrote after the snapshot. */
  changed: Set<string>;
  /** The newest `_creationTime` seen in the data itself. */
  latestCreation: number;
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
  private stopping = false;
  private compactionThreshold = MIN_COMPACTION_BYTES;
  private blobsOnDisk = new Set<string>();
  private stopListening: (() => void) | null = null;

  private readonly minCompactionBytes: number;
  private readonly preloaded: Promise<SnapshotRead> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly dataDir: string,
    options: { snapshotAfterBytes?: number; preloaded?: Promise<SnapshotRead> } = {},
  ) {
    this.minCompactionBytes = options.snapshotAfterBytes ?? MIN_COMPACTION_BYTES;
    this.preloaded = options.preloaded;
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
        docs: new DocumentStore(),
        tables: new Map(),
        changed: new Set(),
        latestCreation: 0,
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
    for (const id of state.docs.ids()) {
      const counter = parseInt(id, 10);
      if (counter > highest) highest = counter;
    }
    let latestCreation = state.latestCreation;
    for (const id of state.changed) {
      const doc = state.docs.get(id);
      if (doc && doc._creationTime > latestCreation) latestCreation = doc._creationTime;
    }
    if (state.nextDocId <= highest) {
      log.warn(
        `${this.dataDir}: the id counter (${state.nextDocId}) is not above the highest stored id (${highest}); raised to ${highest + 1} so no document is overwritten`,
      );
      state.nextDocId = highest + 1;
    }
    state.lastCreationTime = Math.max(state.lastCreationTime, latestCreation);

    const blobs: Record<string, Blob> = {};
    for (const id of this.blobsOnDisk) {
      if (tableOfId(id) === "_storage" && state.docs.has(id)) {
        blobs[id] = new Blob([await readFile(this.file(path.join(BLOB_DIR, id)))]);
      }
    }
    this.engine.loadState(state.docs, state.tables, state.changed, {
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
    if (snapshot) this.compactionThreshold = compactionThreshold(this.minCompactionBytes, snapshot.bytes);
    if (snapshot && !snapshot.ordered) {
      // An older snapshot: its indexes were sorted at this start. Write one
      // with their order now, in the background, so the next start need not.
      this.maybeCompact(true);
    }
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
    this.stopping = true;
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

  private maybeCompact(now = false): void {
    if (this.compacting || this.failure || (!now && this.current!.bytes <= this.compactionThreshold)) return;
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
    const pace = pacer(SNAPSHOT_SHARE, () => this.stopping);
    // One synchronous instant: these documents and index orders are exactly
    // the commits logged before the rotation; everything after goes to the
    // next file. Documents never parsed are copied as the bytes they were read as.
    const { tables: snapshotTables } = pace.slice(() => this.engine.snapshotState());
    const instantMs = performance.now() - started;
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
    let documents = 0;
    let bytes = 0;
    const newline = Buffer.from("\n");
    try {
      const write = async (buffer: Buffer, hashed = true) => {
        bytes += buffer.length;
        if (hashed) pace.slice(() => hash.update(buffer));
        await handle.write(buffer);
      };
      await write(Buffer.from(JSON.stringify(header) + "\n"), false);
      for (const [table, { entries }] of snapshotTables) {
        for (let i = 0; i < entries.length; i += SNAPSHOT_CHUNK) {
          const chunk = pace.slice(() => {
            const parts: Buffer[] = [];
            for (const entry of entries.slice(i, i + SNAPSHOT_CHUNK)) {
              parts.push(typeof entry === "number" ? this.engine.snapshotLine(entry) : Buffer.from(documentLine(entry)), newline);
            }
            return Buffer.concat(parts);
          });
          await write(chunk);
          await pace.rest();
        }
        tables[table] = entries.length;
        documents += entries.length;
      }
      for (const [table, { ids, orders }] of snapshotTables) {
        const position = new Map<string, number>();
        for (let from = 0; from < ids.length; from += 100_000) {
          pace.slice(() => {
            for (let i = from; i < Math.min(from + 100_000, ids.length); i++) position.set(ids[i], i);
          });
          await pace.rest();
        }
        // Creation order is the order the documents are written in; the other indexes follow.
        for (const [index, order] of orders) {
          const orderIds = pace.slice(() => idsOf(order.chunks));
          await pace.rest();
          for (let at = 0; at < orderIds.length; at += ORDER_LINE) {
            const line = pace.slice(() => {
              const p = orderIds.slice(at, at + ORDER_LINE).map((id) => position.get(id)!);
              const entry: SnapshotOrderLine = { table, index, fields: order.fields, at, p };
              return Buffer.from(JSON.stringify(entry) + "\n");
            });
            await write(line);
            await pace.rest();
          }
        }
      }
      const footer: SnapshotFooter = { end: true, documents, tables, sha256: hash.digest("hex") };
      await write(Buffer.from(JSON.stringify(footer) + "\n"), false);
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
    const inSnapshot = new Set(snapshotTables.get("_storage")?.ids ?? []);
    for (const id of this.blobsOnDisk) {
      if (inSnapshot.has(id) || this.pendingBlobs.has(id) || this.engine.hasDocument(id)) continue;
      await unlink(this.file(path.join(BLOB_DIR, id))).catch(() => undefined);
      this.blobsOnDisk.delete(id);
    }
    this.compactionThreshold = compactionThreshold(this.minCompactionBytes, bytes);
    log.info(
      `snapshot of ${documents} documents (${Math.round(bytes / 1024 / 1024)} MB) written in ${Math.round(performance.now() - started)} ms (${Math.round(instantMs)} ms of them in one piece, the instant it copies)`,
    );
  }

  private readSnapshot(): Promise<SnapshotRead> {
    return this.preloaded ?? readSnapshotFile(this.file(SNAPSHOT_FILE));
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
      const docs = new DocumentStore();
      const tableIds = new Map<string, string[]>();
      let latestCreation = 0;
      for (const json of snapshot.documents) {
        const doc = jsonToConvex(json) as StoredDocument;
        docs.set(doc._id, doc);
        pushId(tableIds, doc._id);
        if (doc._creationTime > latestCreation) latestCreation = doc._creationTime;
      }
      return {
        docs,
        tables: new Map([...tableIds].map(([name, ids]) => [name, { ids, orders: new Map() }])),
        changed: new Set(),
        latestCreation,
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
        else state.docs.set(id, decodeDocument(line, json));
        state.changed.add(id);
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

/** A document's snapshot line: its `_id` first, so a start can index it without parsing. */
/**
 * Paces background work done in slices: `slice` runs and times a piece of
 * synchronous work; `rest` then waits long enough that the work so far
 * takes at most `share` of the main thread (at least one turn of the event
 * loop), or only that one turn once `unpaced()`.
 */
function pacer(share: number, unpaced: () => boolean) {
  let worked = 0;
  return {
    slice<T>(work: () => T): T {
      const started = performance.now();
      try {
        return work();
      } finally {
        worked += performance.now() - started;
      }
    },
    async rest(): Promise<void> {
      const ms = unpaced() ? 0 : worked * (1 / share - 1);
      worked = 0;
      await (ms >= 1 ? new Promise((resolve) => setTimeout(resolve, ms)) : new Promise(setImmediate));
    },
  };
}

function documentLine(doc: StoredDocument): string {
  return JSON.stringify({ _id: doc._id, ...(convexToJson(doc) as Record<string, JSONValue>) });
}

type SnapshotRead = { state: LoadedState; walSeq: number; bytes: number; ordered: boolean } | null;

/**
 * Starts reading a data folder's snapshot now (the runtime does, while its
 * modules load); pass the result to the Persistence of that folder.
 */
export function preloadSnapshot(dataDir: string): Promise<SnapshotRead> {
  const reading = readSnapshotFile(path.join(dataDir, SNAPSHOT_FILE));
  reading.catch(() => undefined); // reported by restore(), not as an unhandled rejection
  return reading;
}

/**
 * Reads the snapshot: every line's bytes go through the checksum, but a
 * /3 document line is only indexed by its `_id` (parsed when first read,
 * see DocumentStore); the pages read stay in memory for that.
 */
async function readSnapshotFile(file: string): Promise<SnapshotRead> {
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
  let ordered = false;
  const docs = new DocumentStore();
  const tableIds = new Map<string, string[]>();
  // Stored orders as ids, filled from their lines (which follow every document).
  const orderIds = new Map<string, Map<string, { fields: string[]; ids: string[]; seen: Uint8Array; filled: number }>>();
  // /3 writes a table's documents together: the table of the last line, and its ids.
  let lastTable = "";
  let lastIds: string[] = [];
  const hash = createHash("sha256");
  let latestCreation = 0;
  let lineNo = 0;
  const pages: Page[] = [];
  const handleLine = (page: Page, from: number, to: number): "footer" | "header" | null => {
    const bytes = page.bytes;
    lineNo += 1;
    if (footer) fail(`text after the end marker (line ${lineNo})`);
    if (ordered && lineNo > 1 && startsWithIdPrefix(bytes, from, to)) {
      // `{"_id":"<digits><table>"`: ids are a counter then the table name.
      const start = from + ID_PREFIX.length;
      let i = start;
      while (i < to && bytes[i] >= 48 && bytes[i] <= 57) i++;
      const tableStart = i;
      while (i < to && isNameByte(bytes[i])) i++;
      if (i === tableStart || i === start || i >= to || bytes[i] !== 34) fail(`line ${lineNo} does not start with a document id`);
      const id = (bytes as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(start, i);
      docs.setUnparsed(id, page.start + from);
      if (!(id.length - lastTable.length === tableStart - start && id.endsWith(lastTable))) {
        lastTable = id.slice(tableStart - start);
        lastIds = tableIds.get(lastTable) ?? [];
        tableIds.set(lastTable, lastIds);
      }
      lastIds.push(id);
      return null;
    }
    const line = bytes.toString("utf8", from, to);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail(`line ${lineNo} is not valid JSON`);
    }
    if (lineNo === 1) {
      header = value as SnapshotHeader;
      if (header?.format !== SNAPSHOT_FORMAT && header?.format !== UNORDERED_SNAPSHOT_FORMAT) {
        fail(`unknown format ${JSON.stringify(header?.format)}`);
      }
      ordered = header.format === SNAPSHOT_FORMAT;
      return "header";
    }
    if ((value as SnapshotFooter)?.end === true) {
      footer = value as SnapshotFooter;
      return "footer";
    }
    const order = value as SnapshotOrderLine;
    if (ordered && order?.table !== undefined && Array.isArray(order.p)) {
      const ids = tableIds.get(order.table);
      const damaged = () => fail(`the stored order of ${order.table}.${order.index} does not match its documents (line ${lineNo})`);
      if (!ids) return damaged();
      let indexes = orderIds.get(order.table);
      if (!indexes) orderIds.set(order.table, (indexes = new Map()));
      let stored = indexes.get(order.index);
      if (!stored) {
        stored = { fields: order.fields, ids: new Array<string>(ids.length), seen: new Uint8Array(ids.length), filled: 0 };
        indexes.set(order.index, stored);
      }
      const { p } = order;
      if (order.at !== stored.filled || stored.filled + p.length > ids.length) damaged();
      const { seen, ids: target } = stored;
      for (let k = 0, at = order.at; k < p.length; k++, at++) {
        const position = p[k];
        if (!(position >= 0 && position < ids.length && seen[position] === 0)) damaged();
        seen[position] = 1;
        target[at] = ids[position];
      }
      stored.filled += p.length;
      return null;
    }
    const doc = decodeDocument(line, value);
    if (typeof doc?._id !== "string") fail(`line ${lineNo} is not a document`);
    docs.set(doc._id, doc);
    pushId(tableIds, doc._id);
    if (doc._creationTime > latestCreation) latestCreation = doc._creationTime;
    return null;
  };

  const handle = await open(file, "r");
  try {
    let carry = Buffer.alloc(0);
    let offset = 0; // of the next page in the file
    for (;;) {
      const buffer = Buffer.allocUnsafeSlow(Math.max(PAGE_BYTES, carry.length * 2));
      carry.copy(buffer);
      const { bytesRead } = await handle.read(buffer, carry.length, buffer.length - carry.length, null);
      const filled = carry.length + bytesRead;
      if (bytesRead === 0 && filled === 0) break;
      // A last line without its newline (a file cut short) is still a line.
      const last = bytesRead === 0 ? filled : buffer.lastIndexOf(10, filled - 1);
      if (last === -1) {
        carry = buffer.subarray(0, filled); // one line longer than a page: read on
        continue;
      }
      const page: Page = { start: offset, bytes: buffer.subarray(0, Math.min(last + 1, filled)) };
      pages.push(page);
      const end = page.bytes.length;
      let from = 0;
      let hashFrom = 0;
      let hashTo = end;
      while (from < end) {
        const newline = page.bytes.indexOf(10, from);
        const to = newline === -1 ? end : newline;
        const kind = handleLine(page, from, to);
        if (kind === "header") hashFrom = to + 1;
        else if (kind === "footer") hashTo = from;
        from = to + 1;
      }
      if (hashTo > hashFrom) hash.update(page.bytes.subarray(hashFrom, hashTo));
      offset += page.bytes.length;
      if (bytesRead === 0) break;
      carry = Buffer.from(buffer.subarray(last + 1, filled));
    }
  } finally {
    await handle.close();
  }
  docs.setPages(pages);
  const head = header as SnapshotHeader | null;
  const foot = footer as SnapshotFooter | null;
  if (!head) return fail("it is empty");
  if (!foot) return fail(`it ends early, after ${lineNo} lines (no end marker)`);
  const tables: Record<string, number> = {};
  for (const [name, ids] of tableIds) tables[name] = ids.length;
  if (foot.documents !== docs.size || JSON.stringify(sortKeys(foot.tables)) !== JSON.stringify(sortKeys(tables))) {
    fail(
      `it lists ${foot.documents} documents (${describeTables(foot.tables)}) but holds ${docs.size} (${describeTables(tables)})`,
    );
  }
  if (foot.sha256 !== hash.digest("hex")) fail("its contents do not match their checksum (the file was changed)");

  const orders = new Map<string, StoredTableOrder>();
  for (const [name, ids] of tableIds) {
    const indexes = new Map<string, { fields: string[]; ids: string[] }>();
    if (ordered) {
      indexes.set("by_creation_time", { fields: ["_creationTime", "_id"], ids });
      for (const [index, { fields, ids: inOrder, filled }] of orderIds.get(name) ?? []) {
        if (filled !== ids.length) fail(`the stored order of ${name}.${index} does not match its ${ids.length} documents`);
        indexes.set(index, { fields, ids: inOrder });
      }
      // The newest document of the table is the last in creation order.
      const newest = docs.get(ids[ids.length - 1]);
      if (newest && newest._creationTime > latestCreation) latestCreation = newest._creationTime;
    }
    orders.set(name, { ids, orders: indexes });
  }
  return {
    state: {
      docs,
      tables: orders,
      changed: new Set(),
      latestCreation,
      nextDocId: head.nextDocId,
      lastCreationTime: head.lastCreationTime,
      lastCommitTs: BigInt(head.lastCommitTs),
    },
    walSeq: head.walSeq,
    bytes: size,
    ordered,
  };
}

function startsWithIdPrefix(bytes: Buffer, from: number, to: number): boolean {
  if (to - from <= ID_PREFIX.length) return false;
  for (let i = 0; i < ID_PREFIX.length; i++) if (bytes[from + i] !== ID_PREFIX[i]) return false;
  return true;
}

function isNameByte(byte: number): boolean {
  return (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte === 95;
}

function pushId(tableIds: Map<string, string[]>, id: string): void {
  const table = tableOfId(id);
  let ids = tableIds.get(table);
  if (!ids) tableIds.set(table, (ids = []));
  ids.push(id);
}

/** The log outgrowing the last snapshot makes a new one, but never past MAX_COMPACTION_BYTES. */
function compactionThreshold(min: number, snapshotBytes: number): number {
  return Math.max(min, Math.min(snapshotBytes, MAX_COMPACTION_BYTES));
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
