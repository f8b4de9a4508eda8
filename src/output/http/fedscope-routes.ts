import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import type { AlertsSnapshot } from '../../../processors/alerts/alert-engine.js';
import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import type { HealthSnapshot } from '../../../processors/health/types.js';
import type { SlowTracesQuery, SlowTracesReport } from '../../../processors/analysis/slow-trace-types.js';
import type { HistoryQuery, HistoryQueryError, HistoryReport, HistorySeriesReport } from '../../../processors/history/types.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../../processors/trace-analysis/types.js';
import type { SourceStatesReport } from '../../pipeline/source-states-report.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { fedscopeLog } from '../../diagnostics/fedscope-log.js';
import { exportBody } from '../export/export-body.js';
import type { ExportQuery, ExportReport } from '../export/export-report.js';
import { parseExportQuery, parseHistoryQuery } from './history-query-params.js';
import { getRoute, type HttpRoute } from './metrics-server.js';
import { parseSlowTracesQuery } from './slow-traces-query-params.js';
import { FEDSCOPE_ROUTE_PREFIX } from './route-prefix.js';

/** Path of the JSON snapshot of the statistics. */
export const SNAPSHOT_PATH = `${FEDSCOPE_ROUTE_PREFIX}/snapshot.json`;
/** Path of the bottleneck and suggestion report. */
export const BOTTLENECKS_PATH = `${FEDSCOPE_ROUTE_PREFIX}/bottlenecks.json`;
/** Path of the alert report. */
export const ALERTS_PATH = `${FEDSCOPE_ROUTE_PREFIX}/alerts.json`;
/** Path of the health report. */
export const HEALTH_PATH = `${FEDSCOPE_ROUTE_PREFIX}/health.json`;
/** Path of the history of one series: `?series=…&from=…&to=…&step=…`. */
export const HISTORY_PATH = `${FEDSCOPE_ROUTE_PREFIX}/history.json`;
/** Path of the list of the history's series, its tiers, services and persistence. */
export const SERIES_PATH = `${FEDSCOPE_ROUTE_PREFIX}/series.json`;
/** Path of the slowest traces per query: `?window=60|300|900&service=…`. */
export const SLOW_TRACES_PATH = `${FEDSCOPE_ROUTE_PREFIX}/slow-traces.json`;
/** Path of the export of the current or historical figures: `?format=json|csv|influx&series=…&from=…&to=…&step=…`. */
export const EXPORT_PATH = `${FEDSCOPE_ROUTE_PREFIX}/export`;
/** Path of the circuit breakers' states and transitions and the connection pools' gauges. */
export const SOURCES_PATH = `${FEDSCOPE_ROUTE_PREFIX}/sources.json`;

/** The reports fedscope's JSON routes serve (a `FedscopePipeline` is one). */
export interface FedscopeReports {
  /** The statistics now. */
  snapshot(): FedscopeSnapshot;
  /** Bottlenecks and ranked suggestions per query name. */
  bottleneckReport(): BottleneckSnapshot & { assembly: TraceAssemblyStats };
  /** The health score with its components and reasons. */
  healthReport(): HealthSnapshot;
  /** Active alerts, rule states and history; `null` when alerts are off. */
  alertsReport(): AlertsSnapshot | null;
  /** One series of the history over a range, or the parameter refused and why. */
  historyReport(query: HistoryQuery): HistoryReport | HistoryQueryError;
  /** The history's series (key, kind, labels), tiers, services, bounds and persistence. */
  seriesReport(): HistorySeriesReport;
  /** The slowest traces of each query in a window, linked to Jaeger when configured. */
  slowTracesReport(query: SlowTracesQuery): SlowTracesReport;
  /** The current or historical figures as export rows, or the parameter refused and why. */
  exportReport(query: ExportQuery): ExportReport | HistoryQueryError;
  /** The circuit breakers' states and recent transitions and the connection pools' gauges. */
  sourceStatesReport(): SourceStatesReport;
}

