// The Convex engine: convex-test's implementation of Convex semantics
// (transactions, validators, scheduler, http router), held open for the life
// of the process instead of one test. Everything that touches convex-test's
// internals lives here; the rest of local/ sees a small typed surface.
import { AsyncResource } from "node:async_hooks";
import * as convexTestModule from "convex-test";
import { convexTest } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import type { Value } from "convex/values";
import type { Identity } from "./auth.js";
import { logFunctionError, RefusedCallError } from "./errors.js";
import { DocumentStore } from "./documentStore.js";
import {
  IndexedStore,
  ReadSet,
  readTracking,
  type Change,
  type DatabaseInternals,
  type Doc,
  type FrozenTableOrder,
  type StoredTableOrder,
} from "./indexStore.js";
import { log } from "./log.js";
import { loadConvexModules, type ConvexModules } from "./modules.js";

export type FunctionKind = "query" | "mutation" | "action";

/** A stored document: user fields plus `_id` and `_creationTime`. */
export type StoredDocument = {
  _id: string;
  _creationTime: number;
  [field: string]: Value | undefined;
};

/** Everything needed to bring the database back exactly, ids included. */
export type EngineState = {
  documents: StoredDocument[];
  /** convex-test numbers ids with a counter; restoring it avoids id reuse. */
  nextDocId: number;
  lastCreationTime: number;
  lastCommitTs: bigint;
  /** File storage contents by storage id. */
  blobs: Record<string, Blob>;
};

// The parts of convex-test's private state this module relies on.
type DatabaseFake = {
  _documents: Record<string, StoredDocument>;
  _storage: Record<string, Blob>;
  _nextDocId: number;
  _lastCreationTime: number;
  get(table: string, id: string): StoredDocument | null;
  patch(table: string, id: string, fields: Record<string, unknown>): void;
};
type ConvexGlobal = {
  components: Record<string, { db: DatabaseFake & DatabaseInternals }>;
  syscall(op: string, jsonArgs: string): string;
  asyncSyscall(op: string, jsonArgs: string): Promise<string>;
  transactionManager: {
    _lastCommitTs: bigint;
    commit(isNested: boolean): bigint | null;
  };
};
type FunctionPath = { componentPath: string; udfPath: string };
// Untyped methods of the convex-test accessor that take a path string
// instead of a generated function reference.
type RawAccessor = {
  queryFromPath(path: FunctionPath, args: Value): Promise<Value>;
  mutationFromPath(path: FunctionPath, args: Value): Promise<Value>;
  actionFromPath(path: FunctionPath, args: Value): Promise<Value>;
  run<T>(handler: () => Promise<T>): Promise<T>;
  fetch(pathAndQuery: string, init: RequestInit): Promise<Response>;
  finishInProgressScheduledFunctions(): Promise<void>;
  withIdentity(identity: Identity): RawAccessor;
};

type ScheduledJob = StoredDocument & {
  name: string;
  args: Value[];
  scheduledTime: number;
  state: { kind: "pending" | "inProgress" | "success" | "failed" | "canceled" };
};

const SCHEDULED_FUNCTIONS = "_scheduled_functions";
// setTimeout's ceiling; longer waits re-arm in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Convex keeps finished scheduled-function records for 7 days.
export const SCHEDULER_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
// Records deleted per pruning transaction: stays inside Convex's write limits.
const PRUNE_BATCH = 500;

export async function createEngine(convexDir: string): Promise<Engine> {
  const modules = await loadConvexModules(convexDir);
  const schema = modules.byPath.get("schema")?.default as
    SchemaDefinition<GenericSchema, boolean> | undefined;
  // transactionLimits: Convex cloud enforces read/write budgets, so do we.
  const accessor = convexTest({
    schema,
    modules: modules.glob,
    transactionLimits: true,
  });
  const t = accessor as unknown as RawAccessor;
  return new Engine(modules, t, await captureGlobal(t));
}

