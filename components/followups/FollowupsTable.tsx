"use client";

import {
  createColumnHelper,
  createSortedRowModel,
  rowSortingFeature,
  sortFn_basic,
  sortFn_text,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import Link from "next/link";
import { createContext, useContext, useState, type ReactNode } from "react";
import { api } from "@/convex/_generated/api";
import { LoadMoreFooter, SortableTh } from "../tableParts";
import { channelLabel } from "../format";
import { kindLabel, STATUSES, statusLabel, StatusBadge, type ActionStatus } from "./badges";
import { RelativeTime } from "./RelativeTime";
import { RowActions } from "./RowActions";

type Row = FunctionReturnType<typeof api.followups.list>["page"][number];

/** On the Sent tab: what each action's message said, by action id. */
const SentTexts = createContext<Map<string, string>>(new Map());

function SentText({ actionId }: { actionId: string }) {
  const text = useContext(SentTexts).get(actionId);
  return text === undefined ? null : (
    <blockquote className="sent-text" aria-label="Text sent">
      {text}
    </blockquote>
  );
}

const PAGE_SIZE = 30; // the server's largest page

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { basic: sortFn_basic, text: sortFn_text },
});
const helper = createColumnHelper<typeof features, Row>();

const columns = helper.columns([
  helper.accessor("dueAt", {
    header: "Due",
    sortFn: "basic",
    cell: (info) => {
      const { status, nextAttemptAt } = info.row.original;
      // Held, deferred or retried: show when it is really tried next.
      const retry = status === "pending" && nextAttemptAt !== undefined && nextAttemptAt > info.getValue();
      return (
        <>
          <RelativeTime at={info.getValue()} />
          {retry && (
            <div className="muted">
              next try <RelativeTime at={nextAttemptAt} />
            </div>
          )}
        </>
      );
    },
  }),
  helper.accessor("kind", {
    header: "Kind",
    sortFn: "text",
    cell: (info) => <span className="nowrap">{kindLabel(info.getValue())}</span>,
  }),
  helper.accessor("status", {
    header: "Status",
    enableSorting: false,
    cell: (info) => (
      <>
        <StatusBadge status={info.getValue()} />
        {info.row.original.attempts > 1 && <div className="muted">{info.row.original.attempts} attempts</div>}
      </>
    ),
  }),
  // The latest event (held, moved, cancelled, failed) sits under the note, not in a column of its own,
  // so a pending row's buttons still fit a laptop screen.
  helper.accessor("note", {
    header: "About",
    enableSorting: false,
    cell: (info) => (
      <div className="action-note">
        {info.getValue()}
        {info.row.original.lastError && <div className="muted">{info.row.original.lastError}</div>}
        <SentText actionId={info.row.original.id} />
      </div>
    ),
  }),
  helper.accessor((row) => row.contactName ?? "", {
    id: "conversation",
    header: "Conversation",
    sortFn: "text",
    cell: (info) => (
      <>
        <Link className="nowrap" href={`/conversations/${info.row.original.conversationId}`}>
          {info.getValue() || "Unnamed visitor"}
        </Link>
        <div className="muted">{channelLabel(info.row.original.channel)}</div>
      </>
    ),
  }),
]);

// Only a pending action can still be sent or cancelled.
const pendingColumns = helper.columns([
  ...columns,
  helper.display({
    id: "actions",
    header: "",
    cell: (info) => <RowActions actionId={info.row.original.id} label={info.row.original.note} dueAt={info.row.original.dueAt} />,
  }),
]);

/**
 * Scheduled follow-ups and meeting reminders in one status, live. Pending
 * ones come soonest first, the others latest first (server order, one page
 * at a time); sorting by a column works on the rows loaded so far.
 */
export function FollowupsTable() {
  const [filter, setFilter] = useState<ActionStatus>("pending");
  const { results, status, loadMore } = usePaginatedQuery(
    api.followups.list,
    { status: filter },
    { initialNumItems: PAGE_SIZE },
  );
  const table = useTable({
    features,
    columns: filter === "pending" ? pendingColumns : columns,
    data: results,
    getRowId: (row) => row.id,
  });
  const rows = table.getRowModel().rows;
  const counts = useQuery(api.dashboard.followupTabCounts, {});
  // The newest page's texts; older pages loaded later show their notes only.
  const sent = useQuery(
    api.dashboard.followupSentTexts,
    filter === "sent" ? { actionIds: results.slice(0, PAGE_SIZE).map((r) => r.id) } : "skip",
  );
  const sentTexts = new Map((sent ?? []).map((t) => [t.actionId as string, t.text]));

  return (
    <SentTexts.Provider value={sentTexts}>
      <div className="toolbar">
        <div className="segmented tabs-scroll" role="group" aria-label="Status">
          {STATUSES.map((s) => {
            const count = counts && s in counts ? counts[s as keyof typeof counts] : undefined;
            return (
              <button key={s} type="button" aria-pressed={s === filter} onClick={() => setFilter(s)}>
                {statusLabel(s)}
                {count && count.count > 0 && (
                  <span className={`count ${s === "pending" ? "" : "danger"}`}>
                    {count.count}
                    {count.more ? "+" : ""}
                  </span>
                )}
              </button>
            );
          })}
        </div>
      </div>
      <div className="card table-wrap flush-card">
        <table className="data cards-on-phone" aria-label="Scheduled actions">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => (
                  <SortableTh key={header.id} header={header}>
                    <table.FlexRender header={header} />
                  </SortableTh>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted table-empty">{emptyText(status, filter)}</p>}
      </div>
      <LoadMoreFooter loaded={results.length} status={status} onLoadMore={() => loadMore(PAGE_SIZE)} />
    </SentTexts.Provider>
  );
}

function emptyText(status: string, filter: ActionStatus): ReactNode {
  if (status === "LoadingFirstPage") return "Loading…";
  return filter === "pending" ? (
    <>
      Nothing scheduled. Follow-ups appear here when the agent promises a customer to write back (&quot;write me
      tomorrow&quot;). Connect a channel (see the README) or try it in the <Link href="/playground">Playground</Link>.
    </>
  ) : (
    `No ${filter} follow-ups or reminders.`
  );
}
