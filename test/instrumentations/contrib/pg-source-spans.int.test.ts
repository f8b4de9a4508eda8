// @opentelemetry/instrumentation-pg configured by fedscope, against a real PostgreSQL: span names,
// attributes and status for plain, parameterised and prepared queries, every error class that can
// be provoked, pool use and its metrics, and db.client.operation.duration counted once per call.
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contribDbInstrumentations } from '../../../instrumentations/contrib/index.js';
import { FederationSpanProcessor } from '../../../processors/federation-span-processor.js';
import { redactMessage } from '../../../src/span-model/redact.js';
import { freePort } from '../../support/free-port.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';
import { capturingSink, operationDurationCounts, scopedPoints, uniqueName } from '../../support/db-metric-points.js';

// Order matters: instrumentations are registered before pg is first required.
const reader = new TestMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const sink = capturingSink();
const tracing = startInMemoryTracing([new FederationSpanProcessor({ meterProvider, sinks: [sink] })]);
registerInstrumentations({
  instrumentations: contribDbInstrumentations({ mysql2: false }),
  tracerProvider: tracing.provider,
  meterProvider,
});
const { needsPostgres, postgresConfig } = await import('../../support/real-servers.js');
const pg = createRequire(import.meta.url)('pg') as typeof import('pg');

const postgres = await needsPostgres();
const config = postgresConfig();
const source = `postgresql://${config.host}:${config.port}/${config.database}`;
const customers = uniqueName('fedscope_pg_customers');
const orders = uniqueName('fedscope_pg_orders');
let client: import('pg').Client;

function querySpans(): ReadableSpan[] {
  return tracing.spans().filter((s) => s.kind === SpanKind.CLIENT && !s.name.includes('connect'));
}

async function failure(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  return run().then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (error: Error & { code?: string }) => error,
  );
}

