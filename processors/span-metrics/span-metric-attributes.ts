/**
 * Which span-derived metrics an ended span adds to, and with what attributes: written once for the
 * span metric table (which builds a metric's attributes only the first time it sees their key) and
 * for the OTel instruments of a span processor used on its own (which pass them on every record).
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import { ATTR_FEDERATION_QUERY_NAME, ATTR_FEDERATION_SOURCE, ATTR_FEDERATION_STAGE } from '../../src/span-model/attributes.js';
import { UNKNOWN_SERVICE, type ClassifiedSpan } from '../classified-span.js';

/** The span-derived histograms (durations in seconds). */
export type SpanHistogramId = 'dbDuration' | 'queryDuration' | 'stageDuration' | 'sourceDuration';
/** The span-derived counters (one per span that counts). */
export type SpanCounterId = 'queries' | 'queryErrors' | 'sourceErrors';

/** Receives the metrics one span adds to (see {@link visitSpanMetrics}). */
export interface SpanMetricVisitor {
  /** The span adds its duration (seconds) to histogram `id`. */
  histogram(id: SpanHistogramId, span: ClassifiedSpan, seconds: number): void;
  /** The span adds one to counter `id`. */
  counter(id: SpanCounterId, span: ClassifiedSpan): void;
}

/**
 * Tells `visitor` every metric `span` adds to: a query its count, error count and duration; a stage
 * or cache lookup its duration; a source call its duration, error count and — unless it is HTTP or
 * its instrumentation scope records it itself — `db.client.operation.duration`; a failed
 * connection attempt its source's error count.
 */
export function visitSpanMetrics(span: ClassifiedSpan, scopesRecordingDbDuration: ReadonlySet<string>, visitor: SpanMetricVisitor): void {
  const seconds = span.durationMs / 1000;
  switch (span.role) {
    case 'query':
      visitor.counter('queries', span);
      if (span.errorType !== undefined) visitor.counter('queryErrors', span);
      visitor.histogram('queryDuration', span, seconds);
      return;
    case 'stage':
    case 'cache':
      visitor.histogram('stageDuration', span, seconds);
      return;
    case 'connection':
      if (span.errorType !== undefined) visitor.counter('sourceErrors', span);
      return;
    case 'source':
      if (span.errorType !== undefined) visitor.counter('sourceErrors', span);
      visitor.histogram('sourceDuration', span, seconds);
      if (span.system !== 'http' && !scopesRecordingDbDuration.has(span.scopeName)) visitor.histogram('dbDuration', span, seconds);
      return;
    default:
      return;
  }
}

/** Reads the value of one attribute of a span-derived metric from a classified span (`undefined`: absent). */
export type SpanMetricValueReader = (span: ClassifiedSpan) => string | number | undefined;

/** One attribute of a span-derived metric and how it is read from a classified span. */
type Field = readonly [attribute: string, read: SpanMetricValueReader];

const SERVICE: Field = [ATTR_SERVICE_NAME, (span) => span.service ?? UNKNOWN_SERVICE];
const QUERY: Field = [ATTR_FEDERATION_QUERY_NAME, (span) => span.queryName];
const STAGE: Field = [ATTR_FEDERATION_STAGE, (span) => span.stage];
const SOURCE: Field = [ATTR_FEDERATION_SOURCE, (span) => span.source];
const ERROR_TYPE: Field = [ATTR_ERROR_TYPE, (span) => span.errorType];

/**
 * The attributes of each metric, in the order they are written. Every `federation.*` series names
 * the service that emitted the span (many in the collector companion); `db.client.operation.duration`
 * has the DB semantic conventions' attributes, then `federation.source` and `service.name`.
 */
const FIELDS: Record<SpanHistogramId | SpanCounterId, readonly Field[]> = {
  queries: [SERVICE, QUERY],
  queryErrors: [SERVICE, QUERY, ERROR_TYPE],
  queryDuration: [SERVICE, QUERY, ERROR_TYPE],
  stageDuration: [SERVICE, STAGE, QUERY, ERROR_TYPE],
  sourceErrors: [SERVICE, SOURCE, ERROR_TYPE],
  sourceDuration: [SERVICE, SOURCE, ERROR_TYPE],
  dbDuration: [
    [ATTR_DB_SYSTEM_NAME, (span) => span.system],
    SOURCE,
    [ATTR_DB_NAMESPACE, (span) => span.namespace],
    [ATTR_DB_OPERATION_NAME, (span) => span.operationName],
    [ATTR_SERVER_ADDRESS, (span) => span.serverAddress],
    [ATTR_SERVER_PORT, (span) => span.serverPort],
    ERROR_TYPE,
    // Last, after the DB conventions' own attributes: the service that made the call (the
    // companion receives many services' spans, and a fleet's calls must not merge across them).
    SERVICE,
  ],
};

/**
 * How metric `id`'s attribute values are read from a span, in its attribute order: two spans get
 * the same attributes from {@link spanMetricAttributes} exactly when every reader gives them the
 * same value (the span metric table finds a series by these values, without an attribute object).
 */
export function spanMetricValueReaders(id: SpanHistogramId | SpanCounterId): readonly SpanMetricValueReader[] {
  return FIELDS[id].map(([, read]) => read);
}

// The active-queries key joins service and query name with a character no name holds.
const SEP = '\u0000';

/** The attributes of metric `id` for `span`, absent values left out. */
export function spanMetricAttributes(id: SpanHistogramId | SpanCounterId, span: ClassifiedSpan): Attributes {
  const attributes: Attributes = {};
  for (const [attribute, read] of FIELDS[id]) {
    const value = read(span);
    if (value !== undefined) attributes[attribute] = value;
  }
  return attributes;
}

/** The key of the active-queries series of a query started in `service`. */
export function activeQueryKey(queryName: string, service: string): string {
  return service + SEP + queryName + SEP;
}

/** The attributes of the active-queries series of a query started in `service`. */
export function activeQueryAttributes(queryName: string, service: string): Attributes {
  return { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_QUERY_NAME]: queryName };
}
