import type { ClassifiedSpan } from '../classified-span.js';
import { BoundedSeriesMap, labelKey, type ConditionResult, type ConditionSample, type RuleCondition } from './rule-condition.js';
import type { ResolvedBurnRateRule, ResolvedBurnRateWindow, SpanScope } from './types.js';

/** Cumulative counts at one moment. */
interface Point {
  t: number;
  total: number;
  bad: number;
}

/** Points kept per window pair: the long window at a resolution of a fifth of the short one. */
const POINTS_PER_SHORT_WINDOW = 5;

/** One series: cumulative counts from spans, and per window pair a ring of past counts. */
interface SeriesCounts {
  labels: Readonly<Record<string, string>>;
  total: number;
  bad: number;
  history: Point[][];
}

/**
 * Multi-window, multi-burn-rate SLO condition (Google SRE workbook, "Alerting on SLOs", #6):
 * for each window pair, the burn rate (bad share / error budget, budget = 1 − objective) over
 * both the long and the short window must exceed the pair's factor. Each pair yields its own
 * alert (label `slo_window`, the pair's severity), so a page and a ticket can coexist.
 *
 * Counts come from spans (cumulative good/bad per series); per pair a ring keeps the counts at a
 * resolution of a fifth of the short window for the long window's length (about 61 points per
 * pair and series), so a window's bad share is a difference of two cumulative points, exact to
 * within a fifth of the short window. Before a long window has filled, the data since the
 * series started is used (as Prometheus' `rate` does over a partial range).
 */
export class BurnRateCondition implements RuleCondition {
  readonly spanScope: SpanScope;
  private readonly series: BoundedSeriesMap<SeriesCounts>;
  private readonly budget: number;

  constructor(
    private readonly rule: ResolvedBurnRateRule,
    maxSeries: number,
  ) {
    this.spanScope = rule.scope;
    this.series = new BoundedSeriesMap(maxSeries);
    this.budget = 1 - rule.objective;
  }

  recordSpan(span: ClassifiedSpan, labels: Readonly<Record<string, string>>): void {
    const entry = this.series.get(labelKey(labels), () => ({ labels, total: 0, bad: 0, history: this.rule.windows.map(() => []) }));
    if (entry === undefined) return;
    entry.total++;
    const bad = this.rule.sli === 'errors' ? span.error : span.durationMs > (this.rule.latencyThresholdMs ?? Infinity);
    if (bad) entry.bad++;
  }

  evaluate(nowMs: number): ConditionResult {
    const samples: ConditionSample[] = [];
    for (const [, entry] of this.series.entries()) {
      this.rule.windows.forEach((window, i) => {
        const history = entry.history[i] ?? [];
        remember(history, window, { t: nowMs, total: entry.total, bad: entry.bad });
        const long = this.burnRate(history, entry, nowMs - window.longMs);
        const short = this.burnRate(history, entry, nowMs - window.shortMs);
        if (long === null || short === null) return;
        samples.push({
          labels: { ...entry.labels, slo_window: window.label },
          value: long,
          active: long > window.factor && short > window.factor,
          severity: window.severity,
        });
      });
    }
    return { noData: samples.length === 0, samples };
  }

  /** Burn rate since `fromMs` (or since the oldest point kept), `null` without operations. */
  private burnRate(history: readonly Point[], now: { total: number; bad: number }, fromMs: number): number | null {
    let base: Point | undefined = history[0];
    for (const point of history) {
      if (point.t <= fromMs) base = point;
      else break;
    }
    // Before the first point, counts started at zero (the series began within the window).
    const total = now.total - (base !== undefined && base.t <= fromMs ? base.total : 0);
    const bad = now.bad - (base !== undefined && base.t <= fromMs ? base.bad : 0);
    if (total <= 0) return null;
    return bad / total / this.budget;
  }
}

/** Appends a point when a resolution step has passed since the last, and drops what the long window no longer needs. */
function remember(history: Point[], window: ResolvedBurnRateWindow, point: Point): void {
  const resolution = window.shortMs / POINTS_PER_SHORT_WINDOW;
  const last = history[history.length - 1];
  if (last === undefined || point.t - last.t >= resolution) history.push(point);
  // Keep one point at or before now − long, the base of the long window.
  while (history.length > 1 && (history[1]?.t ?? Infinity) <= point.t - window.longMs) history.shift();
}
