import { duckdbColumnTypes } from './column-types.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a `DuckDBConnection` (`@duckdb/node-api`) the adapter uses. */
export interface DuckDBConnectionLike {
  runAndReadAll(
    sql: string,
    values?: never[],
  ): Promise<{
    getRowObjectsJS(): Record<string, unknown>[];
    columnNames(): string[];
    columnTypes?(): ReadonlyArray<{ toString(): string }>;
  }>;
  interrupt(): void;
}

/**
 * A DuckDB source over a `DuckDBConnection` (`?` or `$1` placeholders). A timeout interrupts the
 * running statement (`connection.interrupt()`), so nothing is left running. BIGINT/HUGEINT
 * values within JavaScript's safe integer range come back as numbers, larger ones as bigint.
 * Results carry the columns' DuckDB types, which an SQL merge keeps.
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
      const reader = await this.connection.runAndReadAll(request.sql, values);
      const columns = reader.columnNames();
      const types = reader.columnTypes?.();
      return {
        rows: reader.getRowObjectsJS().map(normaliseRow),
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

/** bigint within the safe range becomes a number, so rows serialise to JSON and compare like other sources' rows. */
export function normaliseRow(row: Record<string, unknown>): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
      row[key] = Number(value);
  }
  return row;
}
