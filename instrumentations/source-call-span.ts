import { context, SpanKind, type Attributes, type Context, type Span, type TimeInput, type Tracer } from '@opentelemetry/api';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import type { QueryTextMode } from '../src/span-model/query-text-mode.js';
import {
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_RETRY_ATTEMPT,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_SOURCE_KIND,
} from '../src/span-model/attributes.js';
import { applyDbStatementAttributes } from '../src/span-model/db-call-attributes.js';
import { classifyDbError, dbErrorAttributes } from '../src/span-model/error-class.js';
import { defaultQueryTextMode } from '../src/span-model/query-text-mode.js';
import { activeQueryScope } from './query-scope.js';
import { activeSourceContext } from './source-context.js';
import { recordSpanError } from './span-runner.js';

/** One call to a database source, as fedscope's instrumentations describe it. */
export interface DbSourceCall {
  /** `federation.source`: the registered name of the source. */
  source: string;
  /** `db.system.name`. */
  system: string;
  /** `db.namespace`, when known. */
  namespace?: string | undefined;
  /** `server.address`, for networked databases. */
  serverAddress?: string | undefined;
  /** `server.port`, for networked databases. */
  serverPort?: number | undefined;
  /** The statement text, unsanitised. */
  text?: string | undefined;
  /** How the text goes on the span; the process default (`defaultQueryTextMode()`) when undefined. */
  queryText?: QueryTextMode | undefined;
  /** Overrides the operation parsed from the text. */
  operationName?: string | undefined;
  /** Overrides the collection parsed from the text. */
  collectionName?: string | undefined;
}

/**
 * The attributes every source call carries whatever made it: `federation.source`, the query part
 * (`federation.part`) and retry ordinal (`federation.retry.attempt`) a federation runtime declared
 * with `withSourceContext`, and, inside a federated query, `federation.query.name`. Also notes the
 * source on the running query, so that its root span counts it in `federation.source.count`.
 *
 * @param source - the source name the caller would use on its own (instrumentation option or default)
 * @param ctx - the context the call runs in
 * @param sourceIsExplicit - `source` was given for this very call (an adapter's own `source`), so
 *   it wins over a declared source context; otherwise the declared source wins, since the runtime
 *   knows which registered source a driver call serves and the driver instrumentation does not
 */
export function sourceCallAttributes(source: string, ctx: Context = context.active(), sourceIsExplicit = false): Attributes {
  const declared = activeSourceContext(ctx);
  const name = sourceIsExplicit || declared === undefined ? source : declared.source;
  const attributes: Attributes = { [ATTR_FEDERATION_SOURCE]: name };
  if (declared?.part !== undefined) attributes[ATTR_FEDERATION_PART] = declared.part;
  // Like semconv's http.request.resend_count: only retries carry it.
  if (declared?.retryAttempt !== undefined && declared.retryAttempt > 0) attributes[ATTR_FEDERATION_RETRY_ATTEMPT] = declared.retryAttempt;
  const query = activeQueryScope(ctx);
  if (query) {
    attributes[ATTR_FEDERATION_QUERY_NAME] = query.name;
    query.addSource(name);
  }
  return attributes;
}

/** Name and attributes of a database source call's CLIENT span. */
export function dbSourceCallSpanOptions(call: DbSourceCall, ctx: Context = context.active()): { name: string; attributes: Attributes } {
  const attributes = sourceCallAttributes(call.source, ctx);
  if (call.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = call.serverAddress;
  if (call.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = call.serverPort;
  const name = applyDbStatementAttributes(attributes, {
    system: call.system,
    namespace: call.namespace,
    text: call.text,
    queryText: call.queryText ?? defaultQueryTextMode(),
    operationName: call.operationName,
    collectionName: call.collectionName,
  });
  return { name, attributes };
}

/** Starts the CLIENT span of a database source call (as a child of the span active in `ctx`). */
export function startDbSourceCallSpan(tracer: Tracer, call: DbSourceCall, options: { ctx?: Context; startTime?: TimeInput } = {}): Span {
  const ctx = options.ctx ?? context.active();
  const { name, attributes } = dbSourceCallSpanOptions(call, ctx);
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes, startTime: options.startTime }, ctx);
}

/** `federation.source.kind` of a call to a source backed by an application function. */
export const SOURCE_KIND_FUNCTION = 'function';

/**
 * Starts the CLIENT span of a call to a source backed by a function of the application's own
 * (`FunctionSource`): named `function {source}`, with `federation.source` and
 * `federation.source.kind` = `function` and no `db.system.name` or HTTP attributes — the call has
 * no protocol to describe, and a made-up database system would mislabel its metrics.
 *
 * @param tracer - the tracer to start it with
 * @param source - the registered source's name (wins over a declared source context, as an adapter's own name does)
 * @param ctx - the context the call runs in; the span is its child
 */
export function startFunctionSourceCallSpan(tracer: Tracer, source: string, ctx: Context = context.active()): Span {
  const attributes = sourceCallAttributes(source, ctx, true);
  attributes[ATTR_FEDERATION_SOURCE_KIND] = SOURCE_KIND_FUNCTION;
  return tracer.startSpan(`${SOURCE_KIND_FUNCTION} ${source}`, { kind: SpanKind.CLIENT, attributes }, ctx);
}

/**
 * Marks a database call's span failed: exception event, ERROR status, and the classified
 * `error.type`, `federation.error.class` and `db.response.status_code`.
 */
export function recordDbCallError(span: Span, error: unknown, system?: string): void {
  recordSpanError(span, error);
  classifyDbCallError(span, error, system);
}

/**
 * Sets the classified `error.type`, `federation.error.class` and `db.response.status_code` of a
 * failed database call (for `runInSpan`'s `onError`, which has recorded the error already).
 */
export function classifyDbCallError(span: Span, error: unknown, system?: string): void {
  span.setAttributes(dbErrorAttributes(classifyDbError(error, { system })));
}
