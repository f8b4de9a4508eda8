// The dashboard in headless Chromium against a live workload: two services feeding one pipeline
// (a federation runtime with a real PostgreSQL pool, and hand-made spans of a second service),
// history ticking every second. The page must load without a console error, draw every chart
// with data, follow the window and service selectors, show an alert within 10 s of it firing,
// and reach every view from the keyboard. Screenshots go to test-artifacts/dashboard/;
// FEDSCOPE_UPDATE_SCREENSHOT=1 also rewrites the README's docs/dashboard.png.
import { context as otelContext, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, ConsoleMessage, HTTPRequest, HTTPResponse, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { observePgPool } from '../../../instrumentations/contrib/observe-pg-pool.js';
import { Federation, FunctionSource } from '../../../src/federation/index.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { fedscopeRoutes } from '../../../src/output/http/fedscope-routes.js';
import { MetricsServer } from '../../../src/output/http/metrics-server.js';
import { BearerTokenCheck } from '../../../src/output/http/bearer-token-check.js';
import { HttpAccessGuard } from '../../../src/output/http/http-access-guard.js';
import { DEFAULT_HTTP_RATE_LIMIT } from '../../../src/options/resolve-http-access.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { launchChromium, needsChromium } from '../../support/chromium.js';
import { needsPostgres, postgresConfig } from '../../support/real-servers.js';

const chromium = needsChromium();
const postgres = await needsPostgres();

const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'dashboard');
const README_SCREENSHOT = join(import.meta.dirname, '..', '..', '..', 'docs', 'dashboard.png');
const VIEW_IDS = ['overview', 'queries', 'sources', 'statements', 'health', 'alerts', 'slow'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let pipeline: FedscopePipeline;
let server: MetricsServer;
let base = '';
let shopProvider: NodeTracerProvider;
let billingProvider: BasicTracerProvider;
let pool: pg.Pool;
let federation: Federation;
let browser: Browser | undefined;
let running = true;
let stockFails = false;
let workload: Promise<void> = Promise.resolve();
/** What went wrong in the page: console errors, uncaught exceptions, failed or refused requests. */
const problems: string[] = [];

/** One `invoices` query of the `billing` service: root, fetch stage and a ledger call, as an SDK would record them. */
function billingQuery(index: number): void {
  const tracer = billingProvider.getTracer('billing');
  const root = tracer.startSpan('federation.query invoices', {
    kind: SpanKind.INTERNAL,
    attributes: { 'federation.query.name': 'invoices' },
  });
  const rootContext = trace.setSpan(otelContext.active(), root);
  const stage = tracer.startSpan('federation.stage fetch', { attributes: { 'federation.stage': 'fetch' } }, rootContext);
  const call = tracer.startSpan(
    'SELECT invoices',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'sqlite',
        // A space in the name: the history's key percent-encodes it, and the charts must find it so.
        'federation.source': 'ledger eu',
        'db.operation.name': 'SELECT',
        'db.query.text': `SELECT id, total FROM invoices WHERE customer_id = ${index % 7}`,
      },
    },
    trace.setSpan(rootContext, stage),
  );
  call.end();
  stage.end();
  root.end();
}

async function runWorkload(): Promise<void> {
  for (let i = 0; running; i++) {
    await Promise.allSettled([
      federation.query({
        name: 'orders',
        parts: {
          items: { source: 'catalog', sql: 'SELECT n FROM generate_series(1, 20) AS n' },
          stock: { source: 'stock', sql: 'SELECT 1' },
        },
      }),
      federation.query({ name: 'stock_check', parts: { stock: { source: 'stock', sql: 'SELECT sku FROM stock' } } }),
    ]);
    billingQuery(i);
    await sleep(30);
  }
}

