import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { classifyDbError } from '../span-model/error-class.js';
import { mysqlColumnTypes, type MysqlFieldLike } from './column-types.js';
import { ConnectionErrorWatch } from './connection-error-watch.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a mysql2/promise `PoolConnection` the adapter uses. */
export interface MysqlPoolConnectionLike {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
  /** Adds an `'error'` listener (the connection broke). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes an `'error'` listener. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** The connection's options; `timezone` says how mysql2 turned DATE/DATETIME values into Dates. */
  readonly config?: { timezone?: string };
}

/** The part of a mysql2/promise `Pool` the adapter uses. */
export interface MysqlPoolLike {
  getConnection(): Promise<MysqlPoolConnectionLike>;
}

/**
 * A MySQL/MariaDB source over a mysql2/promise pool (`?` placeholders). Each call checks a
 * connection out and gives it back in `finally`; a broken connection is destroyed instead.
 *
 * mysql2's pool listens to a connection's `'error'` event only once, so a second error while the
 * connection is checked out (e.g. mysql2's "Can't write in closed state" after a fatal error) would
 * be an unhandled `'error'` that ends the process. The source listens for as long as the
 * connection is out: the call fails with the connection error (`connection_error`) and the
 * connection is destroyed. Breaks no caller hears of (after a call's answer had arrived) are
 * counted in {@link brokenOutsideCalls} and logged through OTel's `diag`; mysql2 drops connections
 * that break while idle in the pool by itself.
 *
 * mysql2 cannot abort a running query, so on timeout the runtime stops waiting; the orphaned query
 * runs until the server answers and its connection is released then. Bound it on the server with
 * `max_statement_time` (MariaDB) / `max_execution_time` (MySQL).
 *
 * Results carry column types from mysql2's column definitions, so an SQL merge types DECIMAL and
 * BIGINT columns as numbers although mysql2 may hand them over as strings. Give the pool
 * `supportBigNumbers: true` so BIGINT values beyond 2^53 arrive exact (as strings); mysql2's default
 * rounds them to JS numbers. DATE/DATETIME values arrive as Dates in the pool's `timezone`: the
 * merge reads them back in local time (`'local'`, the default) or UTC (`'Z'`); for another fixed
 * offset set `dateStrings: true`.
 */
export class MysqlSource implements SourceAdapter {
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: false, placeholders: 'question' };
  private brokenUnseen = 0;

  /**
   * @param pool - a mysql2/promise pool (instrumented by the mysql2 instrumentation, not by this adapter)
   * @param system - `db.system.name` to report in `status()`
   * @default system 'mysql'
   */
  constructor(
    private readonly pool: MysqlPoolLike,
    readonly system: 'mysql' | 'mariadb' = 'mysql',
  ) {}

  /** Connections that broke after a call's answer had arrived, while no call was waiting on them; each was destroyed. */
  get brokenOutsideCalls(): number {
    return this.brokenUnseen;
  }

  /** @inheritdoc */
  async execute(request: SourceRequest): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('MySQL sources run SQL only');
    const connection = await this.pool.getConnection();
    const watch = new ConnectionErrorWatch(connection);
    let broken = false;
    try {
      const [rows, fields] = await connection.query(request.sql, [...request.params]);
      if (!Array.isArray(rows)) return { rows: [] };
      if (!Array.isArray(fields)) return { rows: rows as Row[] };
      const defs = fields as MysqlFieldLike[];
      return {
        rows: rows as Row[],
        columns: defs.map((f) => f.name),
        columnTypes: mysqlColumnTypes(defs, dateZoneOf(connection.config?.timezone)),
      };
    } catch (error) {
      broken = watch.error !== undefined || classifyDbError(error, { system: this.system }).errorClass === 'connection_error';
      throw error;
    } finally {
      watch.stop();
      if (!broken && watch.error !== undefined) {
        // The answer arrived, then the connection broke: the rows stand, the connection goes.
        broken = true;
        this.brokenUnseen++;
        fedscopeLog.warn(`a ${this.system} connection broke after a call and was dropped`, watch.error);
      }
      if (broken) connection.destroy();
      else connection.release();
    }
  }
}

/** mysql2 builds Dates in its `timezone` option: `'local'` (default) or an offset, `'Z'` meaning UTC. */
function dateZoneOf(timezone: string | undefined): 'local' | 'utc' {
  return timezone === 'Z' || timezone === '+00:00' || timezone === '-00:00' ? 'utc' : 'local';
}