async function captureGlobal(t: RawAccessor): Promise<ConvexGlobal> {
  const getConvexGlobal = (convexTestModule as Record<string, unknown>)
    .__getConvexGlobal;
  if (typeof getConvexGlobal !== "function") {
    throw new Error(
      "convex-test internals are not reachable: start the runtime through local/main.ts " +
        "(it registers local/engineHooks.mjs), and check that convex-test still defines getConvexGlobal().",
    );
  }
  let captured: ConvexGlobal | undefined;
  // The accessor only exposes its state inside a call, so make one.
  await t.run(async () => {
    captured = getConvexGlobal() as ConvexGlobal;
  });
  if (!captured) throw new Error("convex-test did not expose its state");
  return captured;
}

export class Engine {
  private readonly listeners = new Set<() => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly jobTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  /** Top-level commits so far. */
  commitCount = 0;
  /** Ordered index structures over convex-test's documents. */
  readonly store: IndexedStore;
  /** convex-test's `_documents`, parsed on first read (see documentStore.ts). */
  private docs = new DocumentStore();
  private readonly changeListeners = new Set<(changes: Change[]) => void>();
  /** Resolves once every commit so far is durable; persistence supplies it. */
  durable: () => Promise<void> = () => Promise.resolve();

  constructor(
    readonly modules: ConvexModules,
    private readonly t: RawAccessor,
    private readonly global: ConvexGlobal,
  ) {
    // Commits happen deep inside convex-test's async contexts (a mutation's
    // transaction lock, its "no setTimeout in mutations" globals). Bind the
    // notification to this constructor's context so listeners never run
    // inside the committing transaction.
    const notify = AsyncResource.bind(() =>
      this.listeners.forEach((listener) => listener()),
    );
    const db = global.components[""].db;
    db._documents = this.docs.proxy();
    this.store = new IndexedStore(db, (query) => {
      // convex-test's own \`.filter()\` evaluation, over a table that holds nothing.
      const resolve = (db as unknown as {
        _resolveQuerySource(q: unknown): { filterFn: (doc: Doc) => boolean };
      })._resolveQuerySource.bind(db);
      return resolve({
        source: { type: "FullTableScan", tableName: "", order: "asc" },
        operators: query.operators,
      }).filterFn;
    });
    this.store.install((changes) => {
      if (changes.length > 0) this.changeListeners.forEach((l) => l(changes));
    });
    // convex-test keeps every query's results until the process ends; let
    // a finished or abandoned query go.
    const syscall = global.syscall.bind(global);
    global.syscall = (op, jsonArgs) => {
      if (op === "1.0/queryCleanup") {
        const { queryId } = JSON.parse(jsonArgs) as { queryId: number };
        delete db._queryResults[queryId];
      }
      return syscall(op, jsonArgs);
    };
    // An action goes on (and may tell the outside world) only once the
    // mutation it ran is durable.
    const asyncSyscall = global.asyncSyscall.bind(global);
    global.asyncSyscall = async (op, jsonArgs) => {
      const result = await asyncSyscall(op, jsonArgs);
      if (op === "1.0/actions/mutation") await this.durable();
      return result;
    };
    const setGate = (convexTestModule as Record<string, unknown>)
      .__setScheduledFunctionGate as
      | ((gate: (jobId: string) => boolean) => void)
      | undefined;
    if (typeof setGate !== "function") {
      throw new Error(
        "convex-test's scheduler gate is missing: start the runtime through local/main.ts (it registers local/engineHooks.mjs).",
      );
    }
    setGate(() => !this.stopping);
    const manager = global.transactionManager;
    const commit = manager.commit.bind(manager);
    manager.commit = (isNested) => {
      const ts = commit(isNested);
      if (ts !== null) {
        this.commitCount += 1;
        notify();
      }
      return ts;
    };
  }

  private get db(): DatabaseFake {
    return this.global.components[""].db;
  }

  /** Timestamp of the latest commit, in nanoseconds (Convex's `ts`). */
  lastCommitTs(): bigint {
    return this.global.transactionManager._lastCommitTs;
  }

