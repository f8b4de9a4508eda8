import { context, createContextKey, trace, type Context, type Span } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { hrTime, isTracingSuppressed } from '@opentelemetry/core';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { ATTR_DB_RESPONSE_RETURNED_ROWS, DB_SYSTEM_NAME_VALUE_DUCKDB } from '../../src/span-model/attributes.js';
import { embeddedDatabaseNamespace } from '../../src/span-model/db-call-attributes.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { classifyDbCallError, recordDbCallError, startDbSourceCallSpan } from '../source-call-span.js';
import { guard, runInSpan, runInSpanThen, type SpanRunHooks } from '../span-runner.js';
import { followPendingResult } from './pending-result-span.js';
import { countDuckDBRows } from './result-rows.js';
import type { DuckDBInstrumentationConfig, DuckDBRequestHookInfo } from './types.js';

/** Instrumentation scope name of the DuckDB spans. */
export const DUCKDB_INSTRUMENTATION_NAME = 'fedscope/instrumentation-duckdb';

/** `@duckdb/node-api` versions the instrumentation patches (the Neo client; 1.x). */
export const DUCKDB_SUPPORTED_VERSIONS = ['>=1.1.0 <2'];

/**
 * `DuckDBConnection` methods that run a statement to completion (or to a result handle) and are
 * traced as one call each. `start`/`startStream` ({@link PENDING_START_METHODS}) are traced
 * until their pending result is read.
 */
const CONNECTION_METHODS = [
  'run',
  'runAndRead',
  'runAndReadAll',
  'runAndReadUntil',
  'stream',
  'streamAndRead',
  'streamAndReadAll',
  'streamAndReadUntil',
  'startThenRead',
  'startThenReadAll',
  'startThenReadUntil',
  'startStreamThenRead',
  'startStreamThenReadAll',
  'startStreamThenReadUntil',
] as const;

/**
 * Methods (of `DuckDBConnection`, and of `DuckDBPreparedStatement`) that return a pending result
 * the caller drives task by task: their span lasts until the result is first read.
 */
const PENDING_START_METHODS = ['start', 'startStream'] as const;

/** `DuckDBPreparedStatement` methods that execute the statement. */
const PREPARED_METHODS = ['run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil', 'stream', 'streamAndRead', 'streamAndReadAll', 'streamAndReadUntil'] as const;

/**
 * Set in the context of a traced call: DuckDB's convenience methods call each other
 * (`runAndReadAll` → `runAndRead` → `run` → prepared `run`), and only the outermost is a span.
 */
const IN_DUCKDB_CALL = createContextKey('fedscope.duckdb.in-call');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
/** A prototype or class whose methods are wrapped; typed loosely because the driver is not a dependency. */
type MethodHost = Record<string, AnyFunction>;

/** The module's classes the instrumentation touches (only these are read from the exports). */
interface DuckDBModuleExports {
  DuckDBInstance?: MethodHost & { prototype: MethodHost };
  DuckDBInstanceCache?: { prototype: MethodHost };
  DuckDBConnection?: { prototype: MethodHost };
  DuckDBPreparedStatement?: { prototype: MethodHost };
}

/** What fedscope remembers about a prepared statement it saw being prepared. */
interface PreparedInfo {
  sql: string;
  namespace: string | undefined;
}

/**
 * Traces `@duckdb/node-api` (DuckDB's Node "Neo" client): every statement run through a
 * `DuckDBConnection` (`run`, `runAndReadAll`, `stream…`, `startThenRead…`) or a
 * `DuckDBPreparedStatement` (`run…`, `stream…`) is one CLIENT span (a `start` / `startStream`
 * one too, lasting until its pending result is first read), with the stable DB semantic
 * conventions (`db.system.name` = `duckdb`, `db.namespace`, `db.operation.name`,
 * `db.collection.name`, `db.query.summary`, `db.query.text` per the query-text mode,
 * `db.response.returned_rows`), `federation.source`, and on failure the classified `error.type`
 * and `federation.error.class`. A `prepare` that fails (a syntax error, say) gets a span too.
 *
 * Results, errors and `this` are DuckDB's own; a telemetry failure never reaches the caller.
 * Register it (`registerInstrumentations` or `startFedscope({ instrumentations })`) before
 * `@duckdb/node-api` is first loaded; connections opened earlier are traced without `db.namespace`.
 */
export class DuckDBInstrumentation extends InstrumentationBase<DuckDBInstrumentationConfig> {
  private readonly instancePaths = new WeakMap<object, string | undefined>();
  private readonly connectionNamespaces = new WeakMap<object, string>();
  private readonly preparedStatements = new WeakMap<object, PreparedInfo>();

  /** @param config - query-text mode, source naming, hooks */
  constructor(config: DuckDBInstrumentationConfig = {}) {
    super(DUCKDB_INSTRUMENTATION_NAME, FEDSCOPE_VERSION, config);
  }

