// A network cut under load, against real PostgreSQL and MariaDB: a federation source sits behind a
// loopback proxy, several workers query through it, and the proxy resets every connection mid-query
// and refuses new ones for a while. The process must live (no unhandled 'error' event), the failures
// must be classified connection errors, the breaker must open and close again after the restore,
// and at the end neither the pool nor the server may hold a connection more than at the start.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Federation, FederationError, MysqlSource, PostgresSource } from '../../../src/federation/index.js';
import type { FederatedQueryResult, SourceAdapter } from '../../../src/federation/index.js';
import { classifyDbError } from '../../../src/span-model/error-class.js';
import { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig } from '../../support/real-servers.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const suffix = `${process.pid}_${Date.now().toString(36)}`;

const WORKERS = 8;
const POOL_SIZE = 4;
/** Upper bound on one worker's queries, so a broken runtime cannot loop for ever. */
const MAX_QUERIES_PER_WORKER = 4_000;
/** Bounded waits for asynchronous effects (breaker transitions, server-side clean-up). */
const WAIT = { timeout: 15_000, interval: 25 };

/** What one server brings to the scenario. */
interface ServerUnderTest {
  readonly system: 'postgresql' | 'mariadb';
  readonly adapter: SourceAdapter;
  /** A statement that keeps the connection busy for a moment, so the cut finds calls mid-query. */
  readonly sql: string;
  /** Clients the pool holds, and how many of them are idle. */
  poolCounts(): { total: number; idle: number };
  /** `'error'` listeners on each connection the pool holds: while idle, only the pool's own one. */
  errorListeners(): number[];
  /** Sessions of this test's pool as the server sees them. */
  serverSessions(): Promise<number>;
  /** Ends the pool; idempotent. */
  end(): Promise<void>;
}

type Phase = 'before' | 'cut' | 'after';
interface Outcome {
  readonly started: Phase;
  readonly ended: Phase;
  readonly error: unknown;
}