beforeAll(async () => {
  if (chromium.skip || postgres.skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const config = resolveConfig(
    {
      prometheus: false,
      otlp: false,
      jaegerUiUrl: 'http://jaeger.invalid:16686',
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: {
        defaultRules: false,
        log: false,
        evaluationIntervalMs: 500,
        rules: [
          {
            alert: 'StockFailing',
            figure: 'source.errors',
            op: '>',
            threshold: 2,
            severity: 'critical',
            annotations: { summary: 'source {{ $labels.source }} fails' },
          },
        ],
      },
    },
    {},
  );
  pipeline = new FedscopePipeline(config, {
    resource: resourceFromAttributes({ 'service.name': 'fedscope-test' }),
    traceAssembly: { graceMs: 100 },
    history: {
      tickSeconds: 1,
      tiers: [
        { stepSeconds: 1, retentionSeconds: 3600 },
        { stepSeconds: 60, retentionSeconds: 86_400 },
      ],
    },
  });
  pipeline.start();
  server = new MetricsServer(fedscopeRoutes(pipeline));
  base = await server.listen('127.0.0.1', 0);

  shopProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [pipeline.spanProcessor],
  });
  shopProvider.register();
  billingProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing' }),
    spanProcessors: [pipeline.spanProcessor],
  });
  pool = new pg.Pool({ ...postgresConfig(), max: 4 });
  observePgPool(pool, { source: 'catalog' });
  federation = new Federation({ cache: false })
    .source(
      'catalog',
      new FunctionSource(async (request) => (await pool.query<{ n: number }>(request.kind === 'sql' ? request.sql : 'SELECT 1')).rows),
    )
    .source(
      'stock',
      new FunctionSource(async () => {
        await sleep(2);
        // A refused connection counts against the source: its breaker opens.
        if (stockFails) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
        return [{ sku: 'a', stock: 3 }];
      }),
      { breaker: { consecutiveFailures: 3, coolDownMs: 1500 }, retry: false },
    );
  workload = runWorkload();
  // History points of both services before the page opens.
  for (let i = 0; i < 100; i++) {
    const services = new Set(pipeline.snapshot().queries.map((q) => q.labels['service']));
    if (pipeline.history.stats().ticks >= 4 && services.has('shop') && services.has('billing')) break;
    await sleep(200);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  running = false;
  await workload;
  await browser?.close();
  await federation?.close();
  await pool?.end();
  await server?.close();
  await pipeline?.shutdown();
  await shopProvider?.shutdown();
  trace.disable();
  otelContext.disable();
});

/** A new page that records every problem the browser reports. */
async function openPage(path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser!.newPage();
  await page.setViewport(viewport);
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    problems.push(`console: ${message.text()} (${message.location().url ?? ''})`);
  });
  page.on('pageerror', (error: unknown) => problems.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
  page.on('requestfailed', (request: HTTPRequest) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response: HTTPResponse) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${base}${path}`, { waitUntil: 'load' });
  return page;
}

/** Waits until the view is rendered (its content replaced after the hash change). */
async function waitForView(page: Page, id: string): Promise<void> {
  await page.waitForSelector(`main[data-view="${id}"]`, { timeout: 10_000 });
}

/** The text of the first element matching `selector` (`''` when none). */
async function textOf(page: Page, selector: string): Promise<string> {
  return String(await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`));
}

/** Shows a view by its hash, as a link would, and waits until it is rendered. */
async function showView(page: Page, id: string): Promise<void> {
  await page.evaluate(`location.hash = '#${id}'`);
  await waitForView(page, id);
}

/** Every chart of the view has data and has drawn on its canvas. */
async function expectChartsDrawn(page: Page, view: string, atLeast: number): Promise<void> {
  await page.waitForFunction(
    `(() => {
      const charts = [...document.querySelectorAll('main .chart')];
      return charts.length >= ${atLeast} && charts.every((c) => Number(c.dataset.points) > 0 && c.querySelector('canvas') !== null);
    })()`,
    { timeout: 10_000 },
  );
  // Painted (non-transparent) pixels of every chart canvas: the axes, the grid and the lines.
  const drawn = (await page.evaluate(`[...document.querySelectorAll('main .chart canvas')].map((canvas) => {
    const image = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < image.length; i += 4) if (image[i] > 0) painted++;
    return { painted, width: canvas.width };
  })`)) as { painted: number; width: number }[];
  expect(drawn.length, view).toBeGreaterThanOrEqual(atLeast);
  for (const canvas of drawn) {
    expect(canvas.width, view).toBeGreaterThan(100);
    expect(canvas.painted, view).toBeGreaterThan(500);
  }
}

