import { context, metrics, propagation, SpanKind, trace } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { instrumentAdapter } from '../dist/instrumentations/adapter.js';
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { DiscardExporter } from './discard-exporter.js';
import { round, timeAsync } from './measure.js';
import type { BenchEntry } from './types.js';

const SQL = "SELECT id, total FROM orders WHERE customer_id = 42 AND status = 'open'";
const ROWS = [{ id: 1, total: 10 }];
const ITERATIONS = 20_000;

/** An in-memory adapter: the call itself costs next to nothing, so the wrapper's cost shows. */
const memoryAdapter = { query: async (_sql: string) => ({ rows: ROWS }) };

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
}

const entry: BenchEntry = {
  id: 'adapter',
  async run() {
    const unwrapped = await timeAsync(() => memoryAdapter.query(SQL), ITERATIONS);

    const bareProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
    bareProvider.register();
    const tracer = trace.getTracer('bench');
    const bare = await timeAsync(async () => {
      const span = tracer.startSpan('SELECT orders', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': SQL },
      });
      try {
        return await context.with(trace.setSpan(context.active(), span), () => memoryAdapter.query(SQL));
      } finally {
        span.end();
      }
    }, ITERATIONS);
    await bareProvider.shutdown();
    unregisterGlobals();

    const handle = startFedscope({ prometheus: false, otlp: false, spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
    const wrapped = instrumentAdapter(memoryAdapter, { source: 'orders', system: 'postgresql' });
    const fedscope = await timeAsync(() => wrapped.query(SQL), ITERATIONS);
    await handle.shutdown();

    const row = (name: string, ns: number) => [name, round(ns / 1000), round(ns / bare.nsPerOp, 3), round(ns / unwrapped.nsPerOp, 3)];
    return [
      {
        title: 'Cost per adapter call (in-memory adapter, no I/O)',
        columns: ['variant', 'µs/call', '× bare OTel span', '× unwrapped'],
        rows: [
          row('unwrapped call', unwrapped.nsPerOp),
          row('bare OTel span + BatchSpanProcessor', bare.nsPerOp),
          row('fedscope instrumentAdapter (full pipeline)', fedscope.nsPerOp),
        ],
        notes: [
          `${ITERATIONS} awaited calls per round, median of 7 rounds. fedscope = startFedscope() (span processor + analysis state + metrics) + a BatchSpanProcessor to a discarding exporter; the bare baseline has the same BatchSpanProcessor.`,
        ],
      },
    ];
  },
};
export default entry;
