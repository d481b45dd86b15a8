"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { ReportPeriod } from "@/lib/analytics/report";
import { ErrorText } from "../ErrorText";
import { formatTimeIn } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import styles from "./analytics.module.css";
import { Loading } from "./parts";

const PERIODS: { id: ReportPeriod; label: string }[] = [
  { id: "daily", label: "Today so far" },
  { id: "weekly", label: "This week so far" },
  { id: "monthly", label: "This month so far" },
];

/**
 * Generated reports: the cron's closed days, weeks and months and the
 * owner's "so far" ones, each a CSV with a row per conversation.
 */
export function ReportsSection() {
  const reports = useQuery(api.analytics.reports.list, {});
  const viewer = useQuery(api.users.viewer, {});
  const generate = useMutation(api.analytics.reports.generateNow);
  const action = useOperatorAction<ReportPeriod>();
  return (
    <section className={`card ${styles.wide}`} aria-label="Reports" data-testid="reports">
      <h2 className={styles.chartTitle}>
        <span>Reports (CSV, one row per conversation)</span>
      </h2>
      {viewer?.role === "owner" && (
        <div className="toolbar">
          {PERIODS.map((p) => (
            <button key={p.id} type="button" disabled={action.busy !== null} onClick={() => void action.run(p.id, () => generate({ period: p.id }))}>
              {action.busy === p.id ? "Generating…" : `Generate: ${p.label.toLowerCase()}`}
            </button>
          ))}
        </div>
      )}
      <ErrorText error={action.error} />
      {reports === undefined ? (
        <Loading />
      ) : reports.length === 0 ? (
        <div className={styles.empty} data-empty="true">
          No reports yet. Daily, weekly and monthly reports are made after each period ends.
        </div>
      ) : (
        <table className="data" aria-label="Reports">
          <thead>
            <tr>
              <th>Period</th>
              <th>From</th>
              <th>To</th>
              <th>Conversations</th>
              <th>CSAT / NPS</th>
              <th>File</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r._id} data-testid="report-row">
                <td>
                  {r.period}
                  {r.toDate ? " (so far)" : ""}
                </td>
                <td>{formatTimeIn(r.from, r.timeZone)}</td>
                <td>{formatTimeIn(r.toDate ? r.to - 1 : r.to, r.timeZone)}</td>
                <td>{r.summary?.conversations ?? "—"}</td>
                <td>
                  {r.summary?.csatAverage ?? "—"} / {r.summary?.nps ?? "—"}
                </td>
                <td>
                  {r.status === "ready" && r.url ? (
                    <a href={r.url} download={`${r.period}-${new Date(r.from).toISOString().slice(0, 10)}.csv`}>
                      Download CSV ({r.rows} rows)
                    </a>
                  ) : r.status === "failed" ? (
                    <span className="error">Failed: {r.error}</span>
                  ) : (
                    <span className="muted">generating…</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
