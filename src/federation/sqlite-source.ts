import { sqliteColumnTypes } from './column-types.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a better-sqlite3 `Statement` the adapter uses. */
export interface SqliteStatementLike {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
  columns?(): Array<{ name: string; type?: string | null }>;
}

/** The part of a better-sqlite3 `Database` the adapter uses. */
export interface SqliteDatabaseLike {
  prepare(sql: string): SqliteStatementLike;
}

/**
 * A SQLite source over a better-sqlite3 `Database` (`?` placeholders). better-sqlite3 is
 * synchronous: a statement runs to its end on the event loop, so a timeout cannot interrupt it —
 * it is only noticed once the statement returns. Keep SQLite parts small, or run them in a worker.
 *
 * Results carry column types from the declared column types where every value agrees with the
 * declared affinity (SQLite lets any value sit in any column); other columns are typed from values.
 */
export class SqliteSource implements SourceAdapter {
  /** @inheritdoc */
  readonly system = 'sqlite';
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: false, placeholders: 'question' };
  private readonly statements = new Map<string, SqliteStatementLike>();

  /** @param database - a better-sqlite3 `Database` (instrumented by the better-sqlite3 instrumentation, not by this adapter) */
  constructor(private readonly database: SqliteDatabaseLike) {}

  /** @inheritdoc */
  async execute(request: SourceRequest): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('SQLite sources run SQL only');
    const statement = this.prepared(request.sql);
    if (!statement.reader) {
      statement.run(...request.params);
      return { rows: [] };
    }
    const rows = statement.all(...request.params) as Row[];
    const columns = statement.columns?.();
    return { rows, columns: columns?.map((c) => c.name), columnTypes: columns && sqliteColumnTypes(columns, rows) };
  }

  /** Prepared statements are reused (at most 256 kept) — preparing is a large share of a small query's cost. */
  private prepared(sql: string): SqliteStatementLike {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      if (this.statements.size >= 256) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
