import { randomUUID } from 'node:crypto';
import { context, SpanKind, trace, type Attributes, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { fedscopeLog } from '../src/diagnostics/fedscope-log.js';
import {
  ATTR_FEDERATION_CACHE_HIT,
  ATTR_FEDERATION_CACHE_HITS,
  ATTR_FEDERATION_CACHE_LOOKUPS,
  ATTR_FEDERATION_PART,
  ATTR_FEDERATION_QUERY_ID,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_ROWS_RETURNED,
  ATTR_FEDERATION_SOURCE_COUNT,
  ATTR_FEDERATION_STAGE,
  FEDSCOPE_SCOPE_NAME,
  SPAN_NAME_QUERY_PREFIX,
  SPAN_NAME_STAGE_PREFIX,
} from '../src/span-model/attributes.js';
import { FEDSCOPE_VERSION } from '../src/version.js';
import { activeQueryScope, QueryScope, withQueryScope } from './query-scope.js';
import { runInSpan } from './span-runner.js';

/** The stages of federated execution fedscope names; any other string is allowed too. */
export type FederationStageName = 'plan' | 'split' | 'dispatch' | 'fetch' | 'merge' | 'cache' | (string & {});

/** Options of {@link federatedQuery}. */
export interface FederatedQueryOptions {
  /**
   * This execution's id (`federation.query.id`).
   * @default a random UUID
   */
  id?: string;
  /** Extra attributes for the root span. */
  attributes?: Attributes;
  /**
   * Tracer provider to use.
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider;
}

/** Options of {@link stage}. */
export interface StageOptions {
  /** The part (sub-query) this stage works on (`federation.part`). */
  part?: string;
  /** Extra attributes for the stage span. */
  attributes?: Attributes;
  /**
   * Tracer provider to use.
   * @default the global tracer provider
   */
  tracerProvider?: TracerProvider;
}

/**
 * Runs `fn` as one federated query: an INTERNAL root span `federation.query {name}` that its
 * stages and source calls nest under, across `await` and `Promise.all`.
 *
 * Returns what `fn` returns (a promise for async work). When it settles the span gets
 * `federation.source.count`, `federation.rows.returned` (set through the scope, or the result's
 * length when it is an array) and cache attributes. An error is recorded and rethrown unchanged.
 *
 * @param name - the query's name; keep it low-cardinality (it labels metrics)
 * @param fn - the query's work; receives the {@link QueryScope}
 */
export function federatedQuery<T>(name: string, fn: (query: QueryScope) => T, options: FederatedQueryOptions = {}): T {
  const queryName = nameOrDefault(name, 'federatedQuery');
  const id = options.id ?? randomUUID();
  const span = tracerOf(options.tracerProvider).startSpan(`${SPAN_NAME_QUERY_PREFIX} ${queryName}`, {
    kind: SpanKind.INTERNAL,
    attributes: { ...options.attributes, [ATTR_FEDERATION_QUERY_NAME]: queryName, [ATTR_FEDERATION_QUERY_ID]: id },
  });
  const scope = new QueryScope(queryName, id, span);
  const ctx = withQueryScope(trace.setSpan(context.active(), span), scope);
  const finish = (result?: unknown): void => {
    if (scope.rowsReturned === undefined && Array.isArray(result)) scope.setRowsReturned(result.length);
    span.setAttribute(ATTR_FEDERATION_SOURCE_COUNT, scope.sources.size);
    if (scope.rowsReturned !== undefined) span.setAttribute(ATTR_FEDERATION_ROWS_RETURNED, scope.rowsReturned);
    if (scope.cacheLookups > 0) {
      span.setAttribute(ATTR_FEDERATION_CACHE_HIT, scope.cacheHits > 0);
      span.setAttribute(ATTR_FEDERATION_CACHE_HITS, scope.cacheHits);
      span.setAttribute(ATTR_FEDERATION_CACHE_LOOKUPS, scope.cacheLookups);
    }
  };
  return runInSpan(span, ctx, () => fn(scope), { onResult: (_s, result) => finish(result), onError: () => finish() });
}

/**
 * Runs `fn` as one stage of the current federated query: an INTERNAL span `federation.stage {name}`
 * with `federation.stage` and, inside a query, `federation.query.name`.
 *
 * Returns what `fn` returns; an error is recorded and rethrown unchanged.
 *
 * @param name - plan, split, dispatch, fetch, merge, cache, or a name of your own
 * @param fn - the stage's work; receives the stage span for extra attributes
 */
export function stage<T>(name: FederationStageName, fn: (span: Span) => T, options: StageOptions = {}): T {
  const stageName = nameOrDefault(name, 'stage');
  const attributes: Attributes = { ...options.attributes, [ATTR_FEDERATION_STAGE]: stageName };
  const query = activeQueryScope();
  if (query) attributes[ATTR_FEDERATION_QUERY_NAME] = query.name;
  if (options.part !== undefined) attributes[ATTR_FEDERATION_PART] = options.part;
  const span = tracerOf(options.tracerProvider).startSpan(`${SPAN_NAME_STAGE_PREFIX} ${stageName}`, {
    kind: SpanKind.INTERNAL,
    attributes,
  });
  return runInSpan(span, trace.setSpan(context.active(), span), () => fn(span));
}

/** fedscope's tracer of each provider seen: getTracer builds a key and searches a map on every call. */
const tracers = new WeakMap<TracerProvider, Tracer>();

/**
 * fedscope's tracer of `provider`, or of the global provider as it is now: the global one is
 * looked up per call (a provider registered later, or the global API disabled and set again in
 * tests, is used), its tracer is kept per provider object.
 */
export function tracerOf(provider: TracerProvider | undefined): Tracer {
  const from = provider ?? trace.getTracerProvider();
  let tracer = tracers.get(from);
  if (tracer === undefined) {
    tracer = from.getTracer(FEDSCOPE_SCOPE_NAME, FEDSCOPE_VERSION);
    tracers.set(from, tracer);
  }
  return tracer;
}

function nameOrDefault(name: unknown, caller: string): string {
  if (typeof name === 'string' && name.trim() !== '') return name;
  fedscopeLog.warn(`${caller}() needs a non-empty name; using 'unnamed'`);
  return 'unnamed';
}
