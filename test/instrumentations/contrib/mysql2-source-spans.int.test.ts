// @opentelemetry/instrumentation-mysql2 configured by fedscope, against a real MariaDB: span names,
// attributes and status for plain queries and prepared statements, every error class that can be
// provoked, pool use with observeMysqlPool, and db.client.operation.duration counted once per call.
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contribDbInstrumentations, observeMysqlPool } from '../../../instrumentations/contrib/index.js';
import { FederationSpanProcessor } from '../../../processors/federation-span-processor.js';
import { classifyDbError } from '../../../src/span-model/error-class.js';
import { redactMessage } from '../../../src/span-model/redact.js';
import { freePort } from '../../support/free-port.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';
import { capturingSink, operationDurationCounts, scopedPoints, uniqueName } from '../../support/db-metric-points.js';

// Order matters: instrumentations are registered before mysql2 is first required.
const reader = new TestMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const sink = capturingSink();
const tracing = startInMemoryTracing([new FederationSpanProcessor({ meterProvider, sinks: [sink] })]);
registerInstrumentations({
  instrumentations: contribDbInstrumentations({
    pg: false,
    sources: { [`${process.env['MYSQL_HOST'] ?? '127.0.0.1'}/${process.env['MYSQL_DATABASE'] ?? 'test'}`]: 'shop' },
  }),
  tracerProvider: tracing.provider,
  meterProvider,
});
const { mysqlConfig, needsMariaDB } = await import('../../support/real-servers.js');
const mysql = createRequire(import.meta.url)('mysql2/promise') as typeof import('mysql2/promise');

const mariadb = await needsMariaDB();
const config = mysqlConfig();
const items = uniqueName('fedscope_my_items');
const lines = uniqueName('fedscope_my_lines');
let connection: import('mysql2/promise').Connection;

function querySpans(): ReadableSpan[] {
  // Connection spans (mysql2.connect, mysql2-pool.connect) are tested in mysql2-connect-spans.test.ts.
  return tracing.spans().filter((s) => s.kind === SpanKind.CLIENT && s.name !== 'mysql2.connect' && s.name !== 'mysql2-pool.connect');
}

async function failure(run: () => Promise<unknown>): Promise<Error & { code?: string; errno?: number }> {
  return run().then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (error: Error & { code?: string; errno?: number }) => error,
  );
}

