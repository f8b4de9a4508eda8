/**
 * Attribute and span names of fedscope's span model (see DESIGN.md, "The span model").
 *
 * Stable OpenTelemetry semantic-convention names come from `@opentelemetry/semantic-conventions`;
 * incubating ones are copied here, as upstream advises, so a semconv release cannot move them
 * under us. fedscope's own names live under `federation.*`.
 */

/** Name of the federated query (the logical query a user runs). */
export const ATTR_FEDERATION_QUERY_NAME = 'federation.query.name';
/** Unique id of one execution of a federated query. */
export const ATTR_FEDERATION_QUERY_ID = 'federation.query.id';
/** Number of distinct sources a federated query touched. */
export const ATTR_FEDERATION_SOURCE_COUNT = 'federation.source.count';
/** Rows a federated query (or one part of it) returned to its caller. */
export const ATTR_FEDERATION_ROWS_RETURNED = 'federation.rows.returned';
/** Whether a result came from fedscope's result cache. */
export const ATTR_FEDERATION_CACHE_HIT = 'federation.cache.hit';
/** Stage of a federated query: plan, split, dispatch, fetch, merge, cache, … */
export const ATTR_FEDERATION_STAGE = 'federation.stage';
/** Registered name of the data source a client span talks to. */
export const ATTR_FEDERATION_SOURCE = 'federation.source';
/**
 * What kind of source a client span without database or HTTP conventions talks to: `function` for
 * a `FunctionSource` (a function of the application's own, no wire protocol to describe).
 */
export const ATTR_FEDERATION_SOURCE_KIND = 'federation.source.kind';
/** Name of the part (sub-query) of a federated query a span belongs to. */
export const ATTR_FEDERATION_PART = 'federation.part';
/** Fingerprint (normalised statement hash) of a source call's query text. */
export const ATTR_FEDERATION_QUERY_FINGERPRINT = 'federation.query.fingerprint';
/**
 * Names of the parts a part depends on (string array), on the `fetch` stage span of a part that
 * declared `dependsOn`: trace analysis never suggests running such parts in parallel. Other
 * runtimes may also give source names, or one comma-separated string.
 */
export const ATTR_FEDERATION_DEPENDS_ON = 'federation.depends_on';
/**
 * Retry ordinal of a source call, counted like semconv's `http.request.resend_count`: 1 on the
 * first retry, 2 on the second; absent (the same as 0) on a first try. Set on the source call
 * spans of retried attempts.
 */
export const ATTR_FEDERATION_RETRY_ATTEMPT = 'federation.retry.attempt';

/** Incubating semconv: rows returned by a database operation. */
export const ATTR_DB_RESPONSE_RETURNED_ROWS = 'db.response.returned_rows';
/** Incubating semconv value of `db.system.name` for SQLite. */
export const DB_SYSTEM_NAME_VALUE_SQLITE = 'sqlite';
/** Custom `db.system.name` value for DuckDB (semconv has none). */
export const DB_SYSTEM_NAME_VALUE_DUCKDB = 'duckdb';
/** Incubating semconv value for SQL databases without a registered name. */
export const DB_SYSTEM_NAME_VALUE_OTHER_SQL = 'other_sql';

/** Deprecated (pre-stable) DB attribute names still emitted by older instrumentations. */
export const ATTR_DB_SYSTEM_OLD = 'db.system';
/** Deprecated name of `db.query.text`. */
export const ATTR_DB_STATEMENT_OLD = 'db.statement';
/** Deprecated name of `db.namespace`. */
export const ATTR_DB_NAME_OLD = 'db.name';
/** Deprecated name of `db.operation.name`. */
export const ATTR_DB_OPERATION_OLD = 'db.operation';
/**
 * Deprecated name of `server.address` on client spans (semconv before 1.21; the Java agent 1.x,
 * Python's psycopg2 and older Node instrumentations still send it).
 */
export const ATTR_NET_PEER_NAME_OLD = 'net.peer.name';
/** Deprecated name of `server.port` on client spans. */
export const ATTR_NET_PEER_PORT_OLD = 'net.peer.port';
/** Deprecated name of `http.request.method`. */
export const ATTR_HTTP_METHOD_OLD = 'http.method';
/** Deprecated name of `http.response.status_code`. */
export const ATTR_HTTP_STATUS_CODE_OLD = 'http.status_code';
/** Deprecated name of `url.full`. */
export const ATTR_HTTP_URL_OLD = 'http.url';

/** Prefix of a federated query root span's name: `federation.query {name}`. */
export const SPAN_NAME_QUERY_PREFIX = 'federation.query';
/** Prefix of a stage span's name: `federation.stage {stage}`. */
export const SPAN_NAME_STAGE_PREFIX = 'federation.stage';

/** Instrumentation scope name of fedscope's own tracer and meter. */
export const FEDSCOPE_SCOPE_NAME = 'fedscope';
/** Metric attribute: the role fedscope's span processor gave a span (query, stage, source, connection, cache, other). */
export const ATTR_FEDSCOPE_SPAN_ROLE = 'fedscope.span.role';

/** Number of cache lookups that hit, on a federated query root. */
export const ATTR_FEDERATION_CACHE_HITS = 'federation.cache.hits';
/** Number of cache lookups made, on a federated query root. */
export const ATTR_FEDERATION_CACHE_LOOKUPS = 'federation.cache.lookups';

/**
 * Class of a failed database call (`syntax_error`, `constraint_violation`, `connection_error`,
 * `timeout`, `transaction_rollback`, `other`), beside the low-cardinality `error.type`.
 */
export const ATTR_FEDERATION_ERROR_CLASS = 'federation.error.class';

/** Stable HTTP semconv: how many times the request was resent (trace analysis counts retries by it). */
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
/** `true` on a span that only waits for a connection from a pool. */
export const ATTR_FEDERATION_POOL_WAIT = 'federation.pool.wait';
/**
 * Names of connection-acquire spans: those of the contrib pg instrumentation, and the mysql2 ones
 * fedscope makes from mysql2's tracing channels (`traceMysql2Connections`).
 */
export const POOL_WAIT_SPAN_NAMES: ReadonlySet<string> = new Set([
  'pg-pool.connect',
  'pg.connect',
  'mysql2-pool.connect',
  'mysql2.connect',
]);

/**
 * Whether `name` is one of {@link POOL_WAIT_SPAN_NAMES}. The suffix is compared first: a span name
 * decoded from OTLP is a fresh string, and a set lookup would hash all of it for nearly every span.
 *
 * @param name - a span name
 */
export function isPoolWaitSpanName(name: string): boolean {
  return name.endsWith('.connect') && POOL_WAIT_SPAN_NAMES.has(name);
}

/** Attempts a part made (on its fetch span). */
export const ATTR_FEDERATION_ATTEMPTS = 'federation.attempts';
/** Set on a cache stage when an identical running call answered instead of the cache. */
export const ATTR_FEDERATION_CACHE_COALESCED = 'federation.cache.coalesced';
/** Number of parts the plan split a query into (on the plan stage). */
export const ATTR_FEDERATION_PART_COUNT = 'federation.part.count';
/** Names of the parts missing from a partial result (on the query root, when `onPartFailure` allowed it). */
export const ATTR_FEDERATION_PARTS_MISSING = 'federation.parts.missing';
/** How the parts were merged (`sql`, `union`, `join`, …), on the merge stage. */
export const ATTR_FEDERATION_MERGE_KIND = 'federation.merge.kind';

/** Semconv (incubating) attribute: the pool's name. */
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
/** Semconv (incubating) attribute: `idle` or `used`. */
export const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state';
