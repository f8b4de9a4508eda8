import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { normaliseRow } from './duckdb-source.js';
import type { Row } from './types.js';

/** The parts of `@duckdb/node-api` the engine uses; loaded on first use, so the package is only needed when SQL merges run. */
interface Appender {
  appendNull(): void;
  appendBoolean(value: boolean): void;
  appendInteger(value: number): void;
  appendBigInt(value: bigint): void;
  appendDouble(value: number): void;
  appendVarchar(value: string): void;
  endRow(): void;
  flushSync(): void;
  closeSync(): void;
}
interface Connection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string, values?: never[]): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
  createAppender(table: string, schema?: string | null, catalog?: string | null): Promise<Appender>;
  closeSync(): void;
}
interface Instance {
  connect(): Promise<Connection>;
  closeSync(): void;
}

/** DuckDB column type fedscope infers from a column's JS values. */
type ColumnType = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP';

/** One part to load as a table. */
export interface MergeTable {
  /** Table name (the part's name). */
  name: string;
  /** The rows. */
  rows: readonly Row[];
  /** Column names reported by the source (used when there are no rows). */
  columns?: readonly string[] | undefined;
  /** Declared DuckDB types, overriding inference. */
  declared?: Readonly<Record<string, string>> | undefined;
}

const IDLE_CONNECTIONS = 4;

/**
 * Runs merge SQL over the parts' rows in an embedded in-memory DuckDB. Each merge gets a
 * connection of its own and loads each part as a TEMP table (temp tables belong to their
 * connection, so concurrent merges using the same part names never see each other's tables) with
 * DuckDB's appender — the fastest typed load path, with no SQL text built from values. The merge's
 * own statements run with tracing suppressed: they are the runtime's work, already covered by the
 * `merge` stage span, not calls to a source.
 */
export class DuckDBMergeEngine {
  private instance: Promise<Instance> | undefined;
  private readonly idle: Connection[] = [];

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
        const values = params.length > 0 ? (params.map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v)) as never[]) : undefined;
        const reader = await connection.runAndReadAll(sql, values);
        return reader.getRowObjectsJS().map(normaliseRow);
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
    this.instance ??= import('@duckdb/node-api').then((duckdb) => duckdb.DuckDBInstance.create(':memory:') as unknown as Promise<Instance>);
    return (await this.instance).connect();
  }

  private async load(connection: Connection, table: MergeTable): Promise<void> {
    const columns = columnsOf(table);
    const definition = columns.map(([name, type]) => `${quoteIdent(name)} ${type}`).join(', ');
    await connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table.name)} (${definition})`);
    if (table.rows.length === 0) return;
    const appender = await connection.createAppender(table.name, 'main', 'temp');
    try {
      for (const row of table.rows) {
        for (const [name, type] of columns) append(appender, type, row[name]);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

/** Column names (in first-seen order) and types of a part's table. */
function columnsOf(table: MergeTable): Array<[string, string]> {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const name of [...(table.columns ?? []), ...Object.keys(table.declared ?? {})]) {
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  }
  for (const row of table.rows) {
    for (const name in row) {
      if (!seen.has(name)) {
        seen.add(name);
        names.push(name);
      }
    }
  }
  if (names.length === 0) return [['_empty', 'VARCHAR']];
  return names.map((name) => [name, table.declared?.[name] ?? inferType(table.rows, name)]);
}

function inferType(rows: readonly Row[], name: string): ColumnType {
  let type: ColumnType | undefined;
  for (const row of rows) {
    const t = typeOf(row[name]);
    if (t === undefined) continue;
    if (type === undefined || type === t) type = t;
    else if ((type === 'INTEGER' || type === 'BIGINT' || type === 'DOUBLE') && (t === 'INTEGER' || t === 'BIGINT' || t === 'DOUBLE')) type = widerNumber(type, t);
    else return 'VARCHAR';
  }
  return type ?? 'VARCHAR';
}

function typeOf(value: unknown): ColumnType | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'BOOLEAN';
    case 'number':
      if (Number.isInteger(value)) return value >= -2147483648 && value <= 2147483647 ? 'INTEGER' : Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
      return 'DOUBLE';
    case 'bigint':
      return 'BIGINT';
    case 'string':
      return 'VARCHAR';
    case 'object':
      if (value === null) return undefined;
      return value instanceof Date ? 'TIMESTAMP' : 'VARCHAR';
    default:
      return undefined;
  }
}

function widerNumber(a: ColumnType, b: ColumnType): ColumnType {
  if (a === 'DOUBLE' || b === 'DOUBLE') return 'DOUBLE';
  if (a === 'BIGINT' || b === 'BIGINT') return 'BIGINT';
  return 'INTEGER';
}

/**
 * Appends one value. Declared (non-inferred) types get their value as text and DuckDB casts it to
 * the column's type, so any declared type works; objects go in as JSON text.
 */
function append(appender: Appender, type: string, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (type) {
    case 'BOOLEAN':
      return appender.appendBoolean(Boolean(value));
    case 'INTEGER':
      return appender.appendInteger(Number(value));
    case 'BIGINT':
      return appender.appendBigInt(typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value))));
    case 'DOUBLE':
      return appender.appendDouble(Number(value));
    default:
      return appender.appendVarchar(textOf(value));
  }
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
