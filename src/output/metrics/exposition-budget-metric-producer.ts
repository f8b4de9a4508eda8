import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ExpositionBudget } from './exposition-budget.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { gaugeMetric } from './metric-data.js';

/**
 * Exports what the exposition budget left out of this collection:
 * `fedscope.metrics.series.omitted{metric}`, series of `metric` not exported on their own (folded
 * into its `otel.metric.overflow` series or left out), only for metrics over the budget. Put it
 * last among a reader's producers: the others report to the budget while they are collected.
 */
export class ExpositionBudgetMetricProducer extends FedscopeMetricProducer {
  /**
   * @param budget - the budget the reader's other producers report to
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(budget: ExpositionBudget, options: Omit<FedscopeMetricProducerOptions, 'budget'> = {}) {
    super('metrics', { ...options, budget });
  }

  /** Reads and resets the budget's counts of this collection. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const omitted = this.budget.takeOmitted();
    if (omitted.size === 0) return [];
    return [
      gaugeMetric(
        'fedscope.metrics.series.omitted',
        `Series of a metric not exported on their own at the last collection (over the budget of ${this.budget.maxSeriesPerMetric} series per metric): folded into its otel.metric.overflow series or left out.`,
        '{series}',
        [...omitted].map(([metric, count]) => this.point(now, { metric }, count)),
      ),
    ];
  }
}
