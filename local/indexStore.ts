// Real index structures under convex-test's document store.
//
// convex-test answers every query by walking every document id in the
// database and sorting what matches (its `_iterateDocs` and
// `_resolveQuerySource`), so an indexed page of five rows costs the whole
// database. This module keeps, per table, one ordered structure per index
// (`by_id`, `by_creation_time` and each schema index, ordered by the index's
// fields then `_creationTime` and `_id`, as Convex orders them), updates them
// on every top-level commit, and answers table scans, index ranges and
// pagination lazily from them: a query costs what it reads.
//
// Everything else stays convex-test's: documents still live in its
// `_documents`, writes in its transaction layers, validation and search
// semantics in its code. Search and vector queries keep convex-test's own
// evaluation but scan one table instead of the whole database.
import { compareValues, getDocumentSize, jsonToConvex, type JSONValue, type Value } from "convex/values";

export type Doc = { _id: string; _creationTime: number; [field: string]: Value | undefined };
type Key = (Value | undefined)[];

// The parts of convex-test's DatabaseFake this module reads and replaces.
export type DatabaseInternals = {
  _documents: Record<string, Doc>;
  _writes: Record<string, Doc | null>[];
  _queryResults: Record<number, unknown>;
  _nextQueryId: number;
  _schema: {
    tables: Map<string, { indexes: { indexDescriptor: string; fields: string[] }[] }>;
  } | null;
  get(table: string, id: string): Doc | null;
  commit(commitTs?: bigint | null): void;
  startQuery(query: Query): number;
  queryNext(queryId: number): { value: Doc | null; done: boolean };
  paginate(args: PaginateArgs): PageResult;
  _iterateDocs(table: string, callback: (doc: Doc) => void): void;
  _encodeCursor(doc: Doc, fieldPaths: string[]): string;
};

