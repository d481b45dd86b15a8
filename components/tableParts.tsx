import type { ReactNode } from "react";

/** The parts of a TanStack column header a sortable cell needs. */
type SortableHeader = {
  column: {
    getIsSorted(): false | "asc" | "desc";
    getCanSort(): boolean;
    getToggleSortingHandler(): ((event: unknown) => void) | undefined;
  };
};

/** A header cell that sorts its column on click and tells screen readers how it is sorted. */
export function SortableTh({ header, children }: { header: SortableHeader; children: ReactNode }) {
  const sorted = header.column.getIsSorted();
  const aria = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined;
  const arrow = sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "";
  return (
    <th aria-sort={aria}>
      {header.column.getCanSort() ? (
        <button type="button" onClick={header.column.getToggleSortingHandler()}>
          {children} {arrow}
        </button>
      ) : (
        children
      )}
    </th>
  );
}

/** "N loaded" and a Load more button for a `usePaginatedQuery` list. */
export function LoadMoreFooter({
  loaded,
  status,
  onLoadMore,
}: {
  loaded: number;
  status: "LoadingFirstPage" | "CanLoadMore" | "LoadingMore" | "Exhausted";
  onLoadMore: () => void;
}) {
  return (
    <div className="table-footer">
      <span className="muted">
        {loaded} loaded{status === "Exhausted" ? ", that is all" : ""}
      </span>
      {(status === "CanLoadMore" || status === "LoadingMore") && (
        <button type="button" onClick={onLoadMore} disabled={status === "LoadingMore"}>
          {status === "LoadingMore" ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
