import { context, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { fedscopeLog } from '../src/diagnostics/fedscope-log.js';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { errorTypeOf } from '../src/span-model/error-type.js';
import { redactedException, redactedMessageOf } from '../src/span-model/redact.js';

/** Callbacks run when the wrapped work settles; a callback that throws is logged, never rethrown. */
export interface SpanRunHooks {
  /** Called with the work's result before the span ends. */
  onResult?: (span: Span, result: unknown) => void;
  /** Called with the thrown or rejected value before the span ends. */
  onError?: (span: Span, error: unknown) => void;
}

/**
 * Runs `fn` inside `ctx` and ends `span` when it settles, for sync and async work alike.
 *
 * The result is returned unchanged: a native promise comes back as a native promise resolving to
 * the same value; other thenables (query builders that run on `then`) are returned as they are,
 * never awaited by telemetry, and their span ends when the call returns. Errors are recorded and
 * rethrown as the same value.
 */
export function runInSpan<T>(span: Span, ctx: Context, fn: () => T, hooks: SpanRunHooks = {}): T {
  return runInSpanThen(span, ctx, fn, hooks, (value) => settleWithResult(span, value, hooks));
}

/**
 * Like {@link runInSpan}, with the value (returned, or resolved from a native promise) handed to
 * `onValue`, which decides when the span ends; an error thrown or rejected ends it as
 * `runInSpan` does and is rethrown. For work whose span outlives the call (a pending result).
 */
export function runInSpanThen<T>(span: Span, ctx: Context, fn: () => T, hooks: SpanRunHooks, onValue: (value: unknown) => void): T {
  let result: T;
  try {
    result = context.with(ctx, fn);
  } catch (error) {
    settleWithError(span, error, hooks);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        onValue(value);
        return value;
      },
      (error: unknown) => {
        settleWithError(span, error, hooks);
        throw error;
      },
    ) as T;
  }
  onValue(result);
  return result;
}

/**
 * Marks a span failed the way fedscope's spans all are: exception event, `error.type`, ERROR status.
 * The event's message and stack and the status description are redacted (see `redactMessage`)
 * unless the process opted into raw text; the error itself is left as it is for its caller.
 */
export function recordSpanError(span: Span, error: unknown): void {
  span.recordException(redactedException(error));
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: redactedMessageOf(error) });
}

function settleWithResult(span: Span, result: unknown, hooks: SpanRunHooks): void {
  guard(() => hooks.onResult?.(span, result));
  span.end();
}

/** Records `error` on the span (and runs `hooks.onError`), then ends it; never throws. */
export function settleWithError(span: Span, error: unknown, hooks: SpanRunHooks): void {
  guard(() => {
    recordSpanError(span, error);
    hooks.onError?.(span, error);
  });
  span.end();
}

/** Telemetry code must not throw into user code: log and go on. */
export function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    fedscopeLog.error('telemetry callback failed', error);
  }
}
