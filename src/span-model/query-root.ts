import { SpanKind } from '@opentelemetry/api';
import { SPAN_NAME_QUERY_PREFIX } from './attributes.js';

/**
 * Whether a span is the root of a federated query: named `federation.query {name}`, carrying a
 * `federation.query.name`, no `federation.stage`, and not a CLIENT span (a user's client call
 * that happens to share the prefix is a source call). The one definition the span processor
 * uses when a root starts and ends and the classifier uses for its role.
 * @param name - the span's name
 * @param kind - the span's kind
 * @param queryName - its `federation.query.name` attribute
 * @param stage - its `federation.stage` attribute
 */
export function isQueryRootSpan(name: string, kind: SpanKind, queryName: unknown, stage: unknown): queryName is string {
  return typeof queryName === 'string' && typeof stage !== 'string' && kind !== SpanKind.CLIENT && name.startsWith(SPAN_NAME_QUERY_PREFIX);
}
