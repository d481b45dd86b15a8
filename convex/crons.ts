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
crons.daily("analytics retention", { hourUTC: 3, minuteUTC: 17 }, internal.analytics.retention.sweep, {});

export default crons;
