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
import { AsyncLocalStorage } from "node:async_hooks";
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
  // One function per field, so each read site stays specialised to one
  // field of one table's documents (a shared closure turns megamorphic and
  // was the commit path's top self time).
  if (parts.length === 1) return new Function("doc", `return doc[${JSON.stringify(fieldPath)}];`) as (doc: Doc) => Value | undefined;
  return (doc) => {
    let value: unknown = doc;
    for (const part of parts) value = isPlainObject(value) ? value[part] : undefined;
    return value as Value | undefined;
  };
}

/**
 * A document's place in its table's indexes: every index holds the same slot,
 * so a commit that leaves an index's key alone changes nothing in it. A slot
 * loaded from a snapshot holds only its id until its document is first read
 * (`SortedIndex.doc`, through the engine's document store, which parses it).
 */
export type Slot = { id: string; doc: Doc | undefined };

/** A stored document by id, parsed on first read (undefined if not stored). */
export type Resolve = (id: string) => Doc | undefined;

/** One index: documents ordered by `fields`, in chunks so an insert moves little. */
export class SortedIndex {
  private chunks: Slot[][] = [];
  /** The key of each chunk's last document: the first step of a search reads no document. */
  private lastKeys: Key[] = [];
  private readonly getters: ((doc: Doc) => Value | undefined)[];

  constructor(
    readonly fields: string[],
    private readonly resolve: Resolve = () => undefined,
  ) {
    this.getters = fields.map(fieldGetter);
  }

  /** The slot's document: every read of a slot goes through here. */
  private doc(slot: Slot): Doc {
    return slot.doc ?? this.read(slot);
  }

  private read(slot: Slot): Doc {
    const doc = this.resolve(slot.id);
    if (!doc) throw new Error(`index on ${this.fields.join(", ")} lists ${slot.id}, which is not stored`);
    slot.doc = doc;
    return doc;
  }

  keyOf(doc: Doc): Key {
    const getters = this.getters;
    const key: Key = new Array(getters.length);
    for (let i = 0; i < getters.length; i++) key[i] = getters[i](doc);
    return key;
  }

  /** compareKeys(this.keyOf(doc), key) for a full-width key, without building the key. */
  private compareDoc(doc: Doc, key: Key): number {
    const getters = this.getters;
    for (let i = 0; i < getters.length; i++) {
      const x = getters[i](doc);
      const y = key[i];
      if (x === y) continue;
      if (typeof x === "number" && typeof y === "number" && x === x && y === y && x !== 0 && y !== 0) {
        return x < y ? -1 : 1;
      }
      const c = compareValues(x as Value, y as Value);
      if (c !== 0) return c;
    }
    return 0;
  }

  get size(): number {
    let n = 0;
    for (const chunk of this.chunks) n += chunk.length;
    return n;
  }

  /** Replaces the contents with `slots`, sorted once (reads every document). */
  build(slots: Slot[]): void {
    const keyed = slots.map((slot) => ({ slot, key: this.keyOf(this.doc(slot)) }));
    keyed.sort((a, b) => compareKeys(a.key, b.key));
    this.chunks = [];
    this.lastKeys = [];
    for (let i = 0; i < keyed.length; i += CHUNK_SIZE) {
      const slice = keyed.slice(i, i + CHUNK_SIZE);
      this.chunks.push(slice.map((entry) => entry.slot));
      this.lastKeys.push(slice[slice.length - 1].key);
    }
  }

  // --- Bulk load and save (start and snapshots; not the query path) ---

  /**
   * Replaces the contents with `slots` already in this index's order (a
   * snapshot's stored order). Nothing is sorted; only each chunk's last
   * document is read, for its key.
   */
  load(slots: Slot[]): void {
    this.chunks = [];
    this.lastKeys = [];
    const byId = this.fields.length === 1 && this.fields[0] === "_id";
    for (let i = 0; i < slots.length; i += CHUNK_SIZE) {
      const chunk = slots.slice(i, i + CHUNK_SIZE);
      const last = chunk[chunk.length - 1];
      this.chunks.push(chunk);
      this.lastKeys.push(byId ? [last.id] : this.keyOf(this.doc(last)));
    }
  }

  /** The ids in index order, for a snapshot to store. */
  ids(): string[] {
    return idsOf(this.chunks);
  }

