import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

// Batches whose action died mid-flight; a lease is minutes long, so a
// minute's delay is noise. (Interval crons do not pile up on minute :00.)
crons.interval("batch watchdog", { minutes: 1 }, internal.batching.watchdog.sweep, {});
// Follow-ups and operator messages whose run died; stalls count after 15 minutes.
crons.interval("follow-up recovery", { minutes: 5 }, internal.followups.recoverStalled, {});
// Analytics: merge new events into the buckets (a run costs O(new events)); trim old ones daily.
crons.interval("analytics rollup", { minutes: 1 }, internal.analytics.rollup.run, {});
// Reports of closed days, weeks and months (business zone): an hourly check starts each once.
crons.hourly("analytics reports", { minuteUTC: 5 }, internal.analytics.reports.tick, {});
crons.daily("analytics retention", { hourUTC: 3, minuteUTC: 17 }, internal.analytics.retention.sweep, {});
// Lifecycle (convex/lifecycle): Convex crons run in UTC, so the jobs that run at a
// business-local time (cleanup and stats 02:00, archive 03:00, metadata Sunday 04:00)
// are hourly gates that start the job once the local hour has come (lib/lifecycle/schedule.ts).
crons.hourly("lifecycle cleanup at 02:00 local", { minuteUTC: 7 }, internal.lifecycle.maintenance.localTimeGate, { kind: "cleanup" });
crons.hourly("lifecycle stats at 02:00 local", { minuteUTC: 37 }, internal.lifecycle.maintenance.localTimeGate, { kind: "stats" });
crons.hourly("lifecycle archive at 03:00 local", { minuteUTC: 17 }, internal.lifecycle.maintenance.localTimeGate, { kind: "archive" });
crons.hourly("lifecycle metadata Sunday 04:00 local", { minuteUTC: 27 }, internal.lifecycle.maintenance.localTimeGate, { kind: "metadata" });
crons.interval("lifecycle auto-resolve", { minutes: 15 }, internal.lifecycle.maintenance.autoResolveTick, {});
// Archive writes and restores whose action died (lease run out) are restarted; a restore resumes where it stopped.
crons.interval("lifecycle archive recovery", { minutes: 15 }, internal.lifecycle.recover.resumeStuck, {});
crons.interval("lifecycle history sync", { minutes: 30 }, internal.lifecycle.sync.syncRecent, { mode: "incremental" });
crons.daily("lifecycle full history sync", { hourUTC: 1, minuteUTC: 47 }, internal.lifecycle.sync.syncRecent, { mode: "full" });
// Inbox: conversations from before status was stored join the Open tab (a no-op read once none are left).
crons.interval("inbox status backfill", { minutes: 60 }, internal.inbox.backfillStatus, {});

export default crons;
