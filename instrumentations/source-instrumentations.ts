import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { BetterSqlite3Instrumentation } from './better-sqlite3/instrumentation.js';
import type { BetterSqlite3InstrumentationConfig } from './better-sqlite3/types.js';
import { fedscopeMysql2Instrumentation, fedscopePgInstrumentation } from './contrib/contrib-db-instrumentations.js';
import type { ContribDbInstrumentationsOptions } from './contrib/types.js';
import { DuckDBInstrumentation } from './duckdb/instrumentation.js';
import type { DuckDBInstrumentationConfig } from './duckdb/types.js';

/** Options of {@link sourceInstrumentations}. */
export interface SourceInstrumentationsOptions extends ContribDbInstrumentationsOptions {
  /**
   * Configuration of fedscope's DuckDB instrumentation (`@duckdb/node-api`), or `false` to leave
   * DuckDB alone. Its `queryText` defaults to {@link ContribDbInstrumentationsOptions.queryText}.
   * @default {}
   */
  duckdb?: DuckDBInstrumentationConfig | false;
  /**
   * Configuration of fedscope's better-sqlite3 instrumentation, or `false` to leave it alone. Its
   * `queryText` defaults to {@link ContribDbInstrumentationsOptions.queryText}.
   * @default {}
   */
  betterSqlite3?: BetterSqlite3InstrumentationConfig | false;
  /**
   * Build instrumentations only for drivers that resolve from the application's directory
   * (`process.cwd()`) or from fedscope's own; a driver that is not installed gets none.
   * @default true
   */
  onlyInstalled?: boolean;
}

/**
 * The instrumentations of every database driver fedscope knows, each configured so that its spans
 * look the same (see `contribDbInstrumentations`, `DuckDBInstrumentation`,
 * `BetterSqlite3Instrumentation`): pg and mysql2 through the OpenTelemetry contrib
 * instrumentations, DuckDB (`@duckdb/node-api`) and better-sqlite3 through fedscope's own.
 *
 * Register them before the drivers are first loaded (`startFedscope` does, when it runs first).
 *
 * @param options - per-driver configuration or `false`, source naming, query-text mode
 */
export function sourceInstrumentations(options: SourceInstrumentationsOptions = {}): Instrumentation[] {
  const wanted = (driverOption: unknown, moduleName: string): boolean =>
    driverOption !== false && (options.onlyInstalled === false || isInstalled(moduleName));
  const instrumentations: Instrumentation[] = [];
  if (wanted(options.pg, 'pg')) instrumentations.push(fedscopePgInstrumentation(options));
  if (wanted(options.mysql2, 'mysql2')) instrumentations.push(fedscopeMysql2Instrumentation(options));
  if (wanted(options.duckdb, '@duckdb/node-api')) {
    instrumentations.push(new DuckDBInstrumentation({ queryText: options.queryText, ...(options.duckdb || {}) }));
  }
  if (wanted(options.betterSqlite3, 'better-sqlite3')) {
    instrumentations.push(new BetterSqlite3Instrumentation({ queryText: options.queryText, ...(options.betterSqlite3 || {}) }));
  }
  return instrumentations;
}

/** Whether `moduleName` resolves from the application's directory or from fedscope's (without loading it). */
export function isInstalled(moduleName: string): boolean {
  for (const base of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      createRequire(base).resolve(moduleName);
      return true;
    } catch {
      // Not resolvable from here; try the next base.
    }
  }
  return false;
}
