import type { MeterProvider } from '@opentelemetry/api';
import type { MySQL2InstrumentationConfig } from '@opentelemetry/instrumentation-mysql2';
import type { PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import type { QueryTextMode } from '../../src/span-model/query-text-mode.js';

/** The connection a contrib span talks to, as its semantic-convention attributes describe it. */
export interface ContribSourceInfo {
  /** `db.system.name`: `postgresql` or `mysql` (the contrib mysql2 instrumentation says `mysql` for MariaDB too). */
  system: string;
  /** `server.address`. */
  host: string | undefined;
  /** `server.port`. */
  port: number | undefined;
  /** `db.namespace`: the database name. */
  database: string | undefined;
}

/** Names the source of a contrib span; return undefined to fall back to the default name. */
export type ContribSourceResolver = (info: ContribSourceInfo) => string | undefined;

/**
 * Source names by connection. Keys are tried in this order (the first that is present wins):
 * `{system}://{host}:{port}/{database}` (the default name itself), `{host}:{port}/{database}`,
 * `{host}/{database}`, `{host}:{port}`, `{host}`.
 *
 * @example { '10.0.0.5:5432/orders': 'orders-db', 'analytics.internal': 'analytics' }
 */
export type ContribSourceMap = Readonly<Record<string, string>>;

/** Options of {@link contribDbInstrumentations}. */
export interface ContribDbInstrumentationsOptions {
  /**
   * Configuration passed to `@opentelemetry/instrumentation-pg`, or `false` to leave pg alone.
   * Its `responseHook` runs after fedscope's; fedscope's enrichment does not depend on hooks.
   * @default {} (pg is instrumented with contrib's defaults)
   */
  pg?: PgInstrumentationConfig | false;
  /**
   * Configuration passed to `@opentelemetry/instrumentation-mysql2`, or `false` to leave mysql2
   * alone. Unless it sets `maskStatement`/`maskStatementHook` itself, fedscope asks contrib for the
   * statement as written (placeholders, not formatted values) and applies its own query-text mode.
   * @default {} (mysql2 is instrumented with contrib's defaults)
   */
  mysql2?: MySQL2InstrumentationConfig | false;
  /**
   * How contrib spans get `federation.source`: a map from connection to name, or a function.
   * @default the processor's default name `{system}://{host}:{port}/{database}`, e.g. `postgresql://127.0.0.1:5432/test`
   */
  sources?: ContribSourceMap | ContribSourceResolver;
  /**
   * How SQL goes on contrib spans: `sanitized` replaces the raw text contrib captured, `off` removes
   * it, `raw` keeps it. Read at each span, so a later `startFedscope({ queryText })` applies.
   * @default the process default (`defaultQueryTextMode()`: `startFedscope`'s `queryText`, else 'sanitized')
   */
  queryText?: QueryTextMode;
  /**
   * Rename query spans to `db.query.summary` (`SELECT orders`) as the DB conventions ask, instead
   * of contrib's `pg.query:SELECT test` / `SELECT`, so spans look alike whatever the driver.
   * Connect spans (`pg.connect`, `pg-pool.connect`, and fedscope's `mysql2.connect`, `mysql2-pool.connect`) keep their names.
   * @default true
   */
  renameSpans?: boolean;
  /**
   * Let contrib pg record its own `db.client.operation.duration`. `startFedscope` turns it off:
   * its span processor records that series for every driver's spans, with `federation.source` and
   * `error.type`, so pg's own would count each query twice.
   * @default true
   */
  contribOperationDuration?: boolean;
}

/** Options of {@link observeMysqlPool} and {@link observePgPool}. */
export interface ObserveMysqlPoolOptions {
  /**
   * `federation.source` label of the series.
   * @default `{system}://{host}:{port}/{database}` from the pool's configuration (`mysql://…` / `postgresql://…`)
   */
  source?: string;
  /**
   * `db.client.connection.pool.name`.
   * @default `{host}:{port}/{database}`, the form instrumentation-pg uses
   */
  poolName?: string;
  /**
   * Meter provider to register the gauges on.
   * @default the global meter provider
   */
  meterProvider?: MeterProvider;
}

/** Options of {@link observePgPool}: those of {@link observeMysqlPool}. */
export type ObservePgPoolOptions = ObserveMysqlPoolOptions;

/** What {@link observeMysqlPool} and {@link observePgPool} return. */
export interface MysqlPoolObserver {
  /** Removes the gauges' callback; the pool itself is untouched. */
  stop(): void;
}
