import type { Attributes, HrTime } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { DataPoint, MetricData } from '@opentelemetry/sdk-metrics';
import { ATTR_FEDERATION_QUERY_NAME } from '../../span-model/attributes.js';
import { FedscopeMetricProducer, type FedscopeMetricProducerOptions } from './fedscope-metric-producer.js';
import { counterMetric, gaugeMetric } from './metric-data.js';
import { windowLabel } from '../../stats/window-label.js';
import { OVERFLOW_LABEL } from '../../../processors/analysis/keyed-series.js';
import { OVERFLOW_QUERY, type BottleneckAggregator } from '../../../processors/trace-analysis/bottleneck-aggregator.js';
import { TraceAssembler } from '../../../processors/trace-analysis/trace-assembler.js';
import type { BottleneckEntry, QueryBottleneckSnapshot } from '../../../processors/trace-analysis/types.js';

/**
 * Exports the bottleneck aggregates and suggestions through any metric reader:
 *
 * - `federation.bottleneck.share{service.name, federation.query.name, kind=stage|source, name, window}`:
 *   mean share of critical-path time (ratio);
 * - `federation.bottleneck.frequency{…same}`: share of traces in which it was the bottleneck;
 * - `federation.critical_path.duration{service.name, federation.query.name, window}`: mean query
 *   duration of the analysed traces (s);
 * - `federation.fanout.efficiency` / `federation.fanout.skew{service.name, federation.query.name, window}`;
 * - `federation.suggestion.saving{service.name, federation.query.name, kind, subject}`: estimated
 *   critical-path seconds per execution each current suggestion would remove;
 *
 * `service.name` is the service of the query's root spans; the overflow entry (queries beyond the
 * aggregator's bound) has none, only `otel.metric.overflow`.
 * - `fedscope.trace_assembly.in_flight`, `fedscope.trace_assembly.assembled`,
 *   `fedscope.trace_assembly.dropped_spans{reason}`, `fedscope.trace_assembly.dropped_traces{reason}`.
 *
 * It calls the assembler's `flush()` first, so traces whose grace period ended are counted.
 * Each metric keeps within the exposition budget: over it, the queries and the (query, stage or
 * source) pairs with the most critical-path time, and the suggestions with the largest saving.
 */
export class BottleneckMetricProducer extends FedscopeMetricProducer {
  /**
   * @param aggregator - the aggregates to read
   * @param assembler - its assembler, for flushing and the drop counters
   * @param options - `resource`: only for readers that use a producer's resource
   */
  constructor(
    private readonly aggregator: BottleneckAggregator,
    private readonly assembler?: TraceAssembler,
    options: FedscopeMetricProducerOptions = {},
  ) {
    super('trace-analysis', options);
  }

