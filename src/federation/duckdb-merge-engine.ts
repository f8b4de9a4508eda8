import { totalmem } from 'node:os';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { type DuckDBChunkedResult, nextTurn, readDuckDBRows, rowsPerSlice } from './duckdb-result-rows.js';
import { mergeColumnsOf, type MergeTable } from './merge-table-columns.js';
import { appendTyped, type MergeAppender } from './typed-append.js';
import type { Row } from './types.js';

export type { MergeTable } from './merge-table-columns.js';

/** The parts of `@duckdb/node-api` the engine uses; loaded on first use, so the package is only needed when SQL merges run. */
interface Connection {
  run(sql: string, values?: never[]): Promise<DuckDBChunkedResult>;
  createAppender(table: string, schema?: string | null, catalog?: string | null): Promise<MergeAppender>;
  closeSync(): void;
}
interface Instance {
  connect(): Promise<Connection>;
  closeSync(): void;
}

const IDLE_CONNECTIONS = 4;

/**
 * What {@link DuckDBMergeEngine} lets DuckDB use unless told otherwise: 1 GiB, or less on a smaller
 * machine or container (80 % of its memory, DuckDB's own default, so the bound is never looser).
 */
export function defaultMergeMemoryLimit(): string {
  const constrained = process.constrainedMemory?.() ?? 0;
  const bytes = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return `${Math.max(1, Math.min(1024, Math.floor((0.8 * bytes) / 2 ** 20)))}MiB`;
}

/** A size as DuckDB's `memory_limit` reads it. */
const MEMORY_SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/**
 * Runs merge SQL over the parts' rows in an embedded in-memory DuckDB. Each merge gets a
 * connection of its own and loads each part as a TEMP table (temp tables belong to their
 * connection, so concurrent merges using the same part names never see each other's tables) with
 * DuckDB's appender — the fastest typed load path, with no SQL text built from values — in slices
 * of `DUCKDB_CELLS_PER_SLICE` cells with a turn of the event loop between them; the merged
 * rows are read back chunk by chunk the same way. The merge's
 * own statements run with tracing suppressed: they are the runtime's work, already covered by the
 * `merge` stage span, not calls to a source.
 *
 * Each table's columns are typed from the part's declared `columns`, else from the column types
 * the source reported (pg type OIDs, mysql2 column definitions, DuckDB result types, SQLite
 * declared types), else from the values; values are converted to those types as they are appended
 * (see `appendTyped`). The merged rows come back as `@duckdb/node-api` reads them, with BIGINT and
 * HUGEINT values in JavaScript's safe range as numbers (larger ones stay bigint), DECIMAL as
 * numbers (doubles), DATE and TIMESTAMP as Dates holding the wall-clock time in UTC, TIMESTAMPTZ as
 * Dates of the instant, TIME as microseconds since midnight, BLOB as Uint8Array.
 */
export class DuckDBMergeEngine {
  private instance: Promise<Instance> | undefined;
  private readonly idle: Connection[] = [];

  /**
   * @param memoryLimit - DuckDB's `memory_limit` for every merge together (`'1GiB'`, `'512MB'`, …)
   * @throws RangeError when `memoryLimit` is not a size DuckDB reads
   */
  constructor(readonly memoryLimit: string = defaultMergeMemoryLimit()) {
    if (typeof memoryLimit !== 'string' || !MEMORY_SIZE.test(memoryLimit)) {
      throw new RangeError(
        `mergeMemoryLimit must be a size such as '512MB' or '1GiB' (a number and one of B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got ${JSON.stringify(memoryLimit)}`,
      );
    }
  }

  /**
   * Loads `tables` and runs `sql`; returns its rows (safe-range bigints as numbers).
   * @throws the DuckDB error when loading or the SQL fails
   */
  async merge(tables: readonly MergeTable[], sql: string, params: readonly unknown[]): Promise<Row[]> {
    return context.with(suppressTracing(context.active()), async () => {
      const connection = await this.connection();
      let reusable = true;
      try {
        for (const table of tables) await this.load(connection, table);
        const values =
          params.length > 0
            ? (params.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v)) as never[])
            : undefined;
        // Read chunk by chunk, the loop turning every slice of cells as when loading.
        return await readDuckDBRows(await connection.run(sql, values));
      } finally {
        try {
          for (const table of tables) await connection.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(table.name)}`);
        } catch {
          reusable = false;
        }
        if (reusable && this.idle.length < IDLE_CONNECTIONS) this.idle.push(connection);
        else connection.closeSync();
      }
    });
  }

  /** Closes the connections and the database. */
  async close(): Promise<void> {
    for (const connection of this.idle.splice(0)) connection.closeSync();
    const instance = this.instance;
    this.instance = undefined;
    if (instance) (await instance).closeSync();
  }

  private async connection(): Promise<Connection> {
    const idle = this.idle.pop();
    if (idle) return idle;
    this.instance ??= import('@duckdb/node-api').then(
      (duckdb) => duckdb.DuckDBInstance.create(':memory:', { memory_limit: this.memoryLimit }) as unknown as Promise<Instance>,
    );
    return (await this.instance).connect();
  }

  private async load(connection: Connection, table: MergeTable): Promise<void> {
    const columns = mergeColumnsOf(table);
    const definition = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.name)} (${definition})`);
    if (table.rows.length === 0) return;
    const appender = await connection.createAppender(table.name, 'main', 'temp');
    const sliceRows = rowsPerSlice(columns.length);
    try {
      let inSlice = 0;
      for (const row of table.rows) {
        for (const column of columns) appendTyped(appender, column, row[column.name]);
        appender.endRow();
        if (++inSlice === sliceRows) {
          // Flushed per slice, so the last flush has one slice to write; the connection is this
          // merge's own: nothing else uses the appender while the loop turns.
          appender.flushSync();
          inSlice = 0;
          await nextTurn();
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

/** Quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
