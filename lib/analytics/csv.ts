/**
 * CSV (RFC 4180) with spreadsheet formula injection defused: a cell that
 * starts with =, +, -, @ (or a tab / carriage return, which some
 * spreadsheets strip before looking) is prefixed with an apostrophe, the
 * OWASP recommendation, so `=HYPERLINK("x")` is shown, never run.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvCell = string | number | boolean | null | undefined;

export function csvCell(cell: CsvCell): string {
  if (cell === null || cell === undefined) return "";
  // Numbers are data, not formulas: a negative number stays a number.
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell === "boolean") return cell ? "true" : "false";
  let text = cell;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** Header then rows, one string per line, so a route can stream them. */
export function* csvLines<T>(columns: readonly { header: string; cell: (row: T) => CsvCell }[], rows: Iterable<T>): Generator<string> {
  yield csvRow(columns.map((c) => c.header));
  for (const row of rows) yield csvRow(columns.map((c) => c.cell(row)));
}
