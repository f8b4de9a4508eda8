import { context, type Context, type Span } from '@opentelemetry/api';
import type { DriverMethod } from '../db-instrumentation-types.js';
import { runInSpan, settleWithError, type SpanRunHooks } from '../span-runner.js';

/** `DuckDBPendingResult` methods that hand the result over: the first call ends the span. */
const READ_METHODS = ['getResult', 'read', 'readAll', 'readUntil'] as const;
/** `DuckDBPendingResult` methods that execute the statement: a failure there ends the span. */
const TASK_METHODS = ['runAllTasks', 'runTask'] as const;

/**
 * Ends a `start` / `startStream` span when the statement's result is first read from its pending
 * result (`getResult`, `read`, `readAll`, `readUntil`: the span then covers execution, however
 * the caller drove it), or when executing it fails (`runAllTasks`, `runTask`). The pending result
 * gets these methods as own properties that call DuckDB's own; results, errors and `this` are
 * DuckDB's. A pending result never read leaves its span unended (it is never exported), and it
 * is collected with the pending result.
 *
 * @param pending - what `start` / `startStream` returned
 * @param span - the statement's span
 * @param ctx - the context the reads run in (the span's, marked as inside a DuckDB call)
 * @param hooks - what to do with the result (returned rows, response hook) or the error
 */
export function followPendingResult(pending: unknown, span: Span, ctx: Context, hooks: SpanRunHooks): void {
  if (typeof pending !== 'object' || pending === null) {
    span.end();
    return;
  }
  const target = pending as Record<string, unknown>;
  let settled = false;
  for (const name of READ_METHODS) {
    const original = methodOf(target, name);
    if (original === undefined) continue;
    target[name] = function fedscopeReadPendingResult(this: unknown, ...args: unknown[]): unknown {
      if (settled) return original.apply(this, args);
      settled = true;
      return runInSpan(span, ctx, () => original.apply(this, args), hooks);
    };
  }
  const fail = (error: unknown): void => {
    if (settled) return;
    settled = true;
    settleWithError(span, error, hooks);
  };
  for (const name of TASK_METHODS) {
    const original = methodOf(target, name);
    if (original === undefined) continue;
    target[name] = function fedscopeRunPendingTasks(this: unknown, ...args: unknown[]): unknown {
      if (settled) return original.apply(this, args);
      let result: unknown;
      try {
        result = context.with(ctx, () => original.apply(this, args));
      } catch (error) {
        fail(error);
        throw error;
      }
      if (!(result instanceof Promise)) return result;
      return result.then(undefined, (error: unknown) => {
        fail(error);
        throw error;
      });
    };
  }
}

/** The pending result's method `name`, typed loosely (DuckDB is not a dependency), if it has one. */
function methodOf(target: Record<string, unknown>, name: string): DriverMethod | undefined {
  const value = target[name];
  return typeof value === 'function' ? (value as DriverMethod) : undefined;
}
