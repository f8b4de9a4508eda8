// The span metric table with its producer against the OTel instruments it replaces: the same
// spans recorded both ways give the same metrics — names, units, value types, attributes (and
// their order), bucket counts, sums, counts, min and max — with explicit buckets (Prometheus) and
// with base-2 exponential buckets (an OTLP reader's selector), plus the series bound.
import {
  AggregationType,
  DataPointType,
  InstrumentType,
  MeterProvider,
  type AggregationOption,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { SpanMetricInstruments } from '../../../processors/span-metrics/span-metric-instruments.js';
import { SpanMetricTable } from '../../../processors/span-metrics/span-metric-table.js';
import { SpanMetricProducer, type HistogramFlavor } from '../../../src/output/metrics/span-metric-producer.js';
import { classifiedSpan as span } from '../../support/classified-span-fixture.js';
import { seededRandom } from '../../support/seeded-random.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';

/** A mixed stream: queries, stages, cache lookups, DB and HTTP source calls, failed connections, contrib pg spans. */
function spans(count: number, seed = 7): ClassifiedSpan[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const out: ClassifiedSpan[] = [];
  for (let i = 0; i < count; i++) {
    // Log-uniform durations from 10 µs to 100 s: every bucket and the exponential histogram's downscaling.
    const durationMs = 10 ** (random() * 7 - 2);
    const service = pick(['shop', 'billing', undefined]);
    const errorType = random() < 0.1 ? pick(['timeout', 'ECONNRESET', '503']) : undefined;
    const queryName = pick(['orders', 'report', 'stock']);
    const common = { durationMs, ...(service === undefined ? {} : { service }), errorType, error: errorType !== undefined };
    switch (i % 6) {
      case 0:
        out.push(span({ role: 'query', queryName, ...common }));
        break;
      case 1:
        out.push(
          span({
            role: pick(['stage', 'cache'] as const),
            stage: pick(['plan', 'fetch', 'merge']),
            queryName: pick([queryName, undefined]),
            ...common,
          }),
        );
        break;
      case 2:
        out.push(
          span({
            role: 'source',
            source: pick(['pg-main', 'mysql-eu']),
            system: pick(['postgresql', 'mysql']),
            operationName: pick(['SELECT', 'INSERT', undefined]),
            namespace: pick(['shop', undefined]),
            serverAddress: '10.0.0.5',
            serverPort: pick([5432, 3306, undefined]),
            scopeName: pick(['fedscope', '@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-mysql2']),
            ...common,
          }),
        );
        break;
      case 3:
        out.push(span({ role: 'source', source: 'crm', system: 'http', ...common }));
        break;
      case 4:
        out.push(span({ role: 'connection', source: 'pg-main', system: 'postgresql', ...common }));
        break;
      default:
        out.push(span({ role: 'other', ...common }));
    }
  }
  return out;
}

const exponentialSelector = (type: InstrumentType): AggregationOption =>
  type === InstrumentType.HISTOGRAM
    ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160, recordMinMax: true } }
    : { type: AggregationType.DEFAULT };

/** Metrics by name with their points keyed by attributes (in insertion order), times left out. */
function comparable(metrics: Map<string, MetricData>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, metric] of metrics) {
    if (name === 'fedscope.span_processor.spans') continue;
    const points: Record<string, unknown> = {};
    for (const point of metric.dataPoints) points[JSON.stringify(Object.entries(point.attributes))] = point.value;
    out[name] = {
      // The SDK's descriptors also carry the instrument type and advice, which no exporter reads.
      descriptor: { ...metric.descriptor, type: undefined, advice: undefined },
      dataPointType: metric.dataPointType,
      isMonotonic: 'isMonotonic' in metric ? metric.isMonotonic : undefined,
      temporality: metric.aggregationTemporality,
      points,
    };
  }
  return out;
}

