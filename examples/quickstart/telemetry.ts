/**
 * fedscope starts here, before any database driver is loaded: startFedscope registers the
 * instrumentations of the installed drivers (DuckDB and better-sqlite3 here), which patch them as
 * they load; main.ts imports this module first. The federation runtime declares which registered
 * source each call belongs to, so their CLIENT spans carry `federation.source` = warehouse, catalog.
 */
import { startFedscope } from 'fedscope';

export const fedscope = startFedscope({
  serviceName: process.env['OTEL_SERVICE_NAME'] ?? 'fedscope-quickstart',
  // requireParentSpan: the data set-up at start (outside any query) is not traced.
  sourceInstrumentations: { duckdb: { requireParentSpan: true }, betterSqlite3: { requireParentSpan: true } },
});