describe.skipIf(mariadb.skip)(`instrumentation-mysql2 via fedscope (${mariadb.label})`, () => {
  beforeEach(async () => {
    if (!connection) {
      connection = await mysql.createConnection(config);
      await connection.query(
        `CREATE TABLE ${items} (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, stock INT NOT NULL, CHECK (stock >= 0)) ENGINE=InnoDB`,
      );
      await connection.query(
        `CREATE TABLE ${lines} (id INT PRIMARY KEY, item_id INT NOT NULL, FOREIGN KEY (item_id) REFERENCES ${items}(id)) ENGINE=InnoDB`,
      );
      await connection.query(`INSERT INTO ${items} VALUES (1, 'bolt', 10), (2, 'nut', 5)`);
    }
    tracing.exporter.reset();
    sink.spans.length = 0;
  });
  afterAll(async () => {
    if (connection) {
      await connection.query(`DROP TABLE IF EXISTS ${lines}, ${items}`);
      await connection.end();
    }
    await tracing.shutdown();
    await meterProvider.shutdown();
  });

  it('names a plain query after its summary and fills source, statement and row attributes', async () => {
    const [rows] = await connection.query(`SELECT id, name FROM ${items} WHERE name = 'bolt'`);
    expect(rows).toEqual([{ id: 1, name: 'bolt' }]);
    const [span] = querySpans();
    expect(span!.name).toBe(`SELECT ${items}`);
    expect(span!.instrumentationScope.name).toBe('@opentelemetry/instrumentation-mysql2');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toMatchObject({
      'db.system.name': 'mysql',
      'db.namespace': config.database,
      'server.address': config.host,
      'server.port': config.port,
      'federation.source': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': items,
      'db.query.summary': `SELECT ${items}`,
      'db.query.text': `SELECT id, name FROM ${items} WHERE name = ?`,
      'db.response.returned_rows': 1,
    });
  });

  it('traces placeholders and prepared statements (execute) with the statement as written, not the values', async () => {
    await connection.query(`SELECT * FROM ${items} WHERE id = ?`, [2]);
    await connection.execute(`UPDATE ${items} SET stock = stock - ? WHERE id = ?`, [1, 1]);
    await connection.execute(`UPDATE ${items} SET stock = stock - ? WHERE id = ?`, [1, 2]);
    const spans = querySpans();
    expect(spans.map((s) => s.name)).toEqual([`SELECT ${items}`, `UPDATE ${items}`, `UPDATE ${items}`]);
    expect(spans[0]!.attributes).toMatchObject({ 'db.query.text': `SELECT * FROM ${items} WHERE id = ?`, 'db.response.returned_rows': 1 });
    expect(spans[1]!.attributes).toMatchObject({
      'db.query.text': `UPDATE ${items} SET stock = stock - ? WHERE id = ?`,
      'db.response.returned_rows': 0,
    });
    expect(spans[2]!.attributes['federation.query.fingerprint']).toBe(spans[1]!.attributes['federation.query.fingerprint']);
  });

  it.each([
    ['a syntax error', () => 'SELEC 1', 'ER_PARSE_ERROR', '1064', 'syntax_error'],
    ['an unknown table', () => 'SELECT * FROM fedscope_no_such_table', 'ER_NO_SUCH_TABLE', '1146', 'syntax_error'],
    ['a duplicate key', () => `INSERT INTO ${items} VALUES (1, 'dup', 1)`, 'ER_DUP_ENTRY', '1062', 'constraint_violation'],
    ['a foreign key', () => `INSERT INTO ${lines} VALUES (1, 99)`, 'ER_NO_REFERENCED_ROW_2', '1452', 'constraint_violation'],
    ['a NOT NULL column', () => `INSERT INTO ${items} VALUES (3, NULL, 1)`, 'ER_BAD_NULL_ERROR', '1048', 'constraint_violation'],
    ['a CHECK constraint', () => `INSERT INTO ${items} VALUES (4, 'neg', -1)`, 'ER_CONSTRAINT_FAILED', '4025', 'constraint_violation'],
    ['a max_statement_time', () => 'SET STATEMENT max_statement_time=0.05 FOR SELECT SLEEP(2)', 'ER_STATEMENT_TIMEOUT', '1969', 'timeout'],
  ])('records %s with the driver code as error.type and its class', async (_what, sql, errorType, errno, errorClass) => {
    const error = await failure(() => connection.query(sql()));
    expect(String(error.errno)).toBe(errno);
    const [span] = querySpans();
    // The span's copy of the driver's message is redacted; the error thrown is not.
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: redactMessage(error.message) });
    expect(span!.attributes).toMatchObject({
      'error.type': errorType,
      'federation.error.class': errorClass,
      'db.response.status_code': errno,
      'federation.source': 'shop',
    });
    expect(sink.spans.find((s) => s.error)?.errorType).toBe(errorType);
  });

  it('records a lock wait timeout and a deadlock', async () => {
    const other = await mysql.createConnection(config);
    try {
      // Lock wait timeout: a row held by another transaction, innodb_lock_wait_timeout of 1 s.
      await connection.query('SET SESSION innodb_lock_wait_timeout = 1');
      await other.query('BEGIN');
      await other.query(`UPDATE ${items} SET stock = stock WHERE id = 1`);
      await connection.query('BEGIN');
      const waited = await failure(() => connection.query(`UPDATE ${items} SET stock = stock WHERE id = 1`));
      expect(waited.code).toBe('ER_LOCK_WAIT_TIMEOUT');
      await connection.query('ROLLBACK');
      await other.query('ROLLBACK');
      // Deadlock: each transaction holds the row the other wants; InnoDB aborts one at once.
      await connection.query('BEGIN');
      await other.query('BEGIN');
      await connection.query(`UPDATE ${items} SET stock = stock WHERE id = 1`);
      await other.query(`UPDATE ${items} SET stock = stock WHERE id = 2`);
      const results = await Promise.allSettled([
        connection.query(`UPDATE ${items} SET stock = stock WHERE id = 2`),
        other.query(`UPDATE ${items} SET stock = stock WHERE id = 1`),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.map((r) => (r.reason as { code?: string }).code)).toEqual(['ER_LOCK_DEADLOCK']);
    } finally {
      await connection.query('ROLLBACK');
      await other.query('ROLLBACK');
      await connection.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
      await other.end();
    }
    const failed = querySpans().filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed.map((s) => [s.attributes['error.type'], s.attributes['federation.error.class']])).toEqual([
      ['ER_LOCK_WAIT_TIMEOUT', 'timeout'],
      ['ER_LOCK_DEADLOCK', 'transaction_rollback'],
    ]);
  });

  it('classifies a refused connection (contrib makes no query span; the mysql2.connect span is tested apart)', async () => {
    const port = await freePort();
    const error = await failure(() => mysql.createConnection({ ...config, port }));
    expect(classifyDbError(error, { system: 'mysql' })).toEqual({
      errorType: 'connection_error',
      errorClass: 'connection_error',
      statusCode: undefined,
    });
    expect(querySpans()).toEqual([]);
  });

  it('traces pool queries and reports the pool with observeMysqlPool', async () => {
    const pool = mysql.createPool({ ...config, connectionLimit: 2 });
    const observer = observeMysqlPool(pool, { meterProvider });
    const poolName = `${config.host}:${config.port}/${config.database}`;
    const poolState = async (): Promise<Record<string, unknown>> => {
      const count = await scopedPoints(reader, 'db.client.connection.count', { 'db.client.connection.pool.name': poolName });
      const [pending] = await scopedPoints(reader, 'db.client.connection.pending_requests', { 'db.client.connection.pool.name': poolName });
      const [max] = await scopedPoints(reader, 'db.client.connection.max', { 'db.client.connection.pool.name': poolName });
      return {
        ...Object.fromEntries(count.map(({ point }) => [String(point.attributes['db.client.connection.state']), point.value])),
        pending: pending?.point.value,
        max: max?.point.value,
      };
    };
    try {
      const first = await pool.getConnection();
      const second = await pool.getConnection();
      const waiting = pool.query('SELECT 1 AS one');
      // Both connections checked out, one query waiting for a connection.
      expect(await poolState()).toEqual({ idle: 0, used: 2, pending: 1, max: 2 });
      first.release();
      const [rows] = await waiting;
      expect(rows).toEqual([{ one: 1 }]);
      second.release();
      expect(await poolState()).toEqual({ idle: 2, used: 0, pending: 0, max: 2 });
      const [series] = await scopedPoints(reader, 'db.client.connection.count', { 'db.client.connection.state': 'idle' });
      expect(series!.point.attributes).toMatchObject({
        'federation.source': `mysql://${config.host}:${config.port}/${config.database}`,
        'db.system.name': 'mysql',
      });
    } finally {
      observer.stop();
      await pool.end();
    }
    const spans = querySpans();
    expect(spans.map((s) => s.name)).toEqual(['SELECT']);
    expect(spans[0]!.attributes).toMatchObject({ 'federation.source': 'shop', 'db.response.returned_rows': 1 });
  });

  it('counts every query once in db.client.operation.duration (recorded by fedscope from the spans)', async () => {
    const before = await operationDurationCounts(reader, 'mysql');
    await connection.query(`SELECT * FROM ${items}`);
    await connection.execute('SELECT ? AS x', [1]);
    await failure(() => connection.query('SELEC 2'));
    const after = await operationDurationCounts(reader, 'mysql');
    const delta = (scope: string): number => (after[scope] ?? 0) - (before[scope] ?? 0);
    expect(delta('fedscope')).toBe(3);
    expect(Object.keys(after).filter((scope) => scope !== 'fedscope')).toEqual([]);
    const failed = await scopedPoints(reader, 'db.client.operation.duration', {
      'db.system.name': 'mysql',
      'error.type': 'ER_PARSE_ERROR',
    });
    expect(failed.length).toBe(1);
  });
});
