// The dashboard's HTTP surface without a browser: the redirect, the page and its versioned
// assets (content types, caching, ETags), 404 for what is not an asset, no way out of the list.
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardAssets, dashboardPageDirectory } from '../../../../src/output/http/dashboard-assets.js';
import { DASHBOARD_CSP, dashboardRoutes } from '../../../../src/output/http/dashboard-routes.js';
import { MetricsServer } from '../../../../src/output/http/metrics-server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw GET (the path is sent as written: no URL normalisation of `..`). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const assets = new DashboardAssets();
const server = new MetricsServer(dashboardRoutes(assets));
let base = '';
beforeAll(async () => {
  base = await server.listen('127.0.0.1', 0);
});
afterAll(() => server.close());

describe('dashboard routes', () => {
  it('redirects /fedscope to /fedscope/, keeping the query string', async () => {
    const answer = await get(base, '/fedscope?window=300');
    expect(answer.status).toBe(308);
    expect(answer.headers['location']).toBe('/fedscope/?window=300');
  });

  it('serves the page with a strict CSP, revalidated by ETag, naming its versioned assets', async () => {
    const page = await get(base, '/fedscope/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).not.toContain('%ASSET_BASE%');
    expect(page.body).toContain(`assets/${assets.version}/uPlot.iife.min.js`);
    expect(page.body).toContain(`assets/${assets.version}/dashboard.js`);
    // No inline script: every <script> names a file.
    expect(page.body.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();

    const again = await get(base, '/fedscope/', { 'if-none-match': String(page.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves uPlot and the page scripts as immutable, with their content types', async () => {
    for (const [name, type] of [
      ['uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
      ['uPlot.min.css', 'text/css; charset=utf-8'],
      ['dashboard.js', 'text/javascript; charset=utf-8'],
      ['dashboard-views.js', 'text/javascript; charset=utf-8'],
      ['dashboard.css', 'text/css; charset=utf-8'],
    ] as const) {
      const answer = await get(base, `/fedscope/assets/${assets.version}/${name}`);
      expect(answer.status, name).toBe(200);
      expect(answer.headers['content-type'], name).toBe(type);
      expect(answer.headers['cache-control'], name).toBe('public, max-age=31536000, immutable');
      expect(answer.headers['etag'], name).toMatch(/^"[\w-]{22}"$/);
      expect(Number(answer.headers['content-length']), name).toBe(Buffer.byteLength(answer.body));
    }
    const uplot = await get(base, `/fedscope/assets/${assets.version}/uPlot.iife.min.js`);
    expect(uplot.body).toMatch(/var uPlot=/);
    const head = await get(base, `/fedscope/assets/${assets.version}/dashboard.js`, {}, 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('answers 404 for unknown assets, other versions and every path-traversal form', async () => {
    const v = assets.version;
    for (const path of [
      `/fedscope/assets/${v}/nope.js`,
      `/fedscope/assets/0000000000000000/dashboard.js`,
      `/fedscope/assets/${v}/../../../package.json`,
      `/fedscope/assets/${v}/..%2f..%2f..%2fpackage.json`,
      `/fedscope/assets/${v}/%2e%2e/%2e%2e/package.json`,
      `/fedscope/assets/${v}/index.html`,
      `/fedscope/assets/${v}/dashboard-assets.ts`,
      `/fedscope/assets/${v}/sub/dashboard.js`,
      `/fedscope/assets/${v}/`,
      `/fedscope/assets/..%5c..%5cpackage.json`,
      '/fedscope/assets/',
    ]) {
      const answer = await get(base, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toBe('not found\n');
    }
    // The traversal did not reach a file: unrouted paths stay the server's 404.
    expect((await get(base, '/package.json')).status).toBe(404);
  });

  it('refuses other methods', async () => {
    expect((await get(base, '/fedscope/', {}, 'POST')).status).toBe(405);
    expect((await get(base, `/fedscope/assets/${assets.version}/dashboard.js`, {}, 'DELETE')).status).toBe(405);
  });

  it('answers 500 (and logs) when the page files are missing, instead of throwing at start', async () => {
    const broken = new MetricsServer(dashboardRoutes(new DashboardAssets('/nonexistent-fedscope-page')));
    const url = await broken.listen('127.0.0.1', 0);
    try {
      expect((await get(url, '/fedscope/')).status).toBe(500);
    } finally {
      await broken.close();
    }
  });
});

describe('dashboard page code', () => {
  it('inserts server text as text only: no HTML-parsing DOM API in its scripts (SQL text is user data)', () => {
    const directory = dashboardPageDirectory();
    const scripts = readdirSync(directory).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    for (const name of scripts) {
      const code = readFileSync(join(directory, name), 'utf8');
      expect(code, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|\beval\(|new Function/,
      );
    }
  });
});
