import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertsSnapshot } from '../../../processors/alerts/alert-engine.js';
import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import type { HealthSnapshot } from '../../../processors/health/types.js';
import type { HistoryQuery, HistoryQueryError, HistoryReport } from '../../../processors/history/types.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../../processors/trace-analysis/types.js';
import { parseHistoryQuery } from './history-query-params.js';
import { getRoute, type HttpRoute } from './metrics-server.js';

/** Path of the JSON snapshot of the statistics. */
export const SNAPSHOT_PATH = '/fedscope/snapshot.json';
/** Path of the bottleneck and suggestion report. */
export const BOTTLENECKS_PATH = '/fedscope/bottlenecks.json';
/** Path of the alert report. */
export const ALERTS_PATH = '/fedscope/alerts.json';
/** Path of the health report. */
export const HEALTH_PATH = '/fedscope/health.json';
/** Path of the history of one series: `?series=…&from=…&to=…&step=…`. */
export const HISTORY_PATH = '/fedscope/history.json';

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
}

/** Where the Prometheus exposition is served, and by what. */
export interface PrometheusRoute {
  /** The path, e.g. `/metrics`. */
  endpoint: string;
  /** The Prometheus exporter's request handler. */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * Every route of fedscope's HTTP server, in one place: the Prometheus exposition (when on) and
 * the JSON reports.
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
  ];
}

/** `GET /fedscope/history.json`: 200 with the report, 400 with `{ error, parameter, reason }` when a parameter is refused. */
function historyRoute(reports: FedscopeReports): HttpRoute {
  return getRoute(HISTORY_PATH, (req, res) => {
    const search = new URL(req.url ?? '/', 'http://fedscope').searchParams;
    const query = parseHistoryQuery(search);
    const answer = 'parameter' in query ? query : reports.historyReport(query);
    if ('parameter' in answer) {
      writeJson(res, 400, {
        error: `invalid parameter "${answer.parameter}": ${answer.reason}`,
        parameter: answer.parameter,
        reason: answer.reason,
      });
      return;
    }
    writeJson(res, 200, answer);
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