/** Collects uncaught exceptions and unhandled rejections (as text) while a scenario runs. */
function watchProcess(): { readonly seen: string[]; stop(): void } {
  const seen: string[] = [];
  const onError = (error: unknown): void => void seen.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    seen,
    stop() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function cutUnderLoad(server: ServerUnderTest, proxy: TcpProxy, sessionsAtStart: number): Promise<void> {
  const watcher = watchProcess();
  const fed = new Federation({ cache: false }).source('db', server.adapter, {
    concurrency: WORKERS,
    timeoutMs: 10_000,
    retry: false,
    breaker: { consecutiveFailures: 3, failureRate: undefined, coolDownMs: 300 },
  });
  const breaker = (): string | undefined => fed.status().sources[0]?.breaker?.state;
  let phase: Phase = 'before';
  let stop = false;
  const outcomes: Outcome[] = [];
  const successes = (p: Phase): number => outcomes.filter((o) => o.started === p && o.error === undefined).length;

  const worker = async (id: number): Promise<void> => {
    for (let i = 0; i < MAX_QUERIES_PER_WORKER && !stop; i++) {
      const started = phase;
      try {
        const result = await fed.query({
          name: 'reset_workload',
          parts: { p: { source: 'db', sql: server.sql, params: [id * 100_000 + i] } },
        });
        expect(result.rows[0]?.['n']).toBe(id * 100_000 + i);
        outcomes.push({ started, ended: phase, error: undefined });
      } catch (error) {
        outcomes.push({ started, ended: phase, error });
        // Refusals by an open breaker are immediate: don't spin on them.
        await sleep(5);
      }
    }
  };

  try {
    const workers = Array.from({ length: WORKERS }, (_, id) => worker(id));
    await expect.poll(() => successes('before'), WAIT).toBeGreaterThanOrEqual(40);
    // Cut while calls are on the wire.
    await expect.poll(() => proxy.openConnections >= POOL_SIZE && (fed.status().sources[0]?.inFlight ?? 0) > 0, WAIT).toBe(true);
    phase = 'cut';
    proxy.cut('refuse');
    await expect.poll(breaker, WAIT).toBe('open');
    await expect.poll(() => outcomes.filter((o) => o.started === 'cut' && o.ended === 'cut').length, WAIT).toBeGreaterThanOrEqual(WORKERS);
    phase = 'after';
    proxy.restore();
    await expect.poll(breaker, WAIT).toBe('closed');
    await expect.poll(() => successes('after'), WAIT).toBeGreaterThanOrEqual(40);
    stop = true;
    await Promise.all(workers);

    expect(watcher.seen).toEqual([]);
    // Calls on the wire at the cut failed with the reset, classified as a connection error.
    const failures = outcomes.filter((o) => o.error !== undefined);
    const atCut = failures.filter((o) => o.started === 'before');
    expect(atCut.length).toBeGreaterThan(0);
    for (const { error } of failures) {
      expect(error).toBeInstanceOf(FederationError);
      const { code, cause } = error as FederationError;
      // Only two ways to fail: the source's connection broke, or the open breaker refused the call.
      expect(['SOURCE_ERROR', 'BREAKER_OPEN']).toContain(code);
      if (code === 'SOURCE_ERROR')
        expect(classifyDbError(cause, { system: server.system }).errorClass, String(cause)).toBe('connection_error');
    }
    for (const { error } of atCut) expect((error as FederationError).code).toBe('SOURCE_ERROR');
    // Calls made while cut never succeeded; the open breaker refused some without trying.
    expect(outcomes.filter((o) => o.started === 'cut' && o.ended === 'cut' && o.error === undefined)).toEqual([]);
    expect(failures.some((o) => (o.error as FederationError).code === 'BREAKER_OPEN')).toBe(true);
    expect(fed.status().sources[0]).toMatchObject({ inFlight: 0, queued: 0 });
    expect(fed.status().sources[0]?.breaker?.transitions).toBeGreaterThanOrEqual(3);

    // Nothing checked out and nothing leaked: the server sees exactly the pool's clients...
    await expect.poll(() => server.poolCounts().idle === server.poolCounts().total, WAIT).toBe(true);
    expect(server.poolCounts().total).toBeLessThanOrEqual(POOL_SIZE);
    // The source's listeners went when the connections went back.
    expect(server.errorListeners()).toEqual(Array.from({ length: server.poolCounts().total }, () => 1));
    await expect.poll(() => server.serverSessions(), WAIT).toBe(sessionsAtStart + server.poolCounts().total);
    // ...and once the pool ends, as many sessions as before the test.
    await server.end();
    await expect.poll(() => server.serverSessions(), WAIT).toBe(sessionsAtStart);
    expect(watcher.seen).toEqual([]);
  } finally {
    stop = true;
    proxy.restore();
    await fed.close();
    // A failed run must not leave sessions behind for the next test to count.
    await server.end().catch(() => undefined);
    watcher.stop();
  }
}

/**
 * Connections that break while idle in the pool, and a black-holed network (connects accepted,
 * never answered): no caller is waiting, so nothing may be thrown; after the restore the next call
 * works and nothing leaked.
 */
async function cutWhileIdle(
  server: ServerUnderTest,
  proxy: TcpProxy,
  sessionsAtStart: number,
  brokenOutsideCalls: () => number,
  idleBreaksCounted: number,
): Promise<void> {
  const watcher = watchProcess();
  const fed = new Federation({ cache: false }).source('db', server.adapter, {
    concurrency: POOL_SIZE,
    timeoutMs: 500,
    retry: false,
    breaker: false,
  });
  const run = (n: number): Promise<FederatedQueryResult> =>
    fed.query({ name: 'reset_idle', parts: { p: { source: 'db', sql: server.sql, params: [n] } } });
  try {
    // Fill the pool, then let every client go idle.
    await Promise.all(Array.from({ length: POOL_SIZE }, (_, n) => run(n)));
    expect(server.poolCounts()).toEqual({ total: POOL_SIZE, idle: POOL_SIZE });
    expect(server.errorListeners()).toEqual([1, 1, 1, 1]);
    await expect.poll(() => server.serverSessions(), WAIT).toBe(sessionsAtStart + POOL_SIZE);

    proxy.cut('blackhole');
    // The pool notices its idle clients broke and drops them.
    await expect.poll(() => server.poolCounts().total, WAIT).toBe(0);
    expect(watcher.seen).toEqual([]);
    expect(brokenOutsideCalls()).toBe(idleBreaksCounted);
    // A call now reaches no server: the connect hangs, the call times out.
    const error = await run(-1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationError);
    expect((error as FederationError).code).toBe('TIMEOUT');

    proxy.restore();
    expect((await run(7)).rows[0]?.['n']).toBe(7);
    // The connect that hung was reset at the restore; only healthy clients remain.
    await expect.poll(() => fed.status().sources[0]?.inFlight, WAIT).toBe(0);
    await expect.poll(() => server.poolCounts().idle === server.poolCounts().total, WAIT).toBe(true);
    await expect.poll(() => server.serverSessions(), WAIT).toBe(sessionsAtStart + server.poolCounts().total);
    await server.end();
    await expect.poll(() => server.serverSessions(), WAIT).toBe(sessionsAtStart);
    expect(watcher.seen).toEqual([]);
  } finally {
    proxy.restore();
    await fed.close();
    await server.end().catch(() => undefined);
    watcher.stop();
  }
}

describe.skipIf(postgres.skip)('network cuts: PostgreSQL', () => {
  const applicationName = `fedscope_reset_${suffix}`;
  let proxy: TcpProxy;
  let monitor: import('pg').Client;

  beforeAll(async () => {
    const config = postgresConfig();
    proxy = await startTcpProxy({ host: config.host, port: config.port });
    monitor = new pg.Client({ ...config, application_name: `${applicationName}_monitor` });
    await monitor.connect();
  });

  afterAll(async () => {
    await monitor?.end();
    await proxy?.close();
  });

  const sessions = async (): Promise<number> =>
    Number(
      (await monitor.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]))
        .rows[0]!.n,
    );

  function serverUnderTest(): { server: ServerUnderTest; source: PostgresSource } {
    // No pool 'error' listener here: the source must not need the caller to add one.
    const pool = new pg.Pool({
      ...postgresConfig(),
      host: proxy.host,
      port: proxy.port,
      max: POOL_SIZE,
      application_name: applicationName,
      connectionTimeoutMillis: 5_000,
    });
    const source = new PostgresSource(pool);
    const clients = new Set<import('pg').PoolClient>();
    pool.on('connect', (client) => clients.add(client));
    pool.on('remove', (client) => clients.delete(client));
    let ending: Promise<void> | undefined;
    const server: ServerUnderTest = {
      system: 'postgresql',
      adapter: source,
      sql: 'SELECT $1::int AS n, pg_sleep(0.02) IS NULL AS slept',
      poolCounts: () => ({ total: pool.totalCount, idle: pool.idleCount }),
      errorListeners: () => [...clients].map((client) => client.listenerCount('error')),
      serverSessions: sessions,
      end: () => (ending ??= pool.end()),
    };
    return { server, source };
  }

  it('a cut mid-workload: the process lives, failures are connection errors, the breaker trips and recovers, nothing leaks', async () => {
    await cutUnderLoad(serverUnderTest().server, proxy, await sessions());
  });

  it('a cut while the pool is idle, then a black hole: nothing is thrown, the idle breaks are counted, the next call works', async () => {
    const { server, source } = serverUnderTest();
    await cutWhileIdle(server, proxy, await sessions(), () => source.brokenOutsideCalls, POOL_SIZE);
  });
});

