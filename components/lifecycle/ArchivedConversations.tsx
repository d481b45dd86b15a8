"use client";

import { useMutation, usePaginatedQuery } from "convex/react";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import type { Doc } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { channelLabel, formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import { archiveReasonLabel, formatBytes } from "./format";

const PAGE = 25;

/** The archived filter of the conversations list: archived conversations with Unarchive. */
export function ArchivedConversations() {
  const [open, setOpen] = useState(false);
  return (
    <section className="card" aria-label="Archived conversations">
      <label className="switch">
        <input type="checkbox" checked={open} onChange={(e) => setOpen(e.target.checked)} />
        Show archived conversations
      </label>
      {open && <ArchivedList />}
    </section>
  );
}

function ArchivedList() {
  const { results, status, loadMore } = usePaginatedQuery(api.lifecycle.archive.archivedConversations, {}, { initialNumItems: PAGE });
  const unarchive = useMutation(api.lifecycle.unarchive.unarchiveConversation);
  const action = useOperatorAction<string>();
  if (status === "LoadingFirstPage") return <p className="muted">Loading archived conversations…</p>;
  if (results.length === 0) return <p className="muted">No archived conversations.</p>;
  return (
    <div className="table-wrap">
      <table className="data" aria-label="Archived conversations">
        <thead>
          <tr>
            <th>Chat</th>
            <th>Last message</th>
            <th>Archived</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {results.map(({ conversation, archive }) => {
            const c = conversation as Doc<"conversations">;
            return (
              <tr key={c._id}>
                <td>
                  <Link href={`/conversations/${c._id}`}>
                    {channelLabel(c.channel)} · {c.chatId}
                  </Link>
                </td>
                <td>
                  {c.lastMessagePreview} <span className="muted">{formatTime(c.lastMessageAt)}</span>
                </td>
                <td>
                  {c.archivedAt !== undefined && formatTime(c.archivedAt)}
                  {archive && <span className="muted"> · {archiveReasonLabel(archive.reason)}</span>}
                </td>
                <td>{archive?.counts ? `${archive.counts.messages} msgs, ${formatBytes(archive.compressedBytes ?? 0)}` : archive ? archive.status : "expired"}</td>
                <td>
                  {archive?.status === "archived" && (
                    <button type="button" disabled={action.busy !== null} onClick={() => void action.run(c._id, () => unarchive({ conversationId: c._id }))}>
                      {action.busy === c._id ? "Restoring…" : "Unarchive"}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ErrorText error={action.error} />
      {status === "CanLoadMore" && (
        <button type="button" onClick={() => loadMore(PAGE)}>
          Load more
        </button>
      )}
    </div>
  );
}
