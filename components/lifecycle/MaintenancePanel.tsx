"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import { ErrorText } from "../ErrorText";
import { formatDuration, formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import { formatBytes, jobLabel, slotLabel } from "./format";

const JOBS = ["cleanup", "archive", "stats", "autoResolve", "metadata"] as const;

/** Last runs of each maintenance job, the latest database figures, and run-now buttons. */
export function MaintenancePanel() {
  const data = useQuery(api.lifecycle.maintenance.overview, {});
  const runNow = useMutation(api.lifecycle.maintenance.runNow);
  const action = useOperatorAction<(typeof JOBS)[number]>();
  if (data === undefined) return <p className="muted">Loading…</p>;
  const computedAt = data.stats.length ? Math.max(...data.stats.map((s) => s.computedAt)) : null;

  return (
    <>
      <section className="card" aria-label="Jobs">
        <h2>Jobs</h2>
        <p className="muted">
          Times are in the business time zone ({data.timeZone}, from Working hours):{" "}
          {data.slots.map((s) => `${jobLabel(s.kind).toLowerCase()} ${slotLabel(s)}`).join("; ")}; auto-resolve every 15 minutes.
        </p>
        <div className="controls">
          {JOBS.map((kind) => (
            <button key={kind} type="button" disabled={action.busy !== null} onClick={() => void action.run(kind, () => runNow({ kind }))}>
              {action.busy === kind ? "Starting…" : `Run ${jobLabel(kind).toLowerCase()} now`}
            </button>
          ))}
        </div>
        <ErrorText error={action.error} />
      </section>
      <section className="card table-wrap" aria-label="Last runs">
        <h2>Last runs</h2>
        {data.runs.length === 0 ? (
          <p className="muted">No runs yet.</p>
        ) : (
          <table className="data" aria-label="Maintenance runs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Started</th>
                <th>Status</th>
                <th>Took</th>
                <th>Done</th>
                <th>Freed</th>
              </tr>
            </thead>
            <tbody>
              {data.runs.map((run) => (
                <tr key={run._id}>
                  <td>
                    {jobLabel(run.kind)} <span className="muted">{run.trigger === "manual" ? "(run now)" : run.localDate ? `(for ${run.localDate})` : "(cron)"}</span>
                  </td>
                  <td className="nowrap">{formatTime(run.startedAt)}</td>
                  <td>
                    {run.status}
                    {run.error && <span className="error-text"> {run.error}</span>}
                    {run.note && <span className="muted"> {run.note}</span>}
                  </td>
                  <td>{run.finishedAt !== undefined ? formatDuration(run.finishedAt - run.startedAt) : `${run.pages} pages so far`}</td>
                  <td>
                    {Object.entries(run.counts)
                      .filter(([, n]) => n > 0)
                      .map(([name, n]) => `${name.replace(/_/g, " ")} ${n}`)
                      .join(", ") || "nothing"}
                  </td>
                  <td>{run.bytesFreed ? formatBytes(run.bytesFreed) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card table-wrap" aria-label="Database">
        <h2>Database</h2>
        <p className="muted">
          {computedAt === null
            ? "Not counted yet: run database stats (Convex has no cheap count, so this page never scans)."
            : `As of ${formatTime(computedAt)}. Bytes are each document's JSON size, close to what Convex stores.`}{" "}
          Convex has no VACUUM or index rebuild: deleted documents free their space and index entries when they commit.
        </p>
        {data.stats.length > 0 && (
          <table className="data" aria-label="Tables">
            <thead>
              <tr>
                <th>Table</th>
                <th>Documents</th>
                <th>Approx. size</th>
              </tr>
            </thead>
            <tbody>
              {[...data.stats]
                .sort((a, b) => b.approxBytes - a.approxBytes)
                .map((s) => (
                  <tr key={s.table}>
                    <td>{s.table === "fileStorage" ? "file storage (archives)" : s.table}</td>
                    <td>{s.documents.toLocaleString()}</td>
                    <td>{formatBytes(s.approxBytes)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
