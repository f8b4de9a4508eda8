/** What a span is, for fedscope's analysis. */
export type SpanRole = 'query' | 'stage' | 'source' | 'cache' | 'other';

/** An ended span reduced to the fields fedscope's statistics use; built once per span. */
export interface ClassifiedSpan {
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
}
