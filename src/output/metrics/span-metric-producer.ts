import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  type DataPoint,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import type { CounterSeries, HistogramSeries, SpanMetricTable } from '../../../processors/span-metrics/span-metric-table.js';
import { ExplicitBucketHistogram } from '../../../processors/span-metrics/explicit-bucket-histogram.js';
import type { ExponentialHistogramAccumulation } from '../../../processors/span-metrics/exponential-bucket-histogram.js';
import { OVERFLOW_LABEL } from '../../../processors/analysis/keyed-series.js';
import { SPAN_METRICS, type SpanMetricDefinition } from '../../../processors/span-metrics/span-metric-definitions.js';
import type { SpanCounterId, SpanHistogramId } from '../../../processors/span-metrics/span-metric-attributes.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric } from './metric-data.js';

const HISTOGRAMS: readonly SpanHistogramId[] = ['dbDuration', 'queryDuration', 'stageDuration', 'sourceDuration'];
const COUNTERS: readonly SpanCounterId[] = ['queries', 'queryErrors', 'sourceErrors'];

/** How a reader wants histograms: explicit buckets (Prometheus) or base-2 exponential (OTLP). */
export type HistogramFlavor = 'explicit' | 'exponential';

/**
 * The histogram flavor a reader asks for through its aggregation selector (`selectAggregation`):
 * exponential when it selects `EXPONENTIAL_HISTOGRAM` for histograms, explicit otherwise.
 */
export function histogramFlavorOf(aggregation: { type: AggregationType }): HistogramFlavor {
  return aggregation.type === AggregationType.EXPONENTIAL_HISTOGRAM ? 'exponential' : 'explicit';
}

/**
 * Reports the span metric table (`db.client.operation.duration`, `federation.*.duration`, the query
 * and error counters, `federation.queries.active`) to one metric reader, under the `fedscope`
 * scope the OTel instruments used: cumulative series from the table's start, histograms with
 * explicit buckets or — for a reader that selects them — base-2 exponential buckets. Also
 * `fedscope.span_metrics.overflowed`: recordings that went to a metric's overflow series.
 * Each metric keeps within the exposition budget: over it, the series with the most total time
 * (histograms) or the largest value (counters), and one `otel.metric.overflow` series adding up
 * the rest exactly.
 */
export class SpanMetricProducer extends FedscopeMetricProducer {
  /**
   * @param table - the span metric table
   * @param histograms - the flavor this producer's reader exports (read at each collection)
   * @param options - `resource`: see {@link FedscopeMetricProducerOptions}
   */
  constructor(
    private readonly table: SpanMetricTable,
    private readonly histograms: () => HistogramFlavor,
    options: FedscopeMetricProducerOptions = {},
  ) {
    super(null, options);
  }

  /** @inheritdoc */
  protected metricsAt(now: HrTime): MetricData[] {
    const metrics: MetricData[] = [];
    const exponential = this.histograms() === 'exponential';
    for (const id of HISTOGRAMS) {
      const metric = exponential ? this.exponentialMetric(id, now) : this.explicitMetric(id, now);
      if (metric.dataPoints.length > 0) metrics.push(metric);
    }
    for (const id of COUNTERS) {
      const definition = SPAN_METRICS[id];
      const points = this.countersWithinBudget(definition.name, [...this.table.counterSeries(id)], (s) => s.value).map((series) =>
        this.cumulative(now, series.attributes, series.value),
      );
      if (points.length > 0) metrics.push(sumMetric(definition, true, points));
    }
    const active = this.countersWithinBudget(SPAN_METRICS.activeQueries.name, [...this.table.activeQuerySeries()], (s) =>
      Math.abs(s.value),
    ).map((series) => this.cumulative(now, series.attributes, series.value));
    if (active.length > 0) metrics.push(sumMetric(SPAN_METRICS.activeQueries, false, active));
    const overflowed = [...this.table.overflowed()].map(([metric, count]) => this.cumulative(now, { metric }, count));
    if (overflowed.length > 0) {
      metrics.push(
        counterMetric(
          'fedscope.span_metrics.overflowed',
          `Recordings added to a span-derived metric's otel.metric.overflow series (at most ${this.table.maxSeriesPerMetric} series per metric).`,
          '{recording}',
          overflowed,
        ),
      );
    }
    return metrics;
  }

  /**
   * The counter's series within the exposition budget: all when they fit, else the largest and
   * one overflow series holding the sum of the rest (the table's overflow series included).
   */
  private countersWithinBudget(metric: string, series: CounterSeries[], weight: (series: CounterSeries) => number): CounterSeries[] {
    const selection = this.budget.select([metric], series, weight, isOverflowSeries);
    if (selection.omitted.length === 0) return selection.kept;
    let value = 0;
    for (const each of [...selection.overflow, ...selection.omitted]) value += each.value;
    return [...selection.kept, { attributes: OVERFLOW_ATTRIBUTES, value }];
  }

