import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentAdapter } from '../../../instrumentations/adapter.js';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import { checkMetricsWithPromtool, needsPromtool } from '../../support/promtool.js';

const promtool = needsPromtool();
let handle: FedscopeHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const db = instrumentAdapter(
  {
    query: async (sql: string) => {
      if (sql.includes('missing_table')) throw Object.assign(new Error('relation "missing_table" does not exist'), { code: '42P01' });
      return { rows: [{ n: 1 }, { n: 2 }] };
    },
  },
  { source: 'orders-db', system: 'postgresql', namespace: 'shop' },
);

async function workload(queries: number): Promise<void> {
  for (let i = 0; i < queries; i++) {
    await federatedQuery('orders_report', () =>
      stage('fetch', () => Promise.all([db.query(`SELECT * FROM orders WHERE id = ${i}`), db.query('SELECT count(*) FROM customers')])),
    );
  }
  await federatedQuery('broken_report', () => stage('fetch', () => db.query('SELECT * FROM missing_table'))).catch(() => undefined);
}

async function startOnFreePort(extra: Parameters<typeof startFedscope>[0] = {}): Promise<FedscopeHandle> {
  handle = startFedscope({ prometheus: { port: 0 }, otlp: false, ...extra });
  await handle.ready;
  return handle;
}

describe('startFedscope: Prometheus /metrics', () => {
  it('serves the span-derived metrics on loopback', async () => {
    const h = await startOnFreePort({ serviceName: 'reports' });
    expect(h.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await workload(5);
    const response = await fetch(`${h.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/federation_queries_total\{service_name="reports",federation_query_name="orders_report"[^}]*\} 5/);
    expect(text).toMatch(
      /federation_query_errors_total\{service_name="reports",federation_query_name="broken_report",error_type="42P01"[^}]*\} 1/,
    );
    expect(text).toMatch(/federation_query_duration_count\{service_name="reports",federation_query_name="orders_report"[^}]*\} 5/);
    expect(text).toMatch(/federation_stage_duration_bucket\{service_name="reports",[^}]*federation_stage="fetch"[^}]*le="0.001"/);
    expect(text).toMatch(
      /db_client_operation_duration_count\{db_system_name="postgresql",federation_source="orders-db",db_namespace="shop",db_operation_name="SELECT"[^}]*\} 10/,
    );
    expect(text).toMatch(/db_client_operation_duration_bucket\{[^}]*le="0.005"/);
    expect(text).toMatch(/federation_source_duration_count\{service_name="reports",federation_source="orders-db"[^}]*\} 10/);
    expect(text).toMatch(/federation_queries_active\{service_name="reports",federation_query_name="orders_report"[^}]*\} 0/);
    // The derived series carry the process's service.name as service_name.
    expect(text).toMatch(
      /federation_query_latency\{service_name="reports",federation_query_name="orders_report",window="1m",percentile="95"[^}]*\} \d/,
    );
    expect(text).toMatch(/federation_source_error_ratio\{service_name="reports",federation_source="orders-db",window="5m"[^}]*\} 0\.0909/);
    expect(text).toMatch(/fedscope_bound_limit\{fedscope_bound="statements"[^}]*\} 1000/);
  });

  promtool.describe('promtool', () => {
    it('finds nothing to complain about in /metrics', async () => {
      const h = await startOnFreePort();
      await workload(3);
      const text = await (await fetch(`${h.metricsUrl}/metrics`)).text();
      const result = await checkMetricsWithPromtool(text);
      expect(result.findings).toEqual([]);
      expect(result.exitCode).toBe(0);
    });
  });

  it('serves the snapshot as JSON and answers 404/405 where it should', async () => {
    const h = await startOnFreePort({ serviceName: 'reports' });
    await workload(2);
    const snapshot = (await (await fetch(`${h.metricsUrl}/fedscope/snapshot.json`)).json()) as FedscopeSnapshot;
    expect(snapshot.queries.map((q) => q.labels['query']).sort()).toEqual(['broken_report', 'orders_report']);
    expect(snapshot.overall.sinceStart.count).toBe(3);
    expect(snapshot.sources[0]?.labels).toEqual({ service: 'reports', source: 'orders-db' });
    expect(snapshot.sources[0]?.sinceStart.count).toBe(5);
    expect((await fetch(`${h.metricsUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${h.metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the health score and the bottleneck report, and exports them as metrics', async () => {
    const h = await startOnFreePort({ hostMetrics: false });
    await workload(6);
    const health = (await (await fetch(`${h.metricsUrl}/fedscope/health.json`)).json()) as {
      overall: { score: number; reasons: string[] };
      queries: Array<{ name: string; score: number; reasons: string[] }>;
    };
    expect(health.overall.score).toBeGreaterThanOrEqual(0);
    expect(health.overall.score).toBeLessThanOrEqual(100);
    const broken = health.queries.find((q) => q.name === 'broken_report')!;
    expect(broken.score).toBeLessThan(100);
    expect(broken.reasons.join(' ')).toMatch(/error/i);
    const report = (await (await fetch(`${h.metricsUrl}/fedscope/bottlenecks.json`)).json()) as { assembly: Record<string, unknown> };
    expect(report.assembly).toBeDefined();
    expect(h.health().queries.map((q) => q.name)).toContain('orders_report');
    const text = await (await fetch(`${h.metricsUrl}/metrics`)).text();
    expect(text).toMatch(/federation_health_score\{[^}]*scope="query"[^}]*name="broken_report"/);
    expect(text).toMatch(/v8js_memory_heap_used\{v8js_heap_space_name="new_space"/);
  });

  it('mounts on the user server through metricsHandler when startServer is false', async () => {
    handle = startFedscope({ prometheus: { startServer: false }, otlp: false });
    await handle.ready;
    expect(handle.metricsUrl).toBeUndefined();
    const h = handle;
    const server = createServer((req, res) => {
      if (!h.metricsHandler(req, res)) res.writeHead(200).end('app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await workload(1);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('federation_queries_total');
      expect(await (await fetch(`${base}/other`)).text()).toBe('app');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('still counts every query when the export sampler drops them all', async () => {
    const h = await startOnFreePort({ sampler: { name: 'always_off' } });
    await workload(4);
    expect(h.snapshot().queries.find((q) => q.labels['query'] === 'orders_report')?.sinceStart.count).toBe(4);
  });

  it('rejects ready (and keeps tracing) when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      handle = startFedscope({ prometheus: { port }, otlp: false });
      await expect(handle.ready).rejects.toThrow(/EADDRINUSE/);
      await workload(1);
      expect(handle.snapshot().overall.sinceStart.count).toBe(2);
    } finally {
      blocker.close();
    }
  });

  it('throws FedscopeConfigError for a bad option before starting anything', () => {
    expect(() => startFedscope({ prometheus: { port: -1 } })).toThrow(FedscopeConfigError);
    expect(() => startFedscope({ prometheus: { port: -1 } })).toThrow(/prometheus\.port/);
  });
});
