/**
 * Federated queries per second through the federation runtime (DuckDB in-memory + an in-process
 * source, joined by the built-in merge) with fedscope's full pipeline, with bare OTel tracing
 * (same spans, a BatchSpanProcessor and the OTLP proto exporter to a loopback receiver), and with
 * no telemetry — in one run, as ratios.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DuckDBInstrumentation } from '../dist/instrumentations/duckdb/index.js';
import { DuckDBSource, Federation, FunctionSource, type FederatedQuerySpec } from '../dist/src/federation/index.js';
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { round, timeAsync } from './measure.js';
import type { BenchEntry } from './types.js';

const ITERATIONS = 800;
const ROUNDS = 11;

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
}

/** A loopback OTLP/HTTP endpoint that reads and drops bodies: decoding would steal the CPU being measured. */
async function discardingReceiver(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const entry: BenchEntry = {
  id: 'federation',
  async run() {
    // Registered before DuckDB loads, so its calls are CLIENT spans as in a real deployment.
    const instrumentation = new DuckDBInstrumentation({ enabled: false });
    registerInstrumentations({ instrumentations: [instrumentation] });
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run('CREATE TABLE orders AS SELECT i AS id, i % 50 AS customer_id, (i * 7) % 100 AS amount FROM range(10000) t(i)');
    const customers = Array.from({ length: 50 }, (_, i) => ({ customer_id: i, tier: i % 3 === 0 ? 'gold' : 'silver' }));
    const federation = new Federation({ cache: false })
      .source('orders', new DuckDBSource(connection), { concurrency: 1 })
      .source('crm', new FunctionSource(() => customers));
    let n = 0;
    const spec = (): FederatedQuerySpec => ({
      name: 'bench_join',
      parts: {
        orders: {
          source: 'orders',
          sql: 'SELECT customer_id, amount FROM orders WHERE id BETWEEN ? AND ? ',
          params: [n % 9000, (n++ % 9000) + 20],
        },
        customers: { source: 'crm', request: { path: '/customers' } },
      },
      merge: { join: { left: 'orders', right: 'customers', on: 'customer_id' } },
    });
    const run = () => federation.query(spec());
    const receiver = await discardingReceiver();

    // Variants alternate round by round, so drift (JIT warm-up, GC, a noisy neighbour) hits all alike.
    const samples: Record<'none' | 'bare' | 'full', number[]> = { none: [], bare: [], full: [] };
    await timeAsync(run, ITERATIONS, 1); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      samples.none.push((await timeAsync(run, ITERATIONS, 1)).nsPerOp);

      const bareProvider = new NodeTracerProvider({
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
      });
      bareProvider.register();
      instrumentation.setTracerProvider(bareProvider);
      instrumentation.enable();
      samples.bare.push((await timeAsync(run, ITERATIONS, 1)).nsPerOp);
      instrumentation.disable();
      await bareProvider.shutdown();
      unregisterGlobals();

      const handle = startFedscope({
        prometheus: false,
        otlp: false,
        sourceInstrumentations: false, // the DuckDB instrumentation above is the one in use
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
      });
      instrumentation.setTracerProvider(handle.tracerProvider);
      instrumentation.enable();
      samples.full.push((await timeAsync(run, ITERATIONS, 1)).nsPerOp);
      instrumentation.disable();
      await handle.shutdown();
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const timing = (values: number[]) => ({ nsPerOp: median(values), opsPerSecond: 1e9 / median(values) });
    // Throughput ratio to a baseline: the median of the ratios within each round (paired), so a
    // round slowed by the machine counts against both variants alike.
    const ratio = (variant: number[], baseline: number[]): number => median(variant.map((ns, i) => baseline[i]! / ns));
    const none = timing(samples.none);
    const bare = timing(samples.bare);
    const full = timing(samples.full);

    const exports = receiver.requests();
    await federation.close();
    await receiver.close();
    connection.closeSync();
    instance.closeSync();

    const row = (name: string, t: { nsPerOp: number; opsPerSecond: number }, values: number[]) => [
      name,
      round(t.opsPerSecond),
      round(t.nsPerOp / 1000),
      round(ratio(values, samples.bare), 3),
      round(ratio(values, samples.none), 3),
    ];
    return [
      {
        title: 'Federated queries through the runtime (DuckDB in-memory + in-process source, built-in join)',
        columns: ['variant', 'queries/s', 'µs/query', '× bare OTel', '× no telemetry'],
        rows: [
          row('no telemetry', none, samples.none),
          row('bare OTel tracing (BatchSpanProcessor + OTLP proto)', bare, samples.bare),
          row('fedscope full pipeline (startFedscope + same exporter)', full, samples.full),
        ],
        notes: [
          `${ITERATIONS} awaited queries per round, variants alternating, ${ROUNDS} rounds; queries/s and µs are medians over rounds, ratios medians of the ratios within each round; each query: plan, dispatch, 2 fetch stages, merge, 1 DuckDB CLIENT span (6 spans).`,
          `Both traced variants export over OTLP/HTTP protobuf to a loopback receiver that drops bodies (${exports} export requests received).`,
          `Goal: fedscope ≥ 0.90× bare OTel tracing. Measured: ${round(ratio(samples.full, samples.bare), 3)}×.`,
        ],
      },
    ];
  },
};
export default entry;