  /** The order as it is now, cheaply: a copy of each chunk (ids are read from it later, see idsOf). */
  frozen(): Slot[][] {
    return this.chunks.map((chunk) => chunk.slice());
  }

  /** First position whose key satisfies `pred` (false…false true…true over the order). */
  private lowerBound(pred: (key: Key) => boolean): [number, number] {
    const chunks = this.chunks;
    const lastKeys = this.lastKeys;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(lastKeys[mid])) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chunks.length) return [lo, 0];
    const chunk = chunks[lo];
    let a = 0;
    let b = chunk.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (pred(this.keyOf(this.doc(chunk[mid])))) b = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  /** First position whose key is >= `key` (a full-width key). */
  private locate(key: Key): [number, number] {
    const chunks = this.chunks;
    const lastKeys = this.lastKeys;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(lastKeys[mid], key) >= 0) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chunks.length) return [lo, 0];
    const chunk = chunks[lo];
    let a = 0;
    let b = chunk.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.compareDoc(this.doc(chunk[mid]), key) >= 0) b = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  insert(slot: Slot, key: Key = this.keyOf(this.doc(slot))): void {
    if (this.chunks.length === 0) {
      this.chunks.push([slot]);
      this.lastKeys.push(key);
      return;
    }
    let [ci, offset] = this.locate(key);
    if (ci === this.chunks.length) {
      ci -= 1;
      offset = this.chunks[ci].length;
    }
    const chunk = this.chunks[ci];
    chunk.splice(offset, 0, slot);
    if (offset === chunk.length - 1) this.lastKeys[ci] = key;
    if (chunk.length > 2 * CHUNK_SIZE) {
      const head = chunk.slice(0, CHUNK_SIZE);
      this.chunks.splice(ci, 1, head, chunk.slice(CHUNK_SIZE));
      this.lastKeys.splice(ci, 0, this.keyOf(this.doc(head[head.length - 1])));
    }
  }

  /** Removes `slot`, whose document's key is `key`; throws if it is not there. */
  remove(slot: Slot, key: Key = this.keyOf(this.doc(slot))): void {
    const [ci, offset] = this.locate(key);
    const chunk = this.chunks[ci];
    if (chunk?.[offset] !== slot) {
      throw new Error(`index on ${this.fields.join(", ")} lost track of ${slot.id}`);
    }
    chunk.splice(offset, 1);
    if (chunk.length === 0) {
      this.chunks.splice(ci, 1);
      this.lastKeys.splice(ci, 1);
    } else if (offset === chunk.length) {
      this.lastKeys[ci] = this.keyOf(this.doc(chunk[chunk.length - 1]));
    }
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
          const doc = this.doc(chunk[offset]);
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
        const doc = this.doc(this.chunks[ci][offset]);
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
  /** Each document's slot, by id. */
  readonly slots = new Map<string, Slot>();
  /** Per index, the top-level fields its key reads. */
  readonly roots = new Map<SortedIndex, string[]>();
  constructor(schemaIndexes: { indexDescriptor: string; fields: string[] }[], resolve: Resolve) {
    this.indexes.set("by_id", new SortedIndex(["_id"], resolve));
    this.indexes.set("by_creation_time", new SortedIndex(["_creationTime", "_id"], resolve));
    for (const { indexDescriptor, fields } of schemaIndexes) {
      this.indexes.set(indexDescriptor, new SortedIndex([...fields, "_creationTime", "_id"], resolve));
    }
    for (const index of this.indexes.values()) {
      this.roots.set(index, [...new Set(index.fields.map((field) => field.split(".")[0]))]);
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

/** A table's orders at a snapshot's instant: creation order as ids, the other indexes as frozen chunks. */
export type FrozenTableOrder = {
  ids: string[];
  orders: Map<string, { fields: string[]; chunks: Slot[][] }>;
};

/** The ids of an index's chunks, in order. */
export function idsOf(chunks: Slot[][]): string[] {
  const ids: string[] = [];
  for (const chunk of chunks) for (const slot of chunk) ids.push(slot.id);
  return ids;
}

function sameFields(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((field, i) => field === b[i]);
}

/** A committed change: the document before and after (null when absent). */
export type Change = { id: string; before: Doc | null; after: Doc | null };

// convex-test's own filter evaluation, reached through a document list it
// filters: keeps `.filter()` semantics exactly its own.
type FilterFn = (doc: Doc) => boolean;

/** One index range a query read: from its start up to the last key it was given (all of it once exhausted). */
type RangeRead = {
  table: string;
  index: SortedIndex;
  atOrAfterStart: (key: Key) => boolean;
  afterEnd: (key: Key) => boolean;
  order: "asc" | "desc";
  last: Key | null;
  done: boolean;
};

/**
 * What one query execution read, as Convex tracks a query's read set:
 * documents fetched by id and the index ranges scanned, each up to where
 * the query stopped reading. A commit whose changes fall outside it cannot
 * change the query's result, so a subscription need not re-run.
 */
export class ReadSet {
  readonly ids = new Set<string>();
  readonly ranges: RangeRead[] = [];

  *track(read: Omit<RangeRead, "last" | "done">, docs: Generator<Doc>): Generator<Doc> {
    const range: RangeRead = { ...read, last: null, done: false };
    this.ranges.push(range);
    for (const doc of docs) {
      range.last = read.index.keyOf(doc);
      yield doc;
    }
    range.done = true;
  }

  /** Whether any of `changes` (their before or after state) falls inside what was read. */
  affectedBy(changes: Change[]): boolean {
    for (const { id, before, after } of changes) {
      if (this.ids.has(id)) return true;
      if (this.ranges.length === 0) continue;
      const table = tableOfId(id);
      for (const range of this.ranges) {
        if (range.table !== table) continue;
        if ((before && covers(range, before)) || (after && covers(range, after))) return true;
      }
    }
    return false;
  }
}

function covers(range: RangeRead, doc: Doc): boolean {
  const key = range.index.keyOf(doc);
  if (!range.atOrAfterStart(key) || range.afterEnd(key)) return false;
  if (range.done) return true;
  if (range.last === null) return false;
  const c = compareKeys(key, range.last);
  return range.order === "asc" ? c <= 0 : c >= 0;
}

/** The read set of the query running in this async context, if one is being recorded. */
export const readTracking = new AsyncLocalStorage<ReadSet>();

export class IndexedStore {
  private readonly tables = new Map<string, TableStore>();
  /** Reads a slot's document not parsed yet (set by `load`). */
  private resolve: Resolve = () => undefined;

  constructor(
    private readonly db: DatabaseInternals,
    private readonly filterOf: (query: Query) => FilterFn,
  ) {}

  private table(name: string): TableStore {
    let store = this.tables.get(name);
    if (!store) {
      store = new TableStore(this.db._schema?.tables.get(name)?.indexes ?? [], (id) => this.resolve(id));
      this.tables.set(name, store);
    }
    return store;
  }

  // --- Bulk build and load (start, snapshots; not the query path) ---

  /** Rebuilds every index from `docs` by sorting. */
  rebuild(docs: Iterable<Doc>): void {
    this.tables.clear();
    this.resolve = () => undefined;
    const byTable = new Map<string, Slot[]>();
    for (const doc of docs) {
      const table = tableOfId(doc._id);
      let slots = byTable.get(table);
      if (!slots) byTable.set(table, (slots = []));
      slots.push({ id: doc._id, doc });
    }
    for (const [name, slots] of byTable) {
      const table = this.table(name);
      for (const slot of slots) table.slots.set(slot.id, slot);
      for (const index of table.indexes.values()) index.build(slots);
    }
  }

  /**
   * Loads every index after a restore. `tables` holds each snapshot table's
   * ids in `by_creation_time` order and the stored order of its other
   * indexes; an index whose stored order is missing, or was made for other
   * fields (the schema changed), is sorted from its documents instead.
   * `changed` are the ids the log wrote after the snapshot: the stored
   * orders are used without them, then their current documents inserted.
   * `resolve` returns a stored document (parsing it on first use); slots
   * hold only ids until their document is read.
   */
  load(tables: Map<string, StoredTableOrder>, changed: Set<string>, resolve: Resolve): void {
    this.tables.clear();
    this.resolve = resolve;
    const changedByTable = new Map<string, string[]>();
    for (const id of changed) {
      const table = tableOfId(id);
      let list = changedByTable.get(table);
      if (!list) changedByTable.set(table, (list = []));
      list.push(id);
    }
    const names = new Set([...tables.keys(), ...changedByTable.keys()]);
    for (const name of names) {
      const table = this.table(name);
      const stored = tables.get(name);
      const changedIds = changedByTable.get(name) ?? [];
      const unchanged = (ids: string[]) => (changedIds.length === 0 ? ids : ids.filter((id) => !changed.has(id)));
      // One slot per document, shared by every index of the table.
      const slots: Slot[] = unchanged(stored?.ids ?? []).map((id) => ({ id, doc: undefined }));
      for (const slot of slots) table.slots.set(slot.id, slot);
      const written: Slot[] = [];
      for (const id of changedIds) {
        const doc = resolve(id);
        if (!doc) continue;
        const slot = { id, doc };
        table.slots.set(id, slot);
        written.push(slot);
      }
      for (const [indexName, index] of table.indexes) {
        const order = stored?.orders.get(indexName);
        if (order && sameFields(order.fields, index.fields)) {
          index.load(order.ids === stored!.ids ? slots : unchanged(order.ids).map((id) => table.slots.get(id)!));
          for (const slot of written) index.insert(slot);
        } else {
          index.build([...slots, ...written]);
        }
      }
    }
  }

  /**
   * Every table's order by creation time, and every other index's order as
   * frozen chunks: what a snapshot stores so the next start loads indexes
   * without sorting. Taken in one synchronous instant, so it copies chunk
   * arrays (a native copy) rather than every index's ids one by one.
   */
  frozenOrders(): Map<string, FrozenTableOrder> {
    const result = new Map<string, FrozenTableOrder>();
    for (const [name, store] of this.tables) {
      const ids = store.indexes.get("by_creation_time")!.ids();
      if (ids.length === 0) continue;
      const orders = new Map<string, { fields: string[]; chunks: Slot[][] }>();
      for (const [indexName, index] of store.indexes) {
        if (indexName !== "by_creation_time") orders.set(indexName, { fields: index.fields, chunks: index.frozen() });
      }
      result.set(name, { ids, orders });
    }
    return result;
  }

  apply(changes: Change[]): void {
    // First, every slot this commit changes holds its document as it was
    // before: the document store already holds the new versions (or none),
    // and a search stepping on a slot not read yet must see the version its
    // index positions were placed by.
    const slots = changes.map(({ id, before, after }) => {
      if (!before || before === after) return undefined;
      const slot = this.table(tableOfId(id)).slots.get(id);
      if (!slot) throw new Error(`indexes lost track of ${id}`);
      slot.doc = before;
      return slot;
    });
    for (let i = 0; i < changes.length; i++) {
      const { id, before, after } = changes[i];
      if (before === after) continue;
      const table = this.table(tableOfId(id));
      const slot = slots[i];
      if (before && after && slot) {
        // A patch usually leaves most of a table's index keys alone: those
        // indexes see the new document through the shared slot.
        const moved: [SortedIndex, Key][] = [];
        for (const [index, roots] of table.roots) {
          if (roots.every((field) => before[field] === after[field])) continue;
          const beforeKey = index.keyOf(before);
          const afterKey = index.keyOf(after);
          if (compareKeys(beforeKey, afterKey) === 0) continue;
          index.remove(slot, beforeKey);
          moved.push([index, afterKey]);
        }
        slot.doc = after;
        for (const [index, afterKey] of moved) index.insert(slot, afterKey);
      } else if (before && slot) {
        for (const index of table.indexes.values()) index.remove(slot);
        table.slots.delete(id);
      } else if (after) {
        const added: Slot = { id, doc: after };
        table.slots.set(id, added);
        for (const index of table.indexes.values()) index.insert(added);
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
    const docs =
      pendingIds.size === 0
        ? committed
        : mergeStreams(committed, pendingIds, pending, (a, b) => direction * compareKeys(index.keyOf(a), index.keyOf(b)));
    const reads = readTracking.getStore();
    return reads ? reads.track({ table: tableName, index, atOrAfterStart, afterEnd, order }, docs) : docs;
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

    // Reads by id join the running query's read set, if one is recorded.
    const originalGet = db.get.bind(db);
    db.get = (table, id) => {
      readTracking.getStore()?.ids.add(id);
      return originalGet(table, id);
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
