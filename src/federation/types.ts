import type { MeterProvider } from '@opentelemetry/api';

/** One row of a part's or a query's result: column name to value. */
export type Row = Record<string, unknown>;

/** Every part's rows so far, by part name (what `params`/`request` functions of dependent parts receive). */
export type PartResults = Readonly<Record<string, readonly Row[]>>;

/** An HTTP request to an HTTP JSON source, relative to the source's base URL. */
export interface HttpRequestSpec {
  /**
   * Request method.
   * @default 'GET'
   */
  method?: string;
  /** Path below the source's base URL, e.g. `/customers`. */
  path: string;
  /** Query string parameters, appended URL-encoded. */
  query?: Readonly<Record<string, string | number | boolean>>;
  /** JSON body (sent with `content-type: application/json`). */
  body?: unknown;
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>>;
}

/** What a source adapter is asked to run: a SQL statement with parameters, or an HTTP request. */
export type SourceRequest =
  | {
      /** A SQL statement. */
      kind: 'sql';
      /** The statement, with the driver's placeholders (`$1` for pg, `?` for mysql2/SQLite/DuckDB). */
      sql: string;
      /** Bound parameter values. */
      params: readonly unknown[];
    }
  | {
      /** An HTTP request. */
      kind: 'http';
      /** The request. */
      request: HttpRequestSpec;
    };

/** What a source returned for one request. */
export interface SourceResult {
  /** The rows. */
  rows: Row[];
  /** Column names in order, when the driver reports them (lets an empty result still become a typed merge table). */
  columns?: string[];
  /**
   * Column types, when the driver reports them (from its result metadata); the SQL merge creates
   * the part's table with these types and converts the values to them. Columns not listed are
   * typed from their values.
   */
  columnTypes?: SourceColumn[];
}

/** A result column's type as a source reports it, in driver-neutral form. */
export interface SourceColumn {
  /** Column name. */
  name: string;
  /**
   * DuckDB logical type the values mean (`BIGINT`, `DECIMAL(12,2)`, `DATE`, `TIMESTAMP WITH TIME
   * ZONE`, …), or `DECIMAL(*)` for an exact decimal without a precision DuckDB can hold (unconstrained
   * PostgreSQL `numeric`, precision above 38): the merge then uses `DECIMAL(38,s)` when every value
   * fits, and `DOUBLE` otherwise.
   */
  type: string;
  /**
   * How a JS `Date` value of a `DATE`/`TIMESTAMP` column holds its wall-clock time: in the process's
   * local time zone (pg, mysql2 with its default `timezone: 'local'`) or in UTC (DuckDB, mysql2 with
   * `timezone: 'Z'`).
   * @default 'local'
   */
  dateZone?: 'local' | 'utc';
}

/** What a source can do; the planner checks parts against it. */
export interface SourceCapabilities {
  /** The source runs SQL (`sql` parts). */
  sql: boolean;
  /** The source answers HTTP requests (`request` parts). */
  http: boolean;
  /** A running call can really be cancelled (not merely abandoned) when its timeout fires. */
  cancellable: boolean;
  /** Placeholder style of the source's SQL, when it runs SQL. */
  placeholders?: 'dollar' | 'question';
}

/**
 * A data source the runtime calls. The adapter only runs requests: spans come from the driver
 * instrumentations (database drivers) or from `instrumentAdapter` (HTTP), never from the runtime.
 */
export interface SourceAdapter {
  /** The source's system (`db.system.name` values, or `http`, or a name of your own). */
  readonly system: string;
  /** What the source can do. */
  readonly capabilities: SourceCapabilities;
  /**
   * Called once when the adapter is registered under `name` (e.g. to instrument an HTTP client
   * with its source name). Optional.
   */
  bind?(name: string): void;
  /**
   * Runs one request. `signal` aborts when the call's timeout fires or the query gives up on it;
   * adapters that can cancel pass it on, the others may ignore it (the runtime stops waiting).
   */
  execute(request: SourceRequest, signal: AbortSignal): Promise<SourceResult>;
}

