import type { ClassifiedSpan, SpanRole } from '../../processors/classified-span.js';

/** A classified span for tests: every field absent or neutral (1 ms, no error) but those given. */
export function classifiedSpan(fields: Partial<ClassifiedSpan> & { role: SpanRole }): ClassifiedSpan {
  return {
    durationMs: 1,
    endTimeMs: 0,
    error: false,
    errorType: undefined,
    queryName: undefined,
    stage: undefined,
    source: undefined,
    system: undefined,
    operationName: undefined,
    namespace: undefined,
    serverAddress: undefined,
    serverPort: undefined,
    queryText: undefined,
    fingerprint: undefined,
    rowsReturned: undefined,
    cacheHit: undefined,
    scopeName: 'fedscope',
    ...fields,
  };
}
