import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  METRIC_DB_CLIENT_OPERATION_DURATION,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_STAGE,
  ATTR_FEDSCOPE_SPAN_ROLE,
} from '../src/span-model/attributes.js';
import { UNKNOWN_SERVICE, type ClassifiedSpan, type SpanRole } from './classified-span.js';

/** Bucket advice of the DB semantic conventions for `db.client.operation.duration` (seconds). */
export const DB_OPERATION_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/**
 * Buckets for federated query and stage durations (seconds): 1 ms to 60 s, about 2.5× apart, so a
 * 100 ms objective and a 1 s one both fall on a boundary.
 */
export const FEDERATION_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Instrumentation scopes that record `db.client.operation.duration` themselves: by default
 * fedscope records none for their spans so nothing is counted twice. (startFedscope drops contrib
 * pg's own series with a view instead and records every driver's spans the same way.)
 */
export const SCOPES_RECORDING_DB_DURATION: ReadonlySet<string> = new Set(['@opentelemetry/instrumentation-pg']);

/** Metric names fedscope records from spans. */
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

/** The OTel instruments that ended spans are recorded into. */
export class FederationInstruments {
  private readonly dbDuration: Histogram;
  private readonly queryDuration: Histogram;
  private readonly stageDuration: Histogram;
  private readonly sourceDuration: Histogram;
  private readonly queries: Counter;
  private readonly queryErrors: Counter;
  private readonly sourceErrors: Counter;
  private readonly activeQueries: UpDownCounter;

  /**
   * @param meter - the meter the instruments are created on
   * @param scopesRecordingDbDuration - scopes whose spans get no `db.client.operation.duration` from fedscope
   * @param spansByRole - spans recorded so far by role, read at each collection (before the synchronous instruments)
   */
  constructor(
    meter: Meter,
    private readonly scopesRecordingDbDuration: ReadonlySet<string> = SCOPES_RECORDING_DB_DURATION,
    spansByRole?: () => Readonly<Record<SpanRole, number>>,
  ) {
    if (spansByRole !== undefined) {
      meter
        .createObservableCounter(METRIC_FEDSCOPE_PROCESSOR_SPANS, {
          description: "Spans fedscope's span processor classified and recorded, by role.",
          unit: '{span}',
        })
        .addCallback((result) => {
          for (const [role, count] of Object.entries(spansByRole()))
            if (count > 0) result.observe(count, { [ATTR_FEDSCOPE_SPAN_ROLE]: role });
        });
    }
    this.dbDuration = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: 'Duration of database client operations.',
      unit: 's',
      advice: { explicitBucketBoundaries: DB_OPERATION_DURATION_BUCKETS },
    });
    this.queryDuration = meter.createHistogram(METRIC_FEDERATION_QUERY_DURATION, {
      description: 'Duration of federated queries, from the root span.',
      unit: 's',
      advice: { explicitBucketBoundaries: FEDERATION_DURATION_BUCKETS },
    });
    this.stageDuration = meter.createHistogram(METRIC_FEDERATION_STAGE_DURATION, {
      description: 'Duration of federation stages (plan, split, dispatch, fetch, merge, cache).',
      unit: 's',
      advice: { explicitBucketBoundaries: FEDERATION_DURATION_BUCKETS },
    });
    this.sourceDuration = meter.createHistogram(METRIC_FEDERATION_SOURCE_DURATION, {
      description: 'Duration of calls to federation sources (DB and HTTP), by source.',
      unit: 's',
      advice: { explicitBucketBoundaries: FEDERATION_DURATION_BUCKETS },
    });
    this.queries = meter.createCounter(METRIC_FEDERATION_QUERIES, { description: 'Federated queries completed.', unit: '{query}' });
    this.queryErrors = meter.createCounter(METRIC_FEDERATION_QUERY_ERRORS, {
      description: 'Federated queries that failed.',
      unit: '{query}',
    });
    this.sourceErrors = meter.createCounter(METRIC_FEDERATION_SOURCE_ERRORS, { description: 'Source calls that failed.', unit: '{call}' });
    this.activeQueries = meter.createUpDownCounter(METRIC_FEDERATION_QUERIES_ACTIVE, {
      description: 'Federated queries running now.',
      unit: '{query}',
    });
  }

  /** Counts a federated query that started in `service`. */
  queryStarted(queryName: string, service: string): void {
    this.activeQueries.add(1, { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_QUERY_NAME]: queryName });
  }

  /** Counts a federated query that ended after {@link queryStarted} saw it start. */
  queryFinished(queryName: string, service: string): void {
    this.activeQueries.add(-1, { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_QUERY_NAME]: queryName });
  }

  /** Records one ended span. */
  record(span: ClassifiedSpan): void {
    const seconds = span.durationMs / 1000;
    // Every federation.* series names the service that emitted the span (many in the collector companion);
    // db.client.operation.duration keeps the DB semantic conventions' attributes.
    const service = span.service ?? UNKNOWN_SERVICE;
    switch (span.role) {
      case 'query': {
        const attributes: Attributes = { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_QUERY_NAME]: span.queryName };
        this.queries.add(1, attributes);
        if (span.errorType !== undefined) {
          this.queryErrors.add(1, {
            [ATTR_SERVICE_NAME]: service,
            [ATTR_FEDERATION_QUERY_NAME]: span.queryName,
            [ATTR_ERROR_TYPE]: span.errorType,
          });
          attributes[ATTR_ERROR_TYPE] = span.errorType;
        }
        this.queryDuration.record(seconds, attributes);
        return;
      }
      case 'stage':
      case 'cache': {
        const attributes: Attributes = { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_STAGE]: span.stage };
        if (span.queryName !== undefined) attributes[ATTR_FEDERATION_QUERY_NAME] = span.queryName;
        if (span.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = span.errorType;
        this.stageDuration.record(seconds, attributes);
        return;
      }
      case 'connection':
        if (span.errorType !== undefined)
          this.sourceErrors.add(1, {
            [ATTR_SERVICE_NAME]: service,
            [ATTR_FEDERATION_SOURCE]: span.source,
            [ATTR_ERROR_TYPE]: span.errorType,
          });
        return;
      case 'source': {
        const bySource: Attributes = { [ATTR_SERVICE_NAME]: service, [ATTR_FEDERATION_SOURCE]: span.source };
        if (span.errorType !== undefined) {
          bySource[ATTR_ERROR_TYPE] = span.errorType;
          this.sourceErrors.add(1, bySource);
        }
        this.sourceDuration.record(seconds, bySource);
        if (span.system === 'http' || this.scopesRecordingDbDuration.has(span.scopeName)) return;
        const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: span.system, [ATTR_FEDERATION_SOURCE]: span.source };
        if (span.namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = span.namespace;
        if (span.operationName !== undefined) attributes[ATTR_DB_OPERATION_NAME] = span.operationName;
        if (span.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = span.serverAddress;
        if (span.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = span.serverPort;
        if (span.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = span.errorType;
        this.dbDuration.record(seconds, attributes);
        return;
      }
      default:
        return;
    }
  }
}
