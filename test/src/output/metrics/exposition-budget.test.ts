// The exposition budget: which series a metric keeps, how the rest fold into its overflow series
// (exactly, for the span-derived histograms and counters), and how what is left out is counted and logged.
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  MeterProvider,
  type ExponentialHistogram,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { FedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import { ExpositionBudget } from '../../../../src/output/metrics/exposition-budget.js';
import { ExpositionBudgetMetricProducer } from '../../../../src/output/metrics/exposition-budget-metric-producer.js';
import { SpanMetricProducer, type HistogramFlavor } from '../../../../src/output/metrics/span-metric-producer.js';
import { SpanMetricTable } from '../../../../processors/span-metrics/span-metric-table.js';
import { classifiedSpan } from '../../../support/classified-span-fixture.js';
import { TestMetricReader } from '../../../support/test-metric-reader.js';

function capturingLog(now: () => number): { log: FedscopeLog; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: new FedscopeLog({ write: (line) => lines.push(line), now, level: 'warn', forwardToDiag: false }) };
}

describe('ExpositionBudget.select', () => {
  const series = ['a', 'b', 'c', 'overflow', 'd'];
  const weights: Record<string, number> = { a: 1, b: 5, c: 5, d: 9, overflow: 100 };
  const weight = (s: string) => weights[s]!;
  const isOverflow = (s: string) => s === 'overflow';

  it('keeps every series, in order and the overflow series among them, when they fit, and counts nothing', () => {
    const budget = new ExpositionBudget(5);
    expect(budget.select(['m'], series, weight, isOverflow)).toEqual({ kept: series, omitted: [], overflow: [] });
    expect(budget.takeOmitted().size).toBe(0);
  });

  it('over the budget keeps the heaviest regular series (ties: the earlier) in their order, leaves room for the overflow, counts the rest per metric', () => {
    const budget = new ExpositionBudget(3, { log: capturingLog(() => 0).log });
    expect(budget.select(['m1', 'm2'], series, weight, isOverflow)).toEqual({
      kept: ['b', 'd'],
      omitted: ['a', 'c'],
      overflow: ['overflow'],
    });
    expect(budget.select(['m1'], ['x', 'y', 'z', 'w'], () => 0)).toEqual({ kept: ['x', 'y'], omitted: ['z', 'w'], overflow: [] });
    expect([...budget.takeOmitted()]).toEqual([
      ['m1', 4],
      ['m2', 2],
    ]);
    expect(budget.takeOmitted().size).toBe(0);
  });

  it('logs what it left out at most once per interval, naming the largest', () => {
    let now = 0;
    const { log, lines } = capturingLog(() => now);
    const budget = new ExpositionBudget(2, { log, intervalMs: 60_000, now: () => now });
    const collect = () => {
      budget.select(['federation.stage.latency'], ['a', 'b', 'c', 'd'], () => 1);
      budget.takeOmitted();
    };
    collect();
    now += 30_000;
    collect();
    expect(lines).toEqual([
      'fedscope warn: 1 metric is over the exposition budget of 2 series per metric (option metrics.maxSeriesPerMetric): each exports its heaviest series and folds the rest into its otel.metric.overflow series or leaves them out, counted on fedscope.metrics.series.omitted; left out now: federation.stage.latency 3',
    ]);
    now += 30_000;
    collect();
    expect(lines).toHaveLength(2);
  });
});

/** Source calls of five sources, `source-i` taking i × 10 ms per call (so the heaviest are the last). */
function sourceCalls(): ReturnType<typeof classifiedSpan>[] {
  const spans: ReturnType<typeof classifiedSpan>[] = [];
  for (let i = 1; i <= 5; i++)
    for (let call = 0; call < 4; call++)
      spans.push(
        classifiedSpan({ role: 'source', source: `source-${i}`, system: 'postgresql', durationMs: i * 10 + call, service: 'shop' }),
      );
  return spans;
}

async function collectWithBudget(flavor: HistogramFlavor, maxSeriesPerMetric: number) {
  const table = new SpanMetricTable();
  if (flavor === 'exponential') table.keepExponential(160);
  for (const span of sourceCalls()) table.record(span);
  const budget = new ExpositionBudget(maxSeriesPerMetric, { log: capturingLog(() => 0).log });
  const reader = new TestMetricReader({
    metricProducers: [new SpanMetricProducer(table, () => flavor, { budget }), new ExpositionBudgetMetricProducer(budget)],
    ...(flavor === 'exponential'
      ? {
          aggregationSelector: (type: InstrumentType) =>
            type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT },
          aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
        }
      : {}),
  });
  new MeterProvider({ readers: [reader] });
  return reader.metrics();
}

describe('SpanMetricProducer within an exposition budget', () => {
  it('keeps the histograms with the most total time and folds the rest into one overflow series with their buckets added up', async () => {
    const metrics = await collectWithBudget('explicit', 3);
    const points = metrics.get('federation.source.duration')!.dataPoints as Array<{
      attributes: Record<string, unknown>;
      value: Histogram;
    }>;
    expect(points.map((p) => p.attributes['federation.source'] ?? 'overflow')).toEqual(['source-4', 'source-5', 'overflow']);
    const overflow = points[2]!;
    expect(overflow.attributes).toEqual({ 'otel.metric.overflow': true });
    const unbudgeted = (await collectWithBudget('explicit', 100)).get('federation.source.duration')!.dataPoints as Array<{
      attributes: Record<string, unknown>;
      value: Histogram;
    }>;
    const folded = unbudgeted.filter((p) => ['source-1', 'source-2', 'source-3'].includes(String(p.attributes['federation.source'])));
    expect(overflow.value.count).toBe(12);
    expect(overflow.value.sum).toBeCloseTo(
      folded.reduce((total, p) => total + (p.value.sum ?? 0), 0),
      9,
    );
    expect(overflow.value.buckets.counts).toEqual(
      folded[0]!.value.buckets.counts.map((_, i) => folded.reduce((total, p) => total + p.value.buckets.counts[i]!, 0)),
    );
    expect(overflow.value.min).toBeCloseTo(0.01, 9);
    expect(overflow.value.max).toBeCloseTo(0.033, 9);
    const omitted = metrics.get('fedscope.metrics.series.omitted')!.dataPoints;
    expect(omitted.map((p) => [p.attributes['metric'], p.value])).toContainEqual(['federation.source.duration', 3]);
  });

  it('folds exponential histograms exactly too (an OTLP reader)', async () => {
    const metrics = await collectWithBudget('exponential', 2);
    const points = metrics.get('federation.source.duration')!.dataPoints as Array<{
      attributes: Record<string, unknown>;
      value: ExponentialHistogram;
    }>;
    expect(points.map((p) => p.attributes['federation.source'] ?? 'overflow')).toEqual(['source-5', 'overflow']);
    const overflow = points[1]!.value;
    expect(overflow.count).toBe(16);
    expect(overflow.positive.bucketCounts.reduce((a, b) => a + b, 0) + overflow.zeroCount).toBe(16);
    expect(overflow.min).toBeCloseTo(0.01, 9);
    expect(overflow.max).toBeCloseTo(0.043, 9);
  });

  it('exports every series when they fit, with no omitted count', async () => {
    const metrics = await collectWithBudget('explicit', 5);
    expect(metrics.get('federation.source.duration')!.dataPoints).toHaveLength(5);
    expect(metrics.has('fedscope.metrics.series.omitted')).toBe(false);
  });
});