  /** Reads the aggregates and returns them as gauges and counters. */
  protected override metricsAt(now: HrTime): MetricData[] {
    this.assembler?.flush();
    const snapshot = this.aggregator.snapshot();
    const share: DataPoint<number>[] = [];
    const frequency: DataPoint<number>[] = [];
    const duration: DataPoint<number>[] = [];
    const efficiency: DataPoint<number>[] = [];
    const skew: DataPoint<number>[] = [];
    const isOverflow = (query: QueryBottleneckSnapshot) => query.queryName === OVERFLOW_QUERY;
    // Within the exposition budget: the queries, and the (query, stage or source) pairs, with the
    // most critical-path time; the overflow query of the aggregator's bound as it is (its pairs
    // are ranked with the others: means and ratios of several pairs cannot be folded into one).
    const queries = this.budget.select(
      ['federation.critical_path.duration', 'federation.fanout.efficiency', 'federation.fanout.skew'],
      snapshot.queries,
      (query) => Math.max(0, ...query.windows.map((w) => w.traces * (w.meanDurationMs ?? 0))),
      isOverflow,
    );
    const exportedQueries = new Set([...queries.kept, ...queries.overflow]);
    const pairs = this.budget.select(
      ['federation.bottleneck.share', 'federation.bottleneck.frequency'],
      snapshot.queries.flatMap((query, index) => pairsOf(query, index)),
      (pair) => pair.criticalMs,
    );
    const exportedPairs = new Set([...pairs.kept, ...pairs.overflow].map((pair) => pair.key));
    snapshot.queries.forEach((query, index) => {
      const q: Attributes =
        query.queryName === OVERFLOW_QUERY
          ? { [ATTR_FEDERATION_QUERY_NAME]: '', [OVERFLOW_LABEL]: true }
          : { [ATTR_SERVICE_NAME]: query.service, [ATTR_FEDERATION_QUERY_NAME]: query.queryName };
      const queryExported = exportedQueries.has(query);
      for (const w of query.windows) {
        const window = windowLabel(w.windowSeconds);
        if (w.traces === 0) continue;
        for (const entry of [...w.stages, ...w.sources]) {
          if (!exportedPairs.has(pairKey(index, entry))) continue;
          const attributes = { ...q, kind: entry.kind, name: entry.name, window };
          share.push(this.point(now, attributes, entry.meanShare));
          frequency.push(this.point(now, attributes, entry.bottleneckRatio));
        }
        if (!queryExported) continue;
        if (w.meanDurationMs !== null) duration.push(this.point(now, { ...q, window }, w.meanDurationMs / 1000));
        if (w.fanOut.meanEfficiency !== null) efficiency.push(this.point(now, { ...q, window }, w.fanOut.meanEfficiency));
        if (w.fanOut.meanSkew !== null) skew.push(this.point(now, { ...q, window }, w.fanOut.meanSkew));
      }
    });
    const savings = this.budget.select(['federation.suggestion.saving'], snapshot.suggestions, (s) => s.estimatedSavingMs);
    const saving = [...savings.kept, ...savings.overflow].map((s) =>
      this.point(
        now,
        { [ATTR_SERVICE_NAME]: s.service, [ATTR_FEDERATION_QUERY_NAME]: s.queryName, kind: s.kind, subject: s.subject },
        s.estimatedSavingMs / 1000,
      ),
    );
    const metrics: MetricData[] = [
      gaugeMetric('federation.bottleneck.share', 'Mean share of critical-path time per stage or source, per sliding window.', '1', share),
      gaugeMetric(
        'federation.bottleneck.frequency',
        'Share of traces in which the stage or source held the most critical-path time.',
        '1',
        frequency,
      ),
      gaugeMetric(
        'federation.critical_path.duration',
        'Mean duration of the analysed federated queries (= their critical path).',
        's',
        duration,
      ),
      gaugeMetric(
        'federation.fanout.efficiency',
        'Mean Σ child durations ÷ parent wall time over fan-outs (≈ children running at once).',
        '1',
        efficiency,
      ),
      gaugeMetric('federation.fanout.skew', 'Mean slowest ÷ median child duration over fan-outs.', '1', skew),
      gaugeMetric(
        'federation.suggestion.saving',
        'Critical-path time per execution a current suggestion would remove (estimate).',
        's',
        saving,
      ),
    ].filter((m) => m.dataPoints.length > 0);
    if (this.assembler !== undefined) {
      const stats = this.assembler.stats();
      metrics.push(
        gaugeMetric('fedscope.trace_assembly.in_flight', 'Traces being assembled now.', '{trace}', [this.point(now, {}, stats.inFlight)]),
        gaugeMetric(
          'fedscope.trace_assembly.coverage',
          'Share of federated query traces analysed since start (the rest were left out for the assembler bounds).',
          '1',
          [this.point(now, {}, stats.coverage)],
        ),
        gaugeMetric(
          'fedscope.trace_assembly.sampling_rate',
          'Share of traces the assembler takes now: below 1 while saturated (a uniform sample by trace id).',
          '1',
          [this.point(now, {}, stats.samplingRate)],
        ),
        counterMetric('fedscope.trace_assembly.assembled', 'Federated query traces assembled and analysed.', '{trace}', [
          this.point(now, {}, stats.assembled),
        ]),
        counterMetric(
          'fedscope.trace_assembly.dropped_spans',
          'Spans the trace assembler dropped, by reason.',
          '{span}',
          TraceAssembler.dropReasons.map((reason) => this.point(now, { reason }, stats.droppedSpans[reason])),
        ),
        counterMetric(
          'fedscope.trace_assembly.dropped_traces',
          'Traces the trace assembler dropped, by reason.',
          '{trace}',
          TraceAssembler.dropReasons.map((reason) => this.point(now, { reason }, stats.droppedTraces[reason])),
        ),
      );
    }
    return metrics;
  }
}

/** A (query, stage or source) pair of the bottleneck figures, with its critical-path time for the exposition budget. */
interface BottleneckPair {
  key: string;
  query: QueryBottleneckSnapshot;
  /** Most critical-path ms it took in one window (the window's traces × its mean critical-path ms per trace). */
  criticalMs: number;
}

function pairKey(queryIndex: number, entry: Pick<BottleneckEntry, 'kind' | 'name'>): string {
  return `${queryIndex}\u0000${entry.kind}\u0000${entry.name}`;
}

/** The query's stages and sources over its windows, each once. */
function pairsOf(query: QueryBottleneckSnapshot, index: number): BottleneckPair[] {
  const pairs = new Map<string, BottleneckPair>();
  for (const w of query.windows)
    for (const entry of [...w.stages, ...w.sources]) {
      const key = pairKey(index, entry);
      const criticalMs = w.traces * entry.meanCriticalMs;
      const pair = pairs.get(key);
      if (pair === undefined) pairs.set(key, { key, query, criticalMs });
      else pair.criticalMs = Math.max(pair.criticalMs, criticalMs);
    }
  return [...pairs.values()];
}
