import { classifyDbError } from '../span-model/error-class.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a pg `PoolClient` the adapter uses. */
export interface PgPoolClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Row[]; fields?: ReadonlyArray<{ name: string }> }>;
  release(destroy?: Error | boolean): void;
}

/** The part of a pg `Pool` the adapter uses. */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
}

/**
 * A PostgreSQL source over a pg `Pool` (`$1` placeholders). Each call checks a client out and
 * gives it back in `finally`, whatever happens; a client whose connection broke is destroyed
 * rather than returned to the pool.
 *
 * pg cannot abort a running query from the client side, so on timeout the runtime stops waiting
 * and the orphaned query runs on until the server answers, then its client is released as usual
 * (the source's concurrency slot stays taken until then). Set the server's `statement_timeout`
 * (e.g. in the pool's `options`) to bound such orphans.
 */
export class PostgresSource implements SourceAdapter {
  /** @inheritdoc */
  readonly system = 'postgresql';
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: false, placeholders: 'dollar' };

  /** @param pool - a pg `Pool` (instrumented by the pg instrumentation, not by this adapter) */
  constructor(private readonly pool: PgPoolLike) {}

  /** @inheritdoc */
  async execute(request: SourceRequest): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('PostgreSQL sources run SQL only');
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const result = await client.query(request.sql, [...request.params]);
      return { rows: result.rows, columns: result.fields?.map((f) => f.name) };
    } catch (error) {
      if (classifyDbError(error, { system: 'postgresql' }).errorClass === 'connection_error') broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
