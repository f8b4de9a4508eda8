/**
 * Cost of instrumentation per `SELECT 1`: on the real PostgreSQL, uninstrumented vs the contrib
 * instrumentation-pg alone vs fedscope (contrib pg with fedscope's enrichment + fedscope's
 * pipeline); on DuckDB in-memory, uninstrumented vs fedscope. Variants alternate round by round.
 */
import { createRequire } from 'node:module';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { fedscopePgInstrumentation } from '../dist/instrumentations/contrib/contrib-db-instrumentations.js';
import { DuckDBInstrumentation } from '../dist/instrumentations/duckdb/instrumentation.js';
import { startFedscope } from '../dist/src/sdk/start-fedscope.js';
import { DiscardExporter } from './discard-exporter.js';
import { round } from './measure.js';
import type { BenchEntry, BenchTable } from './types.js';

const ITERATIONS = 1_000;
const WARM_UP = 300;
const ROUNDS = 25;

/** none: uninstrumented; sdk: the instrumentation under a plain OTel SDK; fedscope: under startFedscope(). */
type VariantKind = 'none' | 'sdk' | 'fedscope';
type Variant = string;
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

interface Cost {
  /** Wall-clock nanoseconds per awaited call. */
  wallNs: number;
  /** CPU nanoseconds of this process (user + system) per call. */
  cpuNs: number;
}

/** Times `ITERATIONS` awaited calls after a warm-up: wall clock and this process's CPU time. */
async function measure(call: () => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < WARM_UP; i++) await call();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await call();
  const wallNs = Number(process.hrtime.bigint() - start) / ITERATIONS;
  const used = process.cpuUsage(cpu);
  return { wallNs, cpuNs: ((used.user + used.system) * 1000) / ITERATIONS };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Per variant: its costs round by round (rounds are paired across variants). */
type Rounds = Map<Variant, Cost[]>;

/** Runs `call` under each variant in alternating rounds; returns every round's costs. */
async function alternate(
  call: () => Promise<unknown>,
  variants: Array<{ name: Variant; kind: VariantKind; instrumentation?: Switchable }>,
): Promise<Rounds> {
  const samples: Rounds = new Map(variants.map((v) => [v.name, []]));
  for (let round = -1; round < ROUNDS; round++) {
    for (const variant of variants) {
      let stop = async (): Promise<void> => {};
      if (variant.kind === 'sdk') {
        const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
        const meterProvider = new MeterProvider();
        tracerProvider.register();
        variant.instrumentation?.setTracerProvider(tracerProvider);
        variant.instrumentation?.setMeterProvider(meterProvider);
        stop = async () => {
          await tracerProvider.shutdown();
          await meterProvider.shutdown();
          unregisterGlobals();
        };
      } else if (variant.kind === 'fedscope') {
        const handle = startFedscope({
          prometheus: false,
          otlp: false,
          hostMetrics: false,
          sourceInstrumentations: false,
          spanProcessors: [new BatchSpanProcessor(new DiscardExporter())],
        });
        variant.instrumentation?.setTracerProvider(handle.tracerProvider);
        variant.instrumentation?.setMeterProvider(handle.meterProvider);
        stop = () => handle.shutdown();
      }
      variant.instrumentation?.enable();
      const cost = await measure(call);
      variant.instrumentation?.disable();
      await stop();
      if (round >= 0) samples.get(variant.name)!.push(cost);
    }
  }
  return samples;
}

/** Median over rounds of `variant`'s cost divided by `baseline`'s in the same round: drift between rounds cancels. */
function pairedRatio(rounds: Rounds, variant: Variant, baseline: Variant, of: keyof Cost): number {
  const base = rounds.get(baseline)!;
  return median(rounds.get(variant)!.map((cost, i) => cost[of] / base[i]![of]));
}

function table(title: string, rounds: Rounds, baseline: Variant, notes: string[]): BenchTable {
  return {
    title,
    columns: ['variant', 'µs/query', `× ${baseline}`, '× uninstrumented', 'CPU µs/query', `CPU × ${baseline}`],
    rows: [...rounds].map(([name, costs]) => [
      name,
      round(median(costs.map((c) => c.wallNs)) / 1000),
      round(pairedRatio(rounds, name, baseline, 'wallNs'), 3),
      round(pairedRatio(rounds, name, 'none', 'wallNs'), 3),
      round(median(costs.map((c) => c.cpuNs)) / 1000),
      round(pairedRatio(rounds, name, baseline, 'cpuNs'), 3),
    ]),
    notes,
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
      const rounds = await alternate(
        () => client.query('SELECT 1'),
        [
          { name: 'none', kind: 'none' },
          { name: 'contrib', kind: 'sdk', instrumentation: contrib },
          { name: 'fedscope', kind: 'fedscope', instrumentation: fedscopePg },
        ],
      );
      tables.push(
        table('SELECT 1 on the real PostgreSQL (pg Client over TCP loopback)', rounds, 'contrib', [
          `${ITERATIONS} awaited queries per round, variants alternating, ${ROUNDS} rounds; µs columns are medians over rounds, ratios are medians of the ratios within each round (paired, so drift of the machine between rounds cancels). contrib = @opentelemetry/instrumentation-pg alone with a BatchSpanProcessor; fedscope = the same instrumentation with fedscope's enrichment, under startFedscope() (span processor, statistics, trace analysis, health, alerts) with the same BatchSpanProcessor.`,
          `Goal: fedscope ≤ 1.10× contrib alone. Measured: ${round(pairedRatio(rounds, 'fedscope', 'contrib', 'wallNs'), 3)}× wall clock, ${round(pairedRatio(rounds, 'fedscope', 'contrib', 'cpuNs'), 3)}× this process's CPU time. contrib's meter provider has no reader (the cheapest contrib set-up); CPU = process.cpuUsage() over the timed calls.`,
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
    const rounds = await alternate(
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
      table('SELECT 1 on DuckDB in-memory (@duckdb/node-api runAndReadAll)', rounds, 'none', [
        `${ITERATIONS} awaited queries per round, variants alternating, ${ROUNDS} rounds, ratios paired by round; plain OTel = fedscope's DuckDB instrumentation under a bare NodeTracerProvider with a BatchSpanProcessor to a discarding exporter (what any OTel tracing costs here: the AsyncLocalStorage context manager turns on promise hooks, and DuckDB's calls make many promises); fedscope = the same instrumentation under startFedscope() with the same BatchSpanProcessor. CPU includes DuckDB's own threads.`,
      ]),
    );
    return tables;
  },
};
export default entry;
