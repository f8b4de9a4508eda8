import type { Row } from './types.js';

/**
 * Cells converted (or appended) between two turns of the event loop, a few milliseconds' work:
 * `@duckdb/node-api`'s conversion of result rows and its appender are synchronous, so a large result
 * read, or a large part loaded, in one go would hold the loop for its whole length.
 */
export const DUCKDB_CELLS_PER_SLICE = 50_000;

/** Rows of `columns` columns in one slice of {@link DUCKDB_CELLS_PER_SLICE} cells (at least one). */
export function rowsPerSlice(columns: number): number {
  return Math.max(1, Math.floor(DUCKDB_CELLS_PER_SLICE / Math.max(1, columns)));
}

/** Resolves after the event loop has turned once (I/O and timers that are due run). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The part of a `@duckdb/node-api` result (`DuckDBMaterializedResult`) read chunk by chunk. */
export interface DuckDBChunkedResult {
  /** Columns of every row. */
  readonly columnCount: number;
  /** The rows as JS objects, one array per chunk of (up to) 2,048 rows. */
  yieldRowObjectJs(): AsyncIterable<Record<string, unknown>[]>;
}

/**
 * Every row of `result`, converted chunk by chunk with a turn of the event loop after each slice of
 * {@link DUCKDB_CELLS_PER_SLICE} cells, safe-range bigints as numbers ({@link normaliseRow}).
 *
 * @param result - a result of `connection.run`
 * @param signal - when given and aborted, reading stops at the next slice with the signal's reason
 * @throws the signal's reason when it aborts while the rows are read
 */
export async function readDuckDBRows(result: DuckDBChunkedResult, signal?: AbortSignal): Promise<Row[]> {
  const rows: Row[] = [];
  const sliceRows = rowsPerSlice(result.columnCount);
  let inSlice = 0;
  for await (const chunk of result.yieldRowObjectJs()) {
    for (const row of chunk) rows.push(normaliseRow(row));
    inSlice += chunk.length;
    if (inSlice >= sliceRows) {
      inSlice = 0;
      await nextTurn();
      signal?.throwIfAborted();
    }
  }
  return rows;
}

/** bigint within the safe range becomes a number, so rows serialise to JSON and compare like other sources' rows. */
export function normaliseRow(row: Record<string, unknown>): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
      row[key] = Number(value);
  }
  return row;
}
