// A corpus of secrets planted in statements, driver errors and connection strings, run on real
// PostgreSQL and MariaDB through startFedscope + the Federation runtime and through contrib-
// instrumented direct pg/mysql2 calls: none of them may come out of fedscope under the default
// `queryText: 'sanitized'` — not in the spans as the real OTLP exporter sends them (decoded by the
// test receiver), /metrics, the JSON endpoints, federation.status() or fedscope's stderr. The errors
// must still be recorded (ERROR status, an exception event with a redacted message, error.type),
// the application must still get the real errors, and `queryText: 'raw'` must let the text through.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentAdapter } from '../../instrumentations/adapter.js';
import type { DecodedSpan } from '../../src/otlp/index.js';
import type { FedscopeHandle } from '../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../src/sdk/start-fedscope.js';
import { freePort } from '../support/free-port.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

// fedscope's stderr, captured from before it starts (the write still goes through).
const stderr: string[] = [];
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
  stderr.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  return (writeStderr as (...args: unknown[]) => boolean)(chunk, ...rest);
};

// Order matters: fedscope registers the driver instrumentations before the drivers are first loaded.
const receiver = await startOtlpReceiver();
let handle: FedscopeHandle = startFedscope({ serviceName: 'secret-corpus', prometheus: { port: 0 }, otlp: { endpoint: receiver.url } });
await handle.ready;
const { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig } = await import('../support/real-servers.js');
const { Federation, FunctionSource, HttpSource, MysqlSource, PostgresSource } = await import('../../src/federation/index.js');
const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const pgTable = `corpus_pg_${suffix}`;
const myTable = `corpus_my_${suffix}`;

/**
 * Every secret planted below: SQL literals of each kind, values the servers echo in their errors,
 * and passwords in connection strings. Each is distinctive, so finding it anywhere is a leak.
 */
const SECRETS = {
  pgCast: 'pgcastsecret', // single-quoted literal, echoed by a cast failure
  pgEscape: 'pgescapesecret', // E'…' literal, echoed as an unterminated string
  pgDollar: 'pgdollarsecret', // $$…$$ body, echoed by a cast failure
  pgDollarOpen: 'pgdollaropensecret', // unterminated $$…, echoed
  pgHex: 'CAFEBABE4242', // X'…' literal
  pgNumber: '987654321', // a number
  pgDate: '2031-13-19', // a date, echoed by the date parser
  pgIn1: 'inlist1secret@example.com', // IN list
  pgIn2: 'inlist2secret@example.com',
  pgDupe: 'pgdupesecret@example.com', // duplicate key (value in the statement and in the error detail)
  pgCheck: '-424242', // check violation
  pgUnterminated: 'pgunterminatedsecret', // unterminated '…', echoed
  myDq: 'mydqsecret', // MySQL double-quoted strings
  myDqWhere: 'myhunter2secret',
  myDupe: 'mydupesecret@example.com', // Duplicate entry '…'
  myCast: 'mycastsecret', // Incorrect integer value: '…'
  myUnterminated: 'myunterminatedsecret', // near ''…' at line 1
  myCheck: '-737373', // CONSTRAINT … failed
  directPg: 'directpgsecret', // contrib pg, outside the federation
  directMyDq: 'directmydqsecret', // contrib mysql2, outside the federation
  directMyDupe: 'directmydupe@example.com',
  fnPassword: 'FnS3cretPw', // a connection URL in a FunctionSource error
  fnDetail: 'fndetailsecret@example.com', // pg's error detail, echoed by a FunctionSource
  httpPassword: 'HttpS3cretPw', // credentials in an HTTP source's base URL (fetch echoes the URL)
  pgRefused: 'PgRefusedS3cret', // a refused pg connection string
  myRefused: 'MyRefusedS3cret', // a refused mysql2 connection URI
} as const;
const secrets: string[] = Object.values(SECRETS);
/**
 * Values written where SQL expects an identifier (PostgreSQL `"…"`, a MySQL value without quotes):
 * `db.query.text` keeps identifiers by design (semconv sanitises literals), but the errors that
 * echo them (`column "…" does not exist`, `Unknown column '…'`) must not carry them anywhere.
 */
