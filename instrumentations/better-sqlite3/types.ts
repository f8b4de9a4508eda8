import type { DbCallInfo, DbInstrumentationConfig } from '../db-instrumentation-types.js';
import type { SourceCallResult } from '../source-call-hooks.js';

/** What the instrumentation knows about the database a statement runs on. */
export interface BetterSqlite3SourceInfo {
  /** `db.namespace`: the database file name without directory and extension, `memory` for `:memory:`. */
  namespace: string;
  /** The file name the database was opened with (`db.name`), `:memory:` or `''` for a temporary database. */
  filename: string;
}

/** Passed to {@link BetterSqlite3InstrumentationConfig.requestHook}. */
export interface BetterSqlite3RequestHookInfo extends BetterSqlite3SourceInfo, DbCallInfo {
  /** `db.namespace`: always known for SQLite (see {@link BetterSqlite3SourceInfo.namespace}). */
  namespace: string;
  /** `run`, `get`, `all`, `iterate` (statement methods), `exec` or `prepare` (a failed prepare). */
  method: string;
}

/**
 * Passed to {@link BetterSqlite3InstrumentationConfig.responseHook}; its `result` is what the
 * method returned (rows, a row, the run info, the iterator), unchanged.
 */
export interface BetterSqlite3ResponseHookInfo extends BetterSqlite3RequestHookInfo, SourceCallResult {}

/**
 * Options of {@link BetterSqlite3Instrumentation}: those of every fedscope DB instrumentation.
 * The default `source` is `sqlite:{db.namespace}` (e.g. `sqlite:memory`, `sqlite:orders` for
 * `/data/orders.db`); the response hook of an `iterate` runs when the iteration ends.
 */
export type BetterSqlite3InstrumentationConfig = DbInstrumentationConfig<
  BetterSqlite3SourceInfo,
  BetterSqlite3RequestHookInfo,
  BetterSqlite3ResponseHookInfo
>;
