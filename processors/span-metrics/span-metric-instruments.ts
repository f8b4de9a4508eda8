import type { Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import type { ClassifiedSpan } from '../classified-span.js';
import {
  activeQueryAttributes,
  spanMetricAttributes,
  visitSpanMetrics,
  type SpanCounterId,
  type SpanHistogramId,
  type SpanMetricVisitor,
} from './span-metric-attributes.js';
import { SPAN_METRICS, type SpanMetricDefinition } from './span-metric-definitions.js';

/** Where the span-derived metrics go: a span metric table, or OTel instruments on a meter. */
export interface SpanMetricRecorder {
  /** Records one ended span. */
  record(span: ClassifiedSpan): void;
  /** Counts a federated query that started in `service`. */
  queryStarted(queryName: string, service: string): void;
  /** Counts a federated query that ended after it was seen starting. */
  queryFinished(queryName: string, service: string): void;
}

/**
 * The span-derived metrics as OTel instruments: one `record`/`add` with an attribute object per
 * metric and span (what a span processor used on its own, without a span metric table, records).
 */
export class SpanMetricInstruments implements SpanMetricRecorder, SpanMetricVisitor {
  private readonly histograms: Record<SpanHistogramId, Histogram>;
  private readonly counters: Record<SpanCounterId, Counter>;
  private readonly activeQueries: UpDownCounter;

  /**
   * @param meter - where the instruments are created
   * @param scopesRecordingDbDuration - scopes whose spans get no `db.client.operation.duration` from fedscope
   */
  constructor(
    meter: Meter,
    private readonly scopesRecordingDbDuration: ReadonlySet<string>,
  ) {
    const histogram = (definition: SpanMetricDefinition & { boundaries: readonly number[] }) =>
      meter.createHistogram(definition.name, {
        description: definition.description,
        unit: definition.unit,
        advice: { explicitBucketBoundaries: [...definition.boundaries] },
      });
    const counter = (definition: SpanMetricDefinition) =>
      meter.createCounter(definition.name, { description: definition.description, unit: definition.unit });
    this.histograms = {
      dbDuration: histogram(SPAN_METRICS.dbDuration),
      queryDuration: histogram(SPAN_METRICS.queryDuration),
      stageDuration: histogram(SPAN_METRICS.stageDuration),
      sourceDuration: histogram(SPAN_METRICS.sourceDuration),
    };
    this.counters = {
      queries: counter(SPAN_METRICS.queries),
      queryErrors: counter(SPAN_METRICS.queryErrors),
      sourceErrors: counter(SPAN_METRICS.sourceErrors),
    };
    const active = SPAN_METRICS.activeQueries;
    this.activeQueries = meter.createUpDownCounter(active.name, { description: active.description, unit: active.unit });
  }

  /** Records one ended span. */
  record(span: ClassifiedSpan): void {
    visitSpanMetrics(span, this.scopesRecordingDbDuration, this);
  }

  /** @inheritdoc */
  histogram(id: SpanHistogramId, span: ClassifiedSpan, seconds: number): void {
    this.histograms[id].record(seconds, spanMetricAttributes(id, span));
  }

  /** @inheritdoc */
  counter(id: SpanCounterId, span: ClassifiedSpan): void {
    this.counters[id].add(1, spanMetricAttributes(id, span));
  }

  /** Counts a federated query that started in `service`. */
  queryStarted(queryName: string, service: string): void {
    this.activeQueries.add(1, activeQueryAttributes(queryName, service));
  }

  /** Counts a federated query that ended. */
  queryFinished(queryName: string, service: string): void {
    this.activeQueries.add(-1, activeQueryAttributes(queryName, service));
  }
}
