// A real outage, end to end: startFedscope with its default alert rules and no `health.breakers`,
// a Federation whose required PostgreSQL source sits behind a loopback TCP proxy that is cut
// (connections refused), its circuit breaker configured, and a simulated minute of traffic with
// every query failing (the federation's clock is moved on, so the breaker's cool-downs and
// half-open probes happen as in a real minute; the spans all land in the 1 m analysis window).
import { createRequire } from 'node:module';
import { afterAll, expect, it } from 'vitest';
import type { FedscopeHandle } from '../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../src/sdk/start-fedscope.js';

// Order matters: fedscope starts (and instruments pg) before pg is first required.
const handle: FedscopeHandle = startFedscope({
  prometheus: false,
  otlp: false,
  hostMetrics: false,
  runtimeMetrics: false,
  alerts: { log: false, evaluationIntervalMs: 100 },
});
await handle.ready;
const { needsPostgres, postgresConfig } = await import('../support/real-servers.js');
const { startTcpProxy } = await import('../support/tcp-proxy.js');
const { Federation, FunctionSource, PostgresSource } = await import('../../src/federation/index.js');
const { publishedBreakerStates } = await import('../../src/span-model/breaker-states.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');

const postgres = await needsPostgres();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  await handle.shutdown();
});

postgres.describe('health during a total outage of a required source', () => {
  it('falls below 30, counts refused calls as source errors, and sees the breaker with no wiring', async () => {
    const proxy = await startTcpProxy({ host: postgresConfig().host, port: postgresConfig().port });
    const pool = new pg.Pool({ ...postgresConfig(), port: proxy.port, max: 2, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // idle clients reset by the cut
    let clock = 1_000_000;
    const federation = new Federation({ now: () => clock, cache: false });
    federation
      .source('warehouse', new PostgresSource(pool), { retry: false, breaker: { consecutiveFailures: 3, coolDownMs: 5_000 } })
      .source('crm', new FunctionSource(() => [{ customer_id: 1, tier: 'gold' }]));
    const revenue = () =>
      federation.query({
        name: 'revenue_by_tier',
        parts: {
          orders: { source: 'warehouse', sql: 'SELECT 1 AS customer_id, 10.5::float8 AS amount' },
          customers: { source: 'crm', request: { path: '/customers' } },
        },
        merge: { join: { left: 'orders', right: 'customers', on: 'customer_id' } },
      });
    const stock = () =>
      federation.query({ name: 'stock_levels', parts: { stock: { source: 'warehouse', sql: 'SELECT generate_series(1, 3) AS sku' } } });
    try {
      // Healthy runs first, as before any outage (the pool's two connections opened beforehand).
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')]);
      for (let i = 0; i < 5; i++) {
        expect((await revenue()).rows).toHaveLength(1);
        expect((await stock()).rows).toHaveLength(3);
      }
      // A healthy run scores high: nothing off for errors, availability or breakers (latency on a
      // busy 2-core machine may take part of its 20 points).
      const before = handle.health();
      expect(before.overall.score).toBeGreaterThanOrEqual(80);
      for (const name of ['errors', 'availability', 'breakers', 'queries'])
        expect(before.overall.components.find((c) => c.name === name)?.deduction).toBe(0);
      expect(before.sources.find((s) => s.name === 'warehouse')?.components.find((c) => c.name === 'breakers')).toMatchObject({
        status: 'ok',
        value: 0,
      });
      proxy.cut('refuse');

      let failed = 0;
      const perSecond = 3;
      for (let second = 0; second < 60; second++) {
        clock += 1_000;
        for (let i = 0; i < perSecond; i++) {
          for (const run of [revenue, stock]) {
            await run().then(
              () => expect.fail('the warehouse is down: no query can succeed'),
              () => failed++,
            );
          }
        }
      }
      expect(failed).toBe(60 * perSecond * 2);
      expect(federation.status().sources.find((s) => s.name === 'warehouse')?.breaker?.state).toBe('open');

      const health = handle.health();
      expect(health.overall.score).toBeLessThan(30);
      for (const q of health.queries) expect(q.score).toBeLessThan(30);

      // The calls the breaker refused are source calls too (failed, `breaker_open`), not just the
      // handful that reached the driver (the first failures and the half-open probes).
      const reached = federation.status().sources.find((s) => s.name === 'warehouse')!.errors;
      const refused = failed - reached;
      expect(refused).toBeGreaterThan(300);
      const warehouse = handle.snapshot().sources.find((s) => s.labels['source'] === 'warehouse')!;
      const minute = warehouse.windows[0]!;
      expect(minute.count).toBeGreaterThanOrEqual(10 + refused);
      expect(minute.errors).toBeGreaterThanOrEqual(refused);
      expect(minute.errorRate).toBeGreaterThan(0.95);
      const warehouseHealth = health.sources.find((s) => s.name === 'warehouse')!;
      expect(warehouseHealth.score).toBeLessThan(30);

      // The breaker is seen with no `health.breakers`: in the source's score, in overall, in the queries.
      expect(warehouseHealth.components.find((c) => c.name === 'breakers')).toMatchObject({ status: 'bad', value: 1 });
      expect(health.overall.components.find((c) => c.name === 'breakers')?.status).not.toBe('no_data');
      // Which sources a query uses comes from its assembled traces (analysed 1 s after their root ends).
      let stockReasons = '';
      for (let i = 0; i < 60 && !stockReasons.includes('open: warehouse'); i++) {
        if (i > 0) await sleep(50);
        stockReasons = handle
          .health()
          .queries.find((q) => q.name === 'stock_levels')!
          .reasons.join('\n');
      }
      expect(stockReasons).toContain('open: warehouse');

      // The default rules: the breaker rule fires at once; the health rule (for: 1m) is pending.
      let alerts = handle.alerts()!;
      const raised = (name: string) => alerts.active.some((a) => a.labels['alertname'] === name);
      for (let i = 0; i < 100 && !(raised('FederationLowHealthScore') && raised('FederationCircuitBreakerOpen')); i++) {
        await sleep(50);
        alerts = handle.alerts()!;
      }
      expect(alerts.active).toContainEqual(
        expect.objectContaining({
          labels: expect.objectContaining({ alertname: 'FederationCircuitBreakerOpen', source: 'warehouse' }),
          state: 'firing',
        }),
      );
      expect(alerts.active).toContainEqual(
        expect.objectContaining({ labels: expect.objectContaining({ alertname: 'FederationLowHealthScore' }), state: 'pending' }),
      );
    } finally {
      await federation.close();
      await pool.end().catch(() => undefined);
      await proxy.close();
    }
    // A closed federation takes its breakers off the board.
    expect(publishedBreakerStates()).not.toHaveProperty('warehouse');
    expect(
      handle
        .health()
        .sources.find((s) => s.name === 'warehouse')
        ?.components.find((c) => c.name === 'breakers')?.status,
    ).toBe('no_data');
  });
});
