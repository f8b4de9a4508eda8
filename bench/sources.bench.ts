/**
 * Cost of instrumentation per `SELECT 1`: on the real PostgreSQL, uninstrumented vs the contrib
 * instrumentation-pg alone vs fedscope (contrib pg with fedscope's enrichment + fedscope's
 * pipeline); on DuckDB in-memory, uninstrumented vs fedscope's DuckDB instrumentation under plain
 * OTel vs under fedscope. Every variant with metrics has a Prometheus reader whose `/metrics` is
 * fetched over HTTP every second of its rounds: contrib pg records `db.client.operation.duration`
 * into a PrometheusExporter of its own meter provider, fedscope runs with `prometheus: { port: 0 }`.
 * Variants alternate round by round, the order flipped each round.
 */
import { createRequire } from 'node:module';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { fedscopePgInstrumentation } from '../dist/instrumentations/contrib/contrib-db-instrumentations.js';
import { DuckDBInstrumentation } from '../dist/instrumentations/duckdb/instrumentation.js';
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { DiscardExporter } from './discard-exporter.js';
import { alternateRounds, figureOf, formatSpread, measureCost, pairedRatios, round, spreadOf, type Cost } from './measure.js';
import { MetricsScraper, type ScrapeStats } from './metrics-scraper.js';
import { servePrometheusExporter } from './prometheus-endpoint.js';
import type { BenchEntry, BenchTable } from './types.js';

const ITERATIONS = 2_000;
/** Untimed queries after a variant is set up in a round. */
const WARM_UP = 300;
const ROUNDS = 10;

/**
 * none: uninstrumented; sdk: the instrumentation under a plain OTel SDK (with a scraped Prometheus
 * reader when `metricReader`); fedscope: under startFedscope() with Prometheus on and scraped.
 */
type VariantKind = 'none' | 'sdk' | 'fedscope';
interface Variant<V extends string> {
  name: V;
  kind: VariantKind;
  instrumentation?: Switchable;
  /** The baseline records metrics of its own: give it a Prometheus reader, scraped as fedscope's is. */
  metricReader?: boolean;
}
interface Switchable {
  enable(): void;
  disable(): void;
  setTracerProvider(provider: NodeTracerProvider): void;
  setMeterProvider(provider: MeterProvider): void;
}

function unregisterGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
}

/** A variant set up for one round: the URL its Prometheus reader answers on, if any, and its teardown. */
interface SetUpVariant {
  metricsUrl: string | undefined;
  stop(): Promise<void>;
}

async function setUp(variant: Variant<string>): Promise<SetUpVariant> {
  if (variant.kind === 'none') return { metricsUrl: undefined, stop: () => Promise.resolve() };
  if (variant.kind === 'fedscope') {
    const handle = startFedscope({
      prometheus: { port: 0 },
      otlp: false,
      hostMetrics: false,
      sourceInstrumentations: false, // the instrumentation under test is set up here
      spanProcessors: [new BatchSpanProcessor(new DiscardExporter())],
    });
    await handle.ready;
    variant.instrumentation?.setTracerProvider(handle.tracerProvider);
    variant.instrumentation?.setMeterProvider(handle.meterProvider);
    return { metricsUrl: `${handle.metricsUrl!}/metrics`, stop: () => handle.shutdown() };
  }
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
  const exporter = variant.metricReader ? new PrometheusExporter({ preventServerStart: true }) : undefined;
  const meterProvider = new MeterProvider({ readers: exporter ? [exporter] : [] });
  const endpoint = exporter ? await servePrometheusExporter(exporter) : undefined;
  tracerProvider.register();
  variant.instrumentation?.setTracerProvider(tracerProvider);
  variant.instrumentation?.setMeterProvider(meterProvider);
  return {
    metricsUrl: endpoint?.url,
    stop: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      await endpoint?.close();
      unregisterGlobals();
    },
  };
}

/** Runs `call` under each variant in alternating rounds; returns every round's costs and the scrapes made. */
async function alternate<V extends string>(call: () => Promise<unknown>, variants: Array<Variant<V>>) {
  // One scraper per variant with metrics: a scrape every second of that variant's timed rounds.
  const scrapers = new Map(variants.map((v) => [v.name, new MetricsScraper()]));
  const rounds = await alternateRounds<V, keyof Cost>(
    variants.map((v) => v.name),
    async (name) => {
      const variant = variants.find((v) => v.name === name)!;
      const running = await setUp(variant);
      variant.instrumentation?.enable();
      try {
        for (let i = 0; i < WARM_UP; i++) await call();
        const scraper = running.metricsUrl === undefined ? undefined : scrapers.get(name)!.start(running.metricsUrl);
        const cost = await measureCost(async () => {
          for (let i = 0; i < ITERATIONS; i++) await call();
        }, ITERATIONS);
        await scraper?.stop();
        return cost;
      } finally {
        variant.instrumentation?.disable();
        await running.stop();
      }
    },
    { rounds: ROUNDS },
  );
  const scrapes = new Map<V, ScrapeStats>();
  for (const [name, scraper] of scrapers) {
    const stats = await scraper.stop();
    if (stats.scrapes + stats.failures > 0) scrapes.set(name, stats);
  }
  return { rounds, scrapes };
}

