import type { ClassifiedSpan, SpanRole } from '../../processors/classified-span.js';
import { newClassifiedSpan } from '../../processors/span-classifier.js';

/** A classified span for tests: every field absent or neutral (1 ms, no error) but those given. */
export function classifiedSpan(fields: Partial<ClassifiedSpan> & { role: SpanRole }): ClassifiedSpan {
  return {
    ...newClassifiedSpan(),
    // Absent as on a span built by hand: the readers' fallbacks apply (start = end − duration).
    startTimeMs: undefined,
    service: undefined,
    localRoot: undefined,
    durationMs: 1,
    scopeName: 'fedscope',
    ...fields,
  };
}
