import { newClassifiedSpan } from '../../processors/span-classifier.js';
import type { ClassifiedSpan, SpanRole } from '../../processors/classified-span.js';

/** What a synthetic span needs; times are ms relative to `base`. */
export interface SpanSpec {
  id: string;
  parent?: string;
  role: SpanRole;
  start: number;
  end: number;
  stage?: string;
  source?: string;
  part?: string;
  queryName?: string;
  rows?: number;
  cacheHit?: boolean;
  dependsOn?: string[];
  retryAttempt?: number;
  timedOut?: boolean;
  poolWait?: boolean;
  error?: boolean;
  /** `service.name` of the span's resource; undefined as in hand-built spans. */
  service?: string;
}

/** Builds ClassifiedSpans of known timing for one trace (ids are prefixed by the trace id to stay unique). */
export function syntheticTrace(traceId: string, specs: SpanSpec[], base = 1_700_000_000_000, queryName = 'orders'): ClassifiedSpan[] {
  return specs.map((s) => ({
    ...newClassifiedSpan(),
    role: s.role,
    durationMs: s.end - s.start,
    endTimeMs: base + s.end,
    startTimeMs: base + s.start,
    error: s.error ?? false,
    errorType: s.error === true ? 'timeout' : undefined,
    queryName: s.queryName ?? (s.role === 'source' ? undefined : queryName),
    stage: s.stage,
    source: s.source,
    system: s.role === 'source' ? 'postgresql' : undefined,
    rowsReturned: s.rows,
    cacheHit: s.cacheHit,
    scopeName: 'test',
    service: s.service,
    traceId,
    spanId: `${traceId}-${s.id}`,
    parentSpanId: s.parent !== undefined ? `${traceId}-${s.parent}` : undefined,
    localRoot: s.parent === undefined,
    part: s.part,
    dependsOn: s.dependsOn,
    retryAttempt: s.retryAttempt,
    timedOut: s.timedOut ?? false,
    poolWait: s.poolWait ?? false,
  }));
}

/** Children first, the root last: the order in which an SDK ends them. */
export function endOrder(spans: ClassifiedSpan[]): ClassifiedSpan[] {
  return [...spans].sort((a, b) => a.endTimeMs - b.endTimeMs || (a.role === 'query' ? 1 : b.role === 'query' ? -1 : 0));
}
