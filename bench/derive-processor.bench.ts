import { SpanKind } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AnalysisState } from '../dist/processors/analysis/analysis-state.js';
import { FederationSpanProcessor } from '../dist/processors/federation-span-processor.js';
import { classifySpan } from '../dist/processors/span-classifier.js';
import { round, timeSync } from './measure.js';
import { SpanCapture } from './span-capture.js';
import type { BenchEntry } from './types.js';

/** A reader nobody collects from: instruments aggregate, nothing is exported. */
class IdleReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const SOURCES = ['orders-pg', 'events-duck', 'crm-http', 'cache-sqlite'];

/** 1,000 ended source-call spans over 4 sources and 100 statements, as an adapter emits them. */
function makeSpans(): ReadableSpan[] {
  const capture = new SpanCapture();
  const provider = new NodeTracerProvider({ spanProcessors: [capture] });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 1000; i++) {
    const span = tracer.startSpan('SELECT orders', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'shop',
        'db.operation.name': 'SELECT',
        'db.query.summary': 'SELECT orders',
        'federation.source': SOURCES[i % SOURCES.length]!,
        'federation.query.name': `q${i % 5}`,
        'federation.query.fingerprint': `fp${(i % 100).toString(16).padStart(14, '0')}`,
        'db.response.returned_rows': i % 50,
      },
    });
    span.end();
  }
  return capture.spans;
}

const ITERATIONS = 200_000;

const entry: BenchEntry = {
  id: 'derive',
  async run() {
    const spans = makeSpans();
    const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
    const histogram = meterProvider.getMeter('bench').createHistogram('baseline.duration', { unit: 's' });
    let i = 0;
    const next = () => spans[i++ % spans.length]!;
    // Baseline: one Histogram.record with the attributes a source span's metric carries.
    const baseline = timeSync(() => {
      const span = next();
      histogram.record(0.004, {
        'db.system.name': 'postgresql',
        'federation.source': span.attributes['federation.source'],
        'db.operation.name': 'SELECT',
        'db.namespace': 'shop',
      });
    }, ITERATIONS);

    const classifyOnly = timeSync(() => void classifySpan(next()), ITERATIONS);
    const analysis = new AnalysisState();
    const deriveOnly = timeSync(() => analysis.record(classifySpan(next())), ITERATIONS);
    const full = new FederationSpanProcessor({ meterProvider, sinks: [new AnalysisState()] });
    const fullProcessor = timeSync(() => full.onEnd(next()), ITERATIONS);

    const row = (name: string, ns: number) => [name, round(ns), round(1e9 / ns / 1e6, 3), round(ns / baseline.nsPerOp, 3)];
    return [
      {
        title: 'Span processing cost per ended source-call span (one core)',
        columns: ['path', 'ns/span', 'M spans/s', '× Histogram.record'],
        rows: [
          row('baseline: one OTel Histogram.record (4 attributes)', baseline.nsPerOp),
          row('classifySpan only', classifyOnly.nsPerOp),
          row('derive: classify + AnalysisState (source + statement series)', deriveOnly.nsPerOp),
          row('FederationSpanProcessor.onEnd (derive + OTel histograms/counters)', fullProcessor.nsPerOp),
        ],
        notes: [
          `${ITERATIONS} spans per round replayed from 1,000 pre-ended SDK spans (4 sources, 100 fingerprints), median of 7 rounds.`,
          'The full processor records two OTel histograms per source span (db.client.operation.duration and federation.source.duration), so its floor is 2× the baseline.',
        ],
      },
    ];
  },
};
export default entry;
