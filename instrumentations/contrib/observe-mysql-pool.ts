import { metrics, type Attributes, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_MYSQL } from '@opentelemetry/semantic-conventions';
import { ATTR_FEDERATION_SOURCE } from '../../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import type { MysqlPoolObserver, ObserveMysqlPoolOptions } from './types.js';

/** Instrumentation scope of the mysql2 pool gauges. */
export const MYSQL_POOL_METER_NAME = 'fedscope/mysql2-pool';

/** Semconv (incubating): connections by state. */
export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count';
/** Semconv (incubating): requests waiting for a connection. */
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests';
/** Semconv (incubating): the most connections the pool opens. */
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max';
/** Semconv (incubating) attribute: the pool's name. */
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
/** Semconv (incubating) attribute: `idle` or `used`. */
export const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state';

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

  const meter = (options.meterProvider ?? metrics).getMeter(MYSQL_POOL_METER_NAME, FEDSCOPE_VERSION);
  const count = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
    description: 'The number of connections that are currently in state described by the state attribute.',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
    description: 'The number of current pending requests for an open connection.',
    unit: '{request}',
  });
  const max = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
    description: 'The maximum number of open connections allowed.',
    unit: '{connection}',
  });
  const observables: Observable[] = [count, pending, max];

  const callback: BatchObservableCallback = (result) => {
    if (core._closed === true) return;
    const open = lengthOf(core._allConnections);
    const idle = lengthOf(core._freeConnections);
    const waiting = lengthOf(core._connectionQueue);
    const limit = core.config?.connectionLimit;
    if (open !== undefined && idle !== undefined) {
      result.observe(count, idle, { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'idle' });
      result.observe(count, Math.max(0, open - idle), { ...base, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'used' });
    }
    if (waiting !== undefined) result.observe(pending, waiting, base);
    // connectionLimit 0 means "no limit" in mysql2: there is no maximum to report.
    if (typeof limit === 'number' && Number.isFinite(limit) && limit > 0) result.observe(max, limit, base);
  };
  meter.addBatchObservableCallback(callback, observables);
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(callback, observables);
    },
  };
}

function corePoolOf(pool: object): MysqlPoolInternals {
  // The promise wrapper (mysql2/promise createPool) keeps the callback pool in `.pool`.
  const inner = (pool as { pool?: unknown }).pool;
  return (typeof inner === 'object' && inner !== null && '_allConnections' in inner ? inner : pool) as MysqlPoolInternals;
}

function lengthOf(queue: { length?: unknown } | undefined): number | undefined {
  try {
    const length = queue?.length;
    return typeof length === 'number' && Number.isInteger(length) && length >= 0 ? length : undefined;
  } catch {
    return undefined;
  }
}
