"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import { archiveReasonLabel, formatBytes } from "./format";
import { MetadataCard } from "./MetadataCard";
import { SyncStatusCard } from "./SyncStatusCard";

/**
 * The conversation page's lifecycle card: status with Resolve/Reopen,
 * unread for this operator with Mark read, and the archive with
 * Archive/Unarchive. Mounted by the conversation view with one line.
 */
export function LifecyclePanel({ conversationId }: { conversationId: Id<"conversations"> }) {
  const view = useQuery(api.lifecycle.status.conversationLifecycle, { conversationId });
  const archives = useQuery(api.lifecycle.archive.archivesOf, { conversationId });
  const setStatus = useMutation(api.lifecycle.status.setConversationStatus);
  const markRead = useMutation(api.lifecycle.status.markConversationsRead);
  const archive = useMutation(api.lifecycle.archive.archiveConversations);
  const unarchive = useMutation(api.lifecycle.unarchive.unarchiveConversation);
  const action = useOperatorAction<"status" | "read" | "archive" | "unarchive">();

  if (view === undefined || archives === undefined) return <section className="card">Loading status…</section>;
  if (view === null) return null;
  const latest = archives[0];
  const moving = latest && (latest.status === "writing" || latest.status === "removing" || latest.status === "restoring");
  const restorable = latest?.status === "archived";

  return (
    <>
      <section className="card" aria-label="Status">
        <h2>Status</h2>
        <p>
          <span className="badge" data-status={view.status}>
            {view.status === "resolved" ? "Resolved" : "Open"}
          </span>{" "}
          {view.status === "resolved" && view.resolvedAt !== undefined && (
            <span className="muted">
              {view.resolvedBy === "auto" ? "by itself after a quiet day" : `by ${view.resolvedBy}`} · {formatTime(view.resolvedAt)}
            </span>
          )}
          {view.archivedAt !== undefined && (
            <>
              {" "}
              <span className="badge">Archived</span>
            </>
          )}
        </p>
        <div className="controls">
          <button
            type="button"
            disabled={action.busy !== null}
            onClick={() =>
              void action.run("status", () =>
                setStatus({ conversationIds: [conversationId], status: view.status === "resolved" ? "open" : "resolved" }),
              )
            }
          >
            {view.status === "resolved" ? "Reopen" : "Resolve"}
          </button>
          <span className="muted">
            {view.unread === 0 ? "Nothing unread" : `${view.unread}${view.unreadCapped ? "+" : ""} unread`}
            {view.unprocessed > 0 && ` · ${view.unprocessed} not answered yet`}
          </span>
          {view.unread > 0 && (
            <button type="button" disabled={action.busy !== null} onClick={() => void action.run("read", () => markRead({ conversationIds: [conversationId] }))}>
              Mark read
            </button>
          )}
        </div>
        <ErrorText error={action.error} />
      </section>
      <section className="card" aria-label="Archive">
        <h2>Archive</h2>
        {latest ? (
          <p className="muted">
            {latest.status === "archived" && `History archived ${latest.archivedAt !== undefined ? formatTime(latest.archivedAt) : ""} (${archiveReasonLabel(latest.reason)})`}
            {latest.status === "restored" && `Restored ${latest.restoredAt !== undefined ? formatTime(latest.restoredAt) : ""}`}
            {moving && `Archive ${latest.status}…`}
            {latest.status === "failed" && "The last archive attempt failed"}
            {latest.counts && ` · ${latest.counts.messages} messages, ${formatBytes(latest.compressedBytes ?? 0)} gzip of ${formatBytes(latest.rawBytes ?? 0)}`}
          </p>
        ) : (
          <p className="muted">Not archived. Archiving moves the history to compressed file storage; it can be restored exactly.</p>
        )}
        {latest?.lastError && (
          <p className="error-text" role="alert">
            {latest.lastError}
          </p>
        )}
        <div className="controls">
          {restorable ? (
            <button type="button" disabled={action.busy !== null} onClick={() => void action.run("unarchive", () => unarchive({ conversationId }))}>
              {action.busy === "unarchive" ? "Restoring…" : "Unarchive"}
            </button>
          ) : (
            <button
              type="button"
              disabled={action.busy !== null || Boolean(moving) || view.archivedAt !== undefined}
              onClick={() => void action.run("archive", () => archive({ conversationIds: [conversationId] }))}
            >
              {action.busy === "archive" ? "Archiving…" : "Archive"}
            </button>
          )}
        </div>
      </section>
      <MetadataCard conversationId={conversationId} />
      <SyncStatusCard conversationId={conversationId} />
    </>
  );
}
