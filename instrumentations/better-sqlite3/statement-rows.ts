/**
 * `db.response.returned_rows` of a better-sqlite3 statement method's result: `all` → the rows
 * returned, `get` → 1 or 0, `run` → 0 (it returns `{ changes, lastInsertRowid }`, not rows).
 * `iterate` is counted while the caller iterates.
 */
export function countStatementRows(method: string, result: unknown): number | undefined {
  switch (method) {
    case 'all':
      return Array.isArray(result) ? result.length : undefined;
    case 'get':
      return result === undefined ? 0 : 1;
    case 'run':
      return 0;
    default:
      return undefined;
  }
}
