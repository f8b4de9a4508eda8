import type { MeterProvider } from '@opentelemetry/api';
import type { DbCallInfo, DbInstrumentationConfig } from '../db-instrumentation-types.js';
import type { SourceCallResult } from '../source-call-hooks.js';

/** What the instrumentation knows about the database a DuckDB call runs on. */
export interface DuckDBSourceInfo {
  /**
   * `db.namespace`: the catalog name DuckDB gives the database (file name without extension;
   * `memory` for `:memory:`), or undefined when the connection was opened before the
   * instrumentation was enabled.
   */
  namespace: string | undefined;
}

/** Passed to {@link DuckDBInstrumentationConfig.requestHook}. */
export interface DuckDBRequestHookInfo extends DuckDBSourceInfo, DbCallInfo {
  /** The method called, e.g. `runAndReadAll`; prepared statements' methods are `prepared.run` etc. */
  method: string;
}

/**
 * Passed to {@link DuckDBInstrumentationConfig.responseHook}; its `result` is what the method
 * resolved to (a DuckDBMaterializedResult, DuckDBResultReader, …), unchanged.
 */
export interface DuckDBResponseHookInfo extends DuckDBRequestHookInfo, SourceCallResult {}

/**
 * Options of {@link DuckDBInstrumentation}: those of every fedscope DB instrumentation. The
 * default `source` is `duckdb:{db.namespace}` (e.g. `duckdb:memory`), or `duckdb` when the
 * database is unknown.
 */
export type DuckDBInstrumentationConfig = DbInstrumentationConfig<DuckDBSourceInfo, DuckDBRequestHookInfo, DuckDBResponseHookInfo>;

/** The part of a DuckDB connection (or instance) that {@link observeDuckDB} uses. */
export interface DuckDBQueryable {
  /** `DuckDBConnection.runAndReadAll`: runs SQL and reads all rows. */
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Record<string, unknown>[] }>;
}

/** A DuckDB instance: {@link observeDuckDB} opens a connection of its own on it. */
export interface DuckDBConnectable {
  /** `DuckDBInstance.connect`. */
  connect(): Promise<DuckDBQueryable & { closeSync?(): void; disconnectSync?(): void }>;
}

/** Options of {@link observeDuckDB}. */
export interface ObserveDuckDBOptions {
  /**
   * `federation.source` label of the metrics.
   * @default `duckdb:{current_database()}`
   */
  source?: string;
  /**
   * How often DuckDB's catalog functions are read, in milliseconds (never in the query path:
   * collections report the last reading).
   * @default 30000
   */
  intervalMs?: number;
  /**
   * Most tables reported per reading (the largest by estimated rows); the rest are counted in
   * `federation.duckdb.tables` only, so series stay bounded.
   * @default 50
   */
  maxTables?: number;
  /**
   * Also estimate each reported table's bytes from `pragma_storage_info` (costs a scan of the
   * table's segment list per table and reading).
   * @default true
   */
  tableBytes?: boolean;
  /**
   * Meter provider to register the gauges on.
   * @default the global meter provider
   */
  meterProvider?: MeterProvider;
}

/** Counters of an {@link observeDuckDB} observer. */
export interface DuckDBObserverStats {
  /** Readings that completed. */
  readings: number;
  /** Readings (or reading steps) that failed; failures are counted, never thrown. */
  failures: number;
  /** Readings skipped because the previous one was still running. */
  skipped: number;
  /** Message of the last failure, if any (redacted unless `queryText` is `raw`). */
  lastError: string | undefined;
}

/** What {@link observeDuckDB} returns. */
export interface DuckDBObserver {
  /** Reads DuckDB's figures now (also what the timer does); resolves when done, never rejects. */
  refresh(): Promise<void>;
  /** Counters of readings and failures. */
  readonly stats: Readonly<DuckDBObserverStats>;
  /** Stops the timer, removes the gauges' callbacks and closes the connection it opened (if any). */
  stop(): void;
}
