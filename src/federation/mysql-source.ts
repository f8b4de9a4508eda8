import { classifyDbError } from '../span-model/error-class.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a mysql2/promise `PoolConnection` the adapter uses. */
export interface MysqlPoolConnectionLike {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
}

/** The part of a mysql2/promise `Pool` the adapter uses. */
export interface MysqlPoolLike {
  getConnection(): Promise<MysqlPoolConnectionLike>;
}

/**
 * A MySQL/MariaDB source over a mysql2/promise pool (`?` placeholders). Each call checks a
 * connection out and gives it back in `finally`; a broken connection is destroyed instead.
 *
 * mysql2 cannot abort a running query, so on timeout the runtime stops waiting; the orphaned query
 * runs until the server answers and its connection is released then. Bound it on the server with
 * `max_statement_time` (MariaDB) / `max_execution_time` (MySQL).
 */
export class MysqlSource implements SourceAdapter {
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: false, placeholders: 'question' };

  /**
   * @param pool - a mysql2/promise pool (instrumented by the mysql2 instrumentation, not by this adapter)
   * @param system - `db.system.name` to report in `status()`
   * @default system 'mysql'
   */
  constructor(
    private readonly pool: MysqlPoolLike,
    readonly system: 'mysql' | 'mariadb' = 'mysql',
  ) {}

  /** @inheritdoc */
  async execute(request: SourceRequest): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('MySQL sources run SQL only');
    const connection = await this.pool.getConnection();
    let broken = false;
    try {
      const [rows, fields] = await connection.query(request.sql, [...request.params]);
      if (!Array.isArray(rows)) return { rows: [] };
      const columns = Array.isArray(fields) ? fields.map((f: { name: string }) => f.name) : undefined;
      return { rows: rows as Row[], columns };
    } catch (error) {
      broken = classifyDbError(error, { system: this.system }).errorClass === 'connection_error';
      throw error;
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }
}
