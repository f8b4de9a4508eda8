import type { Attributes, HrTime } from '@opentelemetry/api';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { gaugeMetric } from './metric-data.js';
import type { HealthScorer } from '../../../processors/health/health-scorer.js';
import type { HealthScore } from '../../../processors/health/types.js';

/**
 * Exports the health scores: `federation.health.score{scope, name}` (0–100) and
 * `federation.health.deduction{scope, name, component}` (points taken off, only components that
 * took some), so a dashboard can show why a score dropped. Query and source scores also carry
 * `service.name` (their labels' `service`); the overall score has none. Over the exposition
 * budget, the overall score and the lowest scores are exported.
 */
export class HealthMetricProducer extends FedscopeMetricProducer {
  /**
   * @param scorer - the scorer to read
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly scorer: HealthScorer,
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('health', options);
  }

  /** Scores everything and returns the gauges. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const snapshot = this.scorer.snapshot();
    const scores: DataPoint<number>[] = [];
    const deductions: DataPoint<number>[] = [];
    const add = (s: HealthScore) => {
      const service = s.labels['service'];
      const attributes: Attributes =
        service === undefined ? { scope: s.scope, name: s.name } : { [ATTR_SERVICE_NAME]: service, scope: s.scope, name: s.name };
      scores.push(this.point(now, attributes, s.score));
      for (const c of s.components)
        if (c.deduction > 0) deductions.push(this.point(now, { ...attributes, component: c.name }, c.deduction));
    };
    // Within the exposition budget: the overall score and the lowest scores (those an operator looks for).
    const scored = this.budget.select(
      ['federation.health.score', 'federation.health.deduction'],
      [snapshot.overall, ...snapshot.queries, ...snapshot.sources],
      (s) => (s === snapshot.overall ? Number.MAX_VALUE : 100 - s.score),
    );
    scored.kept.forEach(add);
    const metrics: MetricData[] = [
      gaugeMetric('federation.health.score', 'Health score 0–100 (100 − Σ deductions) per scope (overall, query, source).', '1', scores),
    ];
    if (deductions.length > 0)
      metrics.push(gaugeMetric('federation.health.deduction', 'Points taken off a health score, per component.', '1', deductions));
    return metrics;
  }
}
