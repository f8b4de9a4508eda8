import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { AnalysisState } from '../dist/processors/analysis/analysis-state.js';
import type { ClassifiedSpan } from '../dist/processors/classified-span.js';
import { classifySpan } from '../dist/processors/span-classifier.js';
import { BottleneckAggregator } from '../dist/processors/trace-analysis/bottleneck-aggregator.js';
import { TraceAssembler } from '../dist/processors/trace-analysis/trace-assembler.js';
import { alternateSync, figureOf, formatSpread, pairedRatios, round, timeSync } from './measure.js';
import { SpanCapture } from './span-capture.js';
import type { BenchEntry } from './types.js';

const SOURCES = ['orders-pg', 'crm-mysql', 'events-duck', 'geo-http'];
const TRACES = 1000;

/**
 * 1,000 federated queries of 10 ended SDK spans each (root, plan, cache, fetch, 4 source calls,
 * merge, one user span), with controlled times: a parallel fan-out, in end order.
 */
function makeTraces(): ReadableSpan[][] {
  const capture = new SpanCapture();
  const provider = new NodeTracerProvider({ spanProcessors: [capture] });
  const tracer = provider.getTracer('bench');
  const traces: ReadableSpan[][] = [];
  const t0 = Date.now();
  for (let i = 0; i < TRACES; i++) {
    const before = capture.spans.length;
    const base = t0 + i * 1000;
    const child = (
      parent: Span,
      name: string,
      start: number,
      end: number,
      attributes: Record<string, string | number | boolean>,
      kind = SpanKind.INTERNAL,
    ) => {
      const span = tracer.startSpan(name, { kind, startTime: base + start, attributes }, trace.setSpan(context.active(), parent));
      return { span, end: () => span.end(base + end) };
    };
    const root = tracer.startSpan(`federation.query q${i % 5}`, {
      startTime: base,
      attributes: { 'federation.query.name': `q${i % 5}`, 'federation.rows.returned': 20 },
    });
    const plan = child(root, 'federation.stage plan', 0, 2, { 'federation.stage': 'plan', 'federation.query.name': `q${i % 5}` });
    const cache = child(root, 'federation.stage cache', 2, 3, {
      'federation.stage': 'cache',
      'federation.query.name': `q${i % 5}`,
      'federation.cache.hit': i % 3 === 0,
    });
    const fetch = child(root, 'federation.stage fetch', 3, 60, { 'federation.stage': 'fetch', 'federation.query.name': `q${i % 5}` });
    const calls = SOURCES.map((source, s) =>
      child(
        fetch.span,
        'SELECT t',
        4 + s,
        20 + s * 10 + (i % 7),
        {
          'db.system.name': 'postgresql',
          'federation.source': source,
          'db.operation.name': 'SELECT',
          'federation.query.fingerprint': `fp${s}`,
          'db.response.returned_rows': 100,
        },
        SpanKind.CLIENT,
      ),
    );
    const user = child(root, 'user.work', 60, 61, {});
    const merge = child(root, 'federation.stage merge', 60, 70, { 'federation.stage': 'merge', 'federation.query.name': `q${i % 5}` });
    plan.end();
    cache.end();
    for (const call of calls) call.end();
    fetch.end();
    user.end();
    merge.end();
    root.end(base + 71);
    traces.push(capture.spans.slice(before));
  }
  return traces;
}

const ITERATIONS = 20_000;
const ROUNDS = 10;

const entry: BenchEntry = {
  id: 'critical-path',
  async run() {
    const traces = makeTraces();
    const classified: ClassifiedSpan[][] = traces.map((t) => t.map((s) => classifySpan(s)));
    let i = 0;
    // Replays 1,000 distinct traces; the assembler forgets finished trace ids after
    // maxTracesInFlight others, so a replayed trace is assembled again rather than dropped as late.
    const options = { graceMs: 0, maxTracesInFlight: 64 };

    const derive = new AnalysisState();
    const aggregator = new BottleneckAggregator();
    const assembler = new TraceAssembler([aggregator], options);
    const both = new AnalysisState();
    const aggregator2 = new BottleneckAggregator();
    const assembler2 = new TraceAssembler([aggregator2], options);
    const rounds = await alternateSync(
      {
        derive: {
          operation: () => {
            for (const span of traces[i++ % TRACES]!) derive.record(classifySpan(span));
          },
          iterations: ITERATIONS,
        },
        analysis: {
          operation: () => {
            for (const span of classified[i++ % TRACES]!) assembler.record(span);
          },
          iterations: ITERATIONS,
        },
        full: {
          operation: () => {
            for (const span of traces[i++ % TRACES]!) {
              const c = classifySpan(span);
              both.record(c);
              assembler2.record(c);
            }
          },
          iterations: ITERATIONS,
        },
      },
      { rounds: ROUNDS },
    );
    const stats = assembler2.stats();
    const snapshotTiming = timeSync(() => void aggregator2.snapshot(), 200, 5);

    const row = (name: string, variant: keyof typeof rounds) => [
      name,
      formatSpread(figureOf(rounds, variant, 'ns', (ns) => ns / 1000)),
      formatSpread(figureOf(rounds, variant, 'ns', (ns) => 1e6 / ns)),
      formatSpread(pairedRatios(rounds, variant, 'derive', 'ns')),
    ];
    return [
      {
        title: 'Trace analysis cost per federated query of 10 spans (one core)',
        columns: ['path', 'µs/query', 'k queries/s', '× derive path'],
        rows: [
          row('baseline: derive path (classifySpan + AnalysisState.record) × 10 spans', 'derive'),
          row('trace analysis alone (assemble + self time + critical path + aggregate), pre-classified', 'analysis'),
          row('derive path + trace analysis (classify once, record into both)', 'full'),
          ['BottleneckAggregator.snapshot() (5 queries, suggestions)', round(snapshotTiming.nsPerOp / 1000), '', ''],
        ],
        notes: [
          `${ITERATIONS} queries per round replayed from ${TRACES} pre-ended SDK traces (root, plan, cache, fetch with 4 parallel source calls, merge, one user span); each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round, the paths alternating round by round (order flipped each round), ratios taken within each round. The snapshot row: median of 5 rounds of 200.`,
          `Assembled ${stats.assembled} traces in the last run, dropped spans: ${JSON.stringify(stats.droppedSpans)}.`,
          'The ratio column is the price of critical-path analysis relative to the per-span statistics fedscope already derives.',
        ],
      },
    ];
  },
};
export default entry;
