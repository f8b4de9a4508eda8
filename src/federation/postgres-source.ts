import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import { classifyDbError } from '../span-model/error-class.js';
import { pgColumnTypes, type PgFieldLike } from './column-types.js';
import { ConnectionErrorWatch } from './connection-error-watch.js';
import type { Row, SourceAdapter, SourceCapabilities, SourceRequest, SourceResult } from './types.js';

/** The part of a pg `PoolClient` the adapter uses. */
export interface PgPoolClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Row[]; fields?: readonly PgFieldLike[] }>;
  release(destroy?: Error | boolean): void;
  /** Adds an `'error'` listener (the client's socket broke). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes an `'error'` listener. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a pg `Pool` the adapter uses. */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
  /** The pool's `'error'` event (an idle client broke); listened to when present. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A PostgreSQL source over a pg `Pool` (`$1` placeholders). Each call checks a client out and
 * gives it back in `finally`, whatever happens; a client whose connection broke is destroyed
 * rather than returned to the pool.
 *
 * While a client is checked out, pg-pool does not listen to its `'error'` event, so a socket reset
 * during a call would be an unhandled `'error'` that ends the process. The source listens for as
 * long as the client is out: the call fails with the connection error (`connection_error`) and the
 * client is destroyed. It also listens to the pool's `'error'` event (an idle client broke; pg-pool
 * has already dropped it), which would end the process too when nobody else listens. Breaks no
 * caller hears of are counted in {@link brokenOutsideCalls} and logged through OTel's `diag`.
 *
 * pg cannot abort a running query from the client side, so on timeout the runtime stops waiting
 * and the orphaned query runs on until the server answers, then its client is released as usual
 * (the source's concurrency slot stays taken until then). Set the server's `statement_timeout`
 * (e.g. in the pool's `options`) to bound such orphans.
 *
 * Results carry column types from the fields' type OIDs and modifiers, so an SQL merge types
 * `int8` as BIGINT and `numeric(p,s)` as DECIMAL(p,s) although pg hands both over as strings.
 */
export class PostgresSource implements SourceAdapter {
  /** @inheritdoc */
  readonly system = 'postgresql';
  /** @inheritdoc */
  readonly capabilities: SourceCapabilities = { sql: true, http: false, cancellable: false, placeholders: 'dollar' };
  private brokenUnseen = 0;

  /** @param pool - a pg `Pool` (instrumented by the pg instrumentation, not by this adapter) */
  constructor(private readonly pool: PgPoolLike) {
    pool.on?.('error', (error) => this.noteUnseen('while idle in the pool', error));
  }

  /**
   * Connections that broke while no call of this source was waiting on them (idle in the pool, or
   * after a call's answer had arrived); each was dropped from the pool.
   */
  get brokenOutsideCalls(): number {
    return this.brokenUnseen;
  }

  /** @inheritdoc */
  async execute(request: SourceRequest): Promise<SourceResult> {
    if (request.kind !== 'sql') throw new TypeError('PostgreSQL sources run SQL only');
    const client = await this.pool.connect();
    const watch = new ConnectionErrorWatch(client);
    let broken: Error | undefined;
    try {
      const result = await client.query(request.sql, [...request.params]);
      return { rows: result.rows, columns: result.fields?.map((f) => f.name), columnTypes: result.fields && pgColumnTypes(result.fields) };
    } catch (error) {
      if (watch.error !== undefined) broken = watch.error;
      else if (classifyDbError(error, { system: 'postgresql' }).errorClass === 'connection_error')
        broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      watch.stop();
      if (broken === undefined && watch.error !== undefined) {
        // The answer arrived, then the connection broke: the rows stand, the client goes.
        broken = watch.error;
        this.noteUnseen('after a call', broken);
      }
      client.release(broken);
    }
  }

  private noteUnseen(where: string, error: unknown): void {
    this.brokenUnseen++;
    fedscopeLog.warn(`a PostgreSQL connection broke ${where} and was dropped`, error);
  }
}
