import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD } from '@opentelemetry/semantic-conventions';
import { sourceCallAttributes } from '../../instrumentations/source-call-span.js';
import { ATTR_FEDERATION_PART, FEDSCOPE_SCOPE_NAME } from '../span-model/attributes.js';
import { ERROR_TYPE_BREAKER_OPEN } from '../span-model/breaker-states.js';
import { FEDSCOPE_VERSION } from '../version.js';
import type { SourceRequest } from './types.js';

/**
 * Records a call that the source's open circuit breaker refused as the source call it would have
 * been: a CLIENT span (child of the part's fetch stage) with `federation.source`, `federation.part`,
 * the source's `db.system.name` (or, for HTTP, `http.request.method`), `error.type` =
 * `breaker_open`, ERROR status, started and ended at once. So the source's error rate counts the
 * refused calls too: during an outage it reads ~100 %, not just the few half-open probes.
 *
 * Costs one span start and end (nothing when tracing is off); no exception event, no query text.
 * Never throws.
 *
 * @param source - the registered source's name
 * @param system - the adapter's system (`postgresql`, `http`, …)
 * @param part - the query part that asked for the call
 * @param request - what would have been sent
 */
export function recordRejectedCall(source: string, system: string, part: string, request: SourceRequest): void {
  try {
    const attributes = sourceCallAttributes(source, context.active(), true);
    attributes[ATTR_FEDERATION_PART] = part;
    attributes[ATTR_ERROR_TYPE] = ERROR_TYPE_BREAKER_OPEN;
    let name: string;
    if (request.kind === 'http') {
      name = (request.request.method ?? 'GET').toUpperCase();
      attributes[ATTR_HTTP_REQUEST_METHOD] = name;
    } else {
      name = system;
      attributes[ATTR_DB_SYSTEM_NAME] = system;
    }
    const span = trace.getTracer(FEDSCOPE_SCOPE_NAME, FEDSCOPE_VERSION).startSpan(name, { kind: SpanKind.CLIENT, attributes });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `the circuit breaker of source '${source}' is open` });
    span.end();
  } catch {
    // Telemetry of a refused call must not turn into another error for the caller.
  }
}
