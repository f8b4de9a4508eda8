import { DEFAULT_REPEAT_INTERVAL_MS, fedscopeLog, type FedscopeLog } from '../../diagnostics/fedscope-log.js';

/**
 * Series one metric exports at most, by default: what keeps `/metrics` under 2 MB when every
 * table of fedscope is at its bound (the README's cardinality attack), well above what a
 * deployment with tens of queries, stages and sources exports.
 */
export const DEFAULT_MAX_SERIES_PER_METRIC = 50;

/** The most series one metric may be given (the memory bounds of fedscope's tables are lower). */
export const MAX_SERIES_PER_METRIC_LIMIT = 100_000;

/** What {@link ExpositionBudget.select} keeps of a metric's series. */
export interface BudgetSelection<T> {
  /**
   * The series exported as they are, in their original order: every series when they fit in the
   * budget (overflow series included), else the heaviest regular ones.
   */
  kept: T[];
  /** Regular series left out (the lightest); empty when they fit. */
  omitted: T[];
  /** Overflow series that were there already (fedscope's memory bounds), when some were left out: fold them with {@link BudgetSelection.omitted}. */
  overflow: T[];
}

/**
 * The exposition budget of one metric reader: each metric exports at most `maxSeriesPerMetric`
 * series. A series is one subject — a query, a stage, a source, a statement, with its attributes —
 * counted once whatever its windows and percentiles, so a subject is exported whole or not at all.
 * Over the budget a metric keeps its heaviest series by traffic (the caller's weight: total time
 * or count) and the rest are folded into one `otel.metric.overflow=true` series where their
 * figures add up (or just left out where they do not, as percentiles or health scores), and
 * counted here per metric; {@link takeOmitted} reports them for `fedscope.metrics.series.omitted`
 * and logs one warning per interval.
 *
 * One budget serves all producers of one reader: they report to it while collecting, and the
 * budget's producer, collected last, reads and resets the counts.
 */
export class ExpositionBudget {
  private omittedNow = new Map<string, number>();
  private lastLineAtMs = Number.NEGATIVE_INFINITY;
  private readonly log: FedscopeLog;
  private readonly logIntervalMs: number;
  private readonly now: () => number;

  /**
   * @param maxSeriesPerMetric - series one metric exports at most, its overflow series included
   * @param logging - `log`: where the warning goes (default: the process-wide fedscope logger);
   * `intervalMs`: least time between two warnings (default 60 s); `now`: epoch ms (default `Date.now`)
   */
  constructor(
    readonly maxSeriesPerMetric: number = DEFAULT_MAX_SERIES_PER_METRIC,
    logging: { log?: FedscopeLog; intervalMs?: number; now?: () => number } = {},
  ) {
    this.log = logging.log ?? fedscopeLog;
    this.logIntervalMs = logging.intervalMs ?? DEFAULT_REPEAT_INTERVAL_MS;
    this.now = logging.now ?? Date.now;
  }

  /**
   * Keeps at most {@link maxSeriesPerMetric} of `series` for each of `metrics` (the metrics one
   * family of series feeds): all of them, untouched, when they fit; else the `maxSeriesPerMetric − 1`
   * heaviest regular series (ties: the earlier first), leaving one series for the overflow. What is
   * left out is counted against every name in `metrics`.
   * @param weight - traffic of a series (total time or count): the heaviest are kept
   * @param isOverflow - whether a series already is an overflow series
   */
  select<T>(
    metrics: readonly string[],
    series: readonly T[],
    weight: (series: T) => number,
    isOverflow: (series: T) => boolean = () => false,
  ): BudgetSelection<T> {
    if (series.length <= this.maxSeriesPerMetric) return { kept: [...series], omitted: [], overflow: [] };
    const regular: Array<{ index: number; weight: number }> = [];
    const overflow: T[] = [];
    series.forEach((each, index) => {
      if (isOverflow(each)) overflow.push(each);
      else regular.push({ index, weight: finiteOrZero(weight(each)) });
    });
    const room = Math.max(0, this.maxSeriesPerMetric - 1);
    const heaviest = [...regular].sort((a, b) => b.weight - a.weight || a.index - b.index).slice(0, room);
    const keep = new Set(heaviest.map((h) => h.index));
    const kept: T[] = [];
    const omitted: T[] = [];
    for (const { index } of regular) (keep.has(index) ? kept : omitted).push(series[index]!);
    for (const metric of metrics) this.omittedNow.set(metric, (this.omittedNow.get(metric) ?? 0) + omitted.length);
    return { kept, omitted, overflow };
  }

  /**
   * The series left out per metric since the last call (metrics that left none out are absent),
   * and resets the counts; when some were left out, one warning per interval names the largest.
   */
  takeOmitted(): ReadonlyMap<string, number> {
    const omitted = this.omittedNow;
    this.omittedNow = new Map();
    for (const [metric, count] of omitted) if (count === 0) omitted.delete(metric);
    const now = this.now();
    if (omitted.size > 0 && now - this.lastLineAtMs >= this.logIntervalMs) {
      this.lastLineAtMs = now;
      const largest = [...omitted]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([metric, count]) => `${metric} ${count.toLocaleString('en-US')}`)
        .join(', ');
      // Paced here (one line per interval, the figures of this collection), so the figures are not redacted as literals.
      this.log.report(
        'warn',
        `${omitted.size} metric${omitted.size === 1 ? ' is' : 's are'} over the exposition budget of ${this.maxSeriesPerMetric} series per metric (option metrics.maxSeriesPerMetric): each exports its heaviest series and folds the rest into its otel.metric.overflow series or leaves them out, counted on fedscope.metrics.series.omitted; left out now: ${largest}${omitted.size > 5 ? ', …' : ''}`,
      );
    }
    return omitted;
  }
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
