/**
 * `db.response.returned_rows` of a pg result (the `responseHook`'s `data`): the rows it carries
 * (0 for INSERT/UPDATE/DELETE without RETURNING, whose `rowCount` counts changed rows, not returned ones).
 */
export function pgReturnedRows(data: unknown): number | undefined {
  const rows = (data as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? rows.length : undefined;
}

/**
 * `db.response.returned_rows` of a mysql2 result (the `responseHook`'s `queryResults`): a row array's
 * length, 0 for a `ResultSetHeader` (INSERT/UPDATE/DELETE), the sum over the row arrays of a
 * multi-statement result that mixes row sets and headers.
 */
export function mysql2ReturnedRows(results: unknown): number | undefined {
  if (Array.isArray(results)) {
    // A multi-statement result is an array of per-statement results, at least one of them a header
    // (an array of row arrays alone is also what `rowsAsArray` gives for one statement).
    if (results.some(isResultHeader) && results.every((r) => Array.isArray(r) || isResultHeader(r))) {
      return results.reduce((sum: number, r: unknown) => sum + (Array.isArray(r) ? r.length : 0), 0);
    }
    return results.length;
  }
  return isResultHeader(results) ? 0 : undefined;
}

function isResultHeader(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { affectedRows?: unknown }).affectedRows === 'number'
  );
}