async function bothWays(input: ClassifiedSpan[], flavor: HistogramFlavor, starts: Array<[string, string]> = []) {
  const selector = flavor === 'exponential' ? { aggregationSelector: exponentialSelector } : {};
  const instrumentReader = new TestMetricReader(selector);
  const provider = new MeterProvider({ readers: [instrumentReader] });
  const instruments = new SpanMetricInstruments(provider.getMeter('fedscope'), new Set(['@opentelemetry/instrumentation-pg']));
  const table = new SpanMetricTable();
  if (flavor === 'exponential') table.keepExponential(160);
  for (const [query, service] of starts) {
    instruments.queryStarted(query, service);
    table.queryStarted(query, service);
  }
  for (const s of input) {
    instruments.record(s);
    table.record(s);
  }
  instruments.queryFinished('orders', 'shop');
  table.queryFinished('orders', 'shop');
  const tableReader = new TestMetricReader({ ...selector, metricProducers: [new SpanMetricProducer(table, () => flavor)] });
  new MeterProvider({ readers: [tableReader] });
  return { viaInstruments: comparable(await instrumentReader.metrics()), viaTable: comparable(await tableReader.metrics()) };
}

describe('SpanMetricTable with SpanMetricProducer', () => {
  it('reports what the OTel instruments report, with explicit buckets', async () => {
    const { viaInstruments, viaTable } = await bothWays(spans(6_000), 'explicit', [
      ['orders', 'shop'],
      ['orders', 'shop'],
      ['report', 'billing'],
    ]);
    expect(Object.keys(viaTable).sort()).toEqual([
      'db.client.operation.duration',
      'federation.queries',
      'federation.queries.active',
      'federation.query.duration',
      'federation.query.errors',
      'federation.source.duration',
      'federation.source.errors',
      'federation.stage.duration',
    ]);
    expect(viaTable).toEqual(viaInstruments);
    // The stream reaches every bucket, the overflow bucket included.
    const db = viaTable['db.client.operation.duration'] as { points: Record<string, { buckets: { counts: number[] } }> };
    const counts = Object.values(db.points).reduce<number[]>((sum, p) => p.buckets.counts.map((c, i) => c + (sum[i] ?? 0)), []);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('reports what the OTel instruments report, with base-2 exponential buckets (an OTLP reader)', async () => {
    const { viaInstruments, viaTable } = await bothWays(spans(6_000, 11), 'exponential');
    const query = viaTable['federation.query.duration'] as { dataPointType: DataPointType; points: Record<string, { scale: number }> };
    expect(query.dataPointType).toBe(DataPointType.EXPONENTIAL_HISTOGRAM);
    // Seven decades in 160 buckets: the SDK downscaled from 20; so did the table.
    expect(Object.values(query.points).some((p) => p.scale < 4)).toBe(true);
    expect(viaTable).toEqual(viaInstruments);
  });

  it('never builds an attribute object for a series it already holds', () => {
    const table = new SpanMetricTable();
    const first = span({ role: 'query', queryName: 'orders', service: 'shop' });
    table.record(first);
    const [series] = [...table.histogramSeries('queryDuration')];
    for (let i = 0; i < 100; i++) table.record(span({ role: 'query', queryName: 'orders', service: 'shop', durationMs: i }));
    expect([...table.histogramSeries('queryDuration')]).toEqual([series]);
    expect(series!.attributes).toBe([...table.histogramSeries('queryDuration')][0]!.attributes);
    expect(series!.explicit.count).toBe(101);
  });

  it('holds at most maxSeriesPerMetric series per metric, the rest in one otel.metric.overflow series, counted', async () => {
    const table = new SpanMetricTable({ maxSeriesPerMetric: 10 });
    for (let i = 0; i < 50; i++) table.record(span({ role: 'query', queryName: `q${i}`, service: 'shop', durationMs: 5 }));
    const series = [...table.histogramSeries('queryDuration')];
    expect(series).toHaveLength(10);
    expect(series.at(-1)!.attributes).toEqual({ 'otel.metric.overflow': true });
    expect(series.at(-1)!.explicit.count).toBe(41);
    expect(series.reduce((sum, s) => sum + s.explicit.count, 0)).toBe(50);
    // Each metric has its own bound: the queries counter overflowed as well.
    expect(Object.fromEntries(table.overflowed())).toEqual({ 'federation.query.duration': 41, 'federation.queries': 41 });
    const reader = new TestMetricReader({ metricProducers: [new SpanMetricProducer(table, () => 'explicit')] });
    new MeterProvider({ readers: [reader] });
    const overflowed = await reader.points('fedscope.span_metrics.overflowed');
    expect(overflowed.map((p) => [p.attributes['metric'], p.value])).toEqual([
      ['federation.queries', 41],
      ['federation.query.duration', 41],
    ]);
  });
});
