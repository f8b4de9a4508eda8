import { OnlineAnomalyDetector } from '../detectors/online-anomaly-detector.js';
import { BoundedSeriesMap, labelKey, readFigure, type ConditionResult, type FigureReader, type RuleCondition } from './rule-condition.js';
import type { ResolvedAnomalyRule } from './types.js';

/**
 * Feeds the rule's figure into one {@link OnlineAnomalyDetector} per series, one value per
 * evaluation; the condition holds on the evaluations the detector calls anomalous. An anomaly is
 * a point event, so such rules usually set `keep_firing_for` to keep the alert up for a while.
 */
export class AnomalyCondition implements RuleCondition {
  private readonly detectors: BoundedSeriesMap<OnlineAnomalyDetector>;

  /** @param maxSeries - most series (detectors) kept for the rule */
  constructor(
    private readonly rule: ResolvedAnomalyRule,
    maxSeries: number,
  ) {
    this.detectors = new BoundedSeriesMap(maxSeries);
  }

  /** Series refused because of the bound. */
  get refused(): number {
    return this.detectors.refused;
  }

  evaluate(nowMs: number, read: FigureReader): ConditionResult {
    const { known, samples } = readFigure(this.rule, read);
    const out = [];
    for (const sample of samples) {
      const detector = this.detectors.get(labelKey(sample.labels), () => new OnlineAnomalyDetector(this.rule.detector));
      if (detector === undefined) continue;
      out.push({ labels: sample.labels, value: sample.value, active: detector.update(sample.value, nowMs).anomalous });
    }
    return { noData: !known || samples.length === 0, samples: out };
  }
}