  /**
   * The histogram's series within the exposition budget: all when they fit, else those with the
   * most total time (sum) and one overflow series whose buckets add up the rest's (the table's
   * overflow series included) — exact, as the series share their buckets.
   */
  private histogramsWithinBudget(id: SpanHistogramId): HistogramSeries[] {
    const series = [...this.table.histogramSeries(id)];
    const selection = this.budget.select([SPAN_METRICS[id].name], series, (s) => s.explicit.sum, isOverflowSeries);
    if (selection.omitted.length === 0) return selection.kept;
    const folded = [...selection.overflow, ...selection.omitted];
    const first = folded[0]!.explicit;
    const explicit = new ExplicitBucketHistogram(first.boundaries);
    let exponential: ExponentialHistogramAccumulation | undefined;
    for (const each of folded) {
      addBuckets(explicit, each.explicit);
      if (each.exponential === undefined) continue;
      if (exponential === undefined) exponential = each.exponential.clone();
      else exponential.merge(each.exponential);
    }
    return [...selection.kept, { attributes: OVERFLOW_ATTRIBUTES, explicit, exponential }];
  }

  private explicitMetric(id: SpanHistogramId, now: HrTime): MetricData {
    const dataPoints: DataPoint<Histogram>[] = [];
    for (const series of this.histogramsWithinBudget(id)) {
      const h = series.explicit;
      if (h.count === 0) continue;
      dataPoints.push({
        startTime: this.table.startTime,
        endTime: now,
        attributes: series.attributes,
        // Copied: an exporter may serialise after more spans were recorded.
        value: { buckets: { boundaries: [...h.boundaries], counts: [...h.counts] }, sum: h.sum, count: h.count, min: h.min, max: h.max },
      });
    }
    return {
      descriptor: descriptorOf(SPAN_METRICS[id], ValueType.DOUBLE),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
  }

  private exponentialMetric(id: SpanHistogramId, now: HrTime): MetricData {
    const dataPoints: DataPoint<ExponentialHistogram>[] = [];
    for (const series of this.histogramsWithinBudget(id)) {
      const point = series.exponential?.toPointValue();
      if (point === undefined || point.count === 0) continue;
      dataPoints.push({
        startTime: this.table.startTime,
        endTime: now,
        attributes: series.attributes,
        value: {
          count: point.count,
          sum: point.sum,
          scale: point.scale,
          zeroCount: point.zeroCount,
          positive: { offset: point.positive.offset, bucketCounts: [...point.positive.bucketCounts] },
          negative: { offset: point.negative.offset, bucketCounts: [...point.negative.bucketCounts] },
          min: point.hasMinMax ? point.min : undefined,
          max: point.hasMinMax ? point.max : undefined,
        },
      });
    }
    return {
      descriptor: descriptorOf(SPAN_METRICS[id], ValueType.DOUBLE),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints,
    };
  }

  private cumulative(now: HrTime, attributes: DataPoint<number>['attributes'], value: number): DataPoint<number> {
    return { startTime: this.table.startTime, endTime: now, attributes, value };
  }
}

const OVERFLOW_ATTRIBUTES: Attributes = { [OVERFLOW_LABEL]: true };

/** Adds `source`'s buckets, sum, count and extremes to `target` (same boundaries). */
function addBuckets(target: ExplicitBucketHistogram, source: ExplicitBucketHistogram): void {
  source.counts.forEach((count, i) => (target.counts[i] = (target.counts[i] ?? 0) + count));
  target.sum += source.sum;
  target.count += source.count;
  target.min = Math.min(target.min, source.min);
  target.max = Math.max(target.max, source.max);
}

function isOverflowSeries(series: { attributes: Attributes }): boolean {
  return series.attributes[OVERFLOW_LABEL] === true;
}

/** A cumulative sum with double values, as the OTel counters (`createCounter`, `createUpDownCounter`) report them. */
function sumMetric(definition: SpanMetricDefinition, isMonotonic: boolean, dataPoints: DataPoint<number>[]): MetricData {
  return {
    descriptor: descriptorOf(definition, ValueType.DOUBLE),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic,
    dataPoints,
  };
}

function descriptorOf(definition: SpanMetricDefinition, valueType: ValueType): MetricData['descriptor'] {
  return { name: definition.name, description: definition.description, unit: definition.unit, valueType };
}
