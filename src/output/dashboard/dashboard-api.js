// @ts-check
/**
 * The dashboard's reads of fedscope's JSON routes (relative to `/fedscope/`), typed by the
 * server's own report types. A route the server does not have (404) is reported as `missing`, so
 * a view can say so instead of failing.
 * @module
 */

/** @typedef {import('../../../processors/analysis/snapshot-types.js').FedscopeSnapshot} FedscopeSnapshot */
/** @typedef {import('../../../processors/trace-analysis/types.js').BottleneckSnapshot} BottleneckSnapshot */
/** @typedef {import('../../../processors/health/types.js').HealthSnapshot} HealthSnapshot */
/** @typedef {import('../../../processors/alerts/alert-engine.js').AlertsSnapshot} AlertsSnapshot */
/** @typedef {import('../../../processors/history/types.js').HistoryReport} HistoryReport */
/** @typedef {import('../../../processors/history/types.js').HistoryTier} HistoryTier */
/** @typedef {import('../../pipeline/source-states-report.js').SourceStatesReport} SourceStatesReport */

/**
 * `/fedscope/series.json` (route contract of issue 15).
 * @typedef {{ tiers: HistoryTier[], series: { key: string, kind: string, labels: Record<string, string> }[], services: string[] }} SeriesIndex
 */

/**
 * `/fedscope/slow-traces.json` (route contract of issue 15).
 * @typedef {{ traceId: string, spanId: string, durationMs: number, startTime: string, error: boolean, jaegerUrl: string | null }} SlowTrace
 * @typedef {{ windowSeconds: number, jaegerUiUrl: string | null, queries: { service: string, query: string, traces: SlowTrace[] }[] }} SlowTracesReport
 */

/**
 * What a read gave: the data, or why there is none.
 * @template T
 * @typedef {{ ok: true, data: T } | { ok: false, missing: boolean, message: string }} ReadResult
 */

/**
 * GETs one JSON route.
 * @template T
 * @param {string} path - relative to the page, e.g. `snapshot.json`
 * @param {Record<string, string | number | undefined>} [params] - query parameters (undefined left out)
 * @returns {Promise<ReadResult<T>>}
 */
export async function readJson(path, params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const url = search.size > 0 ? `${path}?${search.toString()}` : path;
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      const text = await response.text();
      return { ok: false, missing: response.status === 404, message: `${path}: HTTP ${response.status} ${text.slice(0, 200)}` };
    }
    return { ok: true, data: /** @type {T} */ (await response.json()) };
  } catch (error) {
    return { ok: false, missing: false, message: `${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The history of one series over the last `windowSeconds`, up to now (the server picks the finest tier that reaches back that far).
 * @param {string} series - `overall`, `query:<service>/<query>`, `source:<service>/<source>`, …
 * @param {number} windowSeconds
 * @returns {Promise<ReadResult<HistoryReport>>}
 */
export function readHistory(series, windowSeconds) {
  return readJson('history.json', { series, from: Math.floor(Date.now() / 1000) - windowSeconds });
}
