import type { Attributes, HrTime } from '@opentelemetry/api';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  ATTR_FEDERATION_QUERY_FINGERPRINT,
  ATTR_FEDERATION_QUERY_NAME,
  ATTR_FEDERATION_SOURCE,
  ATTR_FEDERATION_STAGE,
} from '../../span-model/attributes.js';
import { windowLabel } from '../../stats/window-label.js';
import { OVERFLOW_LABEL } from '../../../processors/analysis/keyed-series.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';
import type { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import type { FedscopeSnapshot, QuerySeriesSnapshot, SeriesSnapshot, WindowSummary } from '../../../processors/analysis/snapshot-types.js';

/**
 * Percentiles exported as the `percentile` attribute of the `*.latency` gauges. Not `quantile`:
 * Prometheus reserves that label for summaries, and promtool flags it on a gauge.
 */
export const EXPORTED_PERCENTILES = [
  ['50', 'p50'],
  ['90', 'p90'],
  ['95', 'p95'],
  ['99', 'p99'],
  ['99.9', 'p999'],
] as const;

/** One family of series and how its labels become metric attributes. */
interface Dimension {
  /** Metric name stem: `federation.{stem}.latency` etc. */
  stem: string;
  /** What one operation is, for the throughput unit. */
  unit: string;
  series: SeriesSnapshot[];
  attributesOf(labels: Record<string, string>): Attributes;
}

/**
 * Exports fedscope's derived figures through any metric reader — Prometheus and OTLP see the
 * same values the snapshot holds: per window (and per series' `service.name`, the snapshot's
 * `service` label; none on the overall and overflow series), latency percentiles (`federation.*.latency` with
 * `percentile` and `window`), error ratio, throughput, rows and cache hit ratio; query
 * concurrency peaks; and the state of every memory bound (`fedscope.series.*`).
 *
 * Statement series are exported for the top statements only (by total time), to bound cardinality.
 * Each metric keeps within the exposition budget (`exposition-budget.ts`): over it, the
 * series with the most total time since start, and one `otel.metric.overflow` series adding up
 * the rest (no percentiles: those of several series cannot be computed from theirs).
 */
export class AnalysisMetricProducer extends FedscopeMetricProducer {
  private readonly extraCounters: () => Record<string, number>;

  /**
   * @param state - the analysis state to read (or anything serving its snapshot)
   * @param options - `selfCounters`: more counters to export, e.g. the span processor's failures;
   * `resource`: only for readers that use a producer's resource (the SDK's readers use their own)
   */
  constructor(
    private readonly state: Pick<AnalysisState, 'snapshot'>,
    options: FedscopeMetricProducerOptions & { selfCounters?: () => Record<string, number> } = {},
  ) {
    super('analysis', options);
    this.extraCounters = options.selfCounters ?? (() => ({}));
  }

  /** Reads the state and returns it as gauges and counters, each metric within the exposition budget. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const snapshot = this.state.snapshot();
    const metrics: MetricData[] = [];
    let queries: QuerySeriesSnapshot[] = snapshot.queries;
    for (const dimension of dimensionsOf(snapshot)) {
      const budgeted = this.withinBudget(dimension);
      // The peaks of the queries kept; a folded overflow series has none (a peak of the sum is not known).
      if (dimension.stem === 'query') queries = budgeted.series.filter((q): q is QuerySeriesSnapshot => 'concurrency' in q);
      metrics.push(...this.dimensionMetrics(budgeted, snapshot.windowsSeconds, now));
    }
    metrics.push(
      gaugeMetric(
        'federation.query.peak_concurrency',
        'Most federated queries running at once since start.',
        '{query}',
        queries.map((q) =>
          this.point(
            now,
            { ...serviceOf(q.labels), [ATTR_FEDERATION_QUERY_NAME]: q.labels['query'] ?? '', ...overflowOf(q.labels) },
            q.concurrency.peak,
          ),
        ),
      ),
      ...this.limitMetrics(snapshot, now),
    );
    return metrics;
  }

  /**
   * The dimension's series within the exposition budget: all of them when they fit; else the
   * heaviest by total time since start, and one overflow series adding up the rest (and the
   * overflow series of fedscope's bound), whose percentiles cannot be added up and are left out.
   */
  private withinBudget(dimension: Dimension): Dimension {
    if (dimension.stem === 'overall') return dimension;
    const stem = `federation.${dimension.stem}`;
    const selection = this.budget.select(
      [
        `${stem}.latency`,
        `${stem}.error_ratio`,
        `${stem}.throughput`,
        `${stem}.rows_returned`,
        ...(dimension.stem === 'query' ? ['federation.query.peak_concurrency'] : []),
      ],
      dimension.series,
      (series) => series.sinceStart.count * (series.sinceStart.mean ?? 0),
      (series) => series.labels[OVERFLOW_LABEL] !== undefined,
    );
    if (selection.omitted.length === 0) return dimension;
    return { ...dimension, series: [...selection.kept, foldedSeries([...selection.overflow, ...selection.omitted])] };
  }

  private dimensionMetrics(dimension: Dimension, windowsSeconds: number[], now: HrTime): MetricData[] {
    const latency: DataPoint<number>[] = [];
    const errorRatio: DataPoint<number>[] = [];
    const throughput: DataPoint<number>[] = [];
    const rows: DataPoint<number>[] = [];
    const cacheHitRatio: DataPoint<number>[] = [];
    for (const series of dimension.series) {
      const base = dimension.attributesOf(series.labels);
      series.windows.forEach((figures: WindowSummary, i) => {
        const attributes = { ...base, window: windowLabel(windowsSeconds[i] ?? figures.windowSeconds) };
        throughput.push(this.point(now, attributes, figures.throughputPerSecond));
        rows.push(this.point(now, attributes, figures.rowsReturned));
        if (figures.errorRate !== null) errorRatio.push(this.point(now, attributes, figures.errorRate));
        if (figures.cacheHitRatio !== null) cacheHitRatio.push(this.point(now, attributes, figures.cacheHitRatio));
        for (const [percentile, field] of EXPORTED_PERCENTILES) {
          const ms = figures[field];
          if (ms !== null) latency.push(this.point(now, { ...attributes, percentile }, ms / 1000));
        }
      });
    }
    const stem = `federation.${dimension.stem}`;
    const out = [
      gaugeMetric(
        `${stem}.latency`,
        `Latency percentiles of ${dimension.stem} spans per sliding window (sketch, ≤1% relative error).`,
        's',
        latency,
      ),
      gaugeMetric(`${stem}.error_ratio`, `Share of failed ${dimension.stem} spans per sliding window.`, '1', errorRatio),
      gaugeMetric(`${stem}.throughput`, `${dimension.stem} spans per second per sliding window.`, `${dimension.unit}/s`, throughput),
      gaugeMetric(`${stem}.rows_returned`, `Rows returned by ${dimension.stem} spans per sliding window.`, '{row}', rows),
    ];
    if (cacheHitRatio.length > 0)
      out.push(
        gaugeMetric(
          `${stem}.cache_hit_ratio`,
          `Cache hits per cache lookup of ${dimension.stem} spans per sliding window.`,
          '1',
          cacheHitRatio,
        ),
      );
    return out.filter((metric) => metric.dataPoints.length > 0);
  }

  private limitMetrics(snapshot: FedscopeSnapshot, now: HrTime): MetricData[] {
    const points = (field: 'limit' | 'current' | 'overflowed' | 'evicted' | 'expired') =>
      snapshot.limits.map((limit) => this.point(now, { 'fedscope.bound': limit.name }, limit[field]));
    const extra = Object.entries(this.extraCounters());
    return [
      gaugeMetric('fedscope.bound.limit', 'Configured bound on an in-memory table of fedscope.', '{series}', points('limit')),
      gaugeMetric('fedscope.bound.usage', 'Entries held now in a bounded table of fedscope.', '{series}', points('current')),
      counterMetric(
        'fedscope.bound.overflowed',
        'Records sent to the overflow series because a bound was reached.',
        '{record}',
        points('overflowed'),
      ),
      counterMetric('fedscope.bound.evicted', 'Entries evicted from a full bounded table.', '{series}', points('evicted')),
      counterMetric('fedscope.bound.expired', 'Entries dropped after being idle.', '{series}', points('expired')),
      ...extra.map(([name, value]) => counterMetric(name, 'fedscope self-telemetry counter.', '1', [this.point(now, {}, value)])),
    ];
  }
}

/**
 * One overflow series standing for `series`: per window, the counts, errors, throughput and rows
 * added up, the error ratio of the sums; no percentiles (a percentile of several series cannot be
 * computed from theirs) and no cache hit ratio (the lookups behind each ratio are not known).
 */
function foldedSeries(series: readonly SeriesSnapshot[]): SeriesSnapshot {
  const fold = (summaries: WindowSummary[]): WindowSummary => {
    const count = sum(summaries, (w) => w.count);
    const errors = sum(summaries, (w) => w.errors);
    const timed = summaries.filter((w) => w.mean !== null);
    const timedCount = sum(timed, (w) => w.count);
    const maxes = summaries.flatMap((w) => (w.max === null ? [] : [w.max]));
    return {
      windowSeconds: summaries[0]?.windowSeconds ?? 0,
      count,
      errors,
      errorRate: count > 0 ? errors / count : null,
      throughputPerSecond: sum(summaries, (w) => w.throughputPerSecond),
      mean: timedCount > 0 ? sum(timed, (w) => w.count * (w.mean ?? 0)) / timedCount : null,
      max: maxes.length > 0 ? Math.max(...maxes) : null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      p999: null,
      rowsReturned: sum(summaries, (w) => w.rowsReturned),
      cacheHitRatio: null,
    };
  };
  const windows = series[0]?.windows.map((_, i) => fold(series.map((s) => s.windows[i]!))) ?? [];
  const lastUpdates = series.map((s) => s.lastUpdate).sort();
  return {
    labels: { [OVERFLOW_LABEL]: 'true' },
    windows,
    sinceStart: fold(series.map((s) => s.sinceStart)),
    lastUpdate: lastUpdates[lastUpdates.length - 1] ?? new Date(0).toISOString(),
  };
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

function overflowOf(labels: Record<string, string>): Attributes {
  return labels[OVERFLOW_LABEL] === undefined ? {} : { [OVERFLOW_LABEL]: true };
}

/** `service.name` of a series (the snapshot's `service` label); none for the overflow series, which has no service. */
function serviceOf(labels: Record<string, string>): Attributes {
  const service = labels['service'];
  return service === undefined ? {} : { [ATTR_SERVICE_NAME]: service };
}

function statementKey(labels: Record<string, string>): string {
  return `${labels['service']}\u0000${labels['source']}\u0000${labels['fingerprint']}`;
}

function dimensionsOf(snapshot: FedscopeSnapshot): Dimension[] {
  const topKeys = new Set(snapshot.topStatements.mostTotalTime.map((s) => statementKey(s.labels)));
  return [
    { stem: 'overall', unit: '{query}', series: [snapshot.overall], attributesOf: () => ({}) },
    // Each service's total: all of its federated queries together.
    { stem: 'service', unit: '{query}', series: snapshot.services, attributesOf: (l) => ({ ...serviceOf(l), ...overflowOf(l) }) },
    {
      stem: 'query',
      unit: '{query}',
      series: snapshot.queries,
      attributesOf: (l) => ({ ...serviceOf(l), [ATTR_FEDERATION_QUERY_NAME]: l['query'] ?? '', ...overflowOf(l) }),
    },
    {
      stem: 'stage',
      unit: '{stage}',
      series: snapshot.stages,
      attributesOf: (l) => ({
        ...serviceOf(l),
        [ATTR_FEDERATION_QUERY_NAME]: l['query'] ?? '',
        [ATTR_FEDERATION_STAGE]: l['stage'] ?? '',
        ...overflowOf(l),
      }),
    },
    {
      stem: 'source',
      unit: '{call}',
      series: snapshot.sources,
      attributesOf: (l) => ({ ...serviceOf(l), [ATTR_FEDERATION_SOURCE]: l['source'] ?? '', ...overflowOf(l) }),
    },
    {
      stem: 'statement',
      unit: '{call}',
      series: snapshot.statements.filter((s) => topKeys.has(statementKey(s.labels))),
      attributesOf: (l) => ({
        ...serviceOf(l),
        [ATTR_FEDERATION_SOURCE]: l['source'] ?? '',
        [ATTR_FEDERATION_QUERY_FINGERPRINT]: l['fingerprint'] ?? '',
        ...overflowOf(l),
      }),
    },
  ];
}
