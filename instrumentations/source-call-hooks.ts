import type { Span } from '@opentelemetry/api';
import { fedscopeLog } from '../src/diagnostics/fedscope-log.js';
import { ATTR_DB_RESPONSE_RETURNED_ROWS } from '../src/span-model/attributes.js';

/** One call of a traced method, as the hooks of fedscope's instrumentations see it. */
export interface SourceCallInfo {
  /** Name of the method that was called. */
  method: string;
  /** The call's arguments as the caller passed them (parameter values included: do not export them blindly). */
  args: readonly unknown[];
}

/** What a response hook gets on top of the call's information. */
export interface SourceCallResult {
  /** What the method returned or resolved to, unchanged. */
  result: unknown;
}

/**
 * The span hooks of fedscope's source-call instrumentations (the DB instrumentations and
 * `instrumentAdapter`): user code that may add attributes to a call's span.
 *
 * @typeParam Request - what the request hook learns about the call
 * @typeParam Response - what the response hook learns (the call and its result)
 */
export interface SourceCallHooks<Request, Response = Request & SourceCallResult> {
  /**
   * Called after the call's span starts, before the traced method runs. An error it throws is
   * logged, never thrown into the caller.
   * @default undefined
   */
  requestHook?: (span: Span, info: Request) => void;
  /**
   * Called with the result before a successful call's span ends (for a result that is read
   * later, an iteration or a pending result, when that ends). An error it throws is logged,
   * never thrown into the caller.
   * @default undefined
   */
  responseHook?: (span: Span, info: Response) => void;
}

/**
 * Calls a user's request hook, if there is one. Hooks are telemetry: whatever one throws is
 * logged and swallowed, so that the traced call runs as it would without fedscope.
 */
export function runRequestHook<Request>(hook: ((span: Span, info: Request) => void) | undefined, span: Span, request: Request): void {
  if (hook) callUserHook('requestHook', () => hook(span, request));
}

/**
 * Records a successful call's response on its span: `db.response.returned_rows` when the rows
 * were counted, then the user's response hook (if any) with the call and its result, guarded as
 * {@link runRequestHook} guards the request hook.
 */
export function recordCallResponse<Request>(
  span: Span,
  rows: number | undefined,
  hook: ((span: Span, info: Request & SourceCallResult) => void) | undefined,
  request: Request,
  result: unknown,
): void {
  if (rows !== undefined) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, rows);
  if (hook) callUserHook('responseHook', () => hook(span, { ...request, result }));
}

/** The one place a user hook is called: its error is logged and goes no further. */
function callUserHook(name: 'requestHook' | 'responseHook', call: () => void): void {
  try {
    call();
  } catch (error) {
    fedscopeLog.error(`the ${name} threw; the call goes on without it`, error);
  }
}
