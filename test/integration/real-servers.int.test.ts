// Proves the real-server plumbing the integration suites stand on: TCP logins to PostgreSQL and
// MariaDB with the drivers fedscope instruments, and promtool judging exposition text.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig, serversRequired } from '../support/real-servers.js';
import { checkMetricsWithPromtool, needsPromtool } from '../support/promtool.js';

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const promtool = needsPromtool();

describe('connection settings', () => {
  it('default to the loopback servers npm run servers starts', () => {
    expect(postgresConfig({})).toEqual({ host: '127.0.0.1', port: 5432, user: 'postgres', password: 'postgres', database: 'test' });
    expect(mysqlConfig({})).toEqual({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' });
  });

  it('come from the standard environment variables', () => {
    const env = {
      PGHOST: 'db',
      PGPORT: '6543',
      PGUSER: 'u',
      PGPASSWORD: '',
      PGDATABASE: 'd',
      MYSQL_HOST: 'm',
      MYSQL_PORT: '3307',
      MYSQL_PASSWORD: 'pw',
    };
    expect(postgresConfig(env)).toEqual({ host: 'db', port: 6543, user: 'u', password: '', database: 'd' });
    expect(mysqlConfig(env)).toEqual({ host: 'm', port: 3307, user: 'root', password: 'pw', database: 'test' });
  });

  it('reject a port that is not a number, naming the variable', () => {
    expect(() => postgresConfig({ PGPORT: 'five' })).toThrow(/PGPORT/);
    expect(() => mysqlConfig({ MYSQL_PORT: '70000' })).toThrow(/MYSQL_PORT/);
  });

  it('treat CI=true or FEDSCOPE_REQUIRE_SERVERS=1 as "servers required"', () => {
    expect(serversRequired({})).toBe(false);
    expect(serversRequired({ CI: 'true' })).toBe(true);
    expect(serversRequired({ FEDSCOPE_REQUIRE_SERVERS: '1' })).toBe(true);
    expect(serversRequired({ CI: 'false', FEDSCOPE_REQUIRE_SERVERS: '0' })).toBe(false);
  });
});

describe.skipIf(postgres.skip)(`PostgreSQL (${postgres.label})`, () => {
  it('answers SELECT 1 over TCP with pg', async () => {
    const client = new pg.Client(postgresConfig());
    await client.connect();
    try {
      const result = await client.query<{ one: number }>('SELECT 1 AS one');
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(mariadb.skip)(`MariaDB (${mariadb.label})`, () => {
  it('answers SELECT 1 over TCP with mysql2/promise', async () => {
    const connection = await mysql.createConnection(mysqlConfig());
    try {
      const [rows] = await connection.query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await connection.end();
    }
  });
});

describe.skipIf(promtool.skip)('promtool check metrics', () => {
  it('accepts clean exposition text', async () => {
    const clean = [
      '# HELP http_requests_total Requests served.',
      '# TYPE http_requests_total counter',
      'http_requests_total{code="200"} 3',
      '',
    ].join('\n');
    await expect(checkMetricsWithPromtool(clean)).resolves.toEqual({ exitCode: 0, findings: [] });
  });

  it('reports a counter without the _total suffix as a lint finding (exit 3)', async () => {
    const bad = ['# HELP http_requests Requests served.', '# TYPE http_requests counter', 'http_requests 3', ''].join('\n');
    const result = await checkMetricsWithPromtool(bad);
    expect(result.exitCode).toBe(3);
    expect(result.findings).toEqual([expect.stringMatching(/^http_requests counter metrics should have "_total" suffix$/)]);
  });

  it('reports unparseable text as an error (exit 1)', async () => {
    const result = await checkMetricsWithPromtool('not{valid 1\n');
    expect(result.exitCode).toBe(1);
    expect(result.findings.join('\n')).toMatch(/pars/i);
  });
});