  protected override init(): InstrumentationModuleDefinition[] {
    // The classes are patched in the files that define them: the package's index loads those with
    // require() however the application loads the package, whereas an ESM import of the package
    // itself can bypass the require hook (it does under vitest's module runner).
    const file = (name: string): InstrumentationNodeModuleFile =>
      new InstrumentationNodeModuleFile(
        `@duckdb/node-api/lib/${name}.js`,
        DUCKDB_SUPPORTED_VERSIONS,
        (moduleExports: DuckDBModuleExports) => {
          this.patch(moduleExports);
          return moduleExports;
        },
        (moduleExports: DuckDBModuleExports | undefined) => {
          if (moduleExports) this.unpatch(moduleExports);
        },
      );
    const definition = new InstrumentationNodeModuleDefinition(
      '@duckdb/node-api',
      DUCKDB_SUPPORTED_VERSIONS,
      (moduleExports: unknown) => moduleExports,
      () => undefined,
      ['DuckDBInstance', 'DuckDBInstanceCache', 'DuckDBConnection', 'DuckDBPreparedStatement'].map(file),
    );
    // The client's versions are pre-releases of DuckDB's (1.5.5-r.5).
    return [Object.assign(definition, { includePrerelease: true })];
  }

  private patch(exports: DuckDBModuleExports): void {
    const instance = exports.DuckDBInstance;
    if (instance) {
      this.rewrap(instance, 'create', (original) => this.rememberInstancePath(original));
      this.rewrap(instance.prototype, 'connect', (original) => this.rememberConnectionNamespace(original));
    }
    const cache = exports.DuckDBInstanceCache?.prototype;
    if (cache) this.rewrap(cache, 'getOrCreateInstance', (original) => this.rememberInstancePath(original));
    const connection = exports.DuckDBConnection?.prototype;
    if (connection) {
      for (const method of CONNECTION_METHODS) this.rewrap(connection, method, (original) => this.traceConnectionCall(original, method));
      this.rewrap(connection, 'prepare', (original) => this.tracePrepare(original));
      for (const method of PENDING_START_METHODS) this.rewrap(connection, method, (original) => this.traceConnectionCall(original, method, true));
    }
    const prepared = exports.DuckDBPreparedStatement?.prototype;
    if (prepared) {
      for (const method of PREPARED_METHODS) this.rewrap(prepared, method, (original) => this.tracePreparedCall(original, `prepared.${method}`));
      for (const method of PENDING_START_METHODS) this.rewrap(prepared, method, (original) => this.tracePreparedCall(original, `prepared.${method}`, true));
    }
  }

  private unpatch(exports: DuckDBModuleExports): void {
    const unwrapAll = (host: MethodHost | undefined, methods: readonly string[]): void => {
      if (!host) return;
      for (const method of methods) if (isWrapped(host[method])) this._unwrap(host, method);
    };
    unwrapAll(exports.DuckDBInstance, ['create']);
    unwrapAll(exports.DuckDBInstance?.prototype, ['connect']);
    unwrapAll(exports.DuckDBInstanceCache?.prototype, ['getOrCreateInstance']);
    unwrapAll(exports.DuckDBConnection?.prototype, [...CONNECTION_METHODS, ...PENDING_START_METHODS, 'prepare']);
    unwrapAll(exports.DuckDBPreparedStatement?.prototype, [...PREPARED_METHODS, ...PENDING_START_METHODS]);
  }

  /** Wraps `host[method]` if it exists, replacing an earlier wrap of ours (re-enable, re-require). */
  private rewrap(host: MethodHost, method: string, wrapper: (original: AnyFunction) => AnyFunction): void {
    if (typeof host[method] !== 'function') return;
    if (isWrapped(host[method])) this._unwrap(host, method);
    this._wrap(host, method, wrapper);
  }

  /** `DuckDBInstance.create(path)` / cache `getOrCreateInstance(path)`: note the instance's path. */
  private rememberInstancePath(original: AnyFunction): AnyFunction {
    const paths = this.instancePaths;
    return function fedscopeRememberPath(this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      const path = typeof args[0] === 'string' ? args[0] : undefined;
      // A side branch: the caller gets DuckDB's own promise, rejection and all.
      if (result instanceof Promise) {
        result.then(
          (instance: unknown) => {
            if (typeof instance === 'object' && instance !== null) paths.set(instance, path);
          },
          () => undefined,
        );
      }
      return result;
    };
  }

  /** `instance.connect()`: the connection inherits the instance's namespace. */
  private rememberConnectionNamespace(original: AnyFunction): AnyFunction {
    const { instancePaths, connectionNamespaces } = this;
    return function fedscopeRememberNamespace(this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      const self = this;
      if (result instanceof Promise && typeof self === 'object' && self !== null && instancePaths.has(self)) {
        const namespace = embeddedDatabaseNamespace(instancePaths.get(self));
        result.then(
          (connection: unknown) => {
            if (typeof connection === 'object' && connection !== null) connectionNamespaces.set(connection, namespace);
          },
          () => undefined,
        );
      }
      return result;
    };
  }

  /** @param pending - the method returns a pending result: the span lasts until it is read */
  private traceConnectionCall(original: AnyFunction, method: string, pending = false): AnyFunction {
    const instrumentation = this;
    return function fedscopeDuckDBCall(this: unknown, ...args: unknown[]): unknown {
      const sql = typeof args[0] === 'string' ? args[0] : undefined;
      const namespace = instrumentation.namespaceOf(this);
      return instrumentation.traceCall(original, this, args, { method, sql, namespace, args }, pending);
    };
  }

