"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";

/** History sync with the platform: last result, retries, and Sync now. */
export function SyncStatusCard({ conversationId }: { conversationId: Id<"conversations"> }) {
  const status = useQuery(api.lifecycle.sync.syncStatusOf, { conversationId });
  const syncNow = useMutation(api.lifecycle.sync.syncNow);
  const action = useOperatorAction<"incremental" | "full">();
  if (status === undefined) return null;
  return (
    <section className="panel-subsection" aria-label="History sync">
      <h4>History sync</h4>
      {status === null ? (
        <p className="muted">Not synced yet.</p>
      ) : status.status === "unsupported" ? (
        <p className="muted">Not supported: {status.error}</p>
      ) : (
        <p className={status.status === "failed" ? "error-text" : "muted"}>
          {status.status === "synced" && `Synced ${status.lastSyncAt !== undefined ? formatTime(status.lastSyncAt) : ""}: ${status.stored ?? 0} new, ${status.late ?? 0} too old to answer`}
          {status.status === "pending" && `Retry ${status.retryCount} of 3 ${status.nextAttemptAt !== undefined ? `at ${formatTime(status.nextAttemptAt)}` : ""} after: ${status.error}`}
          {status.status === "failed" && `Failed after ${status.retryCount} attempts: ${status.error}`}
        </p>
      )}
      {status?.status !== "unsupported" && (
        <div className="controls">
          <button type="button" disabled={action.busy !== null} onClick={() => void action.run("incremental", () => syncNow({ conversationId, mode: "incremental" }))}>
            Sync now
          </button>
          <button type="button" disabled={action.busy !== null} onClick={() => void action.run("full", () => syncNow({ conversationId, mode: "full" }))}>
            Full sync
          </button>
        </div>
      )}
      <ErrorText error={action.error} />
    </section>
  );
}
