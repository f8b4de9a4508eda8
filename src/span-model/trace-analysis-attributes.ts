/**
 * Attributes that trace analysis (critical path, suggestions) reads beside the span model's
 * `federation.*` names. Kept apart from `attributes.ts` because only the analysis reads them.
 */

/** Stable HTTP semconv: how many times the request was resent. */
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
/** `true` on a span that only waits for a connection from a pool. */
export const ATTR_FEDERATION_POOL_WAIT = 'federation.pool.wait';
/**
 * Names of connection-acquire spans: those of the contrib pg instrumentation, and the mysql2 ones
 * fedscope makes from mysql2's tracing channels (`traceMysql2Connections`).
 */
export const POOL_WAIT_SPAN_NAMES: ReadonlySet<string> = new Set(['pg-pool.connect', 'pg.connect', 'mysql2-pool.connect', 'mysql2.connect']);
