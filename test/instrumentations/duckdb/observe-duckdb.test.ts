import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DuckDBInstrumentation,
  observeDuckDB,
  parseDuckDBByteSize,
  type DuckDBObserver,
  type DuckDBQueryable,
} from '../../../instrumentations/duckdb/index.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';

const tracing = startInMemoryTracing();
registerInstrumentations({ instrumentations: [new DuckDBInstrumentation()], tracerProvider: tracing.provider });
const { DuckDBInstance } = await import('@duckdb/node-api');

const tempDir = mkdtempSync(join(tmpdir(), 'fedscope-duckdb-observer-'));
let reader: TestMetricReader;
let meterProvider: MeterProvider;
let observer: DuckDBObserver | undefined;

beforeEach(() => {
  reader = new TestMetricReader();
  meterProvider = new MeterProvider({ readers: [reader] });
});
afterEach(async () => {
  observer?.stop();
  observer = undefined;
  await meterProvider.shutdown();
});
afterAll(async () => {
  rmSync(tempDir, { recursive: true, force: true });
  await tracing.shutdown();
});

describe('observeDuckDB', () => {
  it("exports DuckDB's database, memory and table figures as gauges, without tracing its own statements", async () => {
    const instance = await DuckDBInstance.create(join(tempDir, 'sales.duckdb'));
    const app = await instance.connect();
    await app.run('CREATE TABLE small AS SELECT range AS id FROM range(10)');
    await app.run('CREATE TABLE big AS SELECT range AS id, md5(range::VARCHAR) AS h FROM range(200000)');
    await app.run('CHECKPOINT');
    tracing.exporter.reset();

    observer = observeDuckDB(instance, { meterProvider, intervalMs: 60_000 });
    await observer.refresh();
    expect(observer.stats).toMatchObject({ readings: 1, failures: 0 });

    const base = { 'federation.source': 'duckdb:sales', 'db.system.name': 'duckdb' };
    const [size] = await reader.points('federation.duckdb.database.size', { ...base, 'db.namespace': 'sales' });
    expect(size!.value).toBeGreaterThan(0);
    const [memory] = await reader.points('federation.duckdb.memory.usage', base);
    expect(memory!.value).toBeGreaterThan(0);
    const [limit] = await reader.points('federation.duckdb.memory.limit', base);
    expect(limit!.value).toBeGreaterThan(0);
    const [tables] = await reader.points('federation.duckdb.tables', base);
    expect(tables!.value).toBe(2);
    const [bigRows] = await reader.points('federation.duckdb.table.rows', { ...base, 'db.collection.name': 'main.big' });
    expect(bigRows!.value).toBe(200_000);
    const [smallRows] = await reader.points('federation.duckdb.table.rows', { ...base, 'db.collection.name': 'main.small' });
    expect(smallRows!.value).toBe(10);
    const [bigBytes] = await reader.points('federation.duckdb.table.size', { ...base, 'db.collection.name': 'main.big' });
    expect(bigBytes!.value).toBeGreaterThan(1_000_000);
    const [failures] = await reader.points('fedscope.duckdb.observer.failures', base);
    expect(failures!.value).toBe(0);

    // The observer's statements ran on its own connection with tracing suppressed.
    expect(tracing.spans()).toHaveLength(0);
    app.closeSync();
  });

  it('reports only the largest tables beyond maxTables, but counts them all', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const app = await instance.connect();
    for (let i = 0; i < 5; i++) await app.run(`CREATE TABLE t${i} AS SELECT range AS id FROM range(${(i + 1) * 10})`);
    observer = observeDuckDB(app, { meterProvider, maxTables: 2, source: 'cache' });
    await observer.refresh();
    const rows = await reader.points('federation.duckdb.table.rows', { 'federation.source': 'cache' });
    expect(rows.map((p) => [p.attributes['db.collection.name'], p.value])).toEqual([
      ['main.t4', 50],
      ['main.t3', 40],
    ]);
    const [tables] = await reader.points('federation.duckdb.tables', { 'federation.source': 'cache' });
    expect(tables!.value).toBe(5);
    // In-memory tables have no blocks to measure.
    expect(await reader.points('federation.duckdb.table.size')).toEqual([]);
  });

  it('counts failed readings instead of throwing, and keeps the last good figures', async () => {
    let fail = false;
    const flaky: DuckDBQueryable = {
      runAndReadAll: async (sql: string) => {
        if (fail) throw new Error('Connection Error: database closed');
        const rows: Record<string, unknown>[] = sql.includes('pragma_database_size')
          ? [{ database_name: 'db', block_size: 262144n, total_blocks: 4n, wal_size: '1.0 KiB', memory_limit: '1.0 GiB' }]
          : sql.includes('duckdb_memory')
            ? [{ used: 1024n, temporary: 0n }]
            : [];
        return { getRowObjectsJS: () => rows };
      },
    };
    observer = observeDuckDB(flaky, { meterProvider, source: 'flaky' });
    await observer.refresh();
    fail = true;
    await observer.refresh();
    await observer.refresh();
    expect(observer.stats).toMatchObject({ readings: 1, failures: 2, lastError: 'Connection Error: database closed' });
    const [failures] = await reader.points('fedscope.duckdb.observer.failures', { 'federation.source': 'flaky' });
    expect(failures!.value).toBe(2);
    const [size] = await reader.points('federation.duckdb.database.size', { 'federation.source': 'flaky', 'db.namespace': 'db' });
    expect(size!.value).toBe(4 * 262144);
    const [wal] = await reader.points('federation.duckdb.wal.size', { 'federation.source': 'flaky' });
    expect(wal!.value).toBe(1024);
  });

  it('stops reading and observing once stopped', async () => {
    let statements = 0;
    const counting: DuckDBQueryable = {
      runAndReadAll: async () => {
        statements++;
        return { getRowObjectsJS: () => [] };
      },
    };
    observer = observeDuckDB(counting, { meterProvider, source: 'stopped' });
    await observer.refresh();
    const afterFirst = statements;
    expect(afterFirst).toBeGreaterThan(0);
    observer.stop();
    await observer.refresh();
    await reader.collect();
    expect(statements).toBe(afterFirst);
    expect(observer.stats.readings).toBe(1);
  });

  it('rejects bad options with an error naming them', () => {
    const connection: DuckDBQueryable = { runAndReadAll: () => Promise.reject(new Error('unused')) };
    expect(() => observeDuckDB(connection, { intervalMs: 5 })).toThrow(/intervalMs/);
    expect(() => observeDuckDB(connection, { maxTables: -1 })).toThrow(/maxTables/);
    expect(() => observeDuckDB({} as DuckDBQueryable)).toThrow(/DuckDBInstance or a DuckDBConnection/);
  });
});

describe('parseDuckDBByteSize', () => {
  it.each([
    ['0 bytes', 0],
    ['300.0 KiB', 307_200],
    ['5.0 MiB', 5 * 2 ** 20],
    ['18.8 GiB', Math.round(18.8 * 2 ** 30)],
    ['2 GB', 2e9],
    ['-', undefined],
    [42, undefined],
  ])('%s → %s', (text, bytes) => {
    expect(parseDuckDBByteSize(text)).toBe(bytes);
  });
});
