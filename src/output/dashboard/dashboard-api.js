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

/** Where the page keeps the bearer token: this tab only, gone when it closes. */
const TOKEN_KEY = 'fedscope.token';
/** @type {Promise<string | null> | undefined} the question being asked, shared by the reads refused meanwhile */
let asking;
/** Set when the user cancelled the question: the reads then fail with their 401 until the page is reloaded. */
let declined = false;

/** @returns {string | null} the token kept for this tab */
function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the user is asked each load
  }
}

/**
 * Asks the user for the token, once for every read refused meanwhile. A token another read
 * stored since `rejected` was sent is used without asking again.
 * @param {string | null} rejected - the token that was refused (null: none was sent)
 * @returns {Promise<string | null>} the token to try, or null when the user cancelled
 */
function askToken(rejected) {
  asking ??= (async () => {
    const current = storedToken();
    if (current !== null && current !== rejected) return current;
    const answer = window.prompt(rejected === null ? 'fedscope access token' : 'That token was refused. fedscope access token');
    const token = answer?.trim() ?? '';
    if (token === '') {
      declined = true;
      return null;
    }
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // storage disabled: asked again on the next load
    }
    return token;
  })().finally(() => (asking = undefined));
  return asking;
}

/**
 * GETs a URL with the kept token as `Authorization: Bearer`; on 401 asks for the token (see
 * {@link askToken}) and tries once more.
 * @param {string} url
 * @returns {Promise<Response>}
 */
async function fetchWithToken(url) {
  const send = (/** @type {string | null} */ token) =>
    fetch(url, {
      headers: token === null ? { accept: 'application/json' } : { accept: 'application/json', authorization: `Bearer ${token}` },
      cache: 'no-store',
    });
  const token = storedToken();
  const response = await send(token);
  if (response.status !== 401 || declined) return response;
  const fresh = await askToken(token);
  return fresh === null ? response : send(fresh);
}

/**
 * GETs one JSON route, with the bearer token when the server asks for one.
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
    const response = await fetchWithToken(url);
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
 * The history's key of a series, spelled as the store spells it (`keyOf` in the history store): the
 * kind, then the service and the other names, each percent-encoded (a space or a `/` in a name), joined by `/`.
 * @param {'service' | 'query' | 'stage' | 'source'} kind
 * @param {readonly string[]} names - the service first, then the kind's other names
 * @returns {string}
 */
export function historyKey(kind, names) {
  return `${kind}:${names.map((name) => encodeURIComponent(name)).join('/')}`;
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