/** Where the Prometheus exposition is served, and by what. */
export interface PrometheusRoute {
  /** The path, e.g. `/metrics`. */
  endpoint: string;
  /** The Prometheus exporter's request handler. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Every route of fedscope's HTTP server, in one place: the Prometheus exposition (when on), the
 * JSON reports and the dashboard page (`/fedscope/`) with its assets.
 * @param reports - what the JSON routes serve
 * @param prometheus - the exposition route, when Prometheus is on
 */
export function fedscopeRoutes(reports: FedscopeReports, prometheus?: PrometheusRoute): HttpRoute[] {
  return [
    ...(prometheus ? [getRoute(prometheus.endpoint, (req, res) => prometheus.handle(req, res))] : []),
    jsonRoute(SNAPSHOT_PATH, () => reports.snapshot()),
    jsonRoute(BOTTLENECKS_PATH, () => reports.bottleneckReport()),
    jsonRoute(HEALTH_PATH, () => reports.healthReport()),
    jsonRoute(ALERTS_PATH, () => reports.alertsReport()),
    historyRoute(reports),
    jsonRoute(SERIES_PATH, () => reports.seriesReport()),
    slowTracesRoute(reports),
    exportRoute(reports),
    jsonRoute(SOURCES_PATH, () => reports.sourceStatesReport()),
    ...dashboardRoutes(),
  ];
}

/** `GET /fedscope/history.json`: 200 with the report, 400 with `{ error, parameter, reason }` when a parameter is refused. */
function historyRoute(reports: FedscopeReports): HttpRoute {
  return getRoute(HISTORY_PATH, (req, res) => {
    const search = new URL(req.url ?? '/', 'http://fedscope').searchParams;
    const query = parseHistoryQuery(search);
    const answer = 'parameter' in query ? query : reports.historyReport(query);
    if ('parameter' in answer) writeParameterError(res, answer);
    else writeJson(res, 200, answer);
  });
}

/**
 * `GET /fedscope/export`: 200 with the rows as a download (`Content-Disposition: attachment`),
 * written as they are read; 400 with `{ error, parameter, reason }` as history.json answers.
 */
function exportRoute(reports: FedscopeReports): HttpRoute {
  return getRoute(EXPORT_PATH, (req, res) => {
    const query = parseExportQuery(new URL(req.url ?? '/', 'http://fedscope').searchParams);
    if ('parameter' in query) return writeParameterError(res, query);
    const report = reports.exportReport(query);
    if ('parameter' in report) return writeParameterError(res, report);
    const body = exportBody(report, query.format);
    res.writeHead(200, {
      'content-type': body.contentType,
      'content-disposition': `attachment; filename="${body.filename}"`,
      'cache-control': 'no-store',
    });
    pipeline(Readable.from(body.chunks), res, (error) => {
      // A client that goes away mid-download is no fault of fedscope's.
      if (error && (error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        fedscopeLog.warn('an export could not be written whole', error);
    });
  });
}

/** `GET /fedscope/slow-traces.json`: 200 with the report, 400 with `{ error, parameter, reason }` as history.json answers. */
function slowTracesRoute(reports: FedscopeReports): HttpRoute {
  return getRoute(SLOW_TRACES_PATH, (req, res) => {
    const query = parseSlowTracesQuery(new URL(req.url ?? '/', 'http://fedscope').searchParams);
    if ('parameter' in query) writeParameterError(res, query);
    else writeJson(res, 200, reports.slowTracesReport(query));
  });
}

/** 400 with `{ error, parameter, reason }`: the parameter refused and why. */
function writeParameterError(res: ServerResponse, refused: HistoryQueryError): void {
  writeJson(res, 400, {
    error: `invalid parameter "${refused.parameter}": ${refused.reason}`,
    parameter: refused.parameter,
    reason: refused.reason,
  });
}

function jsonRoute(path: string, body: () => unknown): HttpRoute {
  return getRoute(path, (_req, res) => writeJson(res, 200, body()));
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
