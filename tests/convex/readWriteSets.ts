/**
 * Records what one transaction reads and writes, the way Convex's
 * optimistic concurrency sees it: point reads of documents, index range
 * reads (the range the query's index bounds describe), and every document
 * written with its values before and after. Two transactions conflict on
 * Convex cloud when one writes something inside the other's read set; this
 * finds those overlaps, so a test can count them where convex-test (one
 * transaction at a time) never shows a conflict.
 *
 * Conservative on purpose: a `.first()` or `.take(n)` is recorded as its
 * whole index range, which can only over-report.
 */
import type { GenericMutationCtx } from "convex/server";
import type { DataModel } from "../../convex/_generated/dataModel";

type Ctx = GenericMutationCtx<DataModel>;
type Value = unknown;
type Bound = { op: "eq" | "gt" | "gte" | "lt" | "lte"; field: string; value: Value };

export type Read =
  | { kind: "doc"; id: string }
  | { kind: "range"; table: string; index: string; bounds: Bound[] };
export type Write = { table: string; id: string; before?: Record<string, Value> | null; after?: Record<string, Value> | null };
export type Transaction = { label: string; reads: Read[]; writes: Write[] };

/** Wraps `ctx` so everything the transaction touches lands in `tx`. */
export function recording(ctx: Ctx, tx: Transaction): Ctx {
  const db = ctx.db;
  const idArgs = (args: unknown[]) => (args.length >= 2 && typeof args[0] === "string" && typeof args[1] === "string" ? args.slice(1) : args);

  const get = async (...args: unknown[]) => {
    const [id] = idArgs(args) as [string];
    tx.reads.push({ kind: "doc", id });
    return await (db.get as (...a: unknown[]) => Promise<unknown>)(...args);
  };

  const query = (table: string) => {
    const real = db.query(table as never);
    return new Proxy(real, {
      get(target, prop) {
        if (prop === "withIndex") {
          return (index: string, range?: (q: unknown) => unknown) => {
            const bounds: Bound[] = [];
            tx.reads.push({ kind: "range", table, index, bounds });
            return (target as unknown as { withIndex: (i: string, r?: (q: unknown) => unknown) => unknown }).withIndex(
              index,
              range && ((q: unknown) => range(recordBounds(q, bounds))),
            );
          };
        }
        if (prop === "fullTableScan" || prop === "order" || prop === "filter" || prop === "take" || prop === "collect" || prop === "first" || prop === "unique" || prop === "paginate") {
          // A query without an index reads the whole table.
          tx.reads.push({ kind: "range", table, index: "by_creation_time", bounds: [] });
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };

  const write = (op: "insert" | "patch" | "replace" | "delete") =>
    async (...args: unknown[]) => {
      if (op === "insert") {
        const [table, value] = args as [string, Record<string, Value>];
        const id = (await db.insert(table as never, value as never)) as unknown as string;
        tx.writes.push({ table, id, before: null, after: { ...value } });
        return id;
      }
      // This project always names the table: patch("messages", id, fields).
      const [table, id] = args as [string, string];
      const before = (await db.get(table as never, id as never)) as Record<string, Value> | null;
      const result = await (db[op] as (...a: unknown[]) => Promise<unknown>)(...args);
      const after = op === "delete" ? null : ((await db.get(table as never, id as never)) as Record<string, Value> | null);
      tx.writes.push({ table, id, before, after });
      return result;
    };

  const recordedDb = new Proxy(db, {
    get(target, prop) {
      if (prop === "get") return get;
      if (prop === "query") return query;
      if (prop === "insert" || prop === "patch" || prop === "replace" || prop === "delete") return write(prop);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  const scheduler = ctx.scheduler;
  const recordedScheduler = new Proxy(scheduler, {
    get(target, prop) {
      if (prop === "runAfter" || prop === "runAt") {
        return async (...args: unknown[]) => {
          const id = await (target[prop] as unknown as (...a: unknown[]) => Promise<string>)(...args);
          tx.writes.push({ table: "_scheduled_functions", id, before: null, after: { state: "pending" } });
          return id;
        };
      }
      if (prop === "cancel") {
        return async (id: string) => {
          tx.writes.push({ table: "_scheduled_functions", id });
          return await target.cancel(id as never);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  return new Proxy(ctx, {
    get(target, prop) {
      if (prop === "db") return recordedDb;
      if (prop === "scheduler") return recordedScheduler;
      return Reflect.get(target, prop, target);
    },
  });
}

/** A proxy over convex's index range builder that notes each bound. */
function recordBounds(q: unknown, bounds: Bound[]): unknown {
  return new Proxy(q as object, {
    get(target, prop) {
      if (prop === "eq" || prop === "gt" || prop === "gte" || prop === "lt" || prop === "lte") {
        return (field: string, value: Value) => {
          bounds.push({ op: prop, field, value });
          return recordBounds((target as Record<string, (f: string, v: Value) => unknown>)[prop](field, value), bounds);
        };
      }
      return Reflect.get(target, prop, target);
    },
  });
}

function fieldOf(doc: Record<string, Value>, path: string): Value {
  return path.split(".").reduce<Value>((v, key) => (v && typeof v === "object" ? (v as Record<string, Value>)[key] : undefined), doc);
}

/** Convex orders undefined first, then numbers, then strings; enough for the fields indexed here. */
function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function inRange(read: Extract<Read, { kind: "range" }>, doc: Record<string, Value>): boolean {
  return read.bounds.every(({ op, field, value }) => {
    const c = compare(fieldOf(doc, field), value);
    return op === "eq" ? c === 0 : op === "gt" ? c > 0 : op === "gte" ? c >= 0 : op === "lt" ? c < 0 : c <= 0;
  });
}

/** Whether `writer` wrote something `reader` read: on Convex cloud, one of them retries. */
export function overlaps(reader: Transaction, writer: Transaction): string[] {
  const found: string[] = [];
  for (const w of writer.writes) {
    const table = w.table;
    for (const r of reader.reads) {
      if (r.kind === "doc" && r.id === w.id) found.push(`${reader.label} read ${table} ${w.id} that ${writer.label} wrote`);
      if (r.kind === "range" && r.table === table && [w.before, w.after].some((d) => d && inRange(r, d))) {
        found.push(`${reader.label} read ${table}.${r.index} ${JSON.stringify(r.bounds)} where ${writer.label} wrote ${w.id}`);
      }
    }
  }
  return found;
}
