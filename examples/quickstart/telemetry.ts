/**
 * fedscope starts here, before any database driver is loaded: startFedscope registers the
 * instrumentations of the installed drivers (DuckDB and better-sqlite3 here), which patch them as
 * they load; main.ts imports this module first. The federation runtime declares which registered
 * source each call belongs to, so their CLIENT spans carry `federation.source` = warehouse, catalog.
 * The default alert rules run in-process; FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS shortens their
 * evaluation interval (15 s by default), as the soak script and tests do.
 */
import { startFedscope } from 'fedscope';

const alertIntervalMs = Number(process.env['FEDSCOPE_QUICKSTART_ALERT_INTERVAL_MS'] ?? 15_000);

export const fedscope = startFedscope({
  serviceName: process.env['OTEL_SERVICE_NAME'] ?? 'fedscope-quickstart',
  // requireParentSpan: the data set-up at start (outside any query) is not traced.
  sourceInstrumentations: { duckdb: { requireParentSpan: true }, betterSqlite3: { requireParentSpan: true } },
  // An alerts object would override FEDSCOPE_ALERTS=off, so that switch is honoured here.
  alerts:
    process.env['FEDSCOPE_ALERTS'] === 'off'
      ? false
      : { evaluationIntervalMs: Number.isFinite(alertIntervalMs) && alertIntervalMs > 0 ? alertIntervalMs : 15_000 },
});