chromium.describe('dashboard in headless Chromium', () => {
  postgres.describe('against a live workload', () => {
    it('loads cleanly, draws every chart, follows the selectors, shows a new alert within 10 s, and is keyboard usable', async () => {
      const page = await openPage('/fedscope?refresh=1');
      expect(new URL(page.url()).pathname).toBe('/fedscope/'); // the redirect

      // Overview: tiles, four charts with data.
      await waitForView(page, 'overview');
      await expectChartsDrawn(page, 'overview', 4);
      expect(await textOf(page, '[data-tile="qps"] .value')).toMatch(/^\d/);
      await page.screenshot({ path: join(ARTIFACTS, 'overview.png') });

      // Keyboard: Tab from the top reaches the skip link, then the selected tab; arrows walk every view.
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.className')).toBe('skip-link');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('[document.activeElement?.id, location.hash]')).toEqual(['main', '']);
      await page.evaluate('document.activeElement?.blur()');
      let onTab = '';
      for (let i = 0; i < 10 && onTab === ''; i++) {
        await page.keyboard.press('Tab');
        onTab = String(await page.evaluate("document.activeElement?.getAttribute('role') === 'tab' ? document.activeElement.id : ''"));
      }
      expect(onTab).toBe('tab-overview');
      const chartsPerView: Record<string, number> = { queries: 6, sources: 6, health: 1 };
      for (const id of VIEW_IDS.slice(1)) {
        await page.keyboard.press('ArrowRight');
        await waitForView(page, id);
        expect(await page.evaluate('[location.hash, document.activeElement?.id]')).toEqual([`#${id}`, `tab-${id}`]);
        expect(await page.evaluate(`document.getElementById('tab-${id}').getAttribute('aria-selected')`)).toBe('true');
        if (chartsPerView[id] !== undefined) await expectChartsDrawn(page, id, chartsPerView[id]);
        if (id === 'slow') {
          // Every slow trace links to Jaeger, in a new tab that cannot reach back to this page.
          const links = (await page.evaluate(
            `[...document.querySelectorAll('main table a')].map((a) => [a.getAttribute('href'), a.getAttribute('rel'), a.textContent])`,
          )) as [string, string, string][];
          expect(links.length).toBeGreaterThan(0);
          for (const [href, rel, traceId] of links) {
            expect(href).toBe(`http://jaeger.invalid:16686/trace/${traceId}`);
            expect(rel).toBe('noopener noreferrer');
          }
        }
        await page.screenshot({ path: join(ARTIFACTS, `${id}.png`), fullPage: true });
      }
      await page.keyboard.press('ArrowRight'); // wraps around
      await waitForView(page, 'overview');
      await page.keyboard.press('End');
      await waitForView(page, 'slow');
      await page.keyboard.press('Home');
      await waitForView(page, 'overview');

      // Statements: sanitised SQL text shown as text.
      await showView(page, 'statements');
      await waitForView(page, 'statements');
      const statementsText = await textOf(page, 'main');
      expect(statementsText).toContain('SELECT id, total FROM invoices WHERE customer_id = ?');

      // Service selector: shown for two services; the queries view follows it.
      await showView(page, 'queries');
      await waitForView(page, 'queries');
      await page.waitForSelector('#service-control:not([hidden])', { timeout: 10_000 });
      const queryKeys = async () =>
        (await page.evaluate(`[...document.querySelectorAll('main [data-query]')].map((s) => s.dataset.query)`)) as string[];
      expect(new Set((await queryKeys()).map((k) => k.split('/')[0]))).toEqual(new Set(['shop', 'billing']));
      await page.select('#service-select', 'billing');
      await page.waitForFunction(
        `[...document.querySelectorAll('main [data-query]')].every((s) => s.dataset.query.startsWith('billing/'))`,
      );
      expect(await queryKeys()).toEqual(['billing/invoices']);
      expect(new URL(page.url()).searchParams.get('service')).toBe('billing');
      await page.select('#service-select', 'shop');
      await page.waitForFunction(`(() => {
        const keys = [...document.querySelectorAll('main [data-query]')].map((s) => s.dataset.query);
        return keys.length > 0 && keys.every((k) => k.startsWith('shop/'));
      })()`);
      expect((await queryKeys()).sort()).toEqual(['shop/orders', 'shop/stock_check']);
      // The overview of the selected service: its own total (the history's service:<name>), not all services'.
      const historyAsked: string[] = [];
      const onRequest = (request: HTTPRequest) => {
        const url = new URL(request.url());
        if (url.pathname.endsWith('/history.json')) historyAsked.push(url.searchParams.get('series') ?? '');
      };
      page.on('request', onRequest);
      await showView(page, 'overview');
      await expectChartsDrawn(page, 'overview of shop', 4);
      page.off('request', onRequest);
      expect(historyAsked).toContain('service:shop');
      expect(historyAsked).not.toContain('service:billing');
      expect(await textOf(page, 'main')).toContain('health score (all services)');
      expect(await page.$('main [data-tile="qps"]')).not.toBeNull();
      await page.select('#service-select', '');

      // Window selector: the history asked for follows it (15 min of 1 s points → 1 min).
      await showView(page, 'overview');
      await waitForView(page, 'overview');
      const latencyLength = async () => Number(await page.evaluate(`document.querySelectorAll('main .chart')[1]?.dataset.length`));
      await page.waitForFunction(`Number(document.querySelectorAll('main .chart')[1]?.dataset.length) > 800`);
      await page.select('#window-select', '60');
      await page.waitForFunction(`Number(document.querySelectorAll('main .chart')[1]?.dataset.length) <= 61`);
      expect(await latencyLength()).toBeGreaterThan(50);
      expect(new URL(page.url()).searchParams.get('window')).toBe('60');
      await expectChartsDrawn(page, 'overview (1 min)', 4);

      // An alert that starts firing now is on the page within 10 s.
      await showView(page, 'alerts');
      await waitForView(page, 'alerts');
      expect(await page.$('#alerts-firing')).toBeNull();
      stockFails = true;
      let firedAt = 0;
      for (let i = 0; i < 100 && firedAt === 0; i++) {
        if (pipeline.alertsReport()?.active.some((a) => a.labels['alertname'] === 'StockFailing' && a.state === 'firing'))
          firedAt = Date.now();
        else await sleep(100);
      }
      expect(firedAt, 'the alert engine fires StockFailing').toBeGreaterThan(0);
      await page.waitForFunction(`document.querySelector('#alerts-firing')?.textContent.includes('StockFailing') === true`, {
        timeout: 10_000,
      });
      const shownAfterMs = Date.now() - firedAt;
      expect(shownAfterMs).toBeLessThanOrEqual(10_000);
      expect(
        await page.evaluate(`[document.getElementById('alert-badge').hidden, document.getElementById('alert-badge').textContent]`),
      ).toEqual([false, '1']);
      expect(await textOf(page, '#alerts-firing')).toContain('source stock fails');
      await page.screenshot({ path: join(ARTIFACTS, 'alerts-firing.png'), fullPage: true });

      // The overview with the alert (the README's picture).
      await showView(page, 'overview');
      await page.waitForSelector('#overview-alerts', { timeout: 10_000 });
      await expectChartsDrawn(page, 'overview with an alert', 4);
      await page.evaluate('document.activeElement?.blur()'); // no focus ring in the picture
      await page.screenshot({ path: join(ARTIFACTS, 'overview-alert.png') });
      if (process.env['FEDSCOPE_UPDATE_SCREENSHOT'] === '1') await page.screenshot({ path: README_SCREENSHOT });

      // Sources: the stock breaker's transitions and the PostgreSQL pool's gauges.
      await showView(page, 'sources');
      await waitForView(page, 'sources');
      await page.waitForFunction(`/stock\\s*(open|half_open)/.test(document.querySelector('#breakers')?.textContent ?? '')`, {
        timeout: 10_000,
      });
      const sourcesText = await textOf(page, 'main');
      expect(sourcesText).toContain('Breaker transitions');
      expect(sourcesText).toContain('Connection pool');
      await page.screenshot({ path: join(ARTIFACTS, 'sources-breaker-open.png'), fullPage: true });

      // A phone: one column, nothing wider than the screen.
      await page.setViewport({ width: 390, height: 844, isMobile: true });
      await showView(page, 'overview');
      await waitForView(page, 'overview');
      await expectChartsDrawn(page, 'overview on a phone', 4);
      expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(391);
      await page.screenshot({ path: join(ARTIFACTS, 'overview-phone.png'), fullPage: true });

      await page.close();
      expect(problems).toEqual([]);
    }, 90_000);

    it('with a token: asks for it once, keeps it for the tab, sends it on every read, within the default rate limits', async () => {
      const token = 'dashboard-token-0123456789abcdef';
      const guard = new HttpAccessGuard(
        { tokenSha256: BearerTokenCheck.digest(token), metricsOpen: false, rateLimit: { ...DEFAULT_HTTP_RATE_LIMIT } },
        undefined,
      );
      const guarded = new MetricsServer(fedscopeRoutes(pipeline), { guard });
      const guardedBase = await guarded.listen('127.0.0.1', 0);
      const seen: string[] = [];
      const prompts: string[] = [];
      const page = await browser!.newPage();
      try {
        await page.setViewport({ width: 1280, height: 800 });
        page.on('dialog', (dialog) => {
          prompts.push(`${dialog.type()}: ${dialog.message()}`);
          void dialog.accept(token);
        });
        page.on('pageerror', (error: unknown) => seen.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
        page.on('response', (response: HTTPResponse) => {
          if (response.status() >= 400) seen.push(`HTTP ${response.status()}: ${new URL(response.url()).pathname}`);
        });
        await page.goto(`${guardedBase}/fedscope/`, { waitUntil: 'load' });
        await waitForView(page, 'overview');
        await expectChartsDrawn(page, 'overview with a token', 4);
        expect(await page.evaluate(`sessionStorage.getItem('fedscope.token')`)).toBe(token);
        await showView(page, 'statements');
        expect(await textOf(page, 'main')).toContain('SELECT id, total FROM invoices WHERE customer_id = ?');
        // A reload keeps the token for the tab: no new question, no refusal.
        const asked = prompts.length;
        const refusedBefore = seen.length;
        await page.reload({ waitUntil: 'load' });
        await waitForView(page, 'statements');
        expect(await textOf(page, 'main')).toContain('SELECT id, total FROM invoices WHERE customer_id = ?');
        expect(prompts).toEqual(['prompt: fedscope access token']);
        expect(prompts.length).toBe(asked);
        expect(seen.slice(refusedBefore)).toEqual([]);
        // Only the first reads, before the question was answered, were refused; nothing was rate limited.
        expect(seen.length).toBeGreaterThan(0);
        for (const problem of seen) expect(problem).toMatch(/^HTTP 401: \/fedscope\/[a-z-]+\.json$/);
        expect(guard.stats().refusals.get('rate_limited') ?? 0).toBe(0);
      } finally {
        await page.close();
        await guarded.close();
      }
    }, 60_000);
  });
});
