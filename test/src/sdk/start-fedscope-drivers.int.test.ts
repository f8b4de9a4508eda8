// startFedscope() with real drivers: it registers the driver instrumentations itself, and every
// driver's calls land once in db.client.operation.duration with their source, as Prometheus sees it.
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';

// Order matters: fedscope starts before the drivers are first required.
const handle = startFedscope({ prometheus: { port: 0 }, otlp: false });
await handle.ready;
const { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig } = await import('../../support/real-servers.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
const Database = require('better-sqlite3') as typeof import('better-sqlite3');

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();

afterAll(async () => {
  await handle.shutdown();
});

async function metricsText(): Promise<string> {
  return (await fetch(`${handle.metricsUrl}/metrics`)).text();
}

function durationCount(text: string, system: string): number {
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith('db_client_operation_duration_count{') && l.includes(`db_system_name="${system}"`));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('startFedscope registers the embedded drivers', () => {
  it('traces DuckDB and better-sqlite3 with one duration sample per statement', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.runAndReadAll('SELECT 42 AS answer');
    await duck.runAndReadAll('SELECT 43 AS answer');
    const sqlite = new Database(':memory:');
    sqlite.prepare('SELECT 1 AS one').get();
    const text = await metricsText();
    expect(durationCount(text, 'duckdb')).toBe(2);
    expect(durationCount(text, 'sqlite')).toBe(1);
    expect(text).toMatch(/federation_source_duration_count\{service_name="[^"]+",federation_source="duckdb:memory"[^}]*\} 2/);
    duck.closeSync();
    sqlite.close();
  });
});

postgres.describe('startFedscope with pg', () => {
  it('counts each query once, with its source, and none in contrib pg own series', async () => {
    const before = durationCount(await metricsText(), 'postgresql'); // the server probe ran a query too
    const client = new pg.Client(postgresConfig());
    await client.connect();
    try {
      await client.query('SELECT 1');
      await client.query('SELECT $1::int AS n', [2]);
      await client.query('SELEC broken').catch(() => undefined);
    } finally {
      await client.end();
    }
    const text = await metricsText();
    expect(durationCount(text, 'postgresql') - before).toBe(3);
    expect(text).not.toMatch(/db_client_operation_duration_count\{[^}]*otel_scope_name="@opentelemetry\/instrumentation-pg"/);
    expect(text).toMatch(
      /db_client_operation_duration_count\{db_system_name="postgresql",federation_source="[^"]+"[^}]*error_type="42601"[^}]*\} 1/,
    );
    expect(text).toMatch(/federation_source_errors_total\{service_name="[^"]+",federation_source="[^"]+",error_type="42601"/);
  });
});

postgres.describe('startFedscope with a pg Pool', () => {
  it("reports the pool with its source while contrib pg's duration series is never recorded", async () => {
    const pool = new pg.Pool({ ...postgresConfig(), max: 2 });
    try {
      await pool.query('SELECT 1');
      const text = await metricsText();
      expect(text).toMatch(
        /db_client_connection_max\{db_client_connection_pool_name="[^"]+",db_system_name="postgresql",federation_source="postgresql:\/\/[^"]+",otel_scope_name="fedscope\/pg-pool"[^}]*\} 2/,
      );
      expect(text).toMatch(
        /db_client_connection_count\{[^}]*db_client_connection_state="idle",otel_scope_name="fedscope\/pg-pool"[^}]*\} 1/,
      );
      expect(text).not.toMatch(/db_client_connection_count\{[^}]*otel_scope_name="@opentelemetry\/instrumentation-pg"/);
      expect(text).not.toMatch(/db_client_operation_duration_count\{[^}]*otel_scope_name="@opentelemetry\/instrumentation-pg"/);
    } finally {
      await pool.end();
    }
  });
});

mariadb.describe('startFedscope with mysql2', () => {
  it('counts each query once, with its source', async () => {
    const before = durationCount(await metricsText(), 'mysql');
    const connection = await mysql.createConnection(mysqlConfig());
    try {
      await connection.query('SELECT 1');
      await connection.execute('SELECT ? AS n', [2]);
    } finally {
      await connection.end();
    }
    expect(durationCount(await metricsText(), 'mysql') - before).toBe(2);
  });
});
