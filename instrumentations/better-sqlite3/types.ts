import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { QueryTextMode } from '../../src/span-model/query-text-mode.js';

/** What the instrumentation knows about the database a statement runs on. */
export interface BetterSqlite3SourceInfo {
  /** `db.namespace`: the database file name without directory and extension, `memory` for `:memory:`. */
  namespace: string;
  /** The file name the database was opened with (`db.name`), `:memory:` or `''` for a temporary database. */
  filename: string;
}

/** Passed to {@link BetterSqlite3InstrumentationConfig.requestHook}. */
export interface BetterSqlite3RequestHookInfo extends BetterSqlite3SourceInfo {
  /** `run`, `get`, `all`, `iterate` (statement methods), `exec` or `prepare` (a failed prepare). */
  method: string;
  /** The SQL text, unsanitised. */
  sql: string | undefined;
  /** The call's arguments (bound parameters included: do not export them blindly). */
  args: readonly unknown[];
}

/** Passed to {@link BetterSqlite3InstrumentationConfig.responseHook}. */
export interface BetterSqlite3ResponseHookInfo extends BetterSqlite3RequestHookInfo {
  /** What the method returned (rows, a row, the run info, the iterator), unchanged. */
  result: unknown;
}

/** Options of {@link BetterSqlite3Instrumentation}. */
export interface BetterSqlite3InstrumentationConfig extends InstrumentationConfig {
  /**
   * How SQL goes on spans (`db.query.text`): literals replaced by `?`, as written, or not at all.
   * Read at each call, so a later `startFedscope({ queryText })` applies.
   * @default the process default (`defaultQueryTextMode()`: `startFedscope`'s `queryText`, else 'sanitized')
   */
  queryText?: QueryTextMode;
  /**
   * Trace a statement only when a span is already active (e.g. inside a request or a federated query).
   * @default false
   */
  requireParentSpan?: boolean;
  /**
   * `federation.source` of the spans: a name, or a function of the database that returns one
   * (return undefined for the default).
   * @default `sqlite:{db.namespace}` (e.g. `sqlite:memory`, `sqlite:orders` for `/data/orders.db`)
   */
  source?: string | ((info: BetterSqlite3SourceInfo) => string | undefined);
  /**
   * Called after a span starts, before SQLite runs the statement. Errors it throws are logged,
   * never thrown into the caller.
   * @default undefined
   */
  requestHook?: (span: Span, info: BetterSqlite3RequestHookInfo) => void;
  /**
   * Called with the result before a successful call's span ends (for `iterate`, when the
   * iteration ends). Errors it throws are logged.
   * @default undefined
   */
  responseHook?: (span: Span, info: BetterSqlite3ResponseHookInfo) => void;
}
