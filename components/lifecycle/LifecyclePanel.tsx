"use client";

import { useMutation, useQuery } from "convex/react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { ErrorText } from "../ErrorText";
import { formatTime } from "../format";
import { useOperatorAction } from "../useOperatorAction";
import { archiveReasonLabel, formatBytes } from "./format";
import { SyncStatusCard } from "./SyncStatusCard";

/** The lifecycle facts of one conversation for the calling operator (status, unread, archive pointer). */
export function useLifecycle(conversationId: Id<"conversations">) {
  return useQuery(api.lifecycle.status.conversationLifecycle, { conversationId });
}

/**
 * The conversation header's status lever: Resolve while open, Reopen once
 * resolved, with who resolved it and when. A customer writing again
 * reopens it by itself.
 */
export function StatusAction({ conversationId }: { conversationId: Id<"conversations"> }) {
  const view = useLifecycle(conversationId);
  const setStatus = useMutation(api.lifecycle.status.setConversationStatus);
  const action = useOperatorAction<"status">();
  if (!view) return null;
  const resolved = view.status === "resolved";
  return (
    <div className="status-action" aria-label="Status" role="group">
      <button
        type="button"
        className={resolved ? "" : "primary"}
        disabled={action.busy !== null}
        onClick={() =>
          void action.run("status", () => setStatus({ conversationIds: [conversationId], status: resolved ? "open" : "resolved" }))
        }
      >
        {action.busy ? (resolved ? "Reopening…" : "Resolving…") : resolved ? "Reopen" : "Resolve"}
      </button>
      <ErrorText error={action.error} />
    </div>
  );
}

/** "Resolved by itself after a quiet day · Dec 1, 10:00" / "Open · 2 not answered yet", for the header's subtitle. */
export function StatusWords({ conversationId }: { conversationId: Id<"conversations"> }) {
  const view = useLifecycle(conversationId);
  const operators = useQuery(api.inbox.operators, {});
  if (!view) return null;
  // resolvedBy is a user id (or "auto"): say who in words.
  const who = operators?.find((o) => o.id === view.resolvedBy);
  const by = view.resolvedBy === "auto" ? "by itself after a quiet day" : who?.me ? "by you" : `by ${who?.name ?? "an operator"}`;
  return (
    <>
      <span className={`badge ${view.status === "resolved" ? "ok" : ""}`} data-testid="lifecycle">
        {view.status === "resolved" ? "Resolved" : "Open"}
      </span>
      {view.status === "resolved" && view.resolvedAt !== undefined && (
        <span className="muted small">
          {" "}
          {by} · {formatTime(view.resolvedAt)}
        </span>
      )}
      {view.archivedAt !== undefined && (
        <>
          {" "}
          <span className="badge">Archived</span>
        </>
      )}
      {view.unprocessed > 0 && <span className="muted small"> · {view.unprocessed} not answered yet</span>}
    </>
  );
}

/** The side panel's archive section: where the history lives, Archive / Unarchive. */
export function ArchiveSection({ conversationId }: { conversationId: Id<"conversations"> }) {
  const view = useLifecycle(conversationId);
  const archives = useQuery(api.lifecycle.archive.archivesOf, { conversationId });
  const archive = useMutation(api.lifecycle.archive.archiveConversations);
  const unarchive = useMutation(api.lifecycle.unarchive.unarchiveConversation);
  const action = useOperatorAction<"archive" | "unarchive">();

  if (view === undefined || archives === undefined) return <p className="muted">Loading…</p>;
  if (view === null) return null;
  const latest = archives[0];
  const moving = latest && (latest.status === "writing" || latest.status === "removing" || latest.status === "restoring");
  const restorable = latest?.status === "archived";

  return (
    <section aria-label="Archive" className="panel-subsection">
      <h4>Archive</h4>
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
      <ErrorText error={action.error} />
    </section>
  );
}

/**
 * The side panel's housekeeping, folded: archive and history sync. Status
 * sits in the page header and unread is cleared by opening the page, so
 * neither is repeated here.
 */
export function LifecyclePanel({ conversationId }: { conversationId: Id<"conversations"> }) {
  return (
    <details className="panel-section" aria-label="History: archive and sync">
      <summary>History: archive and sync</summary>
      <ArchiveSection conversationId={conversationId} />
      <SyncStatusCard conversationId={conversationId} />
    </details>
  );
}
