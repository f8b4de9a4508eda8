import { context, type Context, type Span } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { DB_SYSTEM_NAME_VALUE_SQLITE } from '../../src/span-model/attributes.js';
import { embeddedDatabaseNamespace } from '../../src/span-model/db-call-attributes.js';
import { DbInstrumentationBase, driverMethod } from '../db-instrumentation-base.js';
import type { DriverMethod, MethodHost } from '../db-instrumentation-types.js';
import { guard, runInSpanThen, settleWithError, type SpanRunHooks } from '../span-runner.js';
import { observeIteration } from './iteration-span.js';
import { countStatementRows } from './statement-rows.js';
import type { BetterSqlite3InstrumentationConfig, BetterSqlite3RequestHookInfo, BetterSqlite3SourceInfo } from './types.js';

/** Instrumentation scope name of the SQLite spans. */
export const BETTER_SQLITE3_INSTRUMENTATION_NAME = 'fedscope/instrumentation-better-sqlite3';

/** better-sqlite3 versions the instrumentation patches. */
export const BETTER_SQLITE3_SUPPORTED_VERSIONS = ['>=7.0.0 <13'];

/** Statement methods that execute the statement. */
const STATEMENT_METHODS = ['run', 'get', 'all', 'iterate'] as const;

/**
 * Traces better-sqlite3: every execution of a prepared statement (`run`, `get`, `all`, `iterate`,
 * whichever way it was prepared) and every `db.exec(sql)` is one CLIENT span with the stable DB
 * semantic conventions (`db.system.name` = `sqlite`, `db.namespace`, `db.operation.name`,
 * `db.collection.name`, `db.query.summary`, `db.query.text` per the query-text mode,
 * `db.response.returned_rows`), `federation.source`, and on failure the classified `error.type`
 * (SQLite's extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE`) and `federation.error.class`.
 * A `db.prepare(sql)` that throws (syntax error, unknown table) is a span of its own.
 *
 * `iterate()` spans end when the iteration finishes or is closed. Statements that better-sqlite3
 * runs for `db.transaction()` (BEGIN, COMMIT, ROLLBACK) and `db.pragma()` are traced like any other
 * once the first statement has been prepared through `db.prepare`.
 *
 * Results, errors and `this` are the driver's own; a telemetry failure never reaches the caller.
 * Register it before better-sqlite3 is first loaded.
 */
export class BetterSqlite3Instrumentation extends DbInstrumentationBase<
  BetterSqlite3SourceInfo,
  BetterSqlite3RequestHookInfo,
  BetterSqlite3InstrumentationConfig