describe.skipIf(mariadb.skip)('network cuts: MariaDB', () => {
  // A user of its own, so the server's process list tells this test's sessions apart.
  const user = `fedscope_reset_${process.pid}`;
  const password = `pw_${suffix}`;
  let proxy: TcpProxy;
  let admin: import('mysql2/promise').Connection;

  beforeAll(async () => {
    const config = mysqlConfig();
    proxy = await startTcpProxy({ host: config.host, port: config.port });
    admin = await mysql.createConnection(config);
    await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    await admin.query(`GRANT SELECT ON \`${config.database}\`.* TO ?@?`, [user, '%']);
  });

  afterAll(async () => {
    await admin?.query('DROP USER IF EXISTS ?@?', [user, '%']);
    await admin?.end();
    await proxy?.close();
  });

  const sessions = async (): Promise<number> => {
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.processlist WHERE user = ?', [user]);
    return Number((rows as Array<{ n: number }>)[0]?.n);
  };

  function serverUnderTest(): { server: ServerUnderTest; source: MysqlSource } {
    const pool = mysql.createPool({
      ...mysqlConfig(),
      user,
      password,
      host: proxy.host,
      port: proxy.port,
      connectionLimit: POOL_SIZE,
      maxIdle: POOL_SIZE,
      connectTimeout: 5_000,
    });
    // mysql2 keeps its pool's connections in internal arrays only.
    type Internal = {
      _allConnections: { length: number; toArray(): Array<{ listenerCount(event: string): number }> };
      _freeConnections: { length: number };
    };
    const internal = (pool as unknown as { pool: Internal }).pool;
    const source = new MysqlSource(pool, 'mariadb');
    let ending: Promise<void> | undefined;
    const server: ServerUnderTest = {
      system: 'mariadb',
      adapter: source,
      sql: 'SELECT CAST(? AS SIGNED) AS n, SLEEP(0.02) AS slept',
      poolCounts: () => ({ total: internal._allConnections.length, idle: internal._freeConnections.length }),
      errorListeners: () => internal._allConnections.toArray().map((connection) => connection.listenerCount('error')),
      serverSessions: sessions,
      end: () => (ending ??= pool.end()),
    };
    return { server, source };
  }

  it('a cut mid-workload: the process lives, failures are connection errors, the breaker trips and recovers, nothing leaks', async () => {
    await cutUnderLoad(serverUnderTest().server, proxy, await sessions());
  });

  it('a cut while the pool is idle, then a black hole: nothing is thrown, the next call works', async () => {
    const { server, source } = serverUnderTest();
    // mysql2 drops connections that break while idle by itself, before any call sees them.
    await cutWhileIdle(server, proxy, await sessions(), () => source.brokenOutsideCalls, 0);
  });
});
