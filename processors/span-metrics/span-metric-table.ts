import type { Attributes, HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import type { ClassifiedSpan } from '../classified-span.js';
import { ExplicitBucketHistogram } from './explicit-bucket-histogram.js';
import { newExponentialHistogram, type ExponentialHistogramAccumulation } from './exponential-bucket-histogram.js';
import {
  activeQueryAttributes,
  activeQueryKey,
  spanMetricAttributes,
  spanMetricValueReaders,
  visitSpanMetrics,
  type SpanCounterId,
  type SpanHistogramId,
  type SpanMetricVisitor,
} from './span-metric-attributes.js';
import { SCOPES_RECORDING_DB_DURATION, SPAN_METRICS } from './span-metric-definitions.js';
import type { SpanMetricRecorder } from './span-metric-instruments.js';
import { SpanSeriesIndex } from './span-series-index.js';

/** One histogram series: its attributes and its cumulative buckets. */
export interface HistogramSeries {
  readonly attributes: Attributes;
  readonly explicit: ExplicitBucketHistogram;
  /** Kept only when a reader exports exponential histograms (see {@link SpanMetricTable.keepExponential}). */
  readonly exponential: ExponentialHistogramAccumulation | undefined;
}

/** One counter series: its attributes and its cumulative value. */
export interface CounterSeries {
  readonly attributes: Attributes;
  value: number;
}

/** Options of a {@link SpanMetricTable}. */
export interface SpanMetricTableOptions {
  /**
   * Most series per metric, the overflow series included: past it, new attribute sets are added to
   * one series with `otel.metric.overflow=true` (as the OTel SDK's cardinality limit does), and
   * counted in {@link SpanMetricTable.overflowed}.
   * @default 2000 (the OTel SDK's default cardinality limit)
   */
  maxSeriesPerMetric?: number;
  /**
   * Instrumentation scopes that record `db.client.operation.duration` themselves: their spans add
   * nothing to it here.
   * @default `@opentelemetry/instrumentation-pg`
   */
  scopesRecordingDbDuration?: ReadonlySet<string>;
}

const OVERFLOW_KEY = '\u0002overflow';
const OVERFLOW_ATTRIBUTES: Attributes = { 'otel.metric.overflow': true };

/**
 * The span-derived metrics (`db.client.operation.duration`, `federation.*.duration`, the query and
 * error counters, active queries) aggregated by fedscope itself: each ended span adds to a few
 * cumulative series found by a string key, and the attribute object of a series is built once,
 * when the series is created. A metric producer reads the series at collection time
 * (`src/output/metrics/span-metric-producer.ts`), so no per-span `Histogram.record` with an
 * attribute object to hash runs on the span path. Names, units, attributes, buckets and values
 * are those the OTel instruments gave.
 */
export class SpanMetricTable implements SpanMetricVisitor, SpanMetricRecorder {
  /** Start of every cumulative series (the table's creation). */
  readonly startTime: HrTime = millisToHrTime(Date.now());
  private readonly maxSeries: number;
  private readonly scopesRecordingDbDuration: ReadonlySet<string>;
  private readonly histograms: Record<SpanHistogramId, SpanSeriesIndex<HistogramSeries>> = {
    dbDuration: new SpanSeriesIndex(spanMetricValueReaders('dbDuration')),
    queryDuration: new SpanSeriesIndex(spanMetricValueReaders('queryDuration')),
    stageDuration: new SpanSeriesIndex(spanMetricValueReaders('stageDuration')),
    sourceDuration: new SpanSeriesIndex(spanMetricValueReaders('sourceDuration')),
  };
  private readonly counters: Record<SpanCounterId, SpanSeriesIndex<CounterSeries>> = {
    queries: new SpanSeriesIndex(spanMetricValueReaders('queries')),
    queryErrors: new SpanSeriesIndex(spanMetricValueReaders('queryErrors')),
    sourceErrors: new SpanSeriesIndex(spanMetricValueReaders('sourceErrors')),
  };
  /** The overflow series of each metric that reached its bound. */
  private readonly overflowSeries = new Map<SpanHistogramId | SpanCounterId, { attributes: Attributes }>();
  private readonly active = new Map<string, CounterSeries>();
  private exponentialMaxSize: number | undefined;
  private readonly overflowCounts = new Map<string, number>();

  /** @param options - series bound and the scopes that record DB durations themselves */
  constructor(options: SpanMetricTableOptions = {}) {
    this.maxSeries = Math.max(2, options.maxSeriesPerMetric ?? 2000);
    this.scopesRecordingDbDuration = options.scopesRecordingDbDuration ?? SCOPES_RECORDING_DB_DURATION;
  }

  /**
   * Keeps base-2 exponential buckets (at most `maxSize` per sign) beside the explicit ones, for a
   * reader that exports exponential histograms (OTLP). Call it before the first span: series
   * created earlier have none.
   */
  keepExponential(maxSize: number): void {
    this.exponentialMaxSize = maxSize;
  }

  /** Adds one ended span to the metrics it counts in. */
  record(span: ClassifiedSpan): void {
    visitSpanMetrics(span, this.scopesRecordingDbDuration, this);
  }

  /** @inheritdoc */
  histogram(id: SpanHistogramId, span: ClassifiedSpan, seconds: number): void {
    const series = this.histograms[id];
    const found = series.get(span) ?? this.admitHistogram(id, series, span);
    found.explicit.record(seconds);
    found.exponential?.record(seconds);
  }

  /** @inheritdoc */
  counter(id: SpanCounterId, span: ClassifiedSpan): void {
    const series = this.counters[id];
    const found = series.get(span) ?? this.admitCounter(id, series, span);
    found.value++;
  }

  // A series found costs no allocation: the closures that build a new one are made in these
  // methods, not in histogram and counter (a closure's captured parameters would be allocated on
  // every call of the function that holds it, built or not).

  private admitHistogram(id: SpanHistogramId, series: SpanSeriesIndex<HistogramSeries>, span: ClassifiedSpan): HistogramSeries {
    return this.admitSpan(id, series, span, () => this.newHistogram(id, spanMetricAttributes(id, span)));
  }

  private admitCounter(id: SpanCounterId, series: SpanSeriesIndex<CounterSeries>, span: ClassifiedSpan): CounterSeries {
    return this.admitSpan(id, series, span, () => ({ attributes: spanMetricAttributes(id, span), value: 0 }));
  }

  /** Counts a federated query that started in `service`. */
  queryStarted(queryName: string, service: string): void {
    this.activeSeries(queryName, service).value++;
  }

  /** Counts a federated query that ended after {@link queryStarted} saw it start. */
  queryFinished(queryName: string, service: string): void {
    this.activeSeries(queryName, service).value--;
  }

  /** The series of histogram `id`, in creation order. */
  histogramSeries(id: SpanHistogramId): Iterable<HistogramSeries> {
    return this.histograms[id].values();
  }

  /** The series of counter `id`, in creation order. */
  counterSeries(id: SpanCounterId): Iterable<CounterSeries> {
    return this.counters[id].values();
  }

  /** The active-queries series. */
  activeQuerySeries(): Iterable<CounterSeries> {
    return this.active.values();
  }

  /** Recordings that went to a metric's overflow series, by metric name (only metrics that overflowed). */
  overflowed(): ReadonlyMap<string, number> {
    return this.overflowCounts;
  }

  /** The series bound per metric, overflow series included. */
  get maxSeriesPerMetric(): number {
    return this.maxSeries;
  }

  private activeSeries(queryName: string, service: string): CounterSeries {
    const key = activeQueryKey(queryName, service);
    return (
      this.active.get(key) ??
      this.admit('activeQueries', this.active, key, () => ({ attributes: activeQueryAttributes(queryName, service), value: 0 }))
    );
  }

  private newHistogram(id: SpanHistogramId, attributes: Attributes): HistogramSeries {
    return {
      attributes,
      explicit: new ExplicitBucketHistogram(SPAN_METRICS[id].boundaries),
      exponential: this.exponentialMaxSize === undefined ? undefined : newExponentialHistogram(this.startTime, this.exponentialMaxSize),
    };
  }

  /** A new series of `span`'s attribute values, or — the metric at its bound — the overflow series, counted. */
  private admitSpan<T extends { attributes: Attributes }>(
    id: SpanHistogramId | SpanCounterId,
    series: SpanSeriesIndex<T>,
    span: ClassifiedSpan,
    create: () => T,
  ): T {
    if (series.size < this.maxSeries - 1) {
      const created = create();
      series.add(span, created);
      return created;
    }
    this.countOverflow(id);
    let overflow = this.overflowSeries.get(id) as T | undefined;
    if (overflow === undefined) {
      overflow = { ...create(), attributes: OVERFLOW_ATTRIBUTES };
      this.overflowSeries.set(id, overflow);
      series.addUnindexed(overflow);
    }
    return overflow;
  }

  /** A new series under `key`, or — the metric at its bound — the overflow series, counted. */
  private admit<T extends { attributes: Attributes }>(
    id: keyof typeof SPAN_METRICS,
    series: Map<string, T>,
    key: string,
    create: () => T,
  ): T {
    if (series.size < this.maxSeries - 1) {
      const created = create();
      series.set(key, created);
      return created;
    }
    this.countOverflow(id);
    let overflow = series.get(OVERFLOW_KEY);
    if (overflow === undefined) {
      overflow = { ...create(), attributes: OVERFLOW_ATTRIBUTES };
      series.set(OVERFLOW_KEY, overflow);
    }
    return overflow;
  }

  /** Counts a recording that went to metric `id`'s overflow series; the first one is logged. */
  private countOverflow(id: keyof typeof SPAN_METRICS): void {
    const name = SPAN_METRICS[id].name;
    const before = this.overflowCounts.get(name) ?? 0;
    this.overflowCounts.set(name, before + 1);
    if (before === 0)
      fedscopeLog.warn(
        `${name} reached its bound of ${this.maxSeries} series; further attribute sets are added to its otel.metric.overflow series`,
      );
  }
}