const IDENTIFIER_ECHOES = { pgColumn: 'pgdqcolumnsecret', myColumn: 'myunquotedsecret' } as const;
const echoes: string[] = Object.values(IDENTIFIER_ECHOES);

/** The errors the application got back, to show they are unchanged. */
const appErrors: unknown[] = [];

afterAll(async () => {
  process.stderr.write = writeStderr;
  await handle.shutdown();
  await receiver.close();
});

function jsonOf(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function leaks(text: string): string[] {
  return secrets.filter((secret) => text.includes(secret));
}

function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => {
      appErrors.push(error);
      return error as Error;
    },
  );
}

async function fetchText(path: string): Promise<string> {
  const response = await fetch(`${handle.metricsUrl}${path}`);
  expect(response.status, path).toBe(200);
  return response.text();
}

function exceptionOf(span: DecodedSpan): Record<string, unknown> | undefined {
  return span.events.find((e) => e.name === 'exception')?.attributes;
}

describe.skipIf(postgres.skip || mariadb.skip)('no secret leaves fedscope (queryText sanitized, the default)', () => {
  let spans: DecodedSpan[] = [];
  let status: ReturnType<InstanceType<typeof Federation>['status']>;

  it('runs the corpus: every planted statement and error fails or succeeds as the servers decide', async () => {
    const pool = new pg.Pool({ ...postgresConfig(), max: 2 });
    const myPool = mysql.createPool({ ...mysqlConfig(), connectionLimit: 2 });
    const pgRefusedPort = await freePort();
    const myRefusedPort = await freePort();
    const refusedPool = new pg.Pool({
      connectionString: `postgresql://corpus:${SECRETS.pgRefused}@127.0.0.1:${pgRefusedPort}/test`,
      max: 1,
    });
    const myRefusedPool = mysql.createPool(`mysql://corpus:${SECRETS.myRefused}@127.0.0.1:${myRefusedPort}/test`);
    const http: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const httpPort = (http.address() as AddressInfo).port;
    try {
      await pool.query(`CREATE TABLE ${pgTable} (email text UNIQUE, amount int CHECK (amount > 0))`);
      await myPool.query(`CREATE TABLE ${myTable} (email VARCHAR(100) UNIQUE, amount INT CHECK (amount > 0), n INT)`);

      const fed = new Federation({ cache: false })
        .source('crm_pg', new PostgresSource(pool), { retry: false, breaker: false })
        .source('shop_maria', new MysqlSource(myPool, 'mariadb'), { retry: false, breaker: false })
        .source('refused_pg', new PostgresSource(refusedPool), { retry: false, breaker: false })
        .source('refused_maria', new MysqlSource(myRefusedPool, 'mariadb'), { retry: false, breaker: false })
        .source('vault_http', new HttpSource({ baseUrl: `http://apiuser:${SECRETS.httpPassword}@127.0.0.1:${httpPort}` }), {
          retry: false,
          breaker: false,
        })
        .source(
          'legacy_fn',
          new FunctionSource(async (request) => {
            if (request.kind === 'sql' && request.sql === 'detail') {
              // A wrapper that puts pg's detail (the duplicate value) into its own message.
              await pool.query(`INSERT INTO ${pgTable} VALUES ('${SECRETS.fnDetail}', 1)`);
              try {
                await pool.query(`INSERT INTO ${pgTable} VALUES ('${SECRETS.fnDetail}', 2)`);
              } catch (error) {
                throw new Error(`insert failed: ${(error as Error).message}: ${(error as { detail?: string }).detail}`);
              }
            }
            throw new Error(
              `could not reach postgresql://admin:${SECRETS.fnPassword}@127.0.0.1:${pgRefusedPort}/legacy: connect ECONNREFUSED`,
            );
          }),
          { retry: false, breaker: false },
        );
      const run = (source: string, sql: string, params: unknown[] = []) =>
        fed.query({ name: `corpus_${source}`, parts: { p: { source, sql, params } } });

      await pool.query(`INSERT INTO ${pgTable} VALUES ('${SECRETS.pgDupe}', 1)`);
      const pgFailures = [
        `SELECT '${SECRETS.pgCast}'::int`,
        `SELECT E'${SECRETS.pgEscape}\\'`,
        `SELECT $$${SECRETS.pgDollar}$$::int`,
        `SELECT $$${SECRETS.pgDollarOpen}`,
        `SELECT X'${SECRETS.pgHex}'::int4 + ${SECRETS.pgNumber}::smallint`,
        `SELECT '${SECRETS.pgDate}'::date`,
        `SELECT * FROM ${pgTable} WHERE email IN ('${SECRETS.pgIn1}', '${SECRETS.pgIn2}') AND amount = 'x'::int`,
        `INSERT INTO ${pgTable} VALUES ('${SECRETS.pgDupe}', 2)`,
        `INSERT INTO ${pgTable} VALUES ('checkrow', ${SECRETS.pgCheck})`,
        `SELECT '${SECRETS.pgUnterminated}`,
        `SELECT * FROM ${pgTable} WHERE email = "${IDENTIFIER_ECHOES.pgColumn}"`,
      ];
      for (const sql of pgFailures) await failure(run('crm_pg', sql));

      await myPool.query(`INSERT INTO ${myTable} VALUES ('${SECRETS.myDupe}', 1, 1)`);
      // MySQL's double-quoted strings: a statement that succeeds, its text sanitised with MySQL's rules.
      await run('shop_maria', `SELECT "${SECRETS.myDq}" AS c FROM ${myTable} WHERE "${SECRETS.myDqWhere}" = ?`, ['x']);
      const myFailures = [
        `INSERT INTO ${myTable} VALUES ('${SECRETS.myDupe}', 2, 1)`,
        `INSERT INTO ${myTable} VALUES ('castrow@example.com', 3, '${SECRETS.myCast}')`,
        `SELECT '${SECRETS.myUnterminated}`,
        `INSERT INTO ${myTable} VALUES ('checkrow@example.com', ${SECRETS.myCheck}, 1)`,
        `SELECT * FROM ${myTable} WHERE email = ${IDENTIFIER_ECHOES.myColumn}`,
      ];
      for (const sql of myFailures) await failure(run('shop_maria', sql));

      await failure(run('refused_pg', 'SELECT 1'));
      await failure(run('refused_maria', 'SELECT 1'));
      await failure(fed.query({ name: 'corpus_http', parts: { p: { source: 'vault_http', request: { path: '/secrets' } } } }));
      await failure(run('legacy_fn', 'connect'));
      await failure(run('legacy_fn', 'detail'));

      // Contrib-instrumented calls outside the federation runtime.
      const client = new pg.Client(postgresConfig());
      await client.connect();
      try {
        await failure(client.query(`SELECT '${SECRETS.directPg}'::int`));
      } finally {
        await client.end();
      }
      const connection = await mysql.createConnection(mysqlConfig());
      try {
        await connection.query(`SELECT "${SECRETS.directMyDq}" AS c`);
        await connection.query(`INSERT INTO ${myTable} VALUES ('${SECRETS.directMyDupe}', 1, 1)`);
        await failure(connection.query(`INSERT INTO ${myTable} VALUES ('${SECRETS.directMyDupe}', 1, 1)`));
      } finally {
        await connection.end();
      }
      status = fed.status();
      await fed.close();
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${pgTable}`).catch(() => undefined);
      await myPool.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
      await pool.end();
      await myPool.end();
      await refusedPool.end().catch(() => undefined);
      await myRefusedPool.end().catch(() => undefined);
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await handle.forceFlush();
    spans = receiver.spans();
    // 21 failed federated queries (query, dispatch/fetch stages, source calls) and the direct calls.
    expect(spans.length).toBeGreaterThan(80);
  });

  it('the application still gets the real errors, secrets included', () => {
    const text = appErrors
      .map((e) => {
        const error = e as Error & { cause?: unknown };
        return `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`;
      })
      .join('\n');
    for (const secret of [
      SECRETS.pgCast,
      SECRETS.myDupe,
      SECRETS.myUnterminated,
      SECRETS.fnPassword,
      SECRETS.httpPassword,
      SECRETS.directPg,
      SECRETS.directMyDupe,
    ]) {
      expect(text).toContain(secret);
    }
  });

  it('exports no secret in any span (OTLP, decoded)', () => {
    expect(leaks(jsonOf(spans))).toEqual([]);
    // What the errors say (status descriptions, exception events) carries no echoed identifier either.
    const errorTexts = jsonOf(spans.map((s) => [s.status.message, s.events]));
    expect(echoes.filter((echo) => errorTexts.includes(echo))).toEqual([]);
    expect(jsonOf(spans)).toContain(IDENTIFIER_ECHOES.pgColumn); // in db.query.text, as an identifier
  });

  it('still records every error: ERROR status, a redacted exception event, error.type', () => {
    const failed = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed.length).toBeGreaterThan(40);
    for (const span of failed) expect(span.attributes['error.type'], span.name).toEqual(expect.any(String));
    const queries = failed.filter((s) => s.name.startsWith('federation.query '));
    expect(queries).toHaveLength(21);
    for (const span of queries) {
      expect(span.status.message).toMatch(/^part 'p': /);
      expect(exceptionOf(span)?.['exception.message']).toBe(span.status.message);
      expect(String(exceptionOf(span)?.['exception.stacktrace'])).toMatch(/^\w*Error: part 'p': [^\n]*\n\s+at /);
    }
    const statusOf = (query: string) => queries.find((s) => s.name === `federation.query corpus_${query}`)?.status.message;
    // The runtime's own words and names stay; the driver's values become `?`.
    expect(queries.map((s) => s.status.message)).toContain("part 'p': source 'crm_pg' failed: invalid input syntax for type integer: ?");
    expect(queries.map((s) => s.status.message)).toContain("part 'p': source 'shop_maria' failed: Duplicate entry ? for key ?");
    expect(statusOf('legacy_fn')).toBeDefined();

    // Source calls: contrib pg and mysql2 spans carry the redacted driver message and the code.
    const pgCast = failed.find(
      (s) =>
        s.kind === SpanKind.CLIENT &&
        s.attributes['db.system.name'] === 'postgresql' &&
        s.status.message === 'invalid input syntax for type integer: ?',
    );
    expect(pgCast?.attributes['error.type']).toBe('22P02');
    expect(exceptionOf(pgCast!)?.['exception.message']).toBe('PostgreSQL error of type ? occurred (code: 22P02)');
    const myDupe = failed.filter(
      (s) => s.kind === SpanKind.CLIENT && s.attributes['db.system.name'] === 'mysql' && s.attributes['error.type'] === 'ER_DUP_ENTRY',
    );
    expect(myDupe.length).toBe(2); // via MysqlSource and direct
    for (const span of myDupe) expect(span.status.message).toBe('Duplicate entry ? for key ?');
    const myParse = failed.find((s) => s.attributes['error.type'] === 'ER_PARSE_ERROR');
    expect(myParse?.status.message).toMatch(/near \? at line 1$/);
    // fedscope's own spans (stages, the HTTP call, mysql2 connects): exception events with redacted
    // messages and stacks whose frames are kept.
    const stage = failed.find((s) => s.name === 'federation.stage fetch' && /Duplicate entry/.test(s.status.message ?? ''));
    expect(exceptionOf(stage!)?.['exception.message']).toBe('Duplicate entry ? for key ?');
    expect(String(exceptionOf(stage!)?.['exception.stacktrace'])).toMatch(/^Error: Duplicate entry \? for key \?\n\s+at /);
    const httpCall = failed.find((s) => s.kind === SpanKind.CLIENT && s.attributes['http.request.method'] === 'GET');
    expect(exceptionOf(httpCall!)?.['exception.message']).toBe('Request cannot be constructed from a URL that includes credentials: ?');
    const refused = failed.find((s) => s.name === 'mysql2.connect');
    expect(refused?.attributes['error.type']).toBe('connection_error');
    expect(refused?.status.message).toBe('connect ECONNREFUSED ?:?');
  });

  it('sanitises mysql2 statement text with the MySQL rules (double-quoted strings)', () => {
    const texts = spans.filter((s) => s.attributes['db.system.name'] === 'mysql').map((s) => String(s.attributes['db.query.text']));
    expect(texts).toContain(`SELECT ? AS c FROM ${myTable} WHERE ? = ?`);
    expect(texts).toContain('SELECT ? AS c');
  });

  it('keeps secrets out of /metrics and the JSON endpoints', async () => {
    const bodies = await Promise.all(
      ['/metrics', '/fedscope/snapshot.json', '/fedscope/bottlenecks.json', '/fedscope/health.json', '/fedscope/alerts.json'].map(
        fetchText,
      ),
    );
    expect(bodies[0]).toMatch(/federation_source_errors_total\{[^}]*error_type="22P02"/);
    for (const body of bodies) expect(leaks(body)).toEqual([]);
  });

  it('keeps secrets out of federation.status() and still lists the failures there', () => {
    expect(status.recentErrors).toHaveLength(21);
    expect(status.recentErrors.map((e) => e.message)).toContain(
      "part 'p': source 'crm_pg' failed: invalid input syntax for type integer: ?",
    );
    expect(leaks(jsonOf(status))).toEqual([]);
    expect(echoes.filter((echo) => jsonOf(status).includes(echo))).toEqual([]);
    expect(status.recentErrors.map((e) => e.message)).toContain("part 'p': source 'crm_pg' failed: column ? does not exist");
  });

  it('writes no secret to stderr', () => {
    expect(leaks(stderr.join(''))).toEqual([]);
    expect(echoes.filter((echo) => stderr.join('').includes(echo))).toEqual([]);
  });
});

describe.skipIf(postgres.skip)("queryText: 'raw' is the opt-in that lets the text through", () => {
  it('records the raw statement and the raw driver message', async () => {
    await handle.shutdown();
    const before = receiver.spans().length;
    handle = startFedscope({
      serviceName: 'secret-corpus-raw',
      prometheus: false,
      otlp: { endpoint: receiver.url },
      queryText: 'raw',
      sourceInstrumentations: false,
    });
    const pool = new pg.Pool({ ...postgresConfig(), max: 1 });
    try {
      const db = instrumentAdapter({ query: (sql: string) => pool.query(sql) }, { source: 'raw_pg', system: 'postgresql' });
      const fed = new Federation({ cache: false }).source(
        'raw_fn',
        new FunctionSource(async (request) => db.query(request.kind === 'sql' ? request.sql : '')),
        { retry: false, breaker: false },
      );
      await failure(fed.query({ name: 'raw', parts: { p: { source: 'raw_fn', sql: "SELECT 'rawcastsecret'::int" } } }));
      expect(fed.status().recentErrors.map((e) => e.message)).toEqual([
        "part 'p': source 'raw_fn' failed: invalid input syntax for type integer: \"rawcastsecret\"",
      ]);
      await fed.close();
    } finally {
      await pool.end();
    }
    await handle.forceFlush();
    const spans = receiver.spans().slice(before);
    const call = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(call.attributes['db.query.text']).toBe("SELECT 'rawcastsecret'::int");
    expect(call.status.message).toBe('invalid input syntax for type integer: "rawcastsecret"');
    expect(exceptionOf(call)?.['exception.message']).toBe('invalid input syntax for type integer: "rawcastsecret"');
    const query = spans.find((s) => s.name === 'federation.query raw')!;
    expect(query.status.message).toBe("part 'p': source 'raw_fn' failed: invalid input syntax for type integer: \"rawcastsecret\"");
  });
});