/** Retry policy of a source. */
export interface RetryOptions {
  /**
   * Attempts in all, the first one included (1 = no retries).
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Backoff base in milliseconds: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs·2ⁿ⁻¹)] ("full jitter").
   * @default 50
   */
  baseDelayMs?: number;
  /**
   * Longest wait between attempts in milliseconds.
   * @default 2000
   */
  maxDelayMs?: number;
  /**
   * Decides whether an error is worth another attempt.
   * @default connection errors, deadlocks/serialisation failures, HTTP 429/502/503/504 ({@link isRetryableError})
   */
  retryable?: (error: unknown) => boolean;
}

/** Circuit breaker of a source. */
export interface BreakerOptions {
  /**
   * Consecutive counted failures that open the breaker.
   * @default 5
   */
  consecutiveFailures?: number;
  /**
   * Failure rate over the last `windowSize` calls that opens the breaker (0–1); undefined disables the rate rule.
   * @default 0.5
   */
  failureRate?: number;
  /**
   * Calls the failure rate is computed over; the rate rule applies once the window is full.
   * @default 20
   */
  windowSize?: number;
  /**
   * How long an open breaker rejects calls before it lets one probe through (half-open), in milliseconds.
   * @default 10000
   */
  coolDownMs?: number;
  /**
   * Which failures count against the source.
   * @default every failure except statement errors the caller made (syntax errors, constraint violations)
   */
  countsAsFailure?: (error: unknown) => boolean;
}

/** Options of one registered source. */
export interface SourceOptions {
  /**
   * Calls to this source running at once; further calls wait in a bounded queue.
   * @default 8
   */
  concurrency?: number;
  /**
   * Calls that may wait for a slot; one more fails at once with `QUEUE_FULL`.
   * @default 1000
   */
  maxQueue?: number;
  /**
   * Time limit of one attempt, queueing included, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Retries, or `false` for one attempt only.
   * @default { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 2000 }
   */
  retry?: RetryOptions | false;
  /**
   * The circuit breaker, or `false` for none.
   * @default { consecutiveFailures: 5, failureRate: 0.5, windowSize: 20, coolDownMs: 10000 }
   */
  breaker?: BreakerOptions | false;
  /**
   * Whether this source's results may be cached (parts can still opt out).
   * @default true
   */
  cache?: boolean;
  /** Free-form description of the source reported by `status()` (owner, region, …); JSON values only. */
  metadata?: Readonly<Record<string, string | number | boolean>>;
}

/** Result cache options of a {@link FederationOptions}. */
export interface CacheOptions {
  /**
   * Most entries kept.
   * @default 1000
   */
  maxEntries?: number;
  /**
   * Approximate bytes of cached rows kept (estimated from the rows' JSON size).
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * Time an entry stays valid, in milliseconds.
   * @default 30000
   */
  ttlMs?: number;
}

/** Options of {@link Federation}. */
export interface FederationOptions {
  /**
   * Result cache, or `false` for none (concurrent identical parts are then not coalesced either).
   * @default { maxEntries: 1000, maxBytes: 64 MiB, ttlMs: 30000 }
   */
  cache?: CacheOptions | false;
  /**
   * Rows one part may return; more fails the part with `ROWS_EXCEEDED`.
   * @default 100000
   */
  maxRowsPerPart?: number;
  /**
   * Rows one query may hold: the parts' rows together, and the merged result.
   * @default 1000000
   */
  maxRowsPerQuery?: number;
  /**
   * Memory the embedded DuckDB of SQL merges may use, all merges together, as DuckDB reads a size
   * (`'512MB'`, `'1GiB'`, …). A merge that needs more fails with `MERGE_FAILED` naming this option,
   * instead of the process growing (DuckDB's own default is 80% of the machine's memory).
   * @default '1024MiB', or 80% of the machine's (or container's) memory when that is less
   */
  mergeMemoryLimit?: string;
  /**
   * Defaults for every source's options; `.source()` options override them.
   * @default {}
   */
  sourceDefaults?: SourceOptions;
  /**
   * Errors kept for `status().recentErrors`.
   * @default 50
   */
  recentErrors?: number;
  /**
   * Clock in milliseconds (breaker cool-downs, cache TTLs, status times); inject one in tests.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Meter provider for the circuit breaker metrics.
   * @default the global meter provider at construction time
   */
  meterProvider?: MeterProvider;
}

