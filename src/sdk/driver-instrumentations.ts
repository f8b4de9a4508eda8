import type { Instrumentation } from '@opentelemetry/instrumentation';
import { BETTER_SQLITE3_INSTRUMENTATION_NAME } from '../../instrumentations/better-sqlite3/instrumentation.js';
import { DUCKDB_INSTRUMENTATION_NAME } from '../../instrumentations/duckdb/instrumentation.js';
import { sourceInstrumentations, type SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';

/**
 * The driver instrumentations to register, leaving out any driver whose instrumentation the user
 * passed already (patching a driver twice would make two spans per call).
 */
export function driverInstrumentations(
  options: SourceInstrumentationsOptions | false,
  userInstrumentations: Instrumentation[],
): Instrumentation[] {
  if (options === false) return [];
  const userNames = new Set(userInstrumentations.map((i) => i.instrumentationName));
  return sourceInstrumentations({
    ...options,
    // The span processor records db.client.operation.duration for pg as for every driver.
    contribOperationDuration: false,
    pg: userNames.has('@opentelemetry/instrumentation-pg') ? false : options.pg,
    mysql2: userNames.has('@opentelemetry/instrumentation-mysql2') ? false : options.mysql2,
    duckdb: userNames.has(DUCKDB_INSTRUMENTATION_NAME) ? false : options.duckdb,
    betterSqlite3: userNames.has(BETTER_SQLITE3_INSTRUMENTATION_NAME) ? false : options.betterSqlite3,
  });
}
