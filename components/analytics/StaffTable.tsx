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
import type { FunctionReturnType } from "convex/server";
import Link from "next/link";
import { createContext, useContext } from "react";
import { api } from "@/convex/_generated/api";
import { formatDuration } from "../format";
import { SortableTh } from "../tableParts";

type Row = FunctionReturnType<typeof api.analytics.queries.staffTable>["rows"][number];

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { basic: sortFn_basic, text: sortFn_text },
});
const helper = createColumnHelper<typeof features, Row>();
const ms = (value: number | null) => (value === null ? "—" : formatDuration(value));

/** The link to an operator's conversations (their replies in the range), given by the page. */
const HrefFor = createContext<((staffId: string, operator: string) => string) | null>(null);

function OperatorCell({ row }: { row: Row }) {
  const hrefFor = useContext(HrefFor);
  return hrefFor ? <Link href={hrefFor(row.staffId, row.operator)}>{row.operator}</Link> : <>{row.operator}</>;
}

const columns = helper.columns([
  helper.accessor("operator", { header: "Operator", sortFn: "text", cell: (info) => <OperatorCell row={info.row.original} /> }),
  helper.accessor("replies", { header: "Replies", sortFn: "basic" }),
  helper.accessor("p50Ms", { header: "Reply time p50", sortFn: "basic", cell: (info) => ms(info.getValue()) }),
  helper.accessor("p95Ms", { header: "Reply time p95", sortFn: "basic", cell: (info) => ms(info.getValue()) }),
  helper.accessor("logins", { header: "Sign-ins", sortFn: "basic" }),
]);

/** Operators' replies, reply times and sign-ins over the range; each operator links to the conversations they replied in. */
export function StaffTable({ rows, hrefFor }: { rows: Row[]; hrefFor?: (staffId: string, operator: string) => string }) {
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.staffId });
  const shown = table.getRowModel().rows;
  return (
    <HrefFor.Provider value={hrefFor ?? null}>
      <div className="table-wrap">
        <table className="data" aria-label="Staff performance">
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
            {shown.map((row) => (
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
        {shown.length === 0 && <p className="muted table-empty">No operator replies or sign-ins in this range.</p>}
      </div>
    </HrefFor.Provider>
  );
}
