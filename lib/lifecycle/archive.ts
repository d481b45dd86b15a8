// The archive blob: a conversation's cold rows as gzip'd JSON, addressed by
// its SHA-256. Pure and ctx-free so the codec is unit-tested and the Convex
// side only moves bytes. Web Crypto's `crypto.subtle` exists in Convex's
// default runtime and in Node, so no "use node" is needed.
import { gunzipSync, gzipSync, strFromU8, strToU8 } from "fflate";

/** Bumped when the payload's shape changes; decode refuses versions it does not know. */
export const ARCHIVE_FORMAT_VERSION = 1;

/** Conversations one archive request may name (dashboard and HTTP API). */
export const MAX_ARCHIVE_SELECTION = 50;

/** Row sets an archive carries, in the order restore needs them. */
export const ARCHIVED_TABLES = ["batches", "meetings", "scheduledActions", "messages"] as const;
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];

/** A stored document as plain JSON: `_id` and `_creationTime` kept for remapping and audit. */
export type ArchivedRow = { _id: string; _creationTime: number } & Record<string, unknown>;

export type ArchivePayload = {
  version: number;
  conversationId: string;
  /** Rows created at or before this `_creationTime` belong to the archive. */
  cutoff: number;
  rows: Record<ArchivedTable, ArchivedRow[]>;
};

export type ArchiveCounts = Record<ArchivedTable, number>;

export type ArchiveManifest = {
  sha256: string;
  rawBytes: number;
  compressedBytes: number;
  counts: ArchiveCounts;
};

/** A blob that does not match its manifest, or is not an archive at all. */
export class ArchiveCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveCorruptError";
  }
}

export function countRows(rows: ArchivePayload["rows"]): ArchiveCounts {
  return {
    batches: rows.batches.length,
    meetings: rows.meetings.length,
    scheduledActions: rows.scheduledActions.length,
    messages: rows.messages.length,
  };
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Copy into a fresh ArrayBuffer: subtle.digest refuses views over shared or offset buffers in some runtimes.
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Level 6 is fflate's default: chat text compresses ~5–8×, and level 9 buys little for twice the time. */
const GZIP_LEVEL = 6;

export async function encodeArchive(payload: ArchivePayload): Promise<{ bytes: Uint8Array; manifest: ArchiveManifest }> {
  const raw = strToU8(JSON.stringify(payload));
  const bytes = gzipSync(raw, { level: GZIP_LEVEL });
  return {
    bytes,
    manifest: {
      sha256: await sha256Hex(bytes),
      rawBytes: raw.byteLength,
      compressedBytes: bytes.byteLength,
      counts: countRows(payload.rows),
    },
  };
}

/**
 * Verifies the hash before anything else, then inflates and checks the
 * shape and counts. Throws ArchiveCorruptError naming what is wrong; the
 * caller must not have changed anything yet.
 */
export async function decodeArchive(bytes: Uint8Array, expected: Pick<ArchiveManifest, "sha256" | "counts">): Promise<ArchivePayload> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected.sha256) {
    throw new ArchiveCorruptError(`Archive blob is corrupt: SHA-256 ${actual.slice(0, 12)}… does not match the manifest's ${expected.sha256.slice(0, 12)}…`);
  }
  let payload: ArchivePayload;
  try {
    payload = JSON.parse(strFromU8(gunzipSync(bytes))) as ArchivePayload;
  } catch (error) {
    throw new ArchiveCorruptError(`Archive blob does not inflate to JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (payload?.version !== ARCHIVE_FORMAT_VERSION) {
    throw new ArchiveCorruptError(`Archive format version ${String(payload?.version)} is not supported (expected ${ARCHIVE_FORMAT_VERSION})`);
  }
  for (const table of ARCHIVED_TABLES) {
    const rows = payload.rows?.[table];
    if (!Array.isArray(rows)) throw new ArchiveCorruptError(`Archive has no ${table} list`);
    if (rows.length !== expected.counts[table]) {
      throw new ArchiveCorruptError(`Archive holds ${rows.length} ${table}, the manifest says ${expected.counts[table]}`);
    }
  }
  return payload;
}
