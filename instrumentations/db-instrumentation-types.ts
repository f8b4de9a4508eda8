import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { QueryTextMode } from '../src/span-model/query-text-mode.js';
import type { SourceCallHooks, SourceCallInfo, SourceCallResult } from './source-call-hooks.js';

/** One statement run through a database driver, as the hooks of fedscope's DB instrumentations see it. */
export interface DbCallInfo extends SourceCallInfo {
  /** `db.namespace` of the database the statement runs on, when known. */
  namespace: string | undefined;
  /** The SQL text, unsanitised (undefined when the instrumentation did not see it). */
  sql: string | undefined;
}

/**
 * Options that every fedscope DB instrumentation (DuckDB, better-sqlite3) takes.
 *
 * @typeParam Source - what a `source` function learns about the database
 * @typeParam Request - what the request hook learns about a call
 * @typeParam Response - what the response hook learns (the call and its result)
 */
export interface DbInstrumentationConfig<
  Source,
  Request extends DbCallInfo,
  Response extends Request & SourceCallResult = Request & SourceCallResult,
>
  extends InstrumentationConfig, SourceCallHooks<Request, Response> {
  /**
   * How SQL goes on spans (`db.query.text`): literals replaced by `?`, as written, or not at all.
   * Read at each call, so a later `startFedscope({ queryText })` applies.
   * @default the process default (`defaultQueryTextMode()`: `startFedscope`'s `queryText`, else 'sanitized')
   */
  queryText?: QueryTextMode;
  /**
   * Trace a call only when a span is already active (e.g. inside a request or a federated query).
   * @default false
   */
  requireParentSpan?: boolean;
  /**
   * `federation.source` of the spans: a name, or a function of the database that returns one
   * (return undefined for the default).
   * @default `{db.system.name}:{db.namespace}` (e.g. `duckdb:memory`, `sqlite:orders` for
   * `/data/orders.db`), or `{db.system.name}` when the database is unknown
   */
  source?: string | ((info: Source) => string | undefined);
}

/** What a DB instrumentation tells its base class (`DbInstrumentationBase`) about its driver. */
export interface DbDriverDescription {
  /** `db.system.name` of the spans (and the default source name's prefix), e.g. `duckdb`. */
  system: string;
  /** The driver's name in fedscope's log lines, e.g. `DuckDB`. */
  label: string;
  /**
   * Trace only the outermost of nested traced calls: for drivers whose traced methods call each
   * other (DuckDB's `runAndReadAll` → `runAndRead` → `run`), so that one statement is one span.
   */
  outermostCallOnly: boolean;
}

/** A driver method as the instrumentations wrap it; typed loosely because the drivers are not dependencies. */
export type DriverMethod = (this: unknown, ...args: unknown[]) => unknown;

/** A prototype or class whose methods are wrapped. */
export type MethodHost = Record<string, DriverMethod>;
