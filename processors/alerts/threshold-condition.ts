import { readFigure, type ConditionResult, type FigureReader, type RuleCondition } from './rule-condition.js';
import type { ComparisonOperator, ResolvedThresholdRule } from './types.js';

/** `value {op} threshold` per series (or on the aggregate). */
export class ThresholdCondition implements RuleCondition {
  constructor(private readonly rule: ResolvedThresholdRule) {}

  evaluate(_nowMs: number, read: FigureReader): ConditionResult {
    const { known, samples } = readFigure(this.rule, read);
    return {
      noData: !known || samples.length === 0,
      samples: samples.map((s) => ({ labels: s.labels, value: s.value, active: compare(s.value, this.rule.op, this.rule.threshold) })),
    };
  }
}

/** Applies a comparison operator. */
export function compare(value: number, op: ComparisonOperator, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