describe.skipIf(postgres.skip)(`instrumentation-pg via fedscope (${postgres.label})`, () => {
  beforeEach(async () => {
    if (!client) {
      client = new pg.Client(config);
      await client.connect();
      await client.query(`CREATE TABLE ${customers} (id INT PRIMARY KEY, name TEXT NOT NULL)`);
      await client.query(
        `CREATE TABLE ${orders} (id INT PRIMARY KEY, customer_id INT NOT NULL REFERENCES ${customers}(id), total NUMERIC)`,
      );
      await client.query(`INSERT INTO ${customers} VALUES (1, 'ada'), (2, 'bob')`);
      await client.query(`INSERT INTO ${orders} VALUES (10, 1, 9.5), (11, 2, 3)`);
    }
    tracing.exporter.reset();
    sink.spans.length = 0;
  });
  afterAll(async () => {
    if (client) {
      await client.query(`DROP TABLE IF EXISTS ${orders}, ${customers}`);
      await client.end();
    }
    await tracing.shutdown();
    await meterProvider.shutdown();
  });

  it('names a plain query after its summary and fills source, statement and row attributes', async () => {
    const result = await client.query(`SELECT id, name FROM ${customers} WHERE name = 'ada'`);
    expect(result.rows).toEqual([{ id: 1, name: 'ada' }]);
    const [span] = querySpans();
    expect(span!.name).toBe(`SELECT ${customers}`);
    expect(span!.instrumentationScope.name).toBe('@opentelemetry/instrumentation-pg');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': config.database,
      'server.address': config.host,
      'server.port': config.port,
      'federation.source': source,
      'db.operation.name': 'SELECT',
      'db.collection.name': customers,
      'db.query.summary': `SELECT ${customers}`,
      'db.query.text': `SELECT id, name FROM ${customers} WHERE name = ?`,
      'db.response.returned_rows': 1,
    });
  });

  it('traces parameterised and named prepared statements with their placeholder text', async () => {
    await client.query(`SELECT * FROM ${orders} WHERE customer_id = $1`, [1]);
    const byId = { name: uniqueName('by_id'), text: `UPDATE ${orders} SET total = total + $1 WHERE id = $2`, values: [1, 10] };
    await client.query(byId);
    await client.query({ ...byId, values: [2, 11] });
    const spans = querySpans();
    expect(spans.map((s) => s.name)).toEqual([`SELECT ${orders}`, `UPDATE ${orders}`, `UPDATE ${orders}`]);
    expect(spans[0]!.attributes).toMatchObject({
      'db.query.text': `SELECT * FROM ${orders} WHERE customer_id = $1`,
      'db.response.returned_rows': 1,
    });
    expect(spans[1]!.attributes).toMatchObject({
      'db.operation.name': 'UPDATE',
      'db.response.returned_rows': 0,
      'db.postgresql.plan': byId.name,
    });
    expect(spans[2]!.attributes['federation.query.fingerprint']).toBe(spans[1]!.attributes['federation.query.fingerprint']);
  });

  it.each([
    ['a syntax error', () => 'SELEC 1', '42601', 'syntax_error'],
    ['an unknown table', () => 'SELECT * FROM fedscope_no_such_table', '42P01', 'syntax_error'],
    ['a duplicate key', () => `INSERT INTO ${customers} VALUES (1, 'dup')`, '23505', 'constraint_violation'],
    ['a foreign key', () => `INSERT INTO ${orders} VALUES (12, 99, 1)`, '23503', 'constraint_violation'],
    ['a NOT NULL column', () => `INSERT INTO ${customers} VALUES (3, NULL)`, '23502', 'constraint_violation'],
    ['a division by zero', () => 'SELECT 1 / 0', '22012', 'other'],
  ])('records %s with the SQLSTATE as error.type and its class', async (_what, sql, code, errorClass) => {
    const error = await failure(() => client.query(sql()));
    expect(error.code).toBe(code);
    const [span] = querySpans();
    // The span's copy of the driver's message is redacted; the error thrown is not.
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: redactMessage(error.message) });
    expect(span!.attributes).toMatchObject({
      'error.type': code,
      'federation.error.class': errorClass,
      'db.response.status_code': code,
      'federation.source': source,
    });
    expect(sink.spans.find((s) => s.scopeName === '@opentelemetry/instrumentation-pg' && s.error)?.errorType).toBe(code);
  });

  it('records a statement_timeout as a timeout (57014)', async () => {
    await client.query("SET statement_timeout = '50ms'");
    try {
      const error = await failure(() => client.query('SELECT pg_sleep(2)'));
      expect(error.code).toBe('57014');
    } finally {
      await client.query('RESET statement_timeout');
    }
    const failed = querySpans().find((s) => s.status.code === SpanStatusCode.ERROR)!;
    expect(failed.attributes).toMatchObject({ 'error.type': '57014', 'federation.error.class': 'timeout' });
  });

  it('records a deadlock (40P01) as a transaction rollback', async () => {
    const other = new pg.Client(config);
    await other.connect();
    try {
      await client.query('BEGIN');
      await other.query('BEGIN');
      await client.query(`UPDATE ${customers} SET name = name WHERE id = 1`);
      await other.query(`UPDATE ${customers} SET name = name WHERE id = 2`);
      // Each now waits for the other's row: PostgreSQL aborts one after deadlock_timeout (1 s).
      const results = await Promise.allSettled([
        client.query(`UPDATE ${customers} SET name = name WHERE id = 2`),
        other.query(`UPDATE ${customers} SET name = name WHERE id = 1`),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.map((r) => (r.reason as { code?: string }).code)).toEqual(['40P01']);
    } finally {
      await client.query('ROLLBACK');
      await other.query('ROLLBACK');
      await other.end();
    }
    const deadlocked = querySpans().filter((s) => s.attributes['error.type'] === '40P01');
    expect(deadlocked).toHaveLength(1);
    expect(deadlocked[0]!.attributes['federation.error.class']).toBe('transaction_rollback');
  });

  it('records a refused connection on the pg.connect span as a connection error', async () => {
    const port = await freePort();
    const refused = new pg.Client({ ...config, port });
    refused.on('error', () => undefined);
    const error = await failure(() => refused.connect());
    expect(error.code).toBe('ECONNREFUSED');
    const connect = tracing.spans().find((s) => s.name === 'pg.connect')!;
    expect(connect.status.code).toBe(SpanStatusCode.ERROR);
    expect(connect.attributes).toMatchObject({
      'server.port': port,
      'error.type': 'connection_error',
      'federation.error.class': 'connection_error',
      'federation.source': `postgresql://${config.host}:${port}/${config.database}`,
    });
  });

  it('traces pool queries and reports the pool through the connection metrics, with its source', async () => {
    const pool = new pg.Pool({ ...config, max: 2 });
    const poolName = `${config.host}:${config.port}/${config.database}`;
    const poolState = async (): Promise<Record<string, unknown>> => {
      const count = await scopedPoints(reader, 'db.client.connection.count', { 'db.client.connection.pool.name': poolName });
      const [pending] = await scopedPoints(reader, 'db.client.connection.pending_requests', { 'db.client.connection.pool.name': poolName });
      return {
        ...Object.fromEntries(count.map(({ point }) => [String(point.attributes['db.client.connection.state']), point.value])),
        pending: pending?.point.value,
      };
    };
    try {
      const running = [1, 2, 3, 4].map((i) => pool.query<{ i: number }>('SELECT pg_sleep(0.3), $1::int AS i', [i]));
      // Both connections are acquired (pg-pool's 'acquire' events) while two queries wait.
      let acquired = 0;
      pool.on('acquire', () => acquired++);
      for (let i = 0; i < 200 && acquired < 2; i++) await new Promise((r) => setTimeout(r, 5));
      // Mid-burst the gauges match the pool: both connections busy, two queries waiting.
      expect({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }).toEqual({ total: 2, idle: 0, waiting: 2 });
      expect(await poolState()).toEqual({ used: 2, idle: 0, pending: 2 });
      const results = await Promise.all(running);
      expect(results.map((r) => r.rows[0]!.i)).toEqual([1, 2, 3, 4]);
      // Afterwards each figure is the pool's own, read at collection time (no event lag).
      const after = await poolState();
      expect(pool.idleCount).toBe(2);
      expect(after).toEqual({ used: 0, idle: 2, pending: 0 });
      const [max] = await scopedPoints(reader, 'db.client.connection.max', { 'db.client.connection.pool.name': poolName });
      expect(max!.point.value).toBe(2);
      expect(max!.point.attributes['federation.source']).toBe(source);
    } finally {
      await pool.end();
    }
    // An ended pool has no connections and can open none.
    expect(await poolState()).toEqual({ used: 0, idle: 0, pending: 0 });
    expect((await scopedPoints(reader, 'db.client.connection.max', { 'db.client.connection.pool.name': poolName }))[0]?.point.value).toBe(
      0,
    );
    expect(querySpans().map((s) => s.name)).toEqual(['SELECT', 'SELECT', 'SELECT', 'SELECT']);
    expect(querySpans().every((s) => s.attributes['federation.source'] === source && s.attributes['db.response.returned_rows'] === 1)).toBe(
      true,
    );
    expect(tracing.spans().filter((s) => s.name === 'pg-pool.connect')).toHaveLength(4);
  });

  it('reports two pools apart (contrib 0.76 keeps one running total for all pools)', async () => {
    const a = new pg.Pool({ ...config, max: 3 });
    const b = new pg.Pool({ ...config, database: 'postgres', max: 4 });
    const counts = async (database: string): Promise<Record<string, unknown>> => {
      const points = await scopedPoints(reader, 'db.client.connection.count', {
        'db.client.connection.pool.name': `${config.host}:${config.port}/${database}`,
      });
      return Object.fromEntries(
        points.map(({ scope, point }) => [`${scope} ${String(point.attributes['db.client.connection.state'])}`, point.value]),
      );
    };
    try {
      const held = [await a.connect(), await a.connect()];
      (await b.connect()).release();
      expect(await counts(config.database)).toEqual({ 'fedscope/pg-pool idle': 0, 'fedscope/pg-pool used': 2 });
      expect(await counts('postgres')).toEqual({ 'fedscope/pg-pool idle': 1, 'fedscope/pg-pool used': 0 });
      for (const client of held) client.release();
      expect(await counts(config.database)).toEqual({ 'fedscope/pg-pool idle': 2, 'fedscope/pg-pool used': 0 });
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('counts every query once in db.client.operation.duration (recorded by contrib, not again by fedscope)', async () => {
    const before = await operationDurationCounts(reader, 'postgresql');
    await client.query(`SELECT * FROM ${customers}`);
    await client.query('SELECT $1::int', [1]);
    await failure(() => client.query('SELEC 2'));
    const after = await operationDurationCounts(reader, 'postgresql');
    const delta = (scope: string): number => (after[scope] ?? 0) - (before[scope] ?? 0);
    expect(delta('@opentelemetry/instrumentation-pg')).toBe(3);
    expect(delta('fedscope')).toBe(0);
    // fedscope's per-source histogram still sees each call once, with the source.
    const bySource = await scopedPoints(reader, 'federation.source.duration', { 'federation.source': source });
    expect(bySource.length).toBeGreaterThan(0);
  });
});
