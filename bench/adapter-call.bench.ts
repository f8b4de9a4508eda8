/**
 * Cost per call of an in-memory adapter (the call itself costs next to nothing, so the wrapper's
 * cost shows): unwrapped, inside a bare OTel span, and wrapped by fedscope's `instrumentAdapter`
 * under `startFedscope` with Prometheus on and its `/metrics` fetched every second while fedscope's
 * rounds run. Variants alternate round by round, the order flipped each round.
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { instrumentAdapter } from '../dist/instrumentations/adapter.js';
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { DiscardExporter } from './discard-exporter.js';
import { alternateRounds, figureOf, formatSpread, measureCost, pairedRatios, yieldToEventLoop, type Cost } from './measure.js';
import { MetricsScraper } from './metrics-scraper.js';
import type { BenchEntry } from './types.js';

const SQL = "SELECT id, total FROM orders WHERE customer_id = 42 AND status = 'open'";
const ROWS = [{ id: 1, total: 10 }];
const CALLS_PER_ROUND = 200_000;
/** Calls between two turns of the event loop, where timers (the scrape) and deferred recording run. */
const CALLS_PER_TURN = 500;
const ROUNDS = 10;

/** An in-memory adapter: the call itself costs next to nothing, so the wrapper's cost shows. */
const memoryAdapter = { query: async (_sql: string) => ({ rows: ROWS }) };

type Variant = 'unwrapped' | 'bare' | 'fedscope';

/** `CALLS_PER_ROUND` awaited calls, yielding to the event loop every `CALLS_PER_TURN`. */
async function calls(call: () => Promise<unknown>): Promise<void> {
  for (let i = 1; i <= CALLS_PER_ROUND; i++) {
    await call();
    if (i % CALLS_PER_TURN === 0) await yieldToEventLoop();
  }
}

const entry: BenchEntry = {
  id: 'adapter',
  async run() {
    // Both traced variants live for the whole run (their state accumulates, as in a service), each
    // registered globally (tracer provider, AsyncLocalStorage context manager) during its own rounds.
    const bareProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
    const tracer = bareProvider.getTracer('bench');
    const handle = startFedscope({
      prometheus: { port: 0 },
      otlp: false,
      registerGlobal: false, // registered during its own rounds only (below)
      spanProcessors: [new BatchSpanProcessor(new DiscardExporter())],
    });
    await handle.ready;
    const metricsUrl = `${handle.metricsUrl!}/metrics`;
    const wrapped = instrumentAdapter(memoryAdapter, { source: 'orders', system: 'postgresql' });
    const bareCall = async () => {
      const span = tracer.startSpan('SELECT orders', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': SQL },
      });
      try {
        return await context.with(trace.setSpan(context.active(), span), () => memoryAdapter.query(SQL));
      } finally {
        span.end();
      }
    };
    // Prometheus scrapes every second of fedscope's rounds only: its cost is fedscope's.
    const scraper = new MetricsScraper();

    const rounds = await alternateRounds<Variant, keyof Cost>(
      ['unwrapped', 'bare', 'fedscope'],
      async (variant) => {
        if (variant === 'unwrapped') return measureCost(() => calls(() => memoryAdapter.query(SQL)), CALLS_PER_ROUND);
        (variant === 'bare' ? bareProvider : handle.tracerProvider).register();
        try {
          if (variant === 'bare') return await measureCost(() => calls(bareCall), CALLS_PER_ROUND);
          scraper.start(metricsUrl);
          const cost = await measureCost(async () => {
            await calls(() => wrapped.query(SQL));
            handle.spanProcessor.flushPending();
          }, CALLS_PER_ROUND);
          await scraper.stop();
          return cost;
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      },
      { rounds: ROUNDS },
    );
    const scrapes = await scraper.stop();
    await handle.shutdown();
    await bareProvider.shutdown();

    const µs = (ns: number) => ns / 1000;
    const row = (name: string, variant: Variant) => [
      name,
      formatSpread(figureOf(rounds, variant, 'wallNs', µs)),
      formatSpread(pairedRatios(rounds, variant, 'bare', 'wallNs')),
      formatSpread(figureOf(rounds, variant, 'cpuNs', µs)),
      formatSpread(pairedRatios(rounds, variant, 'bare', 'cpuNs')),
      formatSpread(pairedRatios(rounds, variant, 'unwrapped', 'wallNs')),
    ];
    return [
      {
        title: 'Cost per adapter call (in-memory adapter, no I/O)',
        columns: ['variant', 'µs/call', '× bare OTel span', 'CPU µs/call', 'CPU × bare OTel span', '× unwrapped'],
        rows: [
          row('unwrapped call', 'unwrapped'),
          row('bare OTel span + BatchSpanProcessor', 'bare'),
          row('fedscope instrumentAdapter (startFedscope, Prometheus on)', 'fedscope'),
        ],
        notes: [
          `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round; ${CALLS_PER_ROUND.toLocaleString('en-US')} awaited calls per variant per round, the event loop turning every ${CALLS_PER_TURN} calls; variants alternate, the order flipped each round; ratios are taken within each round. CPU = the process's CPU time (every thread).`,
          `fedscope = startFedscope({ prometheus: { port: 0 } }) (span processor, analysis, alerts, metrics; deferred recording flushed inside the timed round) + a BatchSpanProcessor to a discarding exporter; its /metrics was fetched over HTTP every second of its timed rounds (${scrapes.scrapes} scrapes, ${scrapes.failures} failed, last exposition ${Math.round(scrapes.lastBytes / 1024)} KiB). The bare baseline: a NodeTracerProvider with the same BatchSpanProcessor, one CLIENT span per call made by hand. Each traced variant's provider is registered globally (with the AsyncLocalStorage context manager) during its own rounds.`,
        ],
      },
    ];
  },
};
export default entry;
