/**
 * Per-span cost through the public API, as a service pays it: CLIENT spans with DB attributes and
 * a statement text, started and ended on an SDK tracer with a BatchSpanProcessor (to a discarding
 * exporter) — bare OpenTelemetry — against the same plus fedscope's pipeline (its span processor,
 * the default analysis bounds, a Prometheus exporter collected and serialised once per second of
 * its own work, see {@link ScrapeShare}). A sweep over the number of distinct statements (1 …
 * 100,000), the two variants alternating round by round, the deferred recording flushed inside
 * every timed round.
 */
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { emptyResource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resolveConfig } from '../dist/src/options/resolve-config.js';
import { FedscopePipeline } from '../dist/src/pipeline/fedscope-pipeline.js';
import { DiscardExporter } from './discard-exporter.js';
import { round } from './measure.js';
import { ScrapeShare } from './scrape-share.js';
import type { BenchEntry } from './types.js';

const STATEMENT_COUNTS = [1, 100, 1_000, 10_000, 100_000];
const ROUNDS = 10;
const SPANS_PER_ROUND = 20_000;
const SOURCES = ['orders-pg', 'events-pg', 'crm-pg', 'stock-pg'];

/** Statement `k`: a distinct parameterised text with its own fingerprint (an identifier differs; a literal would be normalised away). */
function statementText(k: number): string {
  return `SELECT id, status, total_cents FROM orders_${k % 50} WHERE customer_id = $1 AND region_${k} = $2 ORDER BY created_at DESC LIMIT 20`;
}

/** One variant: a tracer, what to do at the end of a timed round (flush the deferred recording), and its reader. */
interface Variant {
  tracer: Tracer;
  endRound(): void;
  /** Its Prometheus reader, charged per round; none for bare OTel. */
  scrapes: ScrapeShare | undefined;
  shutdown(): Promise<void>;
}

function bareOtel(): Variant {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter())] });
  return { tracer: provider.getTracer('bench'), endRound: () => undefined, scrapes: undefined, shutdown: () => provider.shutdown() };
}

function withFedscope(): Variant {
  let prometheus: PrometheusExporter | undefined;
  const pipeline = new FedscopePipeline(
    resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false, alerts: false }),
    {
      resource: emptyResource(),
      readers: [(producers) => (prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers }))],
    },
  );
  const provider = new BasicTracerProvider({
    spanProcessors: [pipeline.spanProcessor, new BatchSpanProcessor(new DiscardExporter())],
  });
  return {
    tracer: provider.getTracer('bench'),
    endRound: () => pipeline.spanProcessor.flushPending(),
    scrapes: new ScrapeShare(() => prometheus),
    shutdown: async () => {
      await provider.shutdown();
      await pipeline.shutdown();
    },
  };
}

/** Ends `count` spans on `tracer`, statements `offset`, `offset + 1`, … modulo `statements`. */
function endSpans(tracer: Tracer, count: number, statements: number, offset: number): void {
  for (let i = 0; i < count; i++) {
    const k = (offset + i) % statements;
    const span = tracer.startSpan('SELECT orders', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'shop',
        'db.operation.name': 'SELECT',
        'db.collection.name': 'orders',
        'db.query.text': statementText(k),
        'server.address': '10.0.0.5',
        'server.port': 5432,
        'federation.source': SOURCES[k % SOURCES.length]!,
      },
    });
    span.end();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const entry: BenchEntry = {
  id: 'span-cost',
  async run() {
    const rows: Array<Array<string | number>> = [];
    for (const statements of STATEMENT_COUNTS) {
      const bare = bareOtel();
      const fedscope = withFedscope();
      const perSpanNs: Record<'bare' | 'fedscope', number[]> = { bare: [], fedscope: [] };
      const ratios: number[] = [];
      let offset = 0;
      const timeRound = async (variant: Variant): Promise<number> => {
        const start = process.hrtime.bigint();
        endSpans(variant.tracer, SPANS_PER_ROUND, statements, offset);
        variant.endRound();
        const wallNs = Number(process.hrtime.bigint() - start) / SPANS_PER_ROUND;
        if (variant.scrapes === undefined) return wallNs;
        return (await variant.scrapes.charge({ wallNs, cpuNs: 0 }, SPANS_PER_ROUND)).wallNs;
      };
      // Warm-up round of each, not counted.
      await timeRound(bare);
      await timeRound(fedscope);
      for (let r = 0; r < ROUNDS; r++) {
        offset += SPANS_PER_ROUND;
        const order = r % 2 === 0 ? (['bare', 'fedscope'] as const) : (['fedscope', 'bare'] as const);
        const ns: Partial<Record<'bare' | 'fedscope', number>> = {};
        for (const name of order) ns[name] = await timeRound(name === 'bare' ? bare : fedscope);
        perSpanNs.bare.push(ns.bare!);
        perSpanNs.fedscope.push(ns.fedscope!);
        ratios.push(ns.fedscope! / ns.bare!);
      }
      await bare.shutdown();
      await fedscope.shutdown();
      rows.push([
        statements.toLocaleString('en-US'),
        round(median(perSpanNs.bare) / 1000, 3),
        round(median(perSpanNs.fedscope) / 1000, 3),
        round(median(ratios), 3),
        `${round(Math.min(...ratios), 3)}–${round(Math.max(...ratios), 3)}`,
      ]);
    }
    return [
      {
        title: 'span cost: full fedscope over bare OpenTelemetry, by distinct statements',
        columns: ['distinct statements', 'bare OTel µs/span', 'with fedscope µs/span', 'ratio (median of rounds)', 'ratio spread'],
        rows,
        notes: [
          `${ROUNDS} rounds of ${SPANS_PER_ROUND.toLocaleString('en-US')} CLIENT spans per variant after a warm-up, variants alternating round by round (order flipped each round); the ratio is taken per round.`,
          "Bare: BasicTracerProvider + BatchSpanProcessor to a discarding exporter. With fedscope: the same plus FedscopePipeline.spanProcessor (default bounds: 1,000 statements) and a Prometheus exporter collected and serialised after each round, timed apart, the round charged the share of it that its own time is of a second (one scrape per second of fedscope's work, in every round); deferred recording is flushed inside each timed round.",
          'Goals (issue 16): ≤ 1.5× with 1 distinct statement, ≤ 2.0× with 100,000.',
        ],
      },
    ];
  },
};

export default entry;
