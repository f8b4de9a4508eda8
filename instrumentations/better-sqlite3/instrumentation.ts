import { context, trace, type Context, type Span } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { hrTime, isTracingSuppressed } from '@opentelemetry/core';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { ATTR_DB_RESPONSE_RETURNED_ROWS, DB_SYSTEM_NAME_VALUE_SQLITE } from '../../src/span-model/attributes.js';
import { embeddedDatabaseNamespace } from '../../src/span-model/db-call-attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { classifyDbCallError, recordDbCallError, startDbSourceCallSpan } from '../source-call-span.js';
import { guard, runInSpan } from '../span-runner.js';
import { observeIteration } from './iteration-span.js';
import { countStatementRows } from './statement-rows.js';
import type { BetterSqlite3InstrumentationConfig, BetterSqlite3RequestHookInfo, BetterSqlite3SourceInfo } from './types.js';

/** Instrumentation scope name of the SQLite spans. */
export const BETTER_SQLITE3_INSTRUMENTATION_NAME = 'fedscope/instrumentation-better-sqlite3';

/** better-sqlite3 versions the instrumentation patches. */
export const BETTER_SQLITE3_SUPPORTED_VERSIONS = ['>=7.0.0 <13'];

/** Statement methods that execute the statement. */
const STATEMENT_METHODS = ['run', 'get', 'all', 'iterate'] as const;

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
/** A prototype whose methods are wrapped; typed loosely because the driver is not a dependency. */
type MethodHost = Record<string, AnyFunction>;

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
export class BetterSqlite3Instrumentation extends InstrumentationBase<BetterSqlite3InstrumentationConfig> {
  /** The shared prototype of better-sqlite3's native Statement class, found at the first prepare. */
  private statementPrototype: MethodHost | undefined;
  private readonly databases = new WeakMap<object, BetterSqlite3SourceInfo>();

  /** @param config - query-text mode, source naming, hooks */
  constructor(config: BetterSqlite3InstrumentationConfig = {}) {
    super(BETTER_SQLITE3_INSTRUMENTATION_NAME, FEDSCOPE_VERSION, config);
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
    for (const method of ['prepare', 'exec']) if (isWrapped(database[method])) this._unwrap(database, method);
    const statement = this.statementPrototype;
    if (statement) for (const method of STATEMENT_METHODS) if (isWrapped(statement[method])) this._unwrap(statement, method);
  }

  private rewrap(host: MethodHost, method: string, wrapper: (original: AnyFunction) => AnyFunction): void {
    if (typeof host[method] !== 'function') return;
    if (isWrapped(host[method])) this._unwrap(host, method);
    this._wrap(host, method, wrapper);
  }

  /**
   * `db.prepare(sql)`: finds the native Statement prototype at the first call (better-sqlite3 does
   * not export the class) and traces a prepare that throws.
   */
  private tracePrepare(original: AnyFunction): AnyFunction {
    const instrumentation = this;
    return function fedscopePrepare(this: unknown, ...args: unknown[]): unknown {
      const startTime = hrTime();
      let statement: unknown;
      try {
        statement = original.apply(this, args);
      } catch (error) {
        const ctx = context.active();
        if (instrumentation.shouldTrace(ctx)) {
          guard(() => {
            const info = { ...instrumentation.sourceInfoOf(this), method: 'prepare', sql: typeof args[0] === 'string' ? args[0] : undefined, args };
            const span = instrumentation.startSpan(info, ctx, startTime);
            recordDbCallError(span, error, DB_SYSTEM_NAME_VALUE_SQLITE);
            span.end();
          });
        }
        throw error;
      }
      if (instrumentation.statementPrototype === undefined && typeof statement === 'object' && statement !== null && instrumentation.isEnabled()) {
        guard(() => {
          const prototype = Object.getPrototypeOf(statement) as MethodHost | null;
          if (prototype && typeof prototype['all'] === 'function') {
            instrumentation.statementPrototype = prototype;
            instrumentation.patchStatement(prototype);
          }
        });
      }
      return statement;
    };
  }

