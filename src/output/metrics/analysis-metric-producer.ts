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
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';
import type { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import type { FedscopeSnapshot, SeriesSnapshot, WindowSummary } from '../../../processors/analysis/snapshot-types.js';

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

  /** Reads the state and returns it as gauges and counters. */
  protected override metricsAt(now: HrTime): MetricData[] {
    const snapshot = this.state.snapshot();
    const metrics: MetricData[] = [];
    for (const dimension of dimensionsOf(snapshot)) metrics.push(...this.dimensionMetrics(dimension, snapshot.windowsSeconds, now));
    metrics.push(
      gaugeMetric(
        'federation.query.peak_concurrency',
        'Most federated queries running at once since start.',
        '{query}',
        snapshot.queries.map((q) =>
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

function overflowOf(labels: Record<string, string>): Attributes {
  return labels['otel.metric.overflow'] === undefined ? {} : { 'otel.metric.overflow': true };
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
      }),
    },
  ];
}