function table<V extends string>(
  title: string,
  result: Awaited<ReturnType<typeof alternate<V>>>,
  baseline: V,
  none: V,
  notes: string[],
): BenchTable {
  const { rounds, scrapes } = result;
  const µs = (ns: number) => ns / 1000;
  const scraped = [...scrapes].map(([name, s]) => `${name} ${s.scrapes} (${s.failures} failed, last ${round(s.lastBytes / 1024)} KiB)`);
  return {
    title,
    columns: ['variant', 'µs/query', `× ${baseline}`, '× uninstrumented', 'CPU µs/query', `CPU × ${baseline}`],
    rows: (Object.keys(rounds) as V[]).map((name) => [
      name,
      formatSpread(figureOf(rounds, name, 'wallNs', µs)),
      formatSpread(pairedRatios(rounds, name, baseline, 'wallNs')),
      formatSpread(pairedRatios(rounds, name, none, 'wallNs')),
      formatSpread(figureOf(rounds, name, 'cpuNs', µs)),
      formatSpread(pairedRatios(rounds, name, baseline, 'cpuNs')),
    ]),
    notes: [
      `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round; ${ITERATIONS.toLocaleString('en-US')} awaited queries per variant per round after ${WARM_UP} untimed ones; variants alternate, the order flipped each round; ratios are taken within each round, so drift of the machine between rounds cancels. CPU = the process's CPU time (every thread).`,
      ...notes,
      `Prometheus scrapes, one per second of each variant's timed rounds (the first at its first round's start): ${scraped.join('; ')}.`,
    ],
  };
}

const entry: BenchEntry = {
  id: 'sources',
  async run() {
    // Both instrumentations are registered before the drivers load, then switched per variant.
    const contrib = new PgInstrumentation({ enabled: false });
    // As startFedscope builds it: its processor records db.client.operation.duration for pg.
    const fedscopePg = fedscopePgInstrumentation({ pg: { enabled: false }, contribOperationDuration: false });
    const duckdb = new DuckDBInstrumentation({ enabled: false });
    registerInstrumentations({ instrumentations: [contrib, fedscopePg, duckdb] });
    for (const i of [contrib, fedscopePg, duckdb]) i.disable();
    const require = createRequire(import.meta.url);
    const pg = require('pg') as typeof import('pg');
    const { DuckDBInstance } = require('@duckdb/node-api') as typeof import('@duckdb/node-api');
    const { postgresConfig } = await import('../test/support/real-servers.js');

    const tables: BenchTable[] = [];
    const client = new pg.Client(postgresConfig());
    try {
      await client.connect();
      const result = await alternate(
        () => client.query('SELECT 1'),
        [
          { name: 'none', kind: 'none' },
          { name: 'contrib', kind: 'sdk', instrumentation: contrib, metricReader: true },
          { name: 'fedscope', kind: 'fedscope', instrumentation: fedscopePg },
        ],
      );
      const goal = (of: keyof Cost) => spreadOf(pairedRatios(result.rounds, 'fedscope', 'contrib', of));
      tables.push(
        table('SELECT 1 on the real PostgreSQL (pg Client over TCP loopback)', result, 'contrib', 'none', [
          `contrib = @opentelemetry/instrumentation-pg alone with a BatchSpanProcessor to a discarding exporter, and a MeterProvider with a PrometheusExporter reader (its db.client.operation.duration) served on a loopback port and scraped. fedscope = the same instrumentation with fedscope's enrichment under startFedscope({ prometheus: { port: 0 } }) (span processor, statistics, trace analysis, health, alerts; contrib's own duration series dropped, fedscope records it) with the same BatchSpanProcessor.`,
          `Goal: fedscope ≤ 1.10× contrib alone, wall and CPU. Measured: ${round(goal('wallNs').median, 3)}× wall, ${round(goal('cpuNs').median, 3)}× CPU (medians of the paired ratios).`,
        ]),
      );
    } catch (error) {
      tables.push({
        title: 'SELECT 1 on the real PostgreSQL',
        columns: ['note'],
        rows: [[`not measured: ${String(error)} (start it with npm run servers)`]],
      });
    } finally {
      await client.end().catch(() => undefined);
    }

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const result = await alternate(
      () => connection.runAndReadAll('SELECT 1'),
      [
        { name: 'none', kind: 'none' },
        { name: 'plain OTel', kind: 'sdk', instrumentation: duckdb },
        { name: 'fedscope', kind: 'fedscope', instrumentation: duckdb },
      ],
    );
    connection.closeSync();
    instance.closeSync();
    tables.push(
      table('SELECT 1 on DuckDB in-memory (@duckdb/node-api runAndReadAll)', result, 'plain OTel', 'none', [
        `plain OTel = fedscope's DuckDB instrumentation under a bare NodeTracerProvider with a BatchSpanProcessor to a discarding exporter (what any OTel tracing costs here: the AsyncLocalStorage context manager turns on promise hooks, and DuckDB's calls make many promises); it records no metrics of its own, so it has no reader. fedscope = the same instrumentation under startFedscope({ prometheus: { port: 0 } }) with the same BatchSpanProcessor. CPU includes DuckDB's own threads.`,
      ]),
    );
    return tables;
  },
};
export default entry;
