// GET /fedscope/export on fedscope's HTTP server: formats, headers, the range, and the refusals history.json gives.
import { emptyResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../src/options/resolve-config.js';
import { EXPORT_PATH, fedscopeRoutes } from '../../../../src/output/http/fedscope-routes.js';
import { MetricsServer } from '../../../../src/output/http/metrics-server.js';
import { FedscopePipeline } from '../../../../src/pipeline/fedscope-pipeline.js';

let pipeline: FedscopePipeline;
let provider: BasicTracerProvider;
let server: MetricsServer;
let base: string;

beforeAll(async () => {
  pipeline = new FedscopePipeline(resolveConfig({ hostMetrics: false, runtimeMetrics: false, alerts: false }, {}), {
    resource: emptyResource(),
  });
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'api' }),
    spanProcessors: [pipeline.spanProcessor],
  });
  const tracer = provider.getTracer('test');
  for (const name of ['orders', '=HYPERLINK("x")'])
    for (let i = 0; i < 3; i++) tracer.startSpan(`federation.query ${name}`, { attributes: { 'federation.query.name': name } }).end();
  pipeline.recordHistory();
  server = new MetricsServer(fedscopeRoutes(pipeline));
  base = await server.listen('127.0.0.1', 0);
});

afterAll(async () => {
  await server.close();
  await pipeline.shutdown();
  await provider.shutdown();
});

const get = (query: string) => fetch(`${base}${EXPORT_PATH}${query}`);

describe('GET /fedscope/export', () => {
  it('json by default: the current figures as a download', async () => {
    const response = await get('');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="fedscope-current-\d+\.json"$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as {
      kind: string;
      windowSeconds: number;
      rows: Array<{ series: string; fields: { count: number } }>;
    };
    expect(body.kind).toBe('current');
    expect(body.windowSeconds).toBe(60);
    expect(body.rows.map((row) => [row.series, row.fields.count])).toEqual([
      ['overall', 6],
      // All of the service's queries together: its own series.
      ['service:api', 6],
      ['query:api/orders', 3],
      ['query:api/%3DHYPERLINK(%22x%22)', 3],
    ]);
  });

  it('csv: a header row, RFC 4180 quoting, formulas neutralised', async () => {
    const response = await get('?format=csv');
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers.get('content-disposition')).toMatch(/filename="fedscope-current-\d+\.csv"/);
    const records = (await response.text()).split('\r\n');
    expect(records[0]).toMatch(/^time,series,measurement,service,query,/);
    expect(records[2]).toContain(',service:api,fedscope_service,api,,');
    expect(records[4]).toContain(`,fedscope_query,api,"'=HYPERLINK(""x"")",`);
    expect(records).toHaveLength(6);
  });

  it('influx: line protocol as text/plain', async () => {
    const response = await get('?format=influx&series=query%3Aapi%2Forders');
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/filename="fedscope-current-\d+\.lp"/);
    expect(await response.text()).toMatch(
      /^fedscope_query,query=orders,service=api count=3i,errors=0i,error_ratio=0,throughput_per_second=[\d.e-]+,p50_ms=[\d.e-]+,p95_ms=[\d.e-]+,p99_ms=[\d.e-]+,health_score=[\d.]+ \d{19}\n$/,
    );
  });

  it('with from: the history points in the range', async () => {
    const from = Math.floor(Date.now() / 1000) - 60;
    const response = await get(`?format=json&from=${from}`);
    expect(response.headers.get('content-disposition')).toMatch(/filename="fedscope-history-\d+-\d+\.json"/);
    const body = (await response.json()) as {
      kind: string;
      tier: { stepSeconds: number };
      rows: Array<{ series: string; fields: { count: number } }>;
    };
    expect(body.kind).toBe('history');
    expect(body.tier.stepSeconds).toBe(10);
    expect(body.rows.map((row) => [row.series, row.fields.count])).toEqual([
      ['overall', 6],
      // All of the service's queries together: its own series.
      ['service:api', 6],
      ['query:api/orders', 3],
      ['query:api/%3DHYPERLINK(%22x%22)', 3],
    ]);
  });

  it('refuses a parameter with 400 and { error, parameter, reason }, in the same words as history.json', async () => {
    for (const [query, parameter] of [
      ['?format=xml', 'format'],
      ['?from=yesterday', 'from'],
      ['?from=9&to=1', 'from'],
      ['?window=1', 'window'],
      ['?from=1', 'from'], // older than every tier
      ['?series=query%3Aapi%2Fnone&from=1', 'series'],
      ['?series=query%3Aapi%2Fnone', 'series'],
    ] as const) {
      const response = await get(query);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await response.json()) as { error: string; parameter: string; reason: string };
      expect(body.parameter).toBe(parameter);
      expect(body.error).toBe(`invalid parameter "${parameter}": ${body.reason}`);
    }
    const history = await fetch(`${base}/fedscope/history.json?series=overall&from=yesterday`);
    const exported = await get('?from=yesterday');
    expect(await exported.json()).toEqual(await history.json());
  });
});
