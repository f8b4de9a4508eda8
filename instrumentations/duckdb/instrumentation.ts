import { context, type Context, type Span } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { hrTime } from '@opentelemetry/core';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  type InstrumentationModuleDefinition,
} from '@opentelemetry/instrumentation';
import { DB_SYSTEM_NAME_VALUE_DUCKDB } from '../../src/span-model/attributes.js';
import { embeddedDatabaseNamespace } from '../../src/span-model/db-call-attributes.js';
import { DbInstrumentationBase, driverMethod, type TracedCallRunner } from '../db-instrumentation-base.js';
import type { DriverMethod, MethodHost } from '../db-instrumentation-types.js';
import { runInSpanThen, type SpanRunHooks } from '../span-runner.js';
import { followPendingResult } from './pending-result-span.js';
import { countDuckDBRows } from './result-rows.js';
import type { DuckDBInstrumentationConfig, DuckDBRequestHookInfo, DuckDBSourceInfo } from './types.js';

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
const PREPARED_METHODS = [
  'run',
  'runAndRead',
  'runAndReadAll',
  'runAndReadUntil',
  'stream',
  'streamAndRead',
  'streamAndReadAll',
  'streamAndReadUntil',
] as const;

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
export class DuckDBInstrumentation extends DbInstrumentationBase<DuckDBSourceInfo, DuckDBRequestHookInfo, DuckDBInstrumentationConfig> {
  private readonly instancePaths = new WeakMap<object, string | undefined>();
  private readonly connectionNamespaces = new WeakMap<object, string>();
  private readonly preparedStatements = new WeakMap<object, PreparedInfo>();

  /** @param config - query-text mode, source naming, hooks */
  constructor(config: DuckDBInstrumentationConfig = {}) {
    // DuckDB's convenience methods call each other (`runAndReadAll` → `runAndRead` → `run` →
    // prepared `run`): only the outermost is a span.
    super(DUCKDB_INSTRUMENTATION_NAME, { system: DB_SYSTEM_NAME_VALUE_DUCKDB, label: 'DuckDB', outermostCallOnly: true }, config);
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
      for (const method of PENDING_START_METHODS)
        this.rewrap(connection, method, (original) => this.traceConnectionCall(original, method, startPendingCall));
    }
    const prepared = exports.DuckDBPreparedStatement?.prototype;
    if (prepared) {
      for (const method of PREPARED_METHODS)
        this.rewrap(prepared, method, (original) => this.tracePreparedCall(original, `prepared.${method}`));
      for (const method of PENDING_START_METHODS)
        this.rewrap(prepared, method, (original) => this.tracePreparedCall(original, `prepared.${method}`, startPendingCall));
    }
  }

  private unpatch(exports: DuckDBModuleExports): void {
    this.unwrapAll(exports.DuckDBInstance, ['create']);
    this.unwrapAll(exports.DuckDBInstance?.prototype, ['connect']);
    this.unwrapAll(exports.DuckDBInstanceCache?.prototype, ['getOrCreateInstance']);
    this.unwrapAll(exports.DuckDBConnection?.prototype, [...CONNECTION_METHODS, ...PENDING_START_METHODS, 'prepare']);
    this.unwrapAll(exports.DuckDBPreparedStatement?.prototype, [...PREPARED_METHODS, ...PENDING_START_METHODS]);
  }

  /** `DuckDBInstance.create(path)` / cache `getOrCreateInstance(path)`: note the instance's path. */
  private rememberInstancePath(original: DriverMethod): DriverMethod {
    return driverMethod((receiver, args) => {
      const result = original.apply(receiver, args);
      const path = typeof args[0] === 'string' ? args[0] : undefined;
      // A side branch: the caller gets DuckDB's own promise, rejection and all.
      if (result instanceof Promise) {
        result.then(
          (instance: unknown) => {
            if (typeof instance === 'object' && instance !== null) this.instancePaths.set(instance, path);
          },
          () => undefined,
        );
      }
      return result;
    });
  }

  /** `instance.connect()`: the connection inherits the instance's namespace. */
  private rememberConnectionNamespace(original: DriverMethod): DriverMethod {
    return driverMethod((instance, args) => {
      const result = original.apply(instance, args);
      if (result instanceof Promise && typeof instance === 'object' && instance !== null && this.instancePaths.has(instance)) {
        const namespace = embeddedDatabaseNamespace(this.instancePaths.get(instance));
        result.then(
          (connection: unknown) => {
            if (typeof connection === 'object' && connection !== null) this.connectionNamespaces.set(connection, namespace);
          },
          () => undefined,
        );
      }
      return result;
    });
  }

  /** @param run - {@link startPendingCall} for a method that returns a pending result: the span lasts until it is read */
  private traceConnectionCall(original: DriverMethod, method: string, run?: TracedCallRunner): DriverMethod {
    return driverMethod((connection, args) => {
      const sql = typeof args[0] === 'string' ? args[0] : undefined;
      const namespace = this.namespaceOf(connection);
      return this.traceCall(original, connection, args, { method, sql, namespace, args }, run);
    });
  }

  private tracePreparedCall(original: DriverMethod, method: string, run?: TracedCallRunner): DriverMethod {
    return driverMethod((statement, args) => {
      const info = typeof statement === 'object' && statement !== null ? this.preparedStatements.get(statement) : undefined;
      return this.traceCall(original, statement, args, { method, sql: info?.sql, namespace: info?.namespace, args }, run);
    });
  }

  /**
   * `connection.prepare(sql)`: remembers the SQL for the statement's later runs; a failed prepare
   * (syntax, unknown table) is a span of its own, since no run will ever report it.
   */
  private tracePrepare(original: DriverMethod): DriverMethod {
    return driverMethod((connection, args) => {
      const sql = typeof args[0] === 'string' ? args[0] : undefined;
      const namespace = this.namespaceOf(connection);
      const ctx = context.active();
      const startTime = hrTime();
      const result = original.apply(connection, args);
      if (!(result instanceof Promise) || sql === undefined) return result;
      result.then(
        (prepared: unknown) => {
          if (typeof prepared === 'object' && prepared !== null) this.preparedStatements.set(prepared, { sql, namespace });
        },
        (error: unknown) => this.traceFailedCall(() => ({ method: 'prepare', sql, namespace, args }), ctx, startTime, error),
      );
      return result;
    });
  }

  protected override countRows(_call: DuckDBRequestHookInfo, result: unknown): number | undefined {
    return countDuckDBRows(result);
  }

  protected override sourceFunctionInfo(call: DuckDBRequestHookInfo): DuckDBSourceInfo {
    return { namespace: call.namespace };
  }

  private namespaceOf(connection: unknown): string | undefined {
    return typeof connection === 'object' && connection !== null ? this.connectionNamespaces.get(connection) : undefined;
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