  /**
   * Called synchronously inside every top-level commit that wrote something,
   * with what changed; must not throw. Persistence logs it.
   */
  onChanges(listener: (changes: Change[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called after every top-level commit, outside any transaction. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kind and visibility of the function at `udfPath`, or null if none. */
  describe(udfPath: string): { kind: FunctionKind; isPublic: boolean } | null {
    const [modulePath, exportName] = splitUdfPath(udfPath);
    const fn = this.modules.byPath.get(modulePath)?.[exportName] as
      | {
          isQuery?: boolean;
          isMutation?: boolean;
          isAction?: boolean;
          isPublic?: boolean;
        }
      | undefined;
    const kind = fn?.isQuery
      ? "query"
      : fn?.isMutation
        ? "mutation"
        : fn?.isAction
          ? "action"
          : null;
    return kind ? { kind, isPublic: fn?.isPublic === true } : null;
  }

  /**
   * Runs a function for a client, refusing exactly what Convex refuses:
   * unknown and internal functions (one message, so internal names do not
   * leak) and a function of another kind than the endpoint expects.
   */
  async callPublic(
    udfPath: string,
    args: Value,
    expected?: FunctionKind,
    identity?: Identity,
  ): Promise<{ kind: FunctionKind; value: Value }> {
    const path = canonicalUdfPath(udfPath);
    const found = this.describe(path);
    if (!found?.isPublic) {
      throw new RefusedCallError(
        `Could not find public function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      );
    }
    if (expected && expected !== found.kind) {
      throw new RefusedCallError(
        `Trying to execute ${path} as ${capitalize(expected)}, but it is defined as ${capitalize(found.kind)}.`,
      );
    }
    return { kind: found.kind, value: await this.call(found.kind, path, args, identity) };
  }

  /**
   * Runs a public query and records what it read (see ReadSet): a later
   * commit whose changes miss the read set leaves its result as it was.
   * Queries run under convex-test's transaction lock, so no commit lands
   * while one reads and the set is complete when the query settles.
   */
  async queryWithReadSet(
    udfPath: string,
    args: Value,
    identity?: Identity,
  ): Promise<{ reads: ReadSet; outcome: { value: Value } | { error: unknown } }> {
    const reads = new ReadSet();
    try {
      const { value } = await readTracking.run(reads, () => this.callPublic(udfPath, args, "query", identity));
      return { reads, outcome: { value } };
    } catch (error) {
      return { reads, outcome: { error } };
    }
  }

  /**
   * Runs any function, internal ones included: crons and scheduled jobs.
   * With an identity (a verified token's), `ctx.auth` returns it.
   */
  call(kind: FunctionKind, udfPath: string, args: Value, identity?: Identity): Promise<Value> {
    const path = { componentPath: "", udfPath: canonicalUdfPath(udfPath) };
    const t = identity ? this.t.withIdentity(identity) : this.t;
    const run =
      kind === "query"
        ? t.queryFromPath(path, args)
        : kind === "mutation"
          ? t.mutationFromPath(path, args)
          : t.actionFromPath(path, args);
    // A caller hears of a mutation (or an action's) only once it is durable.
    return this.track(
      kind === "query" ? run : run.then(async (value) => {
        await this.durable();
        return value;
      }),
    );
  }

  /** Serves a request with the app's `http.ts` router. */
  fetchHttpAction(pathAndQuery: string, init: RequestInit): Promise<Response> {
    if (!this.modules.byPath.has("http")) {
      return Promise.resolve(
        new Response("This app defines no HTTP actions (convex/http.ts).", {
          status: 404,
        }),
      );
    }
    return this.track(
      this.t.fetch(pathAndQuery, init).then(async (response) => {
        await this.durable();
        return response;
      }),
    );
  }

  /** Every committed document now (they are never changed in place); parses them all. */
  documents(): StoredDocument[] {
    return [...this.docs.ids()].map((id) => this.docs.get(id) as StoredDocument);
  }

  /**
   * What a snapshot stores, at this instant: each table's documents in
   * creation order (parsed, or the offset of their unparsed line, see
   * `snapshotLine`) and every index's order. Nothing is parsed.
   */
  snapshotState(): { tables: Map<string, FrozenTableOrder & { entries: (StoredDocument | number)[] }> } {
    const tables = new Map<string, FrozenTableOrder & { entries: (StoredDocument | number)[] }>();
    for (const [name, order] of this.store.frozenOrders()) {
      const entries = order.ids.map((id) => this.docs.entry(id) as StoredDocument | number);
      tables.set(name, { ...order, entries });
    }
    return { tables };
  }

  /** The stored line of a document not parsed yet (see snapshotState). */
  snapshotLine(offset: number): Buffer {
    return this.docs.line(offset);
  }

  hasDocument(id: string): boolean {
    return this.docs.has(id);
  }

  /** Stored file contents for a `_storage` id. */
  blob(id: string): Blob | undefined {
    return this.db._storage[id];
  }

  /** Committed counters that a snapshot records. */
  counters(): { nextDocId: number; lastCreationTime: number; lastCommitTs: bigint } {
    return {
      nextDocId: this.db._nextDocId,
      lastCreationTime: this.db._lastCreationTime,
      lastCommitTs: this.lastCommitTs(),
    };
  }

  exportState(): EngineState {
    const db = this.db;
    return {
      documents: this.documents(),
      nextDocId: db._nextDocId,
      lastCreationTime: db._lastCreationTime,
      lastCommitTs: this.lastCommitTs(),
      // convex-test keeps a blob after its `_storage` document is deleted.
      blobs: Object.fromEntries(
        Object.entries(db._storage).filter(([id]) => this.docs.has(id)),
      ),
    };
  }

  importState(state: EngineState): void {
    const docs = new DocumentStore();
    for (const doc of state.documents) docs.set(doc._id, doc);
    this.setDocuments(docs, state);
    this.store.rebuild(state.documents);
  }

  /**
   * Takes over a restored database: `docs` (lazily parsed), each table's
   * stored index orders, and the ids the log changed after the snapshot.
   */
  loadState(
    docs: DocumentStore,
    tables: Map<string, StoredTableOrder>,
    changed: Set<string>,
    state: Omit<EngineState, "documents">,
  ): void {
    this.setDocuments(docs, state);
    this.store.load(tables, changed, (id) => docs.get(id));
  }

  private setDocuments(docs: DocumentStore, state: Omit<EngineState, "documents">): void {
    const db = this.db;
    this.docs = docs;
    db._documents = docs.proxy();
    db._storage = { ...state.blobs };
    db._nextDocId = state.nextDocId;
    db._lastCreationTime = state.lastCreationTime;
    this.global.transactionManager._lastCommitTs = state.lastCommitTs;
  }

  /**
   * Deletes finished scheduled-function records older than the retention,
   * as Convex does, in small transactions. Returns how many went.
   */
  async pruneScheduledFunctions(now = Date.now()): Promise<number> {
    const cutoff = now - SCHEDULER_RETENTION_MS;
    let pruned = 0;
    for (;;) {
      const batch: string[] = [];
      for (const doc of this.store.tableDocs(SCHEDULED_FUNCTIONS)) {
        // Ordered by creation: nothing newer than the cutoff can be finished before it.
        if (doc._creationTime > cutoff || batch.length >= PRUNE_BATCH) break;
        const job = doc as ScheduledJob & { completedTime?: number };
        const finished = ["success", "failed", "canceled"].includes(job.state.kind);
        const finishedAt = job.completedTime ?? job.scheduledTime;
        if (finished && finishedAt <= cutoff) batch.push(doc._id);
      }
      if (batch.length === 0) return pruned;
      await this.t.run(async () => {
        for (const id of batch) {
          (this.db as unknown as { delete(t: string, id: string): void }).delete(
            SCHEDULED_FUNCTIONS,
            id,
          );
        }
      });
      pruned += batch.length;
      if (batch.length < PRUNE_BATCH) return pruned;
    }
  }

  /**
   * After a restore, nothing is armed: convex-test's timers died with the
   * previous process. Pending jobs are armed for their time (a job that fell
   * due while the process was down runs now, once). A job caught in progress
   * by a crash is settled as Convex settles it: a mutation never committed,
   * so it runs again; an action may have had effects, so it is marked failed.
   */
  async rearmScheduledFunctions(): Promise<number> {
    const jobs = [...this.store.tableDocs(SCHEDULED_FUNCTIONS)] as ScheduledJob[];
    let armed = 0;
    for (const job of jobs) {
      if (job.state.kind === "inProgress") {
        if (this.describe(job.name)?.kind === "action") {
          log.warn(
            `scheduled action ${job.name} was interrupted by a stop; marked failed`,
          );
          await this.patchJob(job._id, {
            state: { kind: "failed" },
            completedTime: Date.now(),
          });
          continue;
        }
        await this.patchJob(job._id, { state: { kind: "pending" } });
      } else if (job.state.kind !== "pending") {
        continue;
      }
      this.armJob(job._id, job.scheduledTime);
      armed += 1;
    }
    return armed;
  }

  /** Waits for running functions to finish, at most `timeoutMs`; false if cut off. */
  async drain(timeoutMs: number): Promise<boolean> {
    const settled = Promise.allSettled([
      ...this.inFlight,
      this.t.finishInProgressScheduledFunctions(),
    ]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    const drained = await Promise.race([settled, timeout]);
    clearTimeout(timer);
    return drained;
  }

  /**
   * Takes no new scheduled work: re-armed jobs are disarmed and jobs that
   * fall due from now on are not started; they stay pending in the data
   * and run after the next start. Work already running goes on (see drain).
   */
  stop(): void {
    this.stopping = true;
    this.jobTimers.forEach(clearTimeout);
    this.jobTimers.clear();
  }

  private armJob(jobId: string, scheduledTime: number): void {
    const delay = Math.min(
      Math.max(0, scheduledTime - Date.now()),
      MAX_TIMER_MS,
    );
    const timer = setTimeout(() => {
      this.jobTimers.delete(timer);
      if (Date.now() < scheduledTime) this.armJob(jobId, scheduledTime);
      else void this.track(this.runJob(jobId));
    }, delay);
    this.jobTimers.add(timer);
  }

  // Mirrors convex-test's own runner: pending → inProgress → success | failed.
  private async runJob(jobId: string): Promise<void> {
    if (this.stopping) return;
    const started = await this.t.run(async () => {
      const current = this.db.get(
        SCHEDULED_FUNCTIONS,
        jobId,
      ) as ScheduledJob | null;
      if (current?.state.kind !== "pending") return null; // canceled meanwhile
      this.db.patch(SCHEDULED_FUNCTIONS, jobId, {
        state: { kind: "inProgress" },
      });
      return current;
    });
    if (!started) return;
    const kind = this.describe(started.name)?.kind;
    try {
      if (!kind)
        throw new Error(`Scheduled function ${started.name} no longer exists`);
      await this.call(kind, started.name, started.args[0] ?? {});
      await this.patchJob(jobId, { state: { kind: "success" } });
    } catch (error) {
      logFunctionError(`scheduled ${kind ?? "function"}`, started.name, error);
      await this.patchJob(jobId, {
        state: { kind: "failed" },
        completedTime: Date.now(),
      });
    }
  }

  // System tables are read-only to user code, so write them through the
  // engine's database inside a transaction of our own.
  private patchJob(
    jobId: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    return this.t.run(async () =>
      this.db.patch(SCHEDULED_FUNCTIONS, jobId, fields),
    );
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }
}

/** "notes.js:list" and "notes:list" name the same function; "notes" is its default export. */
export function canonicalUdfPath(udfPath: string): string {
  const [modulePath, exportName] = splitUdfPath(udfPath);
  return `${modulePath}:${exportName}`;
}

function splitUdfPath(
  udfPath: string,
): [modulePath: string, exportName: string] {
  const colon = udfPath.lastIndexOf(":");
  const modulePath = colon === -1 ? udfPath : udfPath.slice(0, colon);
  const exportName = colon === -1 ? "default" : udfPath.slice(colon + 1);
  return [modulePath.replace(/\.js$/, ""), exportName];
}

function capitalize(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}
