"use client";

import {
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createSortedRowModel,
  filterFn_includesString,
  globalFilteringFeature,
  rowSortingFeature,
  sortFn_basic,
  sortFn_text,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { usePaginatedQuery } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/convex/_generated/api";
import { LoadMoreFooter, SortableTh } from "../tableParts";
import type { Channel } from "@/convex/validators";
import { channelLabel, formatTime } from "../format";
import { ConversationFlags, StateBadge } from "./badges";

type Row = FunctionReturnType<typeof api.dashboard.conversations>["page"][number];

const PAGE_SIZE = 25;
const CHANNELS: Channel[] = ["web", "telegram", "messenger", "instagram", "whatsapp"];

const features = tableFeatures({
  rowSortingFeature,
  columnFilteringFeature,
  globalFilteringFeature,
  sortedRowModel: createSortedRowModel(),
  filteredRowModel: createFilteredRowModel(),
  sortFns: { basic: sortFn_basic, text: sortFn_text },
  filterFns: { includesString: filterFn_includesString },
});
const helper = createColumnHelper<typeof features, Row>();

/** Flags as one sortable number: needs-human first, then takeover. */
const flagRank = (row: Row) => (row.needsHuman ? 2 : 0) + (row.takeover ? 1 : 0);

const columns = helper.columns([
  helper.accessor("channel", { header: "Channel", sortFn: "text", cell: (info) => channelLabel(info.getValue()) }),
  helper.accessor((row) => row.contactName ?? "", {
    id: "contact",
    header: "Contact",
    sortFn: "text",
    cell: (info) => (
      <Link href={`/conversations/${info.row.original.id}`} onClick={(e) => e.stopPropagation()}>
        {info.getValue() || <span className="muted">Unnamed visitor</span>}
      </Link>
    ),
  }),
  helper.accessor("preview", {
    header: "Last message",
    enableSorting: false,
    cell: (info) => <div className="preview">{info.getValue()}</div>,
  }),
  helper.accessor("state", { header: "State", sortFn: "text", cell: (info) => <StateBadge state={info.getValue()} /> }),
  helper.accessor(flagRank, {
    id: "flags",
    header: "Flags",
    sortFn: "basic",
    enableGlobalFilter: false,
    cell: (info) => (
      <ConversationFlags takeover={info.row.original.takeover} needsHuman={info.row.original.needsHuman} />
    ),
  }),
  helper.accessor("lastMessageAt", {
    header: "Updated",
    sortFn: "basic",
    enableGlobalFilter: false,
    cell: (info) => formatTime(info.getValue()),
  }),
]);

/**
 * Conversations, newest first, live. Pages come from the server
 * (`dashboard.conversations`), which also applies the channel and
 * needs-human filters; sorting by a column and the text search work on the
 * rows loaded so far.
 */
export function ConversationsTable() {
  const router = useRouter();
  const [channel, setChannel] = useState<Channel | "">("");
  const [needsHumanOnly, setNeedsHumanOnly] = useState(false);
  const { results, status, loadMore } = usePaginatedQuery(
    api.dashboard.conversations,
    { channel: channel || undefined, needsHuman: needsHumanOnly || undefined },
    { initialNumItems: PAGE_SIZE },
  );
  const table = useTable({
    features,
    columns,
    data: results,
    getRowId: (row) => row.id,
    globalFilterFn: "includesString",
    initialState: { sorting: [{ id: "lastMessageAt", desc: true }] },
  });
  const rows = table.getRowModel().rows;

  return (
    <>
      <div className="toolbar">
        <label>
          Channel
          <select value={channel} onChange={(e) => setChannel(e.target.value as Channel | "")}>
            <option value="">All channels</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={needsHumanOnly} onChange={(e) => setNeedsHumanOnly(e.target.checked)} />
          Needs a human
        </label>
        <input
          type="search"
          aria-label="Search loaded conversations"
          placeholder="Search contact or message"
          value={String(table.state.globalFilter ?? "")}
          onChange={(e) => table.setGlobalFilter(e.target.value)}
        />
      </div>
      <div className="card table-wrap flush-card">
        <table className="data" aria-label="Conversations">
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
              <tr key={row.id} className="clickable" onClick={() => router.push(`/conversations/${row.id}`)}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="muted table-empty">{emptyText(status)}</p>}
      </div>
      <LoadMoreFooter loaded={results.length} status={status} onLoadMore={() => loadMore(PAGE_SIZE)} />
    </>
  );
}

function emptyText(status: string): string {
  if (status === "LoadingFirstPage") return "Loading conversations…";
  if (status === "Exhausted") return "No conversations match.";
  return "No match among the loaded conversations; load more to search further.";
}
