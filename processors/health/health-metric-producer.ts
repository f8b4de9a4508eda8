import type { Attributes, HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import type { CollectionResult, DataPoint, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { collectionOf, gaugeMetric } from '../metric-data.js';
import type { HealthScorer } from './health-scorer.js';
import type { HealthScore } from './types.js';

/**
 * Exports the health scores: `federation.health.score{scope, name}` (0–100) and
 * `federation.health.deduction{scope, name, component}` (points taken off, only components that
 * took some), so a dashboard can show why a score dropped.
 */
export class HealthMetricProducer implements MetricProducer {
  private readonly startTime: HrTime = millisToHrTime(Date.now());
  private readonly resource: Resource;

  /**
   * @param scorer - the scorer to read
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly scorer: HealthScorer,
    options: { resource?: Resource } = {},
  ) {
    this.resource = options.resource ?? emptyResource();
  }

  /** Scores everything and returns the gauges. */
  async collect(): Promise<CollectionResult> {
    const snapshot = this.scorer.snapshot();
    const now = millisToHrTime(Date.now());
    const scores: DataPoint<number>[] = [];
    const deductions: DataPoint<number>[] = [];
    const add = (s: HealthScore) => {
      const attributes: Attributes = { scope: s.scope, name: s.name };
      scores.push({ startTime: this.startTime, endTime: now, attributes, value: s.score });
      for (const c of s.components) if (c.deduction > 0) deductions.push({ startTime: this.startTime, endTime: now, attributes: { ...attributes, component: c.name }, value: c.deduction });
    };
    add(snapshot.overall);
    snapshot.queries.forEach(add);
    snapshot.sources.forEach(add);
    const metrics: MetricData[] = [gaugeMetric('federation.health.score', 'Health score 0–100 (100 − Σ deductions) per scope (overall, query, source).', '1', scores)];
    if (deductions.length > 0) metrics.push(gaugeMetric('federation.health.deduction', 'Points taken off a health score, per component.', '1', deductions));
    return collectionOf('health', metrics, this.resource);
  }
}