> {
  /** The shared prototype of better-sqlite3's native Statement class, found at the first prepare. */
  private statementPrototype: MethodHost | undefined;
  private readonly databases = new WeakMap<object, BetterSqlite3SourceInfo>();

  /** @param config - query-text mode, source naming, hooks */
  constructor(config: BetterSqlite3InstrumentationConfig = {}) {
    super(BETTER_SQLITE3_INSTRUMENTATION_NAME, { system: DB_SYSTEM_NAME_VALUE_SQLITE, label: 'SQLite', outermostCallOnly: false }, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    // lib/database.js defines Database.prototype and the package's index loads it with require(),
    // so patching it works however the application loads the package (an ESM import of the
    // package itself can bypass the require hook, as it does under vitest's module runner).
    const databaseFile = new InstrumentationNodeModuleFile(
      'better-sqlite3/lib/database.js',
      BETTER_SQLITE3_SUPPORTED_VERSIONS,
      (moduleExports: { prototype?: MethodHost }) => {
        if (moduleExports?.prototype) this.patchDatabase(moduleExports.prototype);
        return moduleExports;
      },
      (moduleExports: { prototype?: MethodHost } | undefined) => {
        if (moduleExports?.prototype) this.unpatch(moduleExports.prototype);
      },
    );
    return [
      new InstrumentationNodeModuleDefinition(
        'better-sqlite3',
        BETTER_SQLITE3_SUPPORTED_VERSIONS,
        (moduleExports: unknown) => moduleExports,
        () => undefined,
        [databaseFile],
      ),
    ];
  }

  private patchDatabase(database: MethodHost): void {
    this.rewrap(database, 'prepare', (original) => this.tracePrepare(original));
    this.rewrap(database, 'exec', (original) => this.traceExec(original));
    // Re-enabling after disable(): the Statement prototype found earlier is patched again now.
    if (this.statementPrototype) this.patchStatement(this.statementPrototype);
  }

  private patchStatement(statement: MethodHost): void {
    for (const method of STATEMENT_METHODS) this.rewrap(statement, method, (original) => this.traceStatementCall(original, method));
  }

  private unpatch(database: MethodHost): void {
    this.unwrapAll(database, ['prepare', 'exec']);
    this.unwrapAll(this.statementPrototype, STATEMENT_METHODS);
  }

  /**
   * `db.prepare(sql)`: finds the native Statement prototype at the first call (better-sqlite3 does
   * not export the class) and traces a prepare that throws.
   */
  private tracePrepare(original: DriverMethod): DriverMethod {
    return driverMethod((database, args) => {
      const startTime = hrTime();
      let statement: unknown;
      try {
        statement = original.apply(database, args);
      } catch (error) {
        const sql = typeof args[0] === 'string' ? args[0] : undefined;
        this.traceFailedCall(() => ({ ...this.sourceInfoOf(database), method: 'prepare', sql, args }), context.active(), startTime, error);
        throw error;
      }
      if (this.statementPrototype === undefined && typeof statement === 'object' && statement !== null && this.isEnabled()) {
        guard(() => {
          const prototype = Object.getPrototypeOf(statement) as MethodHost | null;
          if (prototype && typeof prototype['all'] === 'function') {
            this.statementPrototype = prototype;
            this.patchStatement(prototype);
          }
        });
      }
      return statement;
    });
  }

  private traceExec(original: DriverMethod): DriverMethod {
    return driverMethod((database, args) => {
      const info = { ...this.sourceInfoOf(database), method: 'exec', sql: typeof args[0] === 'string' ? args[0] : undefined, args };
      return this.traceCall(original, database, args, info);
    });
  }

  private traceStatementCall(original: DriverMethod, method: string): DriverMethod {
    return driverMethod((receiver, args) => {
      const statement = receiver as { source?: unknown; database?: unknown } | null;
      const sql = typeof statement?.source === 'string' ? statement.source : undefined;
      const info = { ...this.sourceInfoOf(statement?.database), method, sql, args };
      if (method !== 'iterate') return this.traceCall(original, receiver, args, info);
      return this.traceCall(original, receiver, args, info, (span, ctx, call, hooks) => this.followIteration(span, ctx, call, hooks, info));
    });
  }

  /** `stmt.iterate()`: the span lasts until the iteration ends, and counts its rows. */
  private followIteration(span: Span, ctx: Context, call: () => unknown, hooks: SpanRunHooks, info: BetterSqlite3RequestHookInfo): unknown {
    return runInSpanThen(span, ctx, call, hooks, (iterator) =>
      observeIteration(iterator, {
        onEnd: (rows) => {
          this.recordResponse(span, info, iterator, rows);
          span.end();
        },
        onError: (error) => settleWithError(span, error, hooks),
      }),
    );
  }

  protected override countRows(call: BetterSqlite3RequestHookInfo, result: unknown): number | undefined {
    return countStatementRows(call.method, result);
  }

  protected override sourceFunctionInfo(call: BetterSqlite3RequestHookInfo): BetterSqlite3SourceInfo {
    return { namespace: call.namespace, filename: call.filename };
  }

  /** The database's name and namespace, read once per Database object. */
  private sourceInfoOf(database: unknown): BetterSqlite3SourceInfo {
    if (typeof database !== 'object' || database === null) return { namespace: 'memory', filename: ':memory:' };
    let info = this.databases.get(database);
    if (info === undefined) {
      let filename = '';
      try {
        const name = (database as { name?: unknown }).name;
        if (typeof name === 'string') filename = name;
      } catch {
        // A closed database's getters can throw; the span still gets a namespace.
      }
      info = { filename, namespace: embeddedDatabaseNamespace(filename) };
      this.databases.set(database, info);
    }
    return info;
  }
}