/** One part of a federated query: a sub-query to one source. */
export interface PartSpec {
  /** Registered name of the source. */
  source: string;
  /** SQL to run (for SQL sources). */
  sql?: string;
  /** Parameters of `sql`: values, or a function of the parts it depends on. */
  params?: readonly unknown[] | ((results: PartResults) => readonly unknown[]);
  /** HTTP request (for HTTP sources): a request, or a function of the parts it depends on. */
  request?: HttpRequestSpec | ((results: PartResults) => HttpRequestSpec);
  /** Parts whose results this part needs first. */
  dependsOn?: readonly string[];
  /**
   * Whether this part's result may come from (and go to) the result cache.
   * @default the source's `cache` option, and only for SELECT/WITH statements and GET requests
   */
  cache?: boolean;
  /**
   * Rows this part may return.
   * @default the federation's `maxRowsPerPart`
   */
  maxRows?: number;
  /**
   * Column names and DuckDB types of the part's table in an SQL merge. They override the types the
   * source reports (and those inferred from values), and give a part that returns no rows or is
   * missing under the `partial` policy its table.
   */
  columns?: Readonly<Record<string, string>>;
}

/** How the parts' results become the query's result. */
export type MergeSpec =
  | {
      /** SQL run in an embedded DuckDB where each part's rows are a table named after the part. */
      sql: string;
      /** Parameters of the merge SQL (`?` placeholders). */
      params?: readonly unknown[];
    }
  | {
      /** Rows of these parts one after another (union all), in the given order. */
      concat: readonly string[];
      /** Drop duplicate rows (union instead of union all). @default false */
      distinct?: boolean;
    }
  | {
      /** Rows of these parts (each already sorted by `key`) merged into one sorted sequence. */
      orderedMerge: readonly string[];
      /** Column the parts are sorted by. */
      key: string;
      /** Sort direction. @default 'asc' */
      direction?: 'asc' | 'desc';
    }
  | {
      /** Join two parts on a key: `left` rows with the matching `right` row's columns added. */
      join: { left: string; right: string; on: string | { left: string; right: string }; type?: 'inner' | 'left' };
    }
  | {
      /** Your own merge over all parts' rows. */
      custom: (results: PartResults) => Row[];
    };

/** What to do when a part fails. */
export type PartialPolicy = 'fail' | 'partial';

/** A federated query: named parts plus a merge. */
export interface FederatedQuerySpec {
  /** Query name (low cardinality: it labels metrics), e.g. `revenue_by_tier`. */
  name: string;
  /** The parts, by name; a part's name is also its merge table's name. */
  parts: Readonly<Record<string, PartSpec>>;
  /**
   * How to merge the parts.
   * @default concat of all parts in declaration order
   */
  merge?: MergeSpec;
  /**
   * `fail`: the query fails when a part fails; `partial`: the query returns what arrived and names the missing parts.
   * @default 'fail'
   */
  onPartFailure?: PartialPolicy;
}

/** How one part went. */
export interface PartOutcome {
  /** Source name. */
  source: string;
  /** `ok`, `failed`, or `skipped` (a part it depends on failed). */
  status: 'ok' | 'failed' | 'skipped';
  /** Rows returned. */
  rows: number;
  /** Attempts made (0 for a cache hit or a skipped part). */
  attempts: number;
  /** Whether the rows came from the cache (or from an identical call already running). */
  cacheHit: boolean;
  /** Milliseconds the part took. */
  durationMs: number;
  /** The error's code and message, for failed and skipped parts. */
  error?: { code: string; message: string };
}

