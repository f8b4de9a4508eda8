/**
 * CSV cells as RFC 4180 writes them, made safe to open in a spreadsheet.
 *
 * - A cell holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
 * - **Formula injection**: a text cell that starts with `=`, `+`, `-`, `@`, a tab or CR would be
 *   run as a formula by Excel, LibreOffice or Google Sheets (a query or source name is data from
 *   the services); such a cell gets a leading `'`, which spreadsheets show as text. Numbers are
 *   written as numbers and never prefixed, so `-1.5` stays a number.
 */

/** The characters a spreadsheet reads as the start of a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell: neutralised when it could start a formula, quoted when it must be. */
export function csvTextCell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A number cell; empty for `null`, `undefined` and non-finite numbers (CSV has no NaN). */
export function csvNumberCell(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/** One CSV record from its cells, ended by CRLF as RFC 4180 asks. */
export function csvRecord(cells: readonly string[]): string {
  return `${cells.join(',')}\r\n`;
}
