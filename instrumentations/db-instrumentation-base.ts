import { context, createContextKey, trace, type Context, type HrTime, type Span } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InstrumentationBase, isWrapped } from '@opentelemetry/instrumentation';
import { fedscopeLog } from '../src/diagnostics/fedscope-log.js';
import { FEDSCOPE_VERSION } from '../src/version.js';
import type { DbCallInfo, DbDriverDescription, DbInstrumentationConfig, DriverMethod, MethodHost } from './db-instrumentation-types.js';
import { recordCallResponse, runRequestHook } from './source-call-hooks.js';
import { classifyDbCallError, recordDbCallError, startDbSourceCallSpan } from './source-call-span.js';
import { guard, runInSpan, type SpanRunHooks } from './span-runner.js';

/**
 * Runs a traced call in its span's context and ends the span when the call is done; the default,
 * `runInSpan`, ends it when the call returns or settles. Drivers whose results outlive the call
 * (an iterator, a pending result) pass one that ends it later.
 */
export type TracedCallRunner = (span: Span, ctx: Context, call: () => unknown, hooks: SpanRunHooks) => unknown;

/**
 * A driver method (what {@link DbInstrumentationBase.rewrap}'s wrapper returns) that hands the
 * receiver it is called on (`this`: the driver's connection, statement, …) and its arguments to
 * `body`. The body can then be an arrow function that reads the instrumentation as `this` and
 * passes the driver's receiver on to the original method explicitly.
 *
 * @param body - what the method does, given its receiver and arguments; its result is returned
 */
export function driverMethod(body: (receiver: unknown, args: unknown[]) => unknown): DriverMethod {
  return function fedscopeDriverMethod(this: unknown, ...args: unknown[]): unknown {
    return body(this, args);
  };
}

/**
 * The base of fedscope's DB instrumentations (DuckDB, better-sqlite3): what is the same for
 * every driver it patches. One driver call is one CLIENT span with the stable DB semantic
 * conventions and `federation.source`; the user's request and response hooks run guarded; the
 * returned rows go on `db.response.returned_rows`; a failure gets the classified `error.type` and
 * `federation.error.class`. A telemetry failure never reaches the caller: if the span cannot be
 * started, the call runs untraced.
 *
 * A subclass patches its driver's methods (with {@link rewrap} and {@link driverMethod}), describes each call as a
 * `Request` and hands it to {@link traceCall}; it says how to count a result's rows and what a
 * `source` function is told about the database.
 *
 * @typeParam Source - what the `source` option's function learns about the database
 * @typeParam Request - what the request hook learns about a call
 * @typeParam Config - the instrumentation's options
 */
export abstract class DbInstrumentationBase<
  Source,
  Request extends DbCallInfo,
  Config extends DbInstrumentationConfig<Source, Request>,
