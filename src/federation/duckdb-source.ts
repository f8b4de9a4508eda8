import { duckdbColumnTypes } from './column-types.js';
import { type DuckDBChunkedResult, readDuckDBRows } from './duckdb-result-rows.js';
import type { SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a `DuckDBConnection` (`@duckdb/node-api`) the adapter uses. */
export interface DuckDBConnectionLike {
  /** Runs a statement to a materialized result, which the adapter reads chunk by chunk. */
  run(
    sql: string,
    values?: never[],
  ): Promise<
    DuckDBChunkedResult & {
      columnNames(): string[];
      columnTypes?(): ReadonlyArray<{ toString(): string }>;
    }
  >;
  interrupt(): void;
}

/**
 * A DuckDB source over a `DuckDBConnection` (`?` or `$1` placeholders). A timeout interrupts the
 * running statement (`connection.interrupt()`), so nothing is left running. BIGINT/HUGEINT
 * values within JavaScript's safe integer range come back as numbers, larger ones as bigint.
 * Results carry the columns' DuckDB types, which an SQL merge keeps. A result is converted chunk by
 * chunk with a turn of the event loop after every slice of 50,000 cells, so a large result never
 * holds the loop for long; an abort (timeout) also stops the reading.
 *
 * DuckDB runs one statement per connection at a time: give it `concurrency: 1` or one connection per
 * source, since an interrupt stops whatever the connection runs.
 */
export class DuckDBSource implements SourceAdapter {
  /** @inheritdoc */
  readonly system = 'duckdb';
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: true, placeholders: 'question' };

  /** @param connection - a `DuckDBConnection` (instrumented by the DuckDB instrumentation, not by this adapter) */
  constructor(private readonly connection: DuckDBConnectionLike) {}

  /** @inheritdoc */
  async execute(request: SourceRequest, signal: AbortSignal): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('DuckDB sources run SQL only');
    const onAbort = (): void => this.connection.interrupt();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const values = request.params.length > 0 ? (request.params.map(toDuckDBValue) as never[]) : undefined;
      const result = await this.connection.run(request.sql, values);
      const columns = result.columnNames();
      const types = result.columnTypes?.();
      return {
        rows: await readDuckDBRows(result, signal),
        columns,
        columnTypes: types && duckdbColumnTypes(columns, types.map(String)),
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** DuckDB binds JS numbers as DOUBLE; integers are passed as BIGINT so `id = ?` compares exactly. */
function toDuckDBValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value === undefined) return null;
  return value;
}
