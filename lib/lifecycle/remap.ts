// Restoring an archive inserts every row again, so every row gets a new id
// and every reference between archived rows must follow. Pure: the Convex
// side inserts in ARCHIVED_TABLES order and feeds the new ids back in.
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { ArchivedRow, ArchivedTable } from "./archive";

/**
 * Id fields of archived rows that point at other archived rows. `deferred`
 * ones point forward in restore order (a batch's reply message is inserted
 * after the batch), so they are patched in once everything exists.
 */
export const REFERENCES: Record<ArchivedTable, Record<string, { table: ArchivedTable; deferred: boolean }>> = {
  batches: { replyMessageId: { table: "messages", deferred: true } },
  meetings: { batchId: { table: "batches", deferred: false } },
  scheduledActions: {
    batchId: { table: "batches", deferred: false },
    meetingId: { table: "meetings", deferred: false },
    messageId: { table: "messages", deferred: true },
  },
  messages: {
    batchId: { table: "batches", deferred: false },
    scheduledActionId: { table: "scheduledActions", deferred: false },
  },
};

/** Old id → new id, per table, filled as rows are inserted. */
export type IdMap = Record<ArchivedTable, Map<string, string>>;

export function emptyIdMap(): IdMap {
  return { batches: new Map(), meetings: new Map(), scheduledActions: new Map(), messages: new Map() };
}

/** A stored document → archive JSON (Convex's own encoding keeps bigint, bytes and non-finite numbers exact). */
export function toArchivedRow(doc: Record<string, Value | undefined>): ArchivedRow {
  return convexToJson(stripUndefined(doc) as Value) as ArchivedRow;
}

function stripUndefined(doc: Record<string, Value | undefined>): Record<string, Value> {
  return Object.fromEntries(Object.entries(doc).filter(([, value]) => value !== undefined)) as Record<string, Value>;
}

export type PreparedRow = {
  oldId: string;
  /** What to insert: system fields dropped, known references remapped, deferred ones left out. */
  fields: Record<string, Value>;
  /** Forward references to patch after every row exists: field → old id. */
  deferred: Record<string, string>;
};

/**
 * A reference to a row outside the archive (never expected, but a hand
 * edit could make one) keeps its old value rather than being dropped.
 */
export function prepareRow(table: ArchivedTable, row: ArchivedRow, ids: IdMap): PreparedRow {
  const { _id, _creationTime, ...rest } = jsonToConvex(row as never) as Record<string, Value>;
  void _creationTime;
  const fields: Record<string, Value> = { ...rest };
  const deferred: Record<string, string> = {};
  for (const [field, ref] of Object.entries(REFERENCES[table])) {
    const old = fields[field];
    if (typeof old !== "string") continue;
    if (ref.deferred) {
      deferred[field] = old;
      delete fields[field];
      continue;
    }
    fields[field] = ids[ref.table].get(old) ?? old;
  }
  return { oldId: _id as string, fields, deferred };
}

/** The patch a row needs once every table is restored; empty when it has no forward references. */
export function deferredPatch(table: ArchivedTable, deferred: Record<string, string>, ids: IdMap): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const [field, old] of Object.entries(deferred)) {
    patch[field] = ids[REFERENCES[table][field].table].get(old) ?? old;
  }
  return patch;
}
