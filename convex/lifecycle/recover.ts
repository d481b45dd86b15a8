/**
 * Restarts archive jobs whose action died: an archive `writing` or
 * `restoring` whose lease ran out (nothing has moved it for
 * ARCHIVE_LEASE_MS, longer than an action may run). A write is simply run
 * again (it reads rows, builds the blob, and only the first run to store
 * one wins); a restore resumes where it stopped (unarchive.ts). After
 * MAX_RESUMES restarts a job is left alone with its error: a write is
 * marked failed (nothing was removed), a restore stays restoring for the
 * operator's Unarchive button, which resumes it again.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { patchArchive } from "../model/archives";
import { ARCHIVE_LEASE_MS } from "./archive";
import { scheduleRestore } from "./unarchive";

/** Restarts per job before the cron gives up on it. */
export const MAX_RESUMES = 3;
/** Stuck jobs looked at per status per tick; more wait for the next tick. */
const RECOVER_PAGE = 25;

export const resumeStuck = internalMutation({
  args: {},
  returns: v.object({ writes: v.number(), restores: v.number(), gaveUp: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const result = { writes: 0, restores: 0, gaveUp: 0 };
    for (const status of ["writing", "restoring"] as const) {
      const jobs = await ctx.db
        .query("archives")
        .withIndex("by_status", (q) => q.eq("status", status))
        .take(RECOVER_PAGE);
      for (const archive of jobs) {
        const leaseUntil = archive.leaseUntil ?? archive._creationTime + ARCHIVE_LEASE_MS;
        if (leaseUntil > now) continue;
        const resumes = (archive.resumes ?? 0) + 1;
        if (resumes > MAX_RESUMES) {
          if (status === "writing") {
            await patchArchive(ctx, archive._id, { status: "failed", lastError: `The archive's writer stopped ${MAX_RESUMES + 1} times; nothing was removed${archive.lastError ? ` (${archive.lastError})` : ""}`, leaseUntil: undefined });
            result.gaveUp++;
          } else if (archive.leaseUntil !== undefined) {
            // Left for an operator; cleared lease so it is counted once.
            await patchArchive(ctx, archive._id, { leaseUntil: undefined, lastError: `${archive.lastError ?? "The restore stopped"}; stopped retrying after ${MAX_RESUMES} restarts: press Unarchive to resume` });
            result.gaveUp++;
          }
          continue;
        }
        if (status === "writing") {
          await patchArchive(ctx, archive._id, { leaseUntil: now + ARCHIVE_LEASE_MS, resumes });
          await ctx.scheduler.runAfter(0, internal.lifecycle.archive.write, { archiveId: archive._id });
          result.writes++;
        } else {
          await scheduleRestore(ctx, archive, now, resumes);
          result.restores++;
        }
      }
    }
    return result;
  },
});
