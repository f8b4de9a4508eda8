// The federation runtime against real PostgreSQL and MariaDB plus embedded DuckDB and a loopback
// HTTP source: a cross-source join checked against the rows computed directly, parallel parts (from
// span times), timeouts, retries on real errors, single-flight, and pool hygiene after failures.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contribDbInstrumentations } from '../../../instrumentations/contrib/index.js';
import { DuckDBInstrumentation } from '../../../instrumentations/duckdb/index.js';

import { DuckDBSource, Federation, FederationError, HttpSource, MysqlSource, PostgresSource } from '../../../src/federation/index.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';

// Order matters: instrumentations are registered before the drivers are first loaded.
const tracing = startInMemoryTracing();
registerInstrumentations({
  instrumentations: [...contribDbInstrumentations({}), new DuckDBInstrumentation()],
  tracerProvider: tracing.provider,
});
const { needsPostgres, needsMariaDB, postgresConfig, mysqlConfig } = await import('../../support/real-servers.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
const { DuckDBInstance } = await import('@duckdb/node-api');

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const customersTable = `fed_customers_${suffix}`;
const ordersTable = `fed_orders_${suffix}`;

describe.skipIf(postgres.skip || mariadb.skip)('federation runtime on real servers', () => {
  let pool: import('pg').Pool;
  let myPool: import('mysql2/promise').Pool;
  let duck: Awaited<ReturnType<InstanceType<typeof DuckDBInstance>['connect']>>;
  let http: { url: string; hits: number; failNext: number; close(): Promise<void> };

  beforeAll(async () => {
    pool = new pg.Pool({ ...postgresConfig(), max: 4 });
    myPool = mysql.createPool({ ...mysqlConfig(), connectionLimit: 4 });
    await pool.query(`CREATE TABLE ${customersTable} (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL)`);
    await pool.query(`INSERT INTO ${customersTable} SELECT i, 'c' || i, (ARRAY['de','fr','us'])[1 + i % 3] FROM generate_series(1, 30) i`);
    await myPool.query(`CREATE TABLE ${ordersTable} (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL)`);
    await myPool.query(
      `INSERT INTO ${ordersTable} VALUES ${Array.from({ length: 90 }, (_, i) => `(${i + 1}, ${(i % 30) + 1}, ${(i * 7) % 100}.25)`).join(',')}`,
    );
    const instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
    await duck.run("CREATE TABLE fx AS SELECT * FROM (VALUES ('de', 1.1), ('fr', 1.2), ('us', 1.0)) t(country, rate)");
    const state = { hits: 0, failNext: 0 };
    const server = createServer((req, res) => {
      state.hits++;
      if (state.failNext > 0) {
        state.failNext--;
        res.writeHead(503).end();
        return;
      }
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(
        () =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify([
              { country: 'de', vip: true },
              { country: 'us', vip: false },
            ]),
          ),
        delay,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    http = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get hits() {
        return state.hits;
      },
      set failNext(n: number) {
        state.failNext = n;
      },
      get failNext() {
        return state.failNext;
      },
      close: () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  });

  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${customersTable}`);
    await myPool?.query(`DROP TABLE IF EXISTS ${ordersTable}`);
    await pool?.end();
    await myPool?.end();
    duck?.closeSync();
    await http?.close();
    await tracing.shutdown();
  });

  function federation(options: ConstructorParameters<typeof Federation>[0] = {}) {
    return new Federation({ cache: false, ...options })
      .source('crm_pg', new PostgresSource(pool), { timeoutMs: 300, retry: false })
      .source('shop_maria', new MysqlSource(myPool, 'mariadb'), { retry: false })
      .source('fx_duck', new DuckDBSource(duck), { concurrency: 1 })
      .source('vip_http', new HttpSource({ baseUrl: http.url }), { retry: { maxAttempts: 3, baseDelayMs: 1 } });
  }

  it('joins PostgreSQL, MariaDB, DuckDB and HTTP rows exactly as computed directly, with parts in parallel', async () => {
    const fed = federation();
    tracing.exporter.reset();
    const result = await fed.query({
      name: 'cross_source',
      parts: {
        customers: { source: 'crm_pg', sql: `SELECT id, name, country FROM ${customersTable} WHERE id <= $1`, params: [20] },
        orders: { source: 'shop_maria', sql: `SELECT customer_id, CAST(amount AS DOUBLE) AS amount FROM ${ordersTable}` },
        fx: { source: 'fx_duck', sql: 'SELECT country, rate FROM fx' },
        vip: { source: 'vip_http', request: { path: '/vip', query: { delay: 30 } } },
      },
      merge: {
        sql: `SELECT c.name, c.country, round(sum(o.amount * fx.rate), 2) AS total, coalesce(v.vip, false) AS vip
              FROM customers c JOIN orders o ON o.customer_id = c.id JOIN fx USING (country) LEFT JOIN vip v USING (country)
              GROUP BY 1, 2, 4 ORDER BY 1`,
      },
    });
    // The same answer computed directly from the sources.
    const customers = (await pool.query(`SELECT id, name, country FROM ${customersTable} WHERE id <= 20`)).rows as Array<{
      id: number;
      name: string;
      country: string;
    }>;
    const [orders] = (await myPool.query(`SELECT customer_id, amount FROM ${ordersTable}`)) as unknown as [
      Array<{ customer_id: number; amount: string }>,
    ];
    const rate: Record<string, number> = { de: 1.1, fr: 1.2, us: 1.0 };
    const vip: Record<string, boolean> = { de: true, us: false };
    const expected = customers
      .map((c) => ({
        name: c.name,
        country: c.country,
        total:
          Math.round(orders.filter((o) => o.customer_id === c.id).reduce((s, o) => s + Number(o.amount) * rate[c.country]!, 0) * 100) / 100,
        vip: vip[c.country] ?? false,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(result.rows).toEqual(expected);
    expect(result.partial).toBe(false);

    const fetches = tracing.spans().filter((s) => s.name === 'federation.stage fetch');
    expect(fetches.map((s) => s.attributes['federation.part']).sort()).toEqual(['customers', 'fx', 'orders', 'vip']);
    // Independent parts overlap: every fetch starts before the earliest one ends.
    const earliestEnd = Math.min(...fetches.map((s) => hrTimeToMilliseconds(s.endTime)));
    for (const s of fetches) expect(hrTimeToMilliseconds(s.startTime)).toBeLessThan(earliestEnd);
    const root = tracing.span('federation.query cross_source');
    expect(root.attributes).toMatchObject({ 'federation.source.count': 4, 'federation.rows.returned': expected.length });
    // One CLIENT span per source call, made by the instrumentations, not by the runtime.
    const traceId = root.spanContext().traceId;
    const clients = tracing
      .spans()
      .filter((s) => s.kind === SpanKind.CLIENT && !/connect/.test(s.name) && s.spanContext().traceId === traceId);
    expect(clients.filter((s) => s.attributes['db.system.name'] === 'duckdb').map((s) => s.attributes['federation.source'])).toEqual([
      'fx_duck',
    ]);
    expect(clients.filter((s) => s.attributes['http.request.method'] === 'GET').map((s) => s.attributes['federation.source'])).toEqual([
      'vip_http',
    ]);
    expect(clients.filter((s) => s.attributes['db.system.name'] === 'postgresql').map((s) => s.attributes['federation.source'])).toEqual([
      'crm_pg',
    ]);
    expect(clients.filter((s) => s.attributes['db.system.name'] === 'mysql').map((s) => s.attributes['federation.source'])).toEqual([
      'shop_maria',
    ]);
    await fed.close();
  });

  it('times out a slow PostgreSQL part, and the pool gets every connection back', async () => {
    const fed = federation();
    const error = await fed
      .query({ name: 'slow', parts: { sleepy: { source: 'crm_pg', sql: 'SELECT pg_sleep(1.0)' } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect([(error as FederationError).code, (error as FederationError).part]).toEqual(['TIMEOUT', 'sleepy']);
    // The orphaned statement finishes on the server and its client is released then.
    await expect.poll(() => pool.idleCount === pool.totalCount && pool.waitingCount === 0, { timeout: 5_000 }).toBe(true);
    expect(fed.status().sources.find((s) => s.name === 'crm_pg')).toMatchObject({ inFlight: 0, errors: 1 });
    await fed.close();
  });

  it('retries HTTP 503 but not SQL errors, and releases pool connections after failures', async () => {
    const fed = federation();
    http.failNext = 2;
    const before = http.hits;
    const ok = await fed.query({ name: 'retry', parts: { vip: { source: 'vip_http', request: { path: '/vip' } } } });
    expect(ok.parts['vip']).toMatchObject({ status: 'ok', attempts: 3 });
    expect(http.hits - before).toBe(3);
    const failures = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        fed.query({
          name: 'bad_sql',
          parts:
            i % 2 === 0
              ? { p: { source: 'crm_pg', sql: 'SELEC 1' } }
              : { p: { source: 'shop_maria', sql: `SELECT nope FROM ${ordersTable}` } },
        }),
      ),
    );
    for (const f of failures) {
      expect(f.status).toBe('rejected');
      const e = (f as PromiseRejectedResult).reason as FederationError;
      expect([e.code, e.part]).toEqual(['SOURCE_ERROR', 'p']);
    }
    const status = fed.status();
    // Statement errors are not retried: one attempt each.
    expect(status.sources.find((s) => s.name === 'crm_pg')).toMatchObject({ calls: 6, errors: 6, inFlight: 0 });
    expect(status.sources.find((s) => s.name === 'shop_maria')).toMatchObject({ calls: 6, errors: 6, inFlight: 0 });
    // ...and they do not count against the source: its breaker stays closed.
    expect(status.sources.find((s) => s.name === 'crm_pg')!.breaker?.state).toBe('closed');
    expect(pool.idleCount).toBe(pool.totalCount);
    const internal = (myPool as unknown as { pool: { _allConnections: { length: number }; _freeConnections: { length: number } } }).pool;
    expect(internal._freeConnections.length).toBe(internal._allConnections.length);
    expect(status.recentErrors.filter((e) => e.query === 'bad_sql')).toHaveLength(12);
    await fed.close();
  });

  it('runs 50 concurrent identical PostgreSQL parts once', async () => {
    let checkouts = 0;
    const counting = { connect: () => (checkouts++, pool.connect()) };
    const fed = new Federation().source('pg', new PostgresSource(counting));
    const spec = {
      name: 'same',
      parts: { p: { source: 'pg', sql: `SELECT id, pg_sleep(0.05) IS NULL AS slept FROM ${customersTable} WHERE id < $1`, params: [5] } },
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => fed.query(spec)));
    expect(checkouts).toBe(1);
    expect(results.every((r) => r.rows.length === 4)).toBe(true);
    expect(fed.status().cache).toMatchObject({ hits: 49, misses: 1 });
    await fed.close();
  });
});
