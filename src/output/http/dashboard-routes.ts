import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardAssets, type DashboardAsset } from './dashboard-assets.js';
import { getRoute, type HttpRoute } from './metrics-server.js';
import { FEDSCOPE_ROUTE_PREFIX } from './route-prefix.js';

/** Path of the dashboard page (`/fedscope` redirects here). */
export const DASHBOARD_PATH = `${FEDSCOPE_ROUTE_PREFIX}/`;
/** Prefix of the dashboard's scripts and styles: `/fedscope/assets/<version>/<name>`. */
export const DASHBOARD_ASSETS_PREFIX = `${FEDSCOPE_ROUTE_PREFIX}/assets/`;

/**
 * The page's Content-Security-Policy: scripts, styles and data from this origin only — no inline
 * script or style element, no eval, no framing. (uPlot sizes its elements through the CSSOM, which
 * `style-src` does not govern.)
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers of every dashboard answer. */
const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * The dashboard's routes: `/fedscope` → 308 to `/fedscope/`, the page (revalidated on each load,
 * `no-cache` with an ETag) and its assets under a versioned folder (a year, `immutable`, with an
 * ETag). Unknown assets and asset folders of another version are 404.
 * @param assets - the files served (the package's by default)
 */
export function dashboardRoutes(assets: DashboardAssets = new DashboardAssets()): HttpRoute[] {
  return [
    getRoute(FEDSCOPE_ROUTE_PREFIX, (req, res) => {
      const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
      res.writeHead(308, { location: `${DASHBOARD_PATH}${query}`, 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end(`see ${DASHBOARD_PATH}\n`);
    }),
    getRoute(DASHBOARD_PATH, (req, res) => sendAsset(req, res, assets.page(), 'no-cache')),
    (req, res, path) => {
      if (!path.startsWith(DASHBOARD_ASSETS_PREFIX)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
        res.end('method not allowed\n');
        return true;
      }
      // `<version>/<name>` looked up as given: a name outside the fixed list (`..`, `%2e%2e`, a subfolder) is simply not found.
      const [version = '', name = '', ...rest] = path.slice(DASHBOARD_ASSETS_PREFIX.length).split('/');
      const found = rest.length === 0 ? assets.asset(version, name) : undefined;
      if (found === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS });
        res.end('not found\n');
      } else sendAsset(req, res, found, 'public, max-age=31536000, immutable');
      return true;
    },
  ];
}

/** Sends an asset, or 304 when the client's copy is current. */
function sendAsset(req: IncomingMessage, res: ServerResponse, asset: DashboardAsset, cacheControl: string): void {
  const headers = { 'content-type': asset.contentType, 'cache-control': cacheControl, etag: asset.etag, ...SECURITY_HEADERS };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
