/**
 * The metrics fedscope derives from each ended span: names, descriptions, units and histogram
 * buckets, written once for both ways they are produced (the span metric table with its producer,
 * and the OTel instruments of a span processor used on its own).
 */
import { METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';

/** Bucket advice of the DB semantic conventions for `db.client.operation.duration` (seconds). */
export const DB_OPERATION_DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/**
 * Buckets for federated query and stage durations (seconds): 1 ms to 60 s, about 2.5× apart, so a
 * 100 ms objective and a 1 s one both fall on a boundary.
 */
export const FEDERATION_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Instrumentation scopes that record `db.client.operation.duration` themselves, by default. */
export const SCOPES_RECORDING_DB_DURATION: ReadonlySet<string> = new Set(['@opentelemetry/instrumentation-pg']);

/** Duration of federated queries. */
export const METRIC_FEDERATION_QUERY_DURATION = 'federation.query.duration';
/** Duration of federation stages. */
export const METRIC_FEDERATION_STAGE_DURATION = 'federation.stage.duration';
/** Federated queries completed. */
export const METRIC_FEDERATION_QUERIES = 'federation.queries';
/** Federated queries that failed. */
export const METRIC_FEDERATION_QUERY_ERRORS = 'federation.query.errors';
/** Federated queries running now. */
export const METRIC_FEDERATION_QUERIES_ACTIVE = 'federation.queries.active';
/** Duration of source calls, by source, whatever instrumentation made the span. */
export const METRIC_FEDERATION_SOURCE_DURATION = 'federation.source.duration';
/** Source calls that failed, by source and error type. */
export const METRIC_FEDERATION_SOURCE_ERRORS = 'federation.source.errors';
/** Spans the processor classified and recorded, by `fedscope.span.role`. */
export const METRIC_FEDSCOPE_PROCESSOR_SPANS = 'fedscope.span_processor.spans';

/** What a span-derived metric is. */
export interface SpanMetricDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** Histograms: explicit bucket boundaries; counters have none. */
  readonly boundaries?: readonly number[];
  /** `counter` (monotonic sum), `upDownCounter` (non-monotonic sum) or `histogram`. */
  readonly kind: 'counter' | 'upDownCounter' | 'histogram';
}

/** Every span-derived metric, by name. */
export const SPAN_METRICS = {
  dbDuration: {
    name: METRIC_DB_CLIENT_OPERATION_DURATION,
    description: 'Duration of database client operations.',
    unit: 's',
    boundaries: DB_OPERATION_DURATION_BUCKETS,
    kind: 'histogram',
  },
  queryDuration: {
    name: METRIC_FEDERATION_QUERY_DURATION,
    description: 'Duration of federated queries, from the root span.',
    unit: 's',
    boundaries: FEDERATION_DURATION_BUCKETS,
    kind: 'histogram',
  },
  stageDuration: {
    name: METRIC_FEDERATION_STAGE_DURATION,
    description: 'Duration of federation stages (plan, split, dispatch, fetch, merge, cache).',
    unit: 's',
    boundaries: FEDERATION_DURATION_BUCKETS,
    kind: 'histogram',
  },
  sourceDuration: {
    name: METRIC_FEDERATION_SOURCE_DURATION,
    description: 'Duration of calls to federation sources (DB and HTTP), by source.',
    unit: 's',
    boundaries: FEDERATION_DURATION_BUCKETS,
    kind: 'histogram',
  },
  queries: { name: METRIC_FEDERATION_QUERIES, description: 'Federated queries completed.', unit: '{query}', kind: 'counter' },
  queryErrors: { name: METRIC_FEDERATION_QUERY_ERRORS, description: 'Federated queries that failed.', unit: '{query}', kind: 'counter' },
  sourceErrors: { name: METRIC_FEDERATION_SOURCE_ERRORS, description: 'Source calls that failed.', unit: '{call}', kind: 'counter' },
  activeQueries: {
    name: METRIC_FEDERATION_QUERIES_ACTIVE,
    description: 'Federated queries running now.',
    unit: '{query}',
    kind: 'upDownCounter',
  },
} as const satisfies Record<string, SpanMetricDefinition>;

/** The key of one span-derived metric in {@link SPAN_METRICS}. */
export type SpanMetricId = keyof typeof SPAN_METRICS;
