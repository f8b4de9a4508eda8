/** DuckDB's `duckdb_result_type` value of a result that carries rows (the others change rows or return nothing). */
const RESULT_TYPE_QUERY_RESULT = 3;

/**
 * `db.response.returned_rows` of what a DuckDB call resolved to, read without fetching anything:
 * - a statement that returns no rows (INSERT without RETURNING, DDL, …): 0
 * - a materialized result (`run`): its `rowCount`
 * - a result reader that read everything (`runAndReadAll`, …): its `currentRowCount`
 * - a streaming result, or a reader that stopped early: undefined (the count is not known yet)
 */
export function countDuckDBRows(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as { returnType?: unknown; rowCount?: unknown; currentRowCount?: unknown; done?: unknown; isStreaming?: unknown };
  if (typeof r.returnType === 'number' && r.returnType !== RESULT_TYPE_QUERY_RESULT) return 0;
  if (typeof r.currentRowCount === 'number') return r.done === true ? r.currentRowCount : undefined;
  if (r.isStreaming === true) return undefined;
  return typeof r.rowCount === 'number' ? r.rowCount : undefined;
}