/** What a federated query returns. */
export interface FederatedQueryResult {
  /** This execution's id (`federation.query.id`). */
  queryId: string;
  /** The merged rows. */
  rows: Row[];
  /** True when some parts are missing (only under the `partial` policy). */
  partial: boolean;
  /** Names of the parts that failed or were skipped. */
  missingParts: string[];
  /** How each part went. */
  parts: Record<string, PartOutcome>;
}

/** Circuit breaker states (defined on the ground, where the analysis reads them too). */
export type { BreakerState } from '../span-model/breaker-states.js';
import type { BreakerState } from '../span-model/breaker-states.js';

/** A breaker as `status()` reports it. */
export interface BreakerStatus {
  /** Current state. */
  state: BreakerState;
  /** When the state was entered (ms since the epoch, by the federation's clock). */
  since: number;
  /** Counted failures in a row. */
  consecutiveFailures: number;
  /** Failure rate over the breaker's window (null until the window has calls). */
  failureRate: number | null;
  /** State changes so far. */
  transitions: number;
}

/** A source as `status()` reports it. */
export interface SourceStatus {
  /** Registered name. */
  name: string;
  /** System (`postgresql`, `mysql`, `duckdb`, `sqlite`, `http`, …). */
  system: string;
  /** What it can do. */
  capabilities: SourceCapabilities;
  /** The metadata given at registration. */
  metadata: Record<string, string | number | boolean>;
  /** Calls (attempts) finished since registration. */
  calls: number;
  /** Attempts that failed since registration. */
  errors: number;
  /** Failure share of the last (up to) 100 attempts; null before the first. */
  recentErrorRate: number | null;
  /** Latency of the last (up to) 100 attempts in milliseconds: last, mean and max; null before the first. */
  latencyMs: { last: number; mean: number; max: number } | null;
  /** Calls running now. */
  inFlight: number;
  /** Calls waiting for a slot now. */
  queued: number;
  /** Calls refused because the queue was full. */
  rejected: number;
  /** The breaker, or null when the source has none. */
  breaker: BreakerStatus | null;
}

/** A running query as `status()` reports it. */
export interface InFlightQueryStatus {
  /** Execution id. */
  id: string;
  /** Query name. */
  name: string;
  /** Start time (ms since the epoch). */
  startedAt: number;
  /** Parts not finished yet. */
  pendingParts: string[];
}

/** One failure kept for `status()`. */
export interface RecentError {
  /** When it happened (ms since the epoch). */
  at: number;
  /** Query name. */
  query: string;
  /** Part name, when a part failed. */
  part: string | undefined;
  /** Source name, when a source call failed. */
  source: string | undefined;
  /** The {@link FederationErrorCode}. */
  code: string;
  /** The error message as telemetry records it: a driver's text in it redacted (`redactMessage`) unless `queryText` is `raw`. */
  message: string;
}

/** Result cache figures. */
export interface CacheStatus {
  /** Entries held. */
  entries: number;
  /** Approximate bytes held. */
  bytes: number;
  /** Lookups answered from the cache or from an identical running call. */
  hits: number;
  /** Lookups that ran the call. */
  misses: number;
  /** Entries dropped to stay within the bounds. */
  evictions: number;
}

/** What `federation.status()` returns; plain JSON. */
export interface FederationStatus {
  /** When the status was taken (ms since the epoch). */
  generatedAt: number;
  /** Registered sources. */
  sources: SourceStatus[];
  /** Queries running now. */
  inFlightQueries: InFlightQueryStatus[];
  /** The most recent failures, oldest first. */
  recentErrors: RecentError[];
  /** Result cache figures, or null without a cache. */
  cache: CacheStatus | null;
  /** Queries finished: succeeded, failed, and returned partial. */
  queries: { succeeded: number; failed: number; partial: number };
}
