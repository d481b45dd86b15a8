import type { FunctionReturnType } from "convex/server";
import { Fragment } from "react";
import type { api } from "@/convex/_generated/api";
import { flushReasonLabel, formatDuration, formatTime } from "./format";

export type BatchRow = FunctionReturnType<typeof api.dashboard.batches>[number];

const COLUMNS = 7;

const OUTCOME_TONE: Record<string, string> = {
  replied: "ok",
  failed: "danger",
  superseded: "warn",
  processing: "info",
  sending: "info",
};

/** One row per flushed burst: how many messages, how long they waited, why it flushed and what came of it. */
export function BatchTable({ rows }: { rows: BatchRow[] | undefined }) {
  if (rows === undefined) return <p className="muted">Loading batches…</p>;
  if (rows.length === 0) return <p className="muted">No batch yet: the burst is answered once the window ends.</p>;
  return (
    <div className="table-wrap">
      <table className="data compact" aria-label="Batches">
        <thead>
          <tr>
            <th>Flushed</th>
            <th className="num" title="Messages in the batch">
              Msgs
            </th>
            <th className="num" title="From the first message to the flush">
              Wait
            </th>
            <th>Reason</th>
            <th>Outcome</th>
            <th>Responder</th>
            <th className="num" title="Time the responder took to write the reply">
              Took
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((batch) => (
            <Fragment key={batch.id}>
              <tr>
                <td>{formatTime(batch.flushedAt)}</td>
                <td className="num">{batch.messageCount}</td>
                <td className="num" data-ms={batch.bufferDurationMs}>
                  {formatDuration(batch.bufferDurationMs)}
                </td>
                <td>{flushReasonLabel(batch.flushReason)}</td>
                <td>
                  <span className={`badge ${OUTCOME_TONE[batch.outcome] ?? ""}`}>{batch.outcome}</span>
                  {batch.attempts > 1 && <div className="muted">{batch.attempts} attempts</div>}
                </td>
                <td>
                  <Responder batch={batch} />
                </td>
                <td className="num">
                  {batch.processingDurationMs === undefined ? "–" : formatDuration(batch.processingDurationMs)}
                </td>
              </tr>
              {batch.lastError && (
                <tr className="batch-error">
                  <td colSpan={COLUMNS} className="error-text">
                    {batch.lastError}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Responder({ batch }: { batch: BatchRow }) {
  if (batch.responder === "offline") {
    return (
      <span className="badge warn" title="No ANTHROPIC_API_KEY is set, so the offline responder answered">
        offline
      </span>
    );
  }
  return <span>{batch.model ?? "–"}</span>;
}