> extends InstrumentationBase<Config> {
  private readonly driver: DbDriverDescription;
  /** Marks the context of a traced call, for drivers traced at their outermost call only. */
  private readonly inCallKey: symbol | undefined;

  /**
   * @param instrumentationName - the instrumentation scope name of the spans
   * @param driver - the driver's `db.system.name`, name in log lines, and whether nested calls are traced
   * @param config - the instrumentation's options
   */
  protected constructor(instrumentationName: string, driver: DbDriverDescription, config: Config) {
    super(instrumentationName, FEDSCOPE_VERSION, config);
    this.driver = driver;
    this.inCallKey = driver.outermostCallOnly ? createContextKey(`${instrumentationName}.in-call`) : undefined;
  }

  /** `db.response.returned_rows` of a call's result, or undefined when not known (yet). */
  protected abstract countRows(call: Request, result: unknown): number | undefined;

  /** What the `source` option's function is told about the database of a call. */
  protected abstract sourceFunctionInfo(call: Request): Source;

  /** Wraps `host[method]` if it exists, replacing an earlier wrap of ours (re-enable, re-require). */
  protected rewrap(host: MethodHost, method: string, wrapper: (original: DriverMethod) => DriverMethod): void {
    if (typeof host[method] !== 'function') return;
    if (isWrapped(host[method])) this._unwrap(host, method);
    this._wrap(host, method, wrapper);
  }

  /** Unwraps those of `methods` that are wrapped on `host` (if there is a host). */
  protected unwrapAll(host: MethodHost | undefined, methods: readonly string[]): void {
    if (!host) return;
    for (const method of methods) if (isWrapped(host[method])) this._unwrap(host, method);
  }

  /**
   * Runs one driver call (`original` on `self` with `args`) in a span, unless it should not be
   * traced (tracing suppressed, no parent span when one is required, or nested in a traced call).
   *
   * @param run - runs the call and ends the span; by default when the call returns or settles
   * @returns what the driver returned, unchanged (errors are rethrown as they are)
   */
  protected traceCall(original: DriverMethod, self: unknown, args: unknown[], call: Request, run: TracedCallRunner = runInSpan): unknown {
    const ctx = context.active();
    if (!this.shouldTrace(ctx)) return original.apply(self, args);
    let span: Span;
    try {
      span = this.startSpan(call, ctx);
    } catch (error) {
      fedscopeLog.error(`could not start a ${this.driver.label} span`, error);
      return original.apply(self, args);
    }
    runRequestHook(this.getConfig().requestHook, span, call);
    const spanContext = trace.setSpan(ctx, span);
    const callContext = this.inCallKey === undefined ? spanContext : spanContext.setValue(this.inCallKey, true);
    const hooks: SpanRunHooks = {
      onResult: (s, result) => this.recordResponse(s, call, result, this.countRows(call, result)),
      onError: (s, error) => classifyDbCallError(s, error, this.driver.system),
    };
    return run(span, callContext, () => original.apply(self, args), hooks);
  }

  /**
   * Records a successful call's rows and runs the response hook: what {@link traceCall} does when
   * the call returns, for runners that learn the rows later (an iteration's count).
   */
  protected recordResponse(span: Span, call: Request, result: unknown, rows: number | undefined): void {
    recordCallResponse(span, rows, this.getConfig().responseHook, call, result);
  }

  /**
   * Gives a call that failed before a statement existed (a `prepare` with a syntax error) a span
   * of its own, from `startTime` to now, since no later run will report it. Never throws.
   *
   * @param describe - the call (built inside the guard, so that describing it cannot throw either)
   * @param ctx - the context the call was made in
   */
  protected traceFailedCall(describe: () => Request, ctx: Context, startTime: HrTime, error: unknown): void {
    if (!this.shouldTrace(ctx)) return;
    guard(() => {
      const span = this.startSpan(describe(), ctx, startTime);
      recordDbCallError(span, error, this.driver.system);
      span.end();
    });
  }

  private shouldTrace(ctx: Context): boolean {
    if (isTracingSuppressed(ctx)) return false;
    if (this.inCallKey !== undefined && ctx.getValue(this.inCallKey) === true) return false;
    return this.getConfig().requireParentSpan !== true || trace.getSpan(ctx) !== undefined;
  }

  private startSpan(call: Request, ctx: Context, startTime?: HrTime): Span {
    const { system } = this.driver;
    const source = this.sourceOf(call);
    return startDbSourceCallSpan(
      this.tracer,
      { source, system, namespace: call.namespace, text: call.sql, queryText: this.getConfig().queryText },
      { ctx, startTime },
    );
  }

  /** `federation.source` of a call: the `source` option, else `{system}:{namespace}` (or `{system}`). */
  private sourceOf(call: Request): string {
    const { source } = this.getConfig();
    if (typeof source === 'string') return source;
    if (typeof source === 'function') {
      try {
        const name = source(this.sourceFunctionInfo(call));
        if (typeof name === 'string' && name !== '') return name;
      } catch (error) {
        fedscopeLog.error(`the ${this.driver.label} source function threw; using the default name`, error);
      }
    }
    const { system } = this.driver;
    return call.namespace !== undefined ? `${system}:${call.namespace}` : system;
  }
}
