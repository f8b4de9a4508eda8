// One of three equally busy queries failing, end to end: startFedscope (no `health.breakers`), a
// Federation over real PostgreSQL where one query's source points at a closed loopback port with
// its breaker configured, the other two queries healthy, over a simulated minute (the federation's
// clock is moved on, so the breaker cool-downs and half-open probes happen as in a real minute).
// The overall score lands between the healthy run and the total outage, as the README documents:
// about 60 (the worst busy query's 0 + 60; the direct score's errors −30 and one breaker in three
// open −10 give the same).
import { createRequire } from 'node:module';
import { afterAll, expect, it } from 'vitest';
import type { FedscopeHandle } from '../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../src/sdk/start-fedscope.js';

// Order matters: fedscope starts (and instruments pg) before pg is first required.
const handle: FedscopeHandle = startFedscope({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false, alerts: false });
await handle.ready;
const { needsPostgres, postgresConfig } = await import('../support/real-servers.js');
const { freePort } = await import('../support/free-port.js');
const { Federation, FunctionSource, PostgresSource } = await import('../../src/federation/index.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');

const postgres = await needsPostgres();

afterAll(async () => {
  await handle.shutdown();
});

postgres.describe('health when one of several queries fails', () => {
  it('scores the failing query low, the others high, and overall in between', async () => {
    const warehousePool = new pg.Pool({ ...postgresConfig(), max: 2 });
    // Nothing listens there: every connect is refused at once.
    const inventoryPool = new pg.Pool({ ...postgresConfig(), port: await freePort(), max: 2, connectionTimeoutMillis: 2_000 });
    let clock = 1_000_000;
    const federation = new Federation({
      now: () => clock,
      cache: false,
      sourceDefaults: { retry: false, breaker: { consecutiveFailures: 3, coolDownMs: 5_000 } },
    });
    federation
      .source('warehouse', new PostgresSource(warehousePool))
      .source('inventory', new PostgresSource(inventoryPool))
      .source('crm', new FunctionSource(() => [{ customer_id: 1, tier: 'gold' }]));
    const runs = {
      revenue_by_tier: () =>
        federation.query({
          name: 'revenue_by_tier',
          parts: {
            orders: { source: 'warehouse', sql: 'SELECT 1 AS customer_id, 10.5::float8 AS amount' },
            customers: { source: 'crm', request: { path: '/customers' } },
          },
          merge: { join: { left: 'orders', right: 'customers', on: 'customer_id' } },
        }),
      orders_by_region: () =>
        federation.query({
          name: 'orders_by_region',
          parts: { orders: { source: 'warehouse', sql: "SELECT 'emea' AS region, 3 AS orders" } },
        }),
      stock_levels: () =>
        federation.query({ name: 'stock_levels', parts: { stock: { source: 'inventory', sql: 'SELECT generate_series(1, 3) AS sku' } } }),
    };
    const outcomes: Record<string, { ok: number; failed: number }> = {};
    try {
      await Promise.all([warehousePool.query('SELECT 1'), warehousePool.query('SELECT 1')]); // connections opened beforehand
      for (let second = 0; second < 60; second++) {
        clock += 1_000;
        for (const [name, run] of Object.entries(runs)) {
          const o = (outcomes[name] ??= { ok: 0, failed: 0 });
          await run().then(
            () => o.ok++,
            () => o.failed++,
          );
        }
      }
      expect(outcomes).toEqual({
        revenue_by_tier: { ok: 60, failed: 0 },
        orders_by_region: { ok: 60, failed: 0 },
        stock_levels: { ok: 0, failed: 60 },
      });

      const health = handle.health();
      const score = (name: string) => health.queries.find((q) => q.name === name)!.score;
      expect(score('stock_levels')).toBeLessThan(30);
      // Latency on a busy 2-core machine may take part of its 20 points; nothing else may.
      expect(score('revenue_by_tier')).toBeGreaterThanOrEqual(80);
      expect(score('orders_by_region')).toBeGreaterThanOrEqual(80);
      // In between: the errors component spent (−30), one breaker in three open (−10), and the
      // worst busy query (0) + 60 as the bound from the queries; latency may take a little more.
      const deduction = (name: string) => health.overall.components.find((c) => c.name === name)?.deduction;
      expect(deduction('errors')).toBe(30);
      expect(deduction('breakers')).toBe(10);
      expect(health.overall.components.find((c) => c.name === 'queries')?.value).toBe(60);
      expect(health.overall.score).toBeGreaterThanOrEqual(40);
      expect(health.overall.score).toBeLessThanOrEqual(60);
      expect(health.overall.reasons.join('\n')).toContain('open: inventory');
      // The inventory's error rate counts the calls its breaker refused.
      expect(health.sources.find((s) => s.name === 'inventory')!.score).toBeLessThan(30);
      expect(health.sources.find((s) => s.name === 'warehouse')!.score).toBeGreaterThanOrEqual(80);
    } finally {
      await federation.close();
      await warehousePool.end().catch(() => undefined);
      await inventoryPool.end().catch(() => undefined);
    }
  });
});
