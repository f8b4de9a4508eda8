// The same statement against PostgreSQL (contrib pg), MariaDB (contrib mysql2), DuckDB and SQLite
// (fedscope's instrumentations): the spans classify alike through classifySpan — role `source`,
// the same fields filled, the same error fields on failure — and each call is counted once in
// db.client.operation.duration, whichever instrumentation made it.
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BetterSqlite3Instrumentation } from '../../instrumentations/better-sqlite3/index.js';
import { contribDbInstrumentations } from '../../instrumentations/contrib/index.js';
import { DuckDBInstrumentation } from '../../instrumentations/duckdb/index.js';
import { federatedQuery } from '../../instrumentations/federation-stage.js';
import type { ClassifiedSpan } from '../../processors/classified-span.js';
import { FederationSpanProcessor } from '../../processors/federation-span-processor.js';
import { startInMemoryTracing } from '../support/in-memory-tracing.js';
import { TestMetricReader } from '../support/test-metric-reader.js';
import { capturingSink, operationDurationCounts, uniqueName } from '../support/db-metric-points.js';

const reader = new TestMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const sink = capturingSink();
const tracing = startInMemoryTracing([new FederationSpanProcessor({ meterProvider, sinks: [sink] })]);
registerInstrumentations({
  instrumentations: [...contribDbInstrumentations(), new DuckDBInstrumentation(), new BetterSqlite3Instrumentation()],
  tracerProvider: tracing.provider,
  meterProvider,
});
const { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig } = await import('../support/real-servers.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
const { DuckDBInstance } = await import('@duckdb/node-api');
const { default: Database } = await import('better-sqlite3');

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const table = uniqueName('fedscope_interop');

/** One driver, reduced to: run a statement (rows or failure), and clean up. */
interface Driver {
  system: string;
  run(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

const drivers: Driver[] = [];
const SELECT = `SELECT id, name FROM ${table} WHERE id = 2`;
const FAILING = `SELEC name FROM ${table}`;
/** The fields every source span must fill, whatever the driver. */
const COMMON_FIELDS = ['source', 'system', 'operationName', 'namespace', 'queryText', 'fingerprint', 'rowsReturned'] as const;

beforeAll(async () => {
  const setup = [
    `CREATE TABLE ${table} (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)`,
    `INSERT INTO ${table} VALUES (1, 'one'), (2, 'two'), (3, 'three')`,
  ];
  if (!postgres.skip) {
    const client = new pg.Client(postgresConfig());
    await client.connect();
    for (const sql of setup) await client.query(sql);
    drivers.push({
      system: 'postgresql',
      run: (sql) => client.query(sql),
      close: async () => {
        await client.query(`DROP TABLE IF EXISTS ${table}`);
        await client.end();
      },
    });
  }
  if (!mariadb.skip) {
    const connection = await mysql.createConnection(mysqlConfig());
    for (const sql of setup) await connection.query(sql);
    drivers.push({
      system: 'mysql',
      run: (sql) => connection.query(sql),
      close: async () => {
        await connection.query(`DROP TABLE IF EXISTS ${table}`);
        await connection.end();
      },
    });
  }
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const sql of setup) await duck.run(sql);
  drivers.push({ system: 'duckdb', run: (sql) => duck.runAndReadAll(sql), close: async () => duck.closeSync() });
  const sqlite = new Database(':memory:');
  for (const sql of setup) sqlite.exec(sql);
  drivers.push({
    system: 'sqlite',
    run: async (sql) => sqlite.prepare(sql).all(),
    close: async () => {
      sqlite.close();
    },
  });
});
afterAll(async () => {
  for (const driver of drivers) await driver.close();
  await tracing.shutdown();
  await meterProvider.shutdown();
});

function sourceSpansOf(system: string): ClassifiedSpan[] {
  return sink.spans.filter((s) => s.role === 'source' && s.system === system && s.queryText !== undefined);
}

describe('source spans from contrib pg/mysql2 and fedscope DuckDB/SQLite', () => {
  it('runs on every driver available here (PostgreSQL/MariaDB only when their servers are up)', () => {
    expect(drivers.map((d) => d.system)).toEqual([
      ...(postgres.skip ? [] : ['postgresql']),
      ...(mariadb.skip ? [] : ['mysql']),
      'duckdb',
      'sqlite',
    ]);
  });

  it('classify alike: role source, the same fields filled, the same sanitised text and fingerprint', async () => {
    sink.spans.length = 0;
    await federatedQuery('interop', async () => {
      for (const driver of drivers) await driver.run(SELECT);
    });
    const spans = drivers.map((d) => {
      const [span] = sourceSpansOf(d.system);
      expect(span, d.system).toBeDefined();
      return span!;
    });
    for (const span of spans) {
      const missing = COMMON_FIELDS.filter((field) => span[field] === undefined);
      expect(missing, `${span.system} (${span.scopeName})`).toEqual([]);
      expect(span).toMatchObject({
        role: 'source',
        error: false,
        errorType: undefined,
        operationName: 'SELECT',
        rowsReturned: 1,
        queryName: 'interop',
      });
    }
    expect(new Set(spans.map((s) => s.queryText))).toEqual(new Set([`SELECT id, name FROM ${table} WHERE id = ?`]));
    expect(new Set(spans.map((s) => s.fingerprint)).size).toBe(1);
    expect(new Set(spans.map((s) => s.source)).size).toBe(drivers.length);
    // Every span is named after its summary, whoever made it.
    const names = tracing
      .spans()
      .filter((s) => s.attributes['db.query.text'] === `SELECT id, name FROM ${table} WHERE id = ?`)
      .map((s) => s.name);
    expect(new Set(names)).toEqual(new Set([`SELECT ${table}`]));
    expect(tracing.span('federation.query interop').attributes['federation.source.count']).toBe(drivers.length);
  });

  it('classify failures alike: error, a driver-specific error.type, and federation.error.class syntax_error', async () => {
    sink.spans.length = 0;
    tracing.exporter.reset();
    for (const driver of drivers) await expect(driver.run(FAILING)).rejects.toBeDefined();
    const expectedTypes: Record<string, string> = {
      postgresql: '42601',
      mysql: 'ER_PARSE_ERROR',
      duckdb: 'DUCKDB_ERROR_PARSER',
      sqlite: 'SQLITE_ERROR',
    };
    for (const driver of drivers) {
      const [span] = sourceSpansOf(driver.system);
      expect(span, driver.system).toMatchObject({ role: 'source', error: true, errorType: expectedTypes[driver.system] });
      const raw = tracing
        .spans()
        .find((s) => s.attributes['db.system.name'] === driver.system && s.attributes['error.type'] !== undefined)!;
      expect(raw.attributes['federation.error.class'], driver.system).toBe('syntax_error');
    }
  });

  it('counts each call once in db.client.operation.duration, whichever instrumentation made it', async () => {
    const before = await Promise.all(drivers.map((d) => operationDurationCounts(reader, d.system)));
    for (const driver of drivers) {
      await driver.run(SELECT);
      await driver.run(SELECT);
    }
    const after = await Promise.all(drivers.map((d) => operationDurationCounts(reader, d.system)));
    drivers.forEach((driver, i) => {
      const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
      expect(total(after[i]!) - total(before[i]!), driver.system).toBe(2);
    });
  });
});
