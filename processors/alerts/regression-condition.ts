import type { ClassifiedSpan } from '../classified-span.js';
import { LatencyRegressionDetector } from '../detectors/latency-regression-detector.js';
import { BoundedSeriesMap, labelKey, type ConditionResult, type ConditionSample, type RuleCondition } from './rule-condition.js';
import type { ResolvedRegressionRule, SpanScope } from './types.js';

/**
 * Feeds span latencies of the rule's scope into one {@link LatencyRegressionDetector} per series;
 * the condition holds while the detector reports `regressed`: from a significant increase held for
 * `consecutive` evaluations until latencies are back, or until the detector has re-learnt a
 * lasting level as its baseline (`relearnSlots`), so a permanent step fires once and resolves.
 * Series whose windows are too thin to judge report no sample (the rule's no-data policy applies).
 * `$value` is recent p95 / baseline p95.
 */
export class RegressionCondition implements RuleCondition {
  readonly spanScope: SpanScope;
  private readonly series: BoundedSeriesMap<{ labels: Readonly<Record<string, string>>; detector: LatencyRegressionDetector }>;

  constructor(
    private readonly rule: ResolvedRegressionRule,
    maxSeries: number,
  ) {
    this.spanScope = rule.scope;
    this.series = new BoundedSeriesMap(maxSeries);
  }

  recordSpan(span: ClassifiedSpan, labels: Readonly<Record<string, string>>): void {
    const entry = this.series.get(labelKey(labels), () => ({ labels, detector: new LatencyRegressionDetector(this.rule.detector) }));
    entry?.detector.record(span.durationMs, span.endTimeMs);
  }

  evaluate(nowMs: number): ConditionResult {
    const samples: ConditionSample[] = [];
    for (const [, { labels, detector }] of this.series.entries()) {
      const verdict = detector.evaluate(nowMs);
      if (verdict.state === 'insufficient-data') continue;
      samples.push({ labels, value: verdict.p95Ratio, active: verdict.state === 'regressed' });
    }
    return { noData: samples.length === 0, samples };
  }
}