  private traceExec(original: AnyFunction): AnyFunction {
    const instrumentation = this;
    return function fedscopeExec(this: unknown, ...args: unknown[]): unknown {
      const info = { ...instrumentation.sourceInfoOf(this), method: 'exec', sql: typeof args[0] === 'string' ? args[0] : undefined, args };
      return instrumentation.traceCall(original, this, args, info);
    };
  }

  private traceStatementCall(original: AnyFunction, method: string): AnyFunction {
    const instrumentation = this;
    return function fedscopeStatementCall(this: unknown, ...args: unknown[]): unknown {
      const statement = this as { source?: unknown; database?: unknown } | null;
      const sql = typeof statement?.source === 'string' ? statement.source : undefined;
      const info = { ...instrumentation.sourceInfoOf(statement?.database), method, sql, args };
      return instrumentation.traceCall(original, this, args, info);
    };
  }

  private traceCall(original: AnyFunction, self: unknown, args: unknown[], info: BetterSqlite3RequestHookInfo): unknown {
    const ctx = context.active();
    if (!this.shouldTrace(ctx)) return original.apply(self, args);
    let span: Span;
    try {
      span = this.startSpan(info, ctx);
    } catch (error) {
      fedscopeLog.error('could not start a SQLite span', error);
      return original.apply(self, args);
    }
    const { requestHook } = this.getConfig();
    if (requestHook) guard(() => requestHook(span, info));
    const respond = (s: Span, result: unknown, rows: number | undefined): void => {
      if (rows !== undefined) s.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows);
      const { responseHook } = this.getConfig();
      if (responseHook) guard(() => responseHook(s, { ...info, result }));
    };
    if (info.method === 'iterate') return this.traceIterate(original, self, args, span, ctx, respond);
    return runInSpan(span, trace.setSpan(ctx, span), () => original.apply(self, args), {
      onResult: (s, result) => respond(s, result, countStatementRows(info.method, result)),
      onError: (s, error) => classifyDbCallError(s, error, DB_SYSTEM_NAME_VALUE_SQLITE),
    });
  }

  /** `stmt.iterate()`: the span lasts until the iteration ends, and counts its rows. */
  private traceIterate(
    original: AnyFunction,
    self: unknown,
    args: unknown[],
    span: Span,
    ctx: Context,
    respond: (span: Span, result: unknown, rows: number | undefined) => void,
  ): unknown {
    let iterator: unknown;
    try {
      iterator = context.with(trace.setSpan(ctx, span), () => original.apply(self, args));
    } catch (error) {
      guard(() => recordDbCallError(span, error, DB_SYSTEM_NAME_VALUE_SQLITE));
      span.end();
      throw error;
    }
    observeIteration(iterator, {
      onEnd: (rows) => {
        respond(span, iterator, rows);
        span.end();
      },
      onError: (error) => {
        recordDbCallError(span, error, DB_SYSTEM_NAME_VALUE_SQLITE);
        span.end();
      },
    });
    return iterator;
  }

  private shouldTrace(ctx: Context): boolean {
    if (isTracingSuppressed(ctx)) return false;
    return this.getConfig().requireParentSpan !== true || trace.getSpan(ctx) !== undefined;
  }

  private startSpan(info: BetterSqlite3RequestHookInfo, ctx: Context, startTime?: ReturnType<typeof hrTime>): Span {
    return startDbSourceCallSpan(
      this.tracer,
      { source: this.sourceOf(info), system: DB_SYSTEM_NAME_VALUE_SQLITE, namespace: info.namespace, text: info.sql, queryText: this.getConfig().queryText },
      { ctx, startTime },
    );
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

  private sourceOf(info: BetterSqlite3SourceInfo): string {
    const { source } = this.getConfig();
    if (typeof source === 'string') return source;
    if (typeof source === 'function') {
      try {
        const name = source({ namespace: info.namespace, filename: info.filename });
        if (typeof name === 'string' && name !== '') return name;
      } catch (error) {
        fedscopeLog.error('the SQLite source function threw; using the default name', error);
      }
    }
    return `sqlite:${info.namespace}`;
  }
}