type RangeFilter = { type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte"; fieldPath: string; value: JSONValue };
type Query = {
  source:
    | { type: "FullTableScan"; tableName: string; order?: "asc" | "desc" | null }
    | { type: "IndexRange"; indexName: string; range: RangeFilter[]; order?: "asc" | "desc" | null }
    | { type: "Search"; indexName: string; order?: null };
  operators: ({ filter: unknown } | { limit: number })[];
};
type PaginateArgs = {
  query: Query;
  cursor: string | null;
  endCursor?: string | null;
  pageSize: number;
  maximumRowsRead?: number;
  maximumBytesRead?: number;
};
type PageResult = {
  page: Doc[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: "SplitRecommended" | "SplitRequired" | null;
};

// Entries per chunk: inserts move at most this many references.
const CHUNK_SIZE = 512;

export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // Fast path with compareValues' own order for finite distinct numbers.
    if (typeof x === "number" && typeof y === "number" && x === x && y === y && x !== 0 && y !== 0) {
      return x < y ? -1 : 1;
    }
    const c = compareValues(x as Value, y as Value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function fieldGetter(fieldPath: string): (doc: Doc) => Value | undefined {
  const parts = fieldPath.split(".");
  if (parts.length === 1) return (doc) => doc[fieldPath];
  return (doc) => {
    let value: unknown = doc;
    for (const part of parts) value = isPlainObject(value) ? value[part] : undefined;
    return value as Value | undefined;
  };
}

/** One index: documents ordered by `fields`, in chunks so an insert moves little. */
export class SortedIndex {
  // An entry is a document, or (loaded from a snapshot, not read yet) its id:
  // see `load` and `at`.
  private chunks: (Doc | string)[][] = [];
  private resolve: (id: string) => Doc | undefined = () => undefined;
  private readonly getters: ((doc: Doc) => Value | undefined)[];

  constructor(readonly fields: string[]) {
    this.getters = fields.map(fieldGetter);
  }

  keyOf(doc: Doc): Key {
    return this.getters.map((get) => get(doc));
  }

  get size(): number {
    let n = 0;
    for (const chunk of this.chunks) n += chunk.length;
    return n;
  }

  /** Replaces the contents with `docs`, sorted once. */
  build(docs: Doc[]): void {
    const keyed = docs.map((doc) => ({ doc, key: this.keyOf(doc) }));
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    this.chunks = [];
    for (let i = 0; i < keyed.length; i += CHUNK_SIZE) {
      this.chunks.push(keyed.slice(i, i + CHUNK_SIZE).map((entry) => entry.doc));
    }
  }

  /** The document at `offset` of a chunk, parsed on first read. */
  private at(chunk: (Doc | string)[], offset: number): Doc {
    const entry = chunk[offset];
    if (typeof entry !== "string") return entry;
    const doc = this.resolve(entry);
    if (!doc) throw new Error(`index on ${this.fields.join(", ")} lists ${entry}, which is not stored`);
    chunk[offset] = doc;
    return doc;
  }

  // --- Bulk load and save (start and snapshots; not the query path) ---

  /**
   * Replaces the contents with entries already in this index's order (a
   * snapshot's stored order): documents, or ids that `resolve` parses when
   * first read. No key is built and nothing is compared.
   */
  load(entries: (Doc | string)[], resolve: (id: string) => Doc | undefined): void {
    this.resolve = resolve;
    this.chunks = [];
    for (let i = 0; i < entries.length; i += CHUNK_SIZE) this.chunks.push(entries.slice(i, i + CHUNK_SIZE));
  }

  /** The ids in index order, for a snapshot to store. */
  ids(): string[] {
    const ids: string[] = [];
    for (const chunk of this.chunks) {
      for (const entry of chunk) ids.push(typeof entry === "string" ? entry : entry._id);
    }
    return ids;
  }

  /** First position whose key satisfies `pred` (false…false true…true over the order). */
  private lowerBound(pred: (key: Key) => boolean): [number, number] {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid];
      if (pred(this.keyOf(this.at(chunk, chunk.length - 1)))) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chunks.length) return [lo, 0];
    const chunk = chunks[lo];
    let a = 0;
    let b = chunk.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (pred(this.keyOf(this.at(chunk, mid)))) b = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  insert(doc: Doc): void {
    const key = this.keyOf(doc);
    if (this.chunks.length === 0) {
      this.chunks.push([doc]);
      return;
    }
    let [ci, offset] = this.lowerBound((k) => compareKeys(k, key) >= 0);
    if (ci === this.chunks.length) {
      ci -= 1;
      offset = this.chunks[ci].length;
    }
    const chunk = this.chunks[ci];
    chunk.splice(offset, 0, doc);
    if (chunk.length > 2 * CHUNK_SIZE) {
      this.chunks.splice(ci, 1, chunk.slice(0, CHUNK_SIZE), chunk.slice(CHUNK_SIZE));
    }
  }

  remove(doc: Doc): void {
    const key = this.keyOf(doc);
    const [ci, offset] = this.lowerBound((k) => compareKeys(k, key) >= 0);
    const chunk = this.chunks[ci];
    const entry = chunk?.[offset];
    if ((typeof entry === "string" ? entry : entry?._id) !== doc._id) {
      throw new Error(`index on ${this.fields.join(", ")} lost track of ${doc._id}`);
    }
    chunk.splice(offset, 1);
    if (chunk.length === 0) this.chunks.splice(ci, 1);
  }

  /**
   * Documents from the first key satisfying `atOrAfterStart` up to the last
   * not satisfying `afterEnd`, in `order`. Both predicates are monotone over
   * the index order.
   */
  *scan(
    atOrAfterStart: (key: Key) => boolean,
    afterEnd: (key: Key) => boolean,
    order: "asc" | "desc",
  ): Generator<Doc> {
    if (order === "asc") {
      let [ci, offset] = this.lowerBound(atOrAfterStart);
      while (ci < this.chunks.length) {
        const chunk = this.chunks[ci];
        for (; offset < chunk.length; offset++) {
          const doc = this.at(chunk, offset);
          if (afterEnd(this.keyOf(doc))) return;
          yield doc;
        }
        ci += 1;
        offset = 0;
      }
    } else {
      let [ci, offset] = this.lowerBound(afterEnd);
      // Step back to the last position not after the end.
      offset -= 1;
      for (;;) {
        if (offset < 0) {
          ci -= 1;
          if (ci < 0) return;
          offset = this.chunks[ci].length - 1;
        }
        const doc = this.at(this.chunks[ci], offset);
        if (!atOrAfterStart(this.keyOf(doc))) return;
        yield doc;
        offset -= 1;
      }
    }
  }
}

type Bounds = {
  atOrAfterStart: (key: Key) => boolean;
  afterEnd: (key: Key) => boolean;
};

function valueOf(json: JSONValue): Value | undefined {
  if (typeof json === "object" && json !== null && "$undefined" in json) return undefined;
  return jsonToConvex(json);
}

/**
 * Checks an index range the way Convex does (equalities on a prefix of the
 * index fields, then at most one lower and one upper bound on the next) and
 * turns it into scan bounds.
 */
export function rangeBounds(range: RangeFilter[], fields: string[]): Bounds {
  const prefix: Key = [];
  let lower: { value: Value | undefined; inclusive: boolean } | null = null;
  let upper: { value: Value | undefined; inclusive: boolean } | null = null;
  for (const filter of range) {
    const kind = filter.type === "Eq" ? "eq" : filter.type.startsWith("G") ? "gt" : "lt";
    const value = valueOf(filter.value);
    if (kind === "eq") {
      if (lower || upper) {
        throw new Error(
          `Incorrect operator used in \`withIndex\`, cannot chain \`.eq()\` after \`.${(lower ? "gt" : "lt")}()\``,
        );
      }
      const expected = fields[prefix.length];
      if (filter.fieldPath !== expected) {
        throw new Error(`Incorrect field used in \`withIndex\`, expected "${expected}", got "${filter.fieldPath}"`);
      }
      prefix.push(value);
      continue;
    }
    const expected = fields[prefix.length];
    if (filter.fieldPath !== expected) {
      throw new Error(
        lower || upper
          ? `Incorrect field used in \`withIndex\`, \`.gt\` and \`.lt\` must operate on the same field, expected "${expected}", got "${filter.fieldPath}"`
          : `Incorrect field used in \`withIndex\`, expected "${expected}", got "${filter.fieldPath}"`,
      );
    }
    const bound = { value, inclusive: filter.type === "Gte" || filter.type === "Lte" };
    if (kind === "gt") {
      if (lower) throw new Error("Incorrect operator used in `withIndex`, cannot chain `.gt()` twice");
      lower = bound;
    } else {
      if (upper) throw new Error("Incorrect operator used in `withIndex`, cannot chain `.lt()` twice");
      upper = bound;
    }
  }
  const n = prefix.length;
  const comparePrefix = (key: Key) => compareKeys(key.slice(0, n), prefix);
  return {
    atOrAfterStart: (key) => {
      const c = comparePrefix(key);
      if (c !== 0) return c > 0;
      if (!lower) return true;
      const d = compareValues(key[n] as Value, lower.value as Value);
      return d > 0 || (d === 0 && lower.inclusive);
    },
    afterEnd: (key) => {
      const c = comparePrefix(key);
      if (c !== 0) return c > 0;
      if (!upper) return false;
      const d = compareValues(key[n] as Value, upper.value as Value);
      return d > 0 || (d === 0 && !upper.inclusive);
    },
  };
}

class TableStore {
  readonly indexes = new Map<string, SortedIndex>();
  constructor(schemaIndexes: { indexDescriptor: string; fields: string[] }[]) {
    this.indexes.set("by_id", new SortedIndex(["_id"]));
    this.indexes.set("by_creation_time", new SortedIndex(["_creationTime", "_id"]));
    for (const { indexDescriptor, fields } of schemaIndexes) {
      this.indexes.set(indexDescriptor, new SortedIndex([...fields, "_creationTime", "_id"]));
    }
  }
}

export function tableOfId(id: string): string {
  let i = 0;
  while (i < id.length && id.charCodeAt(i) >= 48 && id.charCodeAt(i) <= 57) i++;
  return id.slice(i);
}

/** A table's ids in creation order, and each index's stored order (by_creation_time included). */
export type StoredTableOrder = {
  ids: string[];
  orders: Map<string, { fields: string[]; ids: string[] }>;
};

function sameFields(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((field, i) => field === b[i]);
}

/** A committed change: the document before and after (null when absent). */
export type Change = { id: string; before: Doc | null; after: Doc | null };

// convex-test's own filter evaluation, reached through a document list it
// filters: keeps `.filter()` semantics exactly its own.
type FilterFn = (doc: Doc) => boolean;

export class IndexedStore {
  private readonly tables = new Map<string, TableStore>();

  constructor(
    private readonly db: DatabaseInternals,
    private readonly filterOf: (query: Query) => FilterFn,
  ) {}

  private table(name: string): TableStore {
    let store = this.tables.get(name);
    if (!store) {
      store = new TableStore(this.db._schema?.tables.get(name)?.indexes ?? []);
      this.tables.set(name, store);
    }
    return store;
  }

  // --- Bulk build and load (start, snapshots; not the query path) ---

  /** Rebuilds every index from `docs` by sorting. */
  rebuild(docs: Iterable<Doc>): void {
    this.tables.clear();
    const byTable = new Map<string, Doc[]>();
    for (const doc of docs) {
      const table = tableOfId(doc._id);
      let list = byTable.get(table);
      if (!list) byTable.set(table, (list = []));
      list.push(doc);
    }
    for (const [name, list] of byTable) {
      for (const index of this.table(name).indexes.values()) index.build(list);
    }
  }

  /**
   * Loads every index after a restore. `tables` holds each snapshot table's
   * ids in `by_creation_time` order and the stored order of its other
   * indexes; an index whose stored order is missing, or was made for other
   * fields (the schema changed), is sorted from its documents instead.
   * `changed` are the ids the log wrote after the snapshot: the stored
   * orders are used without them, then their current documents inserted.
   * `resolve` returns a stored document (parsing it on first use).
   */
  load(
    tables: Map<string, StoredTableOrder>,
    changed: Set<string>,
    resolve: (id: string) => Doc | undefined,
  ): void {
    this.tables.clear();
    const changedByTable = new Map<string, string[]>();
    for (const id of changed) {
      const table = tableOfId(id);
      let list = changedByTable.get(table);
      if (!list) changedByTable.set(table, (list = []));
      list.push(id);
    }
    const names = new Set([...tables.keys(), ...changedByTable.keys()]);
    for (const name of names) {
      const stored = tables.get(name);
      const changedIds = changedByTable.get(name) ?? [];
      const unchanged = (ids: string[]) => (changedIds.length === 0 ? ids : ids.filter((id) => !changed.has(id)));
      const written: Doc[] = [];
      for (const id of changedIds) {
        const doc = resolve(id);
        if (doc) written.push(doc);
      }
      let all: Doc[] | null = null;
      for (const [indexName, index] of this.table(name).indexes) {
        const order = stored?.orders.get(indexName);
        if (order && sameFields(order.fields, index.fields)) {
          index.load(unchanged(order.ids), resolve);
          for (const doc of written) index.insert(doc);
        } else {
          all ??= [...unchanged(stored?.ids ?? []).map((id) => resolve(id)!), ...written];
          index.build(all);
        }
      }
    }
  }

  /**
   * Each table's ids in every index's order, at this instant: what a
   * snapshot stores so the next start loads indexes without sorting.
   */
  orders(): Map<string, StoredTableOrder> {
    const result = new Map<string, StoredTableOrder>();
    for (const [name, store] of this.tables) {
      const orders = new Map<string, { fields: string[]; ids: string[] }>();
      for (const [indexName, index] of store.indexes) orders.set(indexName, { fields: index.fields, ids: index.ids() });
      const ids = orders.get("by_creation_time")!.ids;
      if (ids.length > 0) result.set(name, { ids, orders });
    }
    return result;
  }

  apply(changes: Change[]): void {
    for (const { id, before, after } of changes) {
      if (before === after) continue;
      const table = this.table(tableOfId(id));
      for (const index of table.indexes.values()) {
        if (before) index.remove(before);
        if (after) index.insert(after);
      }
    }
  }

  /** Documents per table, for status and tests. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.tables].map(([name, store]) => [name, store.indexes.get("by_id")!.size]),
    );
  }

  /** Every document of a table in creation order: committed state merged with this transaction's writes. */
  *tableDocs(tableName: string): Generator<Doc> {
    yield* this.stream(tableName, "by_creation_time", [], "asc");
  }

  /**
   * The documents of `indexName` in `range`, in `order`, as this transaction
   * sees them at the call: committed entries merged with the transaction's
   * pending writes. `after` starts strictly past a key (pagination cursors).
   */
  stream(
    tableName: string,
    indexName: string,
    range: RangeFilter[],
    order: "asc" | "desc",
    after?: Key,
  ): Generator<Doc> {
    const store = this.table(tableName);
    const index = store.indexes.get(indexName);
    if (!index) {
      throw new Error(
        `Cannot use index "${indexName}" for table "${tableName}" because it is not declared in the schema.`,
      );
    }
    const bounds = rangeBounds(range, index.fields);
    let atOrAfterStart = bounds.atOrAfterStart;
    let afterEnd = bounds.afterEnd;
    if (after) {
      if (order === "asc") {
        const start = atOrAfterStart;
        atOrAfterStart = (key) => start(key) && compareKeys(key, after) > 0;
      } else {
        const end = afterEnd;
        afterEnd = (key) => end(key) || compareKeys(key, after) >= 0;
      }
    }
    const inRange = (doc: Doc) => {
      const key = index.keyOf(doc);
      return atOrAfterStart(key) && !afterEnd(key);
    };
    // This transaction's own writes to the table, as of now.
    const pendingIds = new Set<string>();
    for (const layer of this.db._writes) {
      for (const id of Object.keys(layer)) if (tableOfId(id) === tableName) pendingIds.add(id);
    }
    const pending: Doc[] = [];
    for (const id of pendingIds) {
      const doc = this.db.get(tableName, id);
      if (doc && inRange(doc)) pending.push(doc);
    }
    const direction = order === "asc" ? 1 : -1;
    pending.sort((a, b) => direction * compareKeys(index.keyOf(a), index.keyOf(b)));
    const committed = index.scan(atOrAfterStart, afterEnd, order);
    if (pendingIds.size === 0) return committed;
    return mergeStreams(committed, pendingIds, pending, (a, b) => direction * compareKeys(index.keyOf(a), index.keyOf(b)));
  }

  /** The index stream a query reads, or null for sources left to convex-test (search). */
  sourceOf(query: Query, after?: Key): { docs: Generator<Doc>; fields: string[] } | null {
    const source = query.source;
    const order = source.order ?? "asc";
    if (source.type === "FullTableScan") {
      return {
        docs: this.stream(source.tableName, "by_creation_time", [], order, after),
        fields: ["_creationTime", "_id"],
      };
    }
    if (source.type === "IndexRange") {
      const [tableName, indexName] = source.indexName.split(".");
      const fields = this.table(tableName).indexes.get(indexName)?.fields;
      return {
        docs: this.stream(tableName, indexName, source.range, order, after),
        fields: fields ?? [],
      };
    }
    return null;
  }

  /** Installs the indexed query path on convex-test's database. */
  install(onCommit: (changes: Change[]) => void): void {
    const db = this.db;
    const originalCommit = db.commit.bind(db);
    db.commit = (commitTs = null) => {
      if (db._writes.length !== 1) return originalCommit(commitTs);
      const ids = Object.keys(db._writes[0]);
      const before = ids.map((id) => db._documents[id] ?? null);
      originalCommit(commitTs);
      const changes = ids.map((id, i) => ({ id, before: before[i], after: db._documents[id] ?? null }));
      this.apply(changes);
      onCommit(changes);
    };

    const originalStartQuery = db.startQuery.bind(db);
    db.startQuery = (query) => {
      const source = this.sourceOf(query);
      if (!source) return originalStartQuery(query);
      const id = db._nextQueryId++;
      db._queryResults[id] = limitAndFilter(source.docs, this.filterOf(query), query);
      return id;
    };
    const originalQueryNext = db.queryNext.bind(db);
    db.queryNext = (queryId) => {
      const results = db._queryResults[queryId];
      if (!(results && typeof results === "object" && Symbol.iterator in results && !Array.isArray(results))) {
        return originalQueryNext(queryId);
      }
      const next = (results as Generator<Doc>).next();
      if (next.done) {
        // convex-test never forgets a query; a long-running process must.
        delete db._queryResults[queryId];
        return { value: null, done: true };
      }
      return { value: next.value, done: false };
    };

    const originalPaginate = db.paginate.bind(db);
    db.paginate = (args) => this.paginate(args) ?? originalPaginate(args);

    // Search and vector queries keep convex-test's evaluation over one table.
    db._iterateDocs = (tableName, callback) => {
      for (const doc of this.tableDocs(tableName)) callback(doc);
    };
  }

  // convex-test's pagination contract (cursors are encoded index keys ending
  // in `_id`; an end cursor is inclusive; page status on read limits), read
  // from an index stream that starts right after the cursor.
  private paginate(args: PaginateArgs): PageResult | null {
    const { query, cursor, endCursor, pageSize, maximumRowsRead, maximumBytesRead } = args;
    const parse = (c: string): Key =>
      (JSON.parse(c) as (string | null)[]).map((k) => (k === null ? undefined : jsonToConvex(JSON.parse(k) as JSONValue)));
    const done: PageResult = { page: [], isDone: true, continueCursor: "_end_cursor", splitCursor: null, pageStatus: null };
    const probe = this.sourceOf(query);
    if (!probe) return null;
    if (cursor === "_end_cursor") return done;
    const source = this.sourceOf(query, cursor ? parse(cursor) : undefined)!;
    const fields = source.fields.includes("_id") ? source.fields : [...source.fields, "_id"];
    const order = query.source.type === "Search" ? "asc" : (query.source.order ?? "asc");
    const direction = order === "asc" ? 1 : -1;
    const filter = this.filterOf(query);
    const keyOf = (doc: Doc) => fields.map((f) => fieldGetter(f)(doc));
    const encode = (doc: Doc) => this.db._encodeCursor(doc, fields);
    const endKeys = endCursor && endCursor !== "_end_cursor" ? parse(endCursor) : null;

    const page: Doc[] = [];
    const readCursors: string[] = [];
    let continueCursor = "_end_cursor";
    let pageStatus: PageResult["pageStatus"] = null;
    let rowsRead = 0;
    let bytesRead = 0;
    const iterator = source.docs;
    let next = iterator.next();
    while (!next.done) {
      const doc = next.value;
      next = iterator.next();
      if (endKeys) {
        const c = direction * compareKeys(keyOf(doc), endKeys);
        if (c >= 0) {
          if (c === 0) {
            rowsRead += 1;
            readCursors.push(encode(doc));
            if (filter(doc)) page.push(doc);
            continueCursor = encode(doc);
          }
          break;
        }
      }
      rowsRead += 1;
      if (maximumBytesRead) bytesRead += getDocumentSize(doc as Record<string, Value>);
      readCursors.push(encode(doc));
      const hitLimit =
        (!!maximumRowsRead && rowsRead >= maximumRowsRead) || (!!maximumBytesRead && bytesRead >= maximumBytesRead);
      if (filter(doc)) page.push(doc);
      if (hitLimit) {
        pageStatus = "SplitRequired";
        continueCursor = encode(doc);
        break;
      }
      if (!endCursor && page.length >= pageSize) {
        if (!next.done) continueCursor = encode(doc);
        break;
      }
    }
    iterator.return(undefined);
    let splitCursor: string | null = null;
    if (pageStatus === "SplitRequired" && readCursors.length >= 2) {
      splitCursor = readCursors[Math.floor((readCursors.length - 1) / 2)];
    } else if (pageStatus === null && rowsRead > pageSize + 1 && readCursors.length >= 2) {
      pageStatus = "SplitRecommended";
      splitCursor = readCursors[Math.floor((readCursors.length - 1) / 2)];
    }
    return { page, isDone: continueCursor === "_end_cursor", continueCursor, splitCursor, pageStatus };
  }
}

function* limitAndFilter(docs: Generator<Doc>, filter: FilterFn, query: Query): Generator<Doc> {
  const limitOp = query.operators.find((op): op is { limit: number } => "limit" in op);
  const limit = limitOp ? limitOp.limit : Infinity;
  if (limit <= 0) return;
  let yielded = 0;
  for (const doc of docs) {
    if (!filter(doc)) continue;
    yield doc;
    if (++yielded >= limit) return;
  }
}

function* mergeStreams(
  committed: Generator<Doc>,
  pendingIds: Set<string>,
  pending: Doc[],
  compare: (a: Doc, b: Doc) => number,
): Generator<Doc> {
  let p = 0;
  for (const doc of committed) {
    if (pendingIds.has(doc._id)) continue;
    while (p < pending.length && compare(pending[p], doc) < 0) yield pending[p++];
    yield doc;
  }
  while (p < pending.length) yield pending[p++];
}
