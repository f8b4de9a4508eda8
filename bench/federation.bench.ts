/**
 * Federated queries per second through the federation runtime, serial and 4 at a time, on two
 * workloads (three in-memory parts concatenated; DuckDB in-memory + an in-process source joined
 * by the built-in merge): with fedscope's full pipeline (startFedscope with Prometheus on, its
 * `/metrics` fetched every second of fedscope's rounds), with bare OTel tracing (same spans, a
 * BatchSpanProcessor and the OTLP proto exporter to a loopback receiver), and with no telemetry —
 * in one run, variants alternating round by round, the order flipped each round.
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
import { alternateRounds, figureOf, formatSpread, measureCost, pairedRatios, round, spreadOf, yieldToEventLoop } from './measure.js';
import { MetricsScraper } from './metrics-scraper.js';
import type { BenchEntry, BenchTable } from './types.js';

const ROUNDS = 10;
const CONCURRENCY = [1, 4];

type Variant = 'none' | 'bare' | 'fedscope';
const VARIANTS: readonly Variant[] = ['none', 'bare', 'fedscope'];

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

/** One workload: a federation and the next query to send it. */
interface Workload {
  name: string;
  /** What one query does, for the notes. */
  shape: string;
  /** Queries per variant per round. */
  queriesPerRound: number;
  query(): Promise<unknown>;
  close(): Promise<void>;
}

/** Three in-process sources answering from memory, concatenated: the runtime's and the telemetry's own cost shows. */
function inMemoryConcat(): Workload {
  const rows = (n: number, tag: string) => Array.from({ length: n }, (_, id) => ({ id, tag }));
  const [warehouse, catalog, crm] = [rows(20, 'w'), rows(5, 'c'), rows(3, 'r')];
  const federation = new Federation({ cache: false })
    .source('warehouse', new FunctionSource(() => warehouse))
    .source('catalog', new FunctionSource(() => catalog))
    .source('crm', new FunctionSource(() => crm));
  const spec: FederatedQuerySpec = {
    name: 'bench_concat',
    parts: {
      orders: { source: 'warehouse', sql: 'SELECT id, tag FROM orders WHERE region = $1', params: ['eu'] },
      products: { source: 'catalog', sql: 'SELECT id, tag FROM products' },
      customers: { source: 'crm', sql: 'SELECT id, tag FROM customers' },
    },
    merge: { concat: ['orders', 'products', 'customers'] },
  };
  return {
    name: 'three in-memory parts, concat',
    shape: 'root, plan, dispatch, 3 fetch stages with 3 source calls, merge',
    queriesPerRound: 2_000,
    query: () => federation.query(spec),
    close: () => federation.close(),
  };
}

