import type { TracerProvider } from '@opentelemetry/api';
import type { QueryTextMode } from '../src/span-model/query-text-mode.js';
import type { SourceCallHooks, SourceCallInfo } from './source-call-hooks.js';

/** What one adapter call does, as fedscope reads it from the call's arguments. */
export type CallDescription =
  | {
      /** A database statement. */
      kind: 'db';
      /** The SQL (or other query language) text, unsanitised; fedscope sanitises it. */
      text?: string;
      /** Overrides the operation parsed from the text (`db.operation.name`). */
      operationName?: string;
      /** Overrides the collection parsed from the text (`db.collection.name`). */
      collectionName?: string;
    }
  | {
      /** An HTTP request. */
      kind: 'http';
      /** Request method, e.g. GET. */
      method: string;
      /** Absolute request URL. */
      url: string;
    };

/** Information passed to the hooks of {@link InstrumentAdapterOptions}: the wrapped method's name and the call's arguments. */
export type AdapterCallInfo = SourceCallInfo;

/** Options of {@link instrumentAdapter}; its request and response hooks are those of every fedscope source-call instrumentation. */
export interface InstrumentAdapterOptions extends SourceCallHooks<AdapterCallInfo> {
  /** Registered name of the source (`federation.source`); labels every metric of its calls. */
  source: string;
  /**
   * The source's system (`db.system.name`): `postgresql`, `mysql`, `mariadb`, `duckdb`, `sqlite`, … or
   * `http` for an HTTP API (HTTP client semantic conventions are used then).
   */
  system: string;
  /**
   * Names of the methods to trace; other members pass through untouched.
   * @default ['query', 'execute']
   */
  methods?: readonly string[];
  /**
   * Database name (`db.namespace`).
   * @default undefined
   */
  namespace?: string;
  /**
   * Server host name (`server.address`).
   * @default undefined (for HTTP sources: the request URL's host)
   */
  serverAddress?: string;
  /**
   * Server port (`server.port`).
   * @default undefined (for HTTP sources: the request URL's port)
   */
  serverPort?: number;
  /**
   * How query text goes on spans.
   * @default the `queryText` given to startFedscope, else 'sanitized'
   */
  queryText?: QueryTextMode;
  /**
   * Reads a call's arguments.
   * @default for DB systems: a string first argument, or a first argument with a string `text` or `sql`;
   * for `http`: a URL (string, URL or Request) first argument and an optional `{ method }` second
   */
  describeCall?: (info: AdapterCallInfo) => CallDescription | undefined;
  /**
   * Counts the rows in a call's result (`db.response.returned_rows`).
   * @default an array's length, or a `rows` array's length, or a numeric `rowCount`
   */
  countRows?: (result: unknown) => number | undefined;
  /**
   * Tracer provider to use.
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider;
}
