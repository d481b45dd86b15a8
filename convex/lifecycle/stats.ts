/**
 * Database stats: documents and approximate bytes per table, counted by a
 * paged job (Convex has no cheap count) and stored with the time they were
 * computed, so the Maintenance page reads a dozen rows and never scans.
 * Bytes are the size of each document's JSON encoding: close to, not
 * exactly, what Convex bills.
 */
import { convexToJson, v, type Value } from "convex/values";
import { internal } from "../_generated/api";
import type { TableNames } from "../_generated/dataModel";
import { internalMutation } from "../_generated/server";
import { finishRun, patchRun, publishStats } from "../model/maintenanceRuns";

/** Documents counted per transaction: ~1,000 messages read is ~1 MB of the 16 MiB limit. */
const STATS_PAGE = 1000;

export const STATS_TABLES = [
  "conversations",
  "messages",
  "batches",
  "contacts",
  "scheduledActions",
  "meetings",
  "settings",
  "archives",
  "archivedMessageKeys",
  "restoredRowIds",
  "readMarkers",
  "maintenanceRuns",
  "databaseStats",
  "syncStatus",
] as const satisfies readonly TableNames[];

/** File storage is counted too: it is where archives live. */
const STORAGE = "fileStorage";
const ALL = [...STATS_TABLES, STORAGE] as const;
type Counted = (typeof ALL)[number];

export const stats = internalMutation({
  args: { runId: v.id("maintenanceRuns"), table: v.optional(v.string()), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.null(),
  handler: async (ctx, { runId, table = ALL[0], cursor = null }) => {
    const run = await ctx.db.get("maintenanceRuns", runId);
    if (!run || run.status !== "running") return null;
    const current = table as Counted;
    let documents = 0;
    let bytes = 0;
    const extra: Record<string, number> = {};
    let page: { continueCursor: string; isDone: boolean };
    if (current === STORAGE) {
      const result = await ctx.db.system.query("_storage").paginate({ numItems: STATS_PAGE, cursor });
      for (const blob of result.page) {
        documents++;
        bytes += blob.size;
      }
      page = result;
    } else {
      const result = await ctx.db.query(current).paginate({ numItems: STATS_PAGE, cursor });
      for (const doc of result.page) {
        documents++;
        bytes += JSON.stringify(convexToJson(doc as unknown as Value)).length;
        if (current === "archives") {
          const archive = doc as { status: string; compressedBytes?: number; rawBytes?: number };
          if (archive.status === "archived" || archive.status === "removing") {
            extra.archivesStored = (extra.archivesStored ?? 0) + 1;
            extra.archiveCompressedBytes = (extra.archiveCompressedBytes ?? 0) + (archive.compressedBytes ?? 0);
            extra.archiveRawBytes = (extra.archiveRawBytes ?? 0) + (archive.rawBytes ?? 0);
          }
        }
      }
      page = result;
    }
    const tables = { ...run.tables };
    const before = tables[current] ?? { documents: 0, bytes: 0 };
    tables[current] = { documents: before.documents + documents, bytes: before.bytes + bytes };
    const counts = { ...run.counts };
    for (const [key, value] of Object.entries(extra)) counts[key] = (counts[key] ?? 0) + value;
    await patchRun(ctx, runId, { tables, counts, pages: run.pages + 1 });

    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.stats.stats, { runId, table: current, cursor: page.continueCursor });
      return null;
    }
    const next = ALL[ALL.indexOf(current) + 1];
    if (next) {
      await ctx.scheduler.runAfter(0, internal.lifecycle.stats.stats, { runId, table: next, cursor: null });
      return null;
    }
    // Done: publish the figures, one row per table.
    const now = Date.now();
    await publishStats(ctx, tables, now);
    await finishRun(ctx, runId, now);
    return null;
  },
});