  private tracePreparedCall(original: AnyFunction, method: string, pending = false): AnyFunction {
    const instrumentation = this;
    return function fedscopeDuckDBPreparedCall(this: unknown, ...args: unknown[]): unknown {
      const info = typeof this === 'object' && this !== null ? instrumentation.preparedStatements.get(this) : undefined;
      return instrumentation.traceCall(original, this, args, { method, sql: info?.sql, namespace: info?.namespace, args }, pending);
    };
  }

  /**
   * `connection.prepare(sql)`: remembers the SQL for the statement's later runs; a failed prepare
   * (syntax, unknown table) is a span of its own, since no run will ever report it.
   */
  private tracePrepare(original: AnyFunction): AnyFunction {
    const instrumentation = this;
    return function fedscopeDuckDBPrepare(this: unknown, ...args: unknown[]): unknown {
      const sql = typeof args[0] === 'string' ? args[0] : undefined;
      const namespace = instrumentation.namespaceOf(this);
      const ctx = context.active();
      const startTime = hrTime();
      const result = original.apply(this, args);
      if (!(result instanceof Promise) || sql === undefined) return result;
      result.then(
        (prepared: unknown) => {
          if (typeof prepared === 'object' && prepared !== null) instrumentation.preparedStatements.set(prepared, { sql, namespace });
        },
        (error: unknown) => {
          if (!instrumentation.shouldTrace(ctx)) return;
          guard(() => {
            const span = instrumentation.startSpan({ method: 'prepare', sql, namespace, args }, ctx, startTime);
            recordDbCallError(span, error, DB_SYSTEM_NAME_VALUE_DUCKDB);
            span.end();
          });
        },
      );
      return result;
    };
  }

  private traceCall(original: AnyFunction, self: unknown, args: unknown[], info: DuckDBRequestHookInfo, pending = false): unknown {
    const ctx = context.active();
    if (!this.shouldTrace(ctx)) return original.apply(self, args);
    let span: Span;
    try {
      span = this.startSpan(info, ctx);
    } catch (error) {
      fedscopeLog.error('could not start a DuckDB span', error);
      return original.apply(self, args);
    }
    const { requestHook } = this.getConfig();
    if (requestHook) guard(() => requestHook(span, info));
    const spanContext = trace.setSpan(ctx, span).setValue(IN_DUCKDB_CALL, true);
    const hooks: SpanRunHooks = {
      onResult: (s, result) => {
        const rows = countDuckDBRows(result);
        if (rows !== undefined) s.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows);
        const { responseHook } = this.getConfig();
        if (responseHook) guard(() => responseHook(s, { ...info, result }));
      },
      onError: (s, error) => classifyDbCallError(s, error, DB_SYSTEM_NAME_VALUE_DUCKDB),
    };
    if (!pending) return runInSpan(span, spanContext, () => original.apply(self, args), hooks);
    return startPendingCall(span, spanContext, () => original.apply(self, args), hooks);
  }

  private shouldTrace(ctx: Context): boolean {
    if (ctx.getValue(IN_DUCKDB_CALL) === true || isTracingSuppressed(ctx)) return false;
    return this.getConfig().requireParentSpan !== true || trace.getSpan(ctx) !== undefined;
  }

  private startSpan(info: DuckDBRequestHookInfo, ctx: Context, startTime?: ReturnType<typeof hrTime>): Span {
    const config = this.getConfig();
    return startDbSourceCallSpan(
      this.tracer,
      {
        source: this.sourceOf(info.namespace),
        system: DB_SYSTEM_NAME_VALUE_DUCKDB,
        namespace: info.namespace,
        text: info.sql,
        queryText: config.queryText,
      },
      { ctx, startTime },
    );
  }

  private namespaceOf(connection: unknown): string | undefined {
    return typeof connection === 'object' && connection !== null ? this.connectionNamespaces.get(connection) : undefined;
  }

  private sourceOf(namespace: string | undefined): string {
    const { source } = this.getConfig();
    if (typeof source === 'string') return source;
    if (typeof source === 'function') {
      try {
        const name = source({ namespace });
        if (typeof name === 'string' && name !== '') return name;
      } catch (error) {
        fedscopeLog.error('the DuckDB source function threw; using the default name', error);
      }
    }
    return namespace !== undefined ? `duckdb:${namespace}` : 'duckdb';
  }
}

/**
 * Runs a `start` / `startStream` call in its span's context; the span then follows the pending
 * result it returns (see `followPendingResult`), or ends with the error the call threw or rejected.
 */
function startPendingCall(span: Span, ctx: Context, call: () => unknown, hooks: SpanRunHooks): unknown {
  const follow = (pending: unknown): void => {
    try {
      followPendingResult(pending, span, ctx, hooks);
    } catch (error) {
      fedscopeLog.error('could not follow a DuckDB pending result', error);
      span.end();
    }
  };
  return runInSpanThen(span, ctx, call, hooks, follow);
}
