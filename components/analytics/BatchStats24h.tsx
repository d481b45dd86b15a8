"use client";

import { useQuery } from "convex/react";
import Link from "next/link";
import { api } from "@/convex/_generated/api";
import { MINUTE } from "@/lib/time";
import { flushReasonLabel, formatDuration } from "../format";
import { useNow } from "../followups/RelativeTime";

/** One line of the last 24 hours' batching (the seed's statistics), live; shown on the Playground and Conversations pages. */
export function BatchStats24h() {
  const clock = useNow(MINUTE);
  const now = Math.floor(clock / MINUTE) * MINUTE;
  const stats = useQuery(api.analytics.queries.batchStats24h, { now });
  if (!stats) return null;
  const reasons = Object.entries(stats.reasons).sort((a, b) => b[1] - a[1]);
  return (
    <p className="muted" data-testid="batch-stats-24h">
      Last 24 h: {stats.batches} {stats.batches === 1 ? "batch" : "batches"}
      {stats.averageSize !== null && ` · ${stats.averageSize.toFixed(1)} messages on average`}
      {stats.averageWaitMs !== null && ` · ${formatDuration(stats.averageWaitMs)} average wait`}
      {reasons.length > 0 && ` · ${reasons.map(([reason, count]) => `${flushReasonLabel(reason)} ${count}`).join(", ")}`}
      {!stats.complete && " (partial)"} · <Link href="/analytics">analytics →</Link>
    </p>
  );
}
