import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import { ATTR_FEDERATION_SOURCE } from '../../src/span-model/attributes.js';
import { ATTR_DB_CLIENT_CONNECTION_POOL_NAME } from '../../src/span-model/attributes.js';
import { countOf, observePoolGauges, type PoolState } from './pool-gauges.js';
import type { MysqlPoolObserver, ObservePgPoolOptions } from './types.js';

/** Instrumentation scope of the pg pool gauges. */
export const PG_POOL_METER_NAME = 'fedscope/pg-pool';

/** The public pg-pool fields read (`pg.Pool`). */
interface PgPoolPublic {
  totalCount?: unknown;
  idleCount?: unknown;
  waitingCount?: unknown;
  ending?: unknown;
  ended?: unknown;
  options?: { max?: unknown; host?: unknown; port?: unknown; database?: unknown; connectionString?: unknown };
}

/**
 * The connection attributes of a pg pool, as the spans of its queries carry them
 * (`db.system.name`, `server.address`, `server.port`, `db.namespace`; a `connectionString` wins),
 * with pg's defaults (localhost:5432) for what the options leave out.
 */
export function pgPoolConnectionAttributes(pool: object): Attributes {
  const options = (pool as PgPoolPublic).options ?? {};
  let url: URL | undefined;
  try {
    url = typeof options.connectionString === 'string' ? new URL(options.connectionString) : undefined;
  } catch {
    url = undefined;
  }
  const host = url?.hostname || (typeof options.host === 'string' ? options.host : 'localhost');
  const port = Number(url?.port) || (typeof options.port === 'number' ? options.port : Number(options.port) || 5432);
  const database =
    url !== undefined && url.pathname.length > 1
      ? decodeURIComponent(url.pathname.slice(1))
      : typeof options.database === 'string'
        ? options.database
        : undefined;
  const attributes: Attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    [ATTR_SERVER_ADDRESS]: host,
    [ATTR_SERVER_PORT]: port,
  };
  if (database !== undefined) attributes[ATTR_DB_NAMESPACE] = database;
  return attributes;
}

/**
 * Exports a pg pool's state as the semconv connection-pool metrics, read from pg-pool's public
 * counters at collection time, so each pool's figures are its own and current:
 * - `db.client.connection.count` {connection}, `db.client.connection.state` = `idle` | `used`
 *   (`totalCount − idleCount`)
 * - `db.client.connection.pending_requests` {request} (`waitingCount`)
 * - `db.client.connection.max` {connection} (`options.max`, pg's default 10 when unset)
 *
 * all with `db.client.connection.pool.name` (`{host}:{port}/{database}`, instrumentation-pg's form with
 * pg's defaults filled in), `db.system.name` = `postgresql` and `federation.source`. An ended pool
 * reports its zeros (and a maximum of 0) once, then its callback is removed (the SDK keeps
 * exporting those last values); the pool is held weakly, so observing it never keeps it alive.
 *
 * fedscope's pg instrumentation calls this for every pool it sees connect: contrib
 * instrumentation-pg 0.76 keeps one running total for all pools (its gauges go wrong as soon as
 * a second pool exists, e.g. `used` −1) and updates them on pool events, lagging a release.
 *
 * @param pool - a `pg.Pool`
 * @param options - source label, pool name, meter provider
 */
export function observePgPool(pool: object, options: ObservePgPoolOptions = {}): MysqlPoolObserver {
  const connection = pgPoolConnectionAttributes(pool);
  const poolName =
    options.poolName ??
    `${String(connection[ATTR_SERVER_ADDRESS])}:${String(connection[ATTR_SERVER_PORT])}/${String(connection[ATTR_DB_NAMESPACE] ?? 'unknown_database')}`;
  const source = options.source ?? `${DB_SYSTEM_NAME_VALUE_POSTGRESQL}://${poolName}`;
  const ref = new WeakRef(pool);
  let reportedEnd = false;
  const observer = observePoolGauges({
    meterName: PG_POOL_METER_NAME,
    meterProvider: options.meterProvider,
    base: {
      [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: poolName,
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_FEDERATION_SOURCE]: source,
    },
    read: () => {
      const current = ref.deref() as PgPoolPublic | undefined;
      // A collected pool, or an ended one after its zeros were reported: stop, though not during
      // the collection that is iterating the callbacks.
      if (current === undefined || reportedEnd) {
        queueMicrotask(() => observer.stop());
        return undefined;
      }
      reportedEnd = current.ended === true;
      return pgPoolState(current);
    },
    peek: () => {
      const current = ref.deref() as PgPoolPublic | undefined;
      return current === undefined || current.ended === true ? undefined : pgPoolState(current);
    },
  });
  return observer;
}

/** A pg pool's gauges from its public counters (an ending pool's maximum reads 0). */
function pgPoolState(pool: PgPoolPublic): PoolState {
  const ending = pool.ending === true || pool.ended === true;
  const total = countOf(() => pool.totalCount);
  const idle = countOf(() => pool.idleCount);
  return {
    idle,
    used: total !== undefined && idle !== undefined ? Math.max(0, total - idle) : undefined,
    pending: countOf(() => pool.waitingCount),
    max: ending ? 0 : countOf(() => pool.options?.max ?? 10),
  };
}
