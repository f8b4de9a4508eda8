import type { Attributes } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_MYSQL } from '@opentelemetry/semantic-conventions';
import { ATTR_DB_CLIENT_CONNECTION_POOL_NAME, ATTR_FEDERATION_SOURCE } from '../../src/span-model/attributes.js';
import { countOf, observePoolGauges } from './pool-gauges.js';
import type { MysqlPoolObserver, ObserveMysqlPoolOptions } from './types.js';

export {
  METRIC_DB_CLIENT_CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
} from './pool-gauges.js';

/** Instrumentation scope of the mysql2 pool gauges. */
export const MYSQL_POOL_METER_NAME = 'fedscope/mysql2-pool';

/** The mysql2 pool internals read (all optional: anything missing is simply not reported). */
interface MysqlPoolInternals {
  _allConnections?: { length?: unknown };
  _freeConnections?: { length?: unknown };
  _connectionQueue?: { length?: unknown };
  _closed?: unknown;
  config?: { connectionLimit?: unknown; connectionConfig?: { host?: unknown; port?: unknown; database?: unknown } };
}

/**
 * Exports a mysql2 pool's state as the semconv connection-pool metrics, which
 * `@opentelemetry/instrumentation-mysql2` does not provide (instrumentation-pg does, for pg pools):
 * - `db.client.connection.count` {connection}, `db.client.connection.state` = `idle` | `used`
 * - `db.client.connection.pending_requests` {request}
 * - `db.client.connection.max` {connection}
 *
 * all with `db.client.connection.pool.name`, `db.system.name` = `mysql` and `federation.source`.
 *
 * mysql2 has no public API for this, so the pool's internals are read at collection time, each
 * defensively (a missing or odd field means that series is not reported, never an error):
 * `_allConnections.length` (open), `_freeConnections.length` (idle; used = open − idle),
 * `_connectionQueue.length` (waiting `getConnection` calls) and `config.connectionLimit`; host,
 * port and database for the default names come from `config.connectionConfig`. Checked against
 * mysql2 3.24. A closed pool (`_closed`) reports nothing.
 *
 * @param pool - a mysql2 pool: `createPool()`'s, or the promise wrapper's (its `.pool` is read)
 * @param options - source label, pool name, meter provider
 */
export function observeMysqlPool(pool: object, options: ObserveMysqlPoolOptions = {}): MysqlPoolObserver {
  const core = corePoolOf(pool);
  const connection = core.config?.connectionConfig;
  const host = typeof connection?.host === 'string' ? connection.host : 'unknown_host';
  const port = typeof connection?.port === 'number' ? String(connection.port) : 'unknown_port';
  const database = typeof connection?.database === 'string' ? connection.database : 'unknown_database';
  const poolName = options.poolName ?? `${host}:${port}/${database}`;
  const source = options.source ?? `${DB_SYSTEM_NAME_VALUE_MYSQL}://${host}:${port}/${database}`;
  const base: Attributes = {
    [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: poolName,
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MYSQL,
    [ATTR_FEDERATION_SOURCE]: source,
  };

  return observePoolGauges({
    meterName: MYSQL_POOL_METER_NAME,
    meterProvider: options.meterProvider,
    base,
    read: () => {
      if (core._closed === true) return undefined;
      const open = countOf(() => core._allConnections?.length);
      const idle = countOf(() => core._freeConnections?.length);
      const limit = core.config?.connectionLimit;
      return {
        idle: open !== undefined ? idle : undefined,
        used: open !== undefined && idle !== undefined ? Math.max(0, open - idle) : undefined,
        pending: countOf(() => core._connectionQueue?.length),
        // connectionLimit 0 means "no limit" in mysql2: there is no maximum to report.
        max: typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : undefined,
      };
    },
  });
}

function corePoolOf(pool: object): MysqlPoolInternals {
  // The promise wrapper (mysql2/promise createPool) keeps the callback pool in `.pool`.
  const inner = (pool as { pool?: unknown }).pool;
  const core: object = typeof inner === 'object' && inner !== null && '_allConnections' in inner ? inner : pool;
  // Every field of the internals is optional and checked where it is read.
  return core;
}