/** DuckDB in-memory (instrumented driver: a CLIENT span per call; one connection, calls queued) + an in-process source, joined. */
async function duckDbJoin(): Promise<Workload> {
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
  return {
    name: 'DuckDB in-memory + in-process source, join',
    shape: 'root, plan, dispatch, 2 fetch stages, merge, 1 DuckDB CLIENT span',
    queriesPerRound: 400,
    query: () => federation.query(spec()),
    close: async () => {
      await federation.close();
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Resolves once fedscope's `/metrics` shows the host collector's first reading: its start (a worker
 * thread, a half-second CPU sample, a reading that runs `ip` and `df`) happens once per process and
 * is not per-query cost. Then a reading every 15 s runs in the worker, in whichever round it lands.
 */
async function hostReadingTaken(metricsUrl: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const body = await fetch(metricsUrl).then((response) => response.text());
    if (body.includes('fedscope_system_metrics_collect_duration')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the host collector took no reading within ${timeoutMs} ms (${metricsUrl})`);
}

/** Queries sent between two turns of the event loop (where timers, the scrape and deferred recording run), as I/O would give them. */
const QUERIES_PER_TURN = 50;

/**
 * Sends `total` queries, `concurrency` at a time (each worker awaits its query before the next),
 * letting the event loop turn every {@link QUERIES_PER_TURN} queries and once at the end (so
 * deferred work of the round runs inside it).
 */
async function send(query: () => Promise<unknown>, total: number, concurrency: number): Promise<void> {
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await query();
      if (sent % QUERIES_PER_TURN === 0) await yieldToEventLoop();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await yieldToEventLoop();
}

const entry: BenchEntry = {
  id: 'federation',
  async run() {
    // Registered before DuckDB loads, so its calls are CLIENT spans as in a real deployment.
    const instrumentation = new DuckDBInstrumentation({ enabled: false });
    registerInstrumentations({ instrumentations: [instrumentation] });
    const receiver = await discardingReceiver();
    const workloads = [inMemoryConcat(), await duckDbJoin()];
    const tables: BenchTable[] = [];
    const rows: Array<Array<string | number>> = [];
    const goals: string[] = [];
    const scrapeNotes: string[] = [];
    const assemblyNotes: string[] = [];

    for (const workload of workloads) {
      for (const concurrency of CONCURRENCY) {
        // A scrape every second of fedscope's timed rounds.
        const scraper = new MetricsScraper();
        // One fedscope for all its rounds, as a service runs it: windows fill, and the traces a round
        // ends are assembled and analysed (critical path, bottlenecks) once their grace period has
        // passed, i.e. in its next round. Between its rounds its tracer provider is not registered.
        const handle = startFedscope({
          prometheus: { port: 0 },
          otlp: false,
          sourceInstrumentations: false, // the DuckDB instrumentation above is the one in use
          spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
        });
        await handle.ready;
        await hostReadingTaken(`${handle.metricsUrl!}/metrics`);
        unregisterGlobals();
        const rounds = await alternateRounds<Variant, 'wallNs' | 'cpuNs'>(
          VARIANTS,
          async (variant) => {
            const timed = () =>
              measureCost(() => send(() => workload.query(), workload.queriesPerRound, concurrency), workload.queriesPerRound);
            if (variant === 'none') return timed();
            if (variant === 'bare') {
              const provider = new NodeTracerProvider({
                spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: receiver.url }))],
              });
              provider.register();
              instrumentation.setTracerProvider(provider);
              instrumentation.enable();
              try {
                return await timed();
              } finally {
                instrumentation.disable();
                await provider.shutdown();
                unregisterGlobals();
              }
            }
            handle.tracerProvider.register();
            metrics.setGlobalMeterProvider(handle.meterProvider);
            instrumentation.setTracerProvider(handle.tracerProvider);
            instrumentation.enable();
            scraper.start(`${handle.metricsUrl!}/metrics`);
            try {
              return await timed();
            } finally {
              await scraper.stop();
              instrumentation.disable();
              unregisterGlobals();
            }
          },
          { rounds: ROUNDS },
        );
        const assembly = handle.bottlenecks().assembly;
        await handle.shutdown();
        assemblyNotes.push(
          `${workload.name} ×${concurrency}: ${assembly.assembled.toLocaleString('en-US')} traces assembled and analysed, ${assembly.inFlight} in flight at the end`,
        );
        const scrapes = await scraper.stop();
        const perSecond = (ns: number) => 1e9 / ns;
        // Throughput ratio = baseline's time per query ÷ the variant's, within each round.
        const vsBare = (variant: Variant) => pairedRatios(rounds, 'bare', variant, 'wallNs');
        const vsNone = (variant: Variant) => pairedRatios(rounds, 'none', variant, 'wallNs');
        const cpuVsBare = (variant: Variant) => pairedRatios(rounds, variant, 'bare', 'cpuNs');
        const label = { none: 'no telemetry', bare: 'bare OTel tracing', fedscope: 'fedscope (Prometheus on)' };
        for (const variant of VARIANTS)
          rows.push([
            workload.name,
            concurrency,
            label[variant],
            formatSpread(figureOf(rounds, variant, 'wallNs', perSecond)),
            formatSpread(vsBare(variant)),
            formatSpread(cpuVsBare(variant)),
            formatSpread(vsNone(variant)),
          ]);
        goals.push(
          `${workload.name}, ${concurrency} at a time: ${round(spreadOf(vsBare('fedscope')).median, 3)}× throughput, ${round(spreadOf(cpuVsBare('fedscope')).median, 3)}× CPU per query`,
        );
        scrapeNotes.push(`${workload.name} ×${concurrency}: ${scrapes.scrapes} (${scrapes.failures} failed)`);
      }
    }
    for (const workload of workloads) await workload.close();
    const exports = receiver.requests();
    await receiver.close();

    tables.push({
      title: 'Federated queries through the runtime: fedscope vs bare OTel tracing vs no telemetry',
      columns: [
        'workload',
        'concurrent',
        'variant',
        'queries/s',
        '× bare OTel (throughput)',
        'CPU per query × bare OTel',
        '× no telemetry',
      ],
      rows,
      notes: [
        `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round; per round and variant ${workloads.map((w) => `${w.queriesPerRound.toLocaleString('en-US')} queries of "${w.name}" (${w.shape})`).join(', ')}; the event loop turning every ${QUERIES_PER_TURN} queries; variants alternate, the order flipped each round; ratios are taken within each round (throughput: the baseline's time per query ÷ the variant's, so below 1 is slower; CPU per query: the variant's ÷ the baseline's, so above 1 costs more). CPU = the process's CPU time (every thread, DuckDB's included).`,
        `bare OTel = a NodeTracerProvider with a BatchSpanProcessor and the OTLP proto exporter; fedscope = startFedscope({ prometheus: { port: 0 } }) (span processor, analysis, trace assembly and analysis, health, alerts, runtime and host metrics) with the same exporter, started once per workload and concurrency (after its host collector's first reading) and kept running across its rounds as a service runs it, its tracer provider registered only in its own rounds: the traces a round ends are analysed when their grace period has passed, in its next round (${assemblyNotes.join('; ')}); both export to a loopback receiver that drops bodies (${exports} export requests). fedscope's /metrics was fetched over HTTP every second of its timed rounds: ${scrapeNotes.join('; ')} scrapes.`,
        `Goal: fedscope ≥ 0.90× bare OTel throughput, serial and concurrent. Measured (medians of the paired ratios): ${goals.join('; ')}.`,
      ],
    });
    return tables;
  },
};
export default entry;
