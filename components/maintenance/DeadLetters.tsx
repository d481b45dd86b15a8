"use client";

import { useAction, useMutation, useQuery } from "convex/react";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { channelLabel, formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";

/**
 * Webhook events Convex refused as input (convex/deadLetters.ts): how many,
 * the latest few with their reason, and for the owner Retry (through
 * ingest, as if the platform sent it again) and Dismiss.
 */
export function DeadLetters() {
  const data = useQuery(api.deadLetters.overview, {});
  const viewer = useQuery(api.users.viewer, {});
  const retry = useAction(api.deadLetters.retry);
  const dismiss = useMutation(api.deadLetters.dismiss);
  const action = useOperatorAction<string>();
  const [outcome, setOutcome] = useState<string | null>(null);
  if (data === undefined) return null;
  const isOwner = viewer?.role === "owner";

  async function onRetry(id: Id<"deadLetters">) {
    setOutcome(null);
    await action.run(`retry:${id}`, async () => {
      const result = await retry({ id });
      setOutcome(result.stored ? "Stored: the event went through ingest." : `Refused again: ${result.reason}`);
    });
  }

  return (
    <section className="card table-wrap" aria-label="Refused webhook events">
      <h2>Refused webhook events</h2>
      <p className="muted">
        Events a platform sent that Convex would not store, kept for a retry (after a fix) and purged after the days set in
        Settings. {data.count === 0 ? "None." : `${data.more ? `${data.count}+` : data.count} kept; the latest:`}
      </p>
      {data.latest.length > 0 && (
        <table className="data" aria-label="Refused events">
          <thead>
            <tr>
              <th>Received</th>
              <th>Channel</th>
              <th>Reason</th>
              <th>Event</th>
              {isOwner && <th />}
            </tr>
          </thead>
          <tbody>
            {data.latest.map((letter) => (
              <tr key={letter._id}>
                <td className="nowrap">{formatTime(letter.receivedAt)}</td>
                <td>{channelLabel(letter.channel)}</td>
                <td>
                  {letter.reason}
                  {letter.retries > 0 && <span className="muted"> (retried {letter.retries}×)</span>}
                </td>
                <td>
                  <code>{letter.preview}</code>
                  {(letter.truncated || letter.preview.length < letter.bytes) && (
                    <span className="muted"> … {letter.truncated ? `cut from ${letter.bytes} bytes` : `${letter.bytes} bytes`}</span>
                  )}
                </td>
                {isOwner && (
                  <td className="nowrap">
                    <button type="button" disabled={action.busy !== null || letter.truncated} onClick={() => void onRetry(letter._id)}>
                      {action.busy === `retry:${letter._id}` ? "Retrying…" : "Retry"}
                    </button>{" "}
                    <button type="button" disabled={action.busy !== null} onClick={() => void action.run(`dismiss:${letter._id}`, () => dismiss({ id: letter._id }))}>
                      Dismiss
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {outcome && <p role="status">{outcome}</p>}
      <ErrorText error={action.error} />
    </section>
  );
}
