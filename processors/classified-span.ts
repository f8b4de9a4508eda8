/**
 * What a span is, for fedscope's analysis. `connection` is a driver's connection work (pg.connect,
 * pg-pool.connect, mysql2.connect, mysql2-pool.connect): a DB client span that carries no statement. Its failures count as source
 * errors; its time is not a source call's.
 */
export type SpanRole = 'query' | 'stage' | 'source' | 'connection' | 'cache' | 'other';

/** An ended span reduced to the fields fedscope's statistics use; built once per span. */
export interface ClassifiedSpan {
  /** What the span is: a federated query's root, a stage, a source call, connection work, a cache lookup, or other. */
  role: SpanRole;
  /** Duration in milliseconds. */
  durationMs: number;
  /** End time, milliseconds since the epoch. */
  endTimeMs: number;
  /** The span ended with ERROR status (or, for HTTP, an error response). */
  error: boolean;
  /** `error.type`, when the span failed. */
  errorType: string | undefined;
  /** `federation.query.name` of the query the span belongs to, when known. */
  queryName: string | undefined;
  /** `federation.stage`, for stage spans. */
  stage: string | undefined;
  /** The source called: `federation.source`, else derived from the DB or HTTP attributes. */
  source: string | undefined;
  /** `db.system.name` (or the old `db.system`); `http` for HTTP client spans. */
  system: string | undefined;
  /** `db.operation.name`. */
  operationName: string | undefined;
  /** `db.namespace` (or the old `db.name`). */
  namespace: string | undefined;
  /** `server.address`. */
  serverAddress: string | undefined;
  /** `server.port`. */
  serverPort: number | undefined;
  /** Query text as the span carries it (`db.query.text`, or the old `db.statement`). */
  queryText: string | undefined;
  /** `federation.query.fingerprint`, when the instrumentation computed it. */
  fingerprint: string | undefined;
  /** `db.response.returned_rows` or `federation.rows.returned`. */
  rowsReturned: number | undefined;
  /** For cache spans and query roots: whether the lookup hit. */
  cacheHit: boolean | undefined;
  /** Instrumentation scope name of the span. */
  scopeName: string;
  /**
   * `service.name` of the span's resource: the service that emitted it (one in-process, many in
   * the collector companion). Optional so that hand-built spans (tests, benchmarks) stay valid;
   * classifySpan always sets it ({@link UNKNOWN_SERVICE} when the resource has none).
   */
  service?: string;
  // The fields below serve trace assembly and critical-path analysis. They are optional so that
  // hand-built spans (tests, benchmarks) stay valid; classifySpan always sets them.
  /** Trace id (32 hex digits). */
  traceId?: string;
  /** Span id (16 hex digits). */
  spanId?: string;
  /** Parent span id, when the span has a parent. */
  parentSpanId?: string | undefined;
  /** Start time, milliseconds since the epoch. */
  startTimeMs?: number;
  /** The span has no parent in this process (none, or a remote one): it is its trace's local root. */
  localRoot?: boolean;
  /** `federation.part`: the part (sub-query) the span works on. */
  part?: string | undefined;
  /** `federation.depends_on`: parts (or sources) this span's work waits for, declared by the user. */
  dependsOn?: readonly string[] | undefined;
  /** Retry number: `federation.retry.attempt`, else `http.request.resend_count`; 0 or undefined for a first try. */
  retryAttempt?: number | undefined;
  /** The span failed with a timeout (`federation.error.class` = `timeout`, or an `error.type` naming a timeout). */
  timedOut?: boolean;
  /** The span is a wait for a pool connection (`federation.pool.wait` = true, or a `pg-pool.connect`, `pg.connect`, `mysql2-pool.connect` or `mysql2.connect` span). */
  poolWait?: boolean;
}

/** The service of a span whose resource names none (OTel SDKs always set one; some senders do not). */
export const UNKNOWN_SERVICE = 'unknown_service';
