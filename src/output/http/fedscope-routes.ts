import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertsSnapshot } from '../../../processors/alerts/alert-engine.js';
import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import type { HealthSnapshot } from '../../../processors/health/types.js';
import type { BottleneckSnapshot, TraceAssemblyStats } from '../../../processors/trace-analysis/types.js';
import { getRoute, type HttpRoute } from './metrics-server.js';

/** Path of the JSON snapshot of the statistics. */
export const SNAPSHOT_PATH = '/fedscope/snapshot.json';
/** Path of the bottleneck and suggestion report. */
export const BOTTLENECKS_PATH = '/fedscope/bottlenecks.json';
/** Path of the alert report. */
export const ALERTS_PATH = '/fedscope/alerts.json';
/** Path of the health report. */
export const HEALTH_PATH = '/fedscope/health.json';

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
  ];
}

function jsonRoute(path: string, body: () => unknown): HttpRoute {
  return getRoute(path, (_req, res) => {
    const text = JSON.stringify(body());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  });
}
