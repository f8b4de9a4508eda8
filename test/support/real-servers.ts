/**
 * Connection settings and availability gates for the real servers the integration suites use
 * (PostgreSQL, MariaDB and InfluxDB 1.x, started by `npm run servers`).
 *
 * A suite that needs a server asks for a gate at the top level of its file:
 *
 * ```ts
 * const postgres = await needsPostgres();
 * describe.skipIf(postgres.skip)('pg instrumentation', () => { … });
 * // or: postgres.describe('pg instrumentation', () => { … });
 * ```
 *
 * Unreachable server, servers not required: the suite is skipped and a skipped test named after
 * the server says how to start it. Unreachable server, servers required (CI): a failing test
 * says the same, so the run fails instead of passing on skips.
 *
 * @module
 */
import { describe, test } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';

/** Connection settings for PostgreSQL; structurally a `pg` `ClientConfig`. */
export interface PostgresConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Connection settings for MariaDB/MySQL; structurally a `mysql2` `ConnectionOptions`. */
export interface MysqlConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The servers `npm run servers` provides. */
export type RealServer = 'postgresql' | 'mariadb';

/** Environment variables as `process.env` holds them; a parameter so tests can pass their own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** How to get a missing server, for skip and failure messages. */
export const START_HINT = 'Start the local servers with `npm run servers` (scripts/real-servers.sh, Debian/root)';

function portFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a TCP port number (1-65535), got ${JSON.stringify(raw)}`);
  }
  return port;
}

// An empty variable means "unset": CI templates often export blanks.
function stringFrom(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/**
 * PostgreSQL settings from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, defaulting to the
 * server `npm run servers` starts (127.0.0.1:5432, postgres/postgres, database `test`).
 * @throws when PGPORT is not a port number.
 */
export function postgresConfig(env: Env = process.env): PostgresConfig {
  return {
    host: stringFrom(env, 'PGHOST', '127.0.0.1'),
    port: portFrom(env, 'PGPORT', 5432),
    user: stringFrom(env, 'PGUSER', 'postgres'),
    // An explicitly empty PGPASSWORD is honoured: it is how a trust-auth server is described.
    password: env['PGPASSWORD'] ?? 'postgres',
    database: stringFrom(env, 'PGDATABASE', 'test'),
  };
}

/**
 * MariaDB/MySQL settings from MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD and
 * MYSQL_DATABASE, defaulting to the server `npm run servers` starts (127.0.0.1:3306, root with an
 * empty password, database `test`).
 * @throws when MYSQL_PORT is not a port number.
 */
export function mysqlConfig(env: Env = process.env): MysqlConfig {
  return {
    host: stringFrom(env, 'MYSQL_HOST', '127.0.0.1'),
    port: portFrom(env, 'MYSQL_PORT', 3306),
    user: stringFrom(env, 'MYSQL_USER', 'root'),
    password: env['MYSQL_PASSWORD'] ?? '',
    database: stringFrom(env, 'MYSQL_DATABASE', 'test'),
  };
}

/**
 * Whether an unavailable real server (or promtool) is a failure rather than a skip: true when
 * FEDSCOPE_REQUIRE_SERVERS is `1`/`true` or CI is `true`/`1` (as CI systems set it).
 */
export function serversRequired(env: Env = process.env): boolean {
  const flag = (name: string): boolean => ['1', 'true'].includes((env[name] ?? '').trim().toLowerCase());
  return flag('FEDSCOPE_REQUIRE_SERVERS') || flag('CI');
}

/** Outcome of {@link probeServer}: `problem` is undefined when a login and `SELECT 1` worked. */
export interface ProbeResult {
  readonly server: RealServer;
  /** Human name with address, e.g. `PostgreSQL at 127.0.0.1:5432`. */
  readonly label: string;
  readonly problem: string | undefined;
}

function describeError(error: unknown): string {
  // Node's happy-eyeballs connect rejects with an AggregateError whose own message is empty.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || (typeof code === 'string' || typeof code === 'number' ? String(code) : error.name);
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

async function probePostgres(config: PostgresConfig, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs });
  // A failed connect emits 'error' too; without a listener that would crash the worker.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeMysql(config: MysqlConfig, timeoutMs: number): Promise<void> {
  const connection = await mysql.createConnection({ ...config, connectTimeout: timeoutMs });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end().catch(() => {});
  }
}

const probes = new Map<RealServer, Promise<ProbeResult>>();

/**
 * Logs in to the server with the configured settings and runs `SELECT 1`. Never rejects: a
 * failure is reported in `problem`. Cached per server for the test file (worker).
 */
export function probeServer(server: RealServer, timeoutMs = 3_000): Promise<ProbeResult> {
  let probe = probes.get(server);
  if (probe === undefined) {
    probe = (async (): Promise<ProbeResult> => {
      const config = server === 'postgresql' ? postgresConfig() : mysqlConfig();
      const name = server === 'postgresql' ? 'PostgreSQL' : 'MariaDB';
      const label = `${name} at ${config.host}:${config.port}`;
      try {
        if (server === 'postgresql') await probePostgres(config, timeoutMs);
        else await probeMysql(config, timeoutMs);
        return { server, label, problem: undefined };
      } catch (error) {
        const vars =
          server === 'postgresql'
            ? 'PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE'
            : 'MYSQL_HOST/MYSQL_PORT/MYSQL_USER/MYSQL_PASSWORD/MYSQL_DATABASE';
        return {
          server,
          label,
          problem:
            `${label} (user ${config.user}, database ${config.database}) is not usable: ${describeError(error)}. ` +
            `${START_HINT}, or point ${vars} at a running server.`,
        };
      }
    })();
    probes.set(server, probe);
  }
  return probe;
}

/** What a suite needs to know about one requirement (a server, a tool). */
export interface RequirementGate {
  /** What is required, e.g. `PostgreSQL at 127.0.0.1:5432`. */
  readonly label: string;
  /** True when the requirement is met. */
  readonly available: boolean;
  /**
   * True when suites depending on it must not run: whenever it is unavailable. When servers are
   * required, a failing test has already been registered, so skipping the dependent suites does
   * not turn the run green; it only spares them each failing on the same cause.
   */
  readonly skip: boolean;
  /** Why it is unavailable, with how to fix it; undefined when available. */
  readonly problem: string | undefined;
  /** `describe` when available; otherwise a skipped suite whose name says why. */
  describe(name: string, fn: () => void): void;
}

/**
 * Turns a checked requirement into a gate and registers the visible outcome: nothing when met; a
 * skipped test naming the problem when unmet and not required; a failing test naming it when
 * required. Call it at the top level of a test file (it registers tests), before the suites.
 */
export function requirementGate(label: string, problem: string | undefined, env: Env = process.env): RequirementGate {
  const available = problem === undefined;
  if (!available) {
    if (serversRequired(env)) {
      const message = `${problem} Servers are required here (FEDSCOPE_REQUIRE_SERVERS=1 or CI=true), so this fails instead of skipping.`;
      test(`requires ${label}`, () => {
        throw new Error(message);
      });
    } else {
      test(`requires ${label}`, (ctx) => ctx.skip(problem));
      console.warn(`[fedscope tests] skipping suites that need ${label}: ${problem}`);
    }
  }
  return {
    label,
    available,
    skip: !available,
    problem,
    describe(name, fn) {
      if (available) describe(name, fn);
      else describe.skip(`${name} (needs ${label})`, fn);
    },
  };
}

/**
 * Declares that the calling test file needs a real server; see the module comment for use.
 * Must be awaited at the top level of the test file.
 */
export async function needsServer(server: RealServer): Promise<RequirementGate> {
  const probe = await probeServer(server);
  return requirementGate(probe.label, probe.problem);
}

/** {@link needsServer} for PostgreSQL. */
export function needsPostgres(): Promise<RequirementGate> {
  return needsServer('postgresql');
}

/** {@link needsServer} for MariaDB (MySQL protocol). */
export function needsMariaDB(): Promise<RequirementGate> {
  return needsServer('mariadb');
}

/**
 * The base URL of InfluxDB 1.x from INFLUXDB_URL, defaulting to the server `npm run servers`
 * starts (http://127.0.0.1:8086, no auth).
 */
export function influxDbUrl(env: Env = process.env): string {
  return stringFrom(env, 'INFLUXDB_URL', 'http://127.0.0.1:8086').replace(/\/+$/, '');
}

let influxProbe: Promise<string | undefined> | undefined;

/**
 * Asks InfluxDB's `GET /ping` (204 from a live 1.x server). Never rejects: resolves with the
 * problem, `undefined` when the server answered. Cached for the test file (worker).
 */
export function probeInfluxDb(timeoutMs = 3_000): Promise<string | undefined> {
  influxProbe ??= (async (): Promise<string | undefined> => {
    const url = influxDbUrl();
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
      if (response.status === 204) return undefined;
      return `InfluxDB at ${url} answered /ping with HTTP ${response.status}, not 204. ${START_HINT}, or point INFLUXDB_URL at a running InfluxDB 1.x.`;
    } catch (error) {
      return `InfluxDB at ${url} is not reachable: ${describeError((error as { cause?: unknown }).cause ?? error)}. ${START_HINT}, or point INFLUXDB_URL at a running InfluxDB 1.x.`;
    }
  })();
  return influxProbe;
}

/**
 * Declares that the calling test file needs InfluxDB 1.x (see the module comment for use; fails
 * instead of skipping when servers are required). Must be awaited at the top level of the test file.
 */
export async function needsInfluxDb(): Promise<RequirementGate> {
  return requirementGate(`InfluxDB at ${influxDbUrl()}`, await probeInfluxDb());
}
