/**
 * The derive path as the pipeline runs it — `FedscopePipeline.spanProcessor.onEnd` (classify, the
 * span-metric table, the windowed statistics with the statement table, trace assembly, the alert
 * engine's span input; deferred recording flushed inside the timed work) with a Prometheus reader
 * collected and serialised once per second of its work (see {@link ScrapeShare}) — against what any
 * instrumentation with a metric pays per span: ONE OTel `Histogram.record` of the span's duration
 * with the same attributes as fedscope's `db.client.operation.duration` series, the attribute
 * object built per call (as contrib pg builds it), on a MeterProvider whose Prometheus reader is
 * collected the same way. A sweep over the distinct statements (1 … 100,000), the two variants
 * alternating round by round.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resolveConfig } from '../dist/src/options/resolve-config.js';
import { FedscopePipeline } from '../dist/src/pipeline/fedscope-pipeline.js';
import { sharedStatementAnalyzer } from '../dist/src/sql/shared-statement-analyzer.js';
import { alternateRounds, formatSpread, pairedRatios, round, spreadOf, type Cost } from './measure.js';
import { ScrapeShare } from './scrape-share.js';
import { SpanCapture } from './span-capture.js';
import type { BenchEntry } from './types.js';

const STATEMENT_COUNTS = [1, 100, 1_000, 10_000, 100_000];
const ROUNDS = 10;
const SPANS_PER_ROUND = 40_000;
/** Spans made (untimed) and then handled (timed) at a time: fresh spans, so every trace id is new, as in a service. */
const CHUNK = 2_000;
const SOURCES = ['orders-pg', 'events-pg', 'crm-pg', 'stock-pg'];
const QUERIES = ['customer_report', 'order_history', 'revenue_by_region', 'stock_levels', 'churn_risk'];
/** The attributes of fedscope's `db.client.operation.duration` series, read from the span by the baseline. */
const METRIC_ATTRIBUTES = ['db.system.name', 'federation.source', 'db.namespace', 'db.operation.name', 'server.address', 'server.port'];

/** Statement `k`: distinct identifiers (literals would fingerprint alike), as fedscope's instrumentations record it. */
function statement(k: number): { text: string; fingerprint: string; summary: string } {
  const analysis = sharedStatementAnalyzer().analyze(
    `SELECT id, status, total_cents FROM orders_${k % 50} WHERE customer_id = $1 AND region_${k} = $2 ORDER BY created_at DESC LIMIT 20`,
    'postgresql',
  );
  return { text: analysis.sanitized, fingerprint: analysis.fingerprint, summary: analysis.summary ?? 'SELECT' };
}

/** Makes ended CLIENT spans of statements `from`, `from + 1`, … modulo the statements. */
class SpanMaker {
  private readonly capture = new SpanCapture();
  private readonly tracer = new BasicTracerProvider({ spanProcessors: [this.capture] }).getTracer('fedscope');

  constructor(private readonly statements: ReadonlyArray<ReturnType<typeof statement>>) {}

  make(count: number, from: number): ReadableSpan[] {
    for (let i = 0; i < count; i++) {
      const k = (from + i) % this.statements.length;
      const s = this.statements[k]!;
      const start = Date.now() - 20;
      const span = this.tracer.startSpan(s.summary, {
        kind: SpanKind.CLIENT,
        startTime: start,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.operation.name': 'SELECT',
          'db.collection.name': `orders_${k % 50}`,
          'db.query.text': s.text,
          'db.query.summary': s.summary,
          'federation.query.fingerprint': s.fingerprint,
          'federation.source': SOURCES[k % SOURCES.length]!,
          'federation.query.name': QUERIES[k % QUERIES.length]!,
          'server.address': '10.0.0.5',
          'server.port': 5432,
          'db.response.returned_rows': k % 50,
        },
      });
      span.end(start + 1 + ((k * 7919 + i) % 400) / 20);
    }
    return this.capture.spans.splice(0);
  }
}

/** One variant: handles a chunk of spans; its Prometheus reader is scraped after each round. */
interface Variant {
  handle(spans: readonly ReadableSpan[]): void;
  /** Its Prometheus reader, charged per round. */
  readonly scrapes: ScrapeShare;
  shutdown(): Promise<void>;
}

function histogramBaseline(): Variant {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const histogram = meterProvider.getMeter('bench').createHistogram('db.client.operation.duration', { unit: 's' });
  return {
    handle(spans) {
      for (const span of spans) {
        const attributes: Attributes = {};
        for (const key of METRIC_ATTRIBUTES) {
          const value = span.attributes[key];
          if (value !== undefined) attributes[key] = value;
        }
        histogram.record(hrTimeToMilliseconds(span.duration) / 1000, attributes);
      }
    },
    scrapes: new ScrapeShare(() => exporter),
    shutdown: () => meterProvider.shutdown(),
  };
}

function fedscopeDerive(): Variant & { pipeline: FedscopePipeline } {
  let prometheus: PrometheusExporter | undefined;
  const pipeline = new FedscopePipeline(resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false }), {
    resource: emptyResource(),
    readers: [(producers) => (prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers }))],
    // As startFedscope builds it (contrib pg's own duration series dropped by a view): every DB span records it.
    scopesRecordingDbDuration: new Set(),
  });
  return {
    pipeline,
    handle(spans) {
      for (const span of spans) pipeline.spanProcessor.onEnd(span);
      pipeline.spanProcessor.flushPending();
    },
    scrapes: new ScrapeShare(() => prometheus),
    shutdown: () => pipeline.shutdown(),
  };
}

type VariantName = 'histogram' | 'derive';

const entry: BenchEntry = {
  id: 'derive',
  async run() {
    const all = Array.from({ length: Math.max(...STATEMENT_COUNTS) }, (_, k) => statement(k));
    const rows: Array<Array<string | number>> = [];
    const goals: string[] = [];
    let collections = '';
    for (const count of STATEMENT_COUNTS) {
      const maker = new SpanMaker(all.slice(0, count));
      const variants: Record<VariantName, Variant> = { histogram: histogramBaseline(), derive: fedscopeDerive() };
      const rounds = await alternateRounds<VariantName, keyof Cost>(
        ['histogram', 'derive'],
        async (name, r) => {
          const variant = variants[name];
          let wallNs = 0;
          let cpuUs = 0;
          for (let done = 0; done < SPANS_PER_ROUND; done += CHUNK) {
            // Every round walks the statements on from where the last left off; both variants see the same spans.
            const spans = maker.make(CHUNK, r * SPANS_PER_ROUND + done);
            const cpu = process.cpuUsage();
            const start = process.hrtime.bigint();
            variant.handle(spans);
            wallNs += Number(process.hrtime.bigint() - start);
            const used = process.cpuUsage(cpu);
            cpuUs += used.user + used.system;
          }
          return variant.scrapes.charge({ wallNs: wallNs / SPANS_PER_ROUND, cpuNs: (cpuUs * 1000) / SPANS_PER_ROUND }, SPANS_PER_ROUND);
        },
        { rounds: ROUNDS },
      );
      const derive = variants.derive as ReturnType<typeof fedscopeDerive>;
      const limits = derive.pipeline.snapshot().limits.find((l) => l.name === 'statements');
      collections = `${variants.histogram.scrapes.count} and ${variants.derive.scrapes.count} collections`;
      for (const variant of Object.values(variants)) await variant.shutdown();
      const wall = pairedRatios(rounds, 'derive', 'histogram', 'wallNs');
      rows.push([
        count.toLocaleString('en-US'),
        formatSpread(rounds.histogram.map((c) => c.wallNs)),
        formatSpread(rounds.derive.map((c) => c.wallNs)),
        formatSpread(wall),
        formatSpread(pairedRatios(rounds, 'derive', 'histogram', 'cpuNs')),
        limits ? `${limits.current} held, ${limits.overflowed} not admitted, ${limits.evicted} evicted` : '',
      ]);
      goals.push(`${count.toLocaleString('en-US')}: ${round(spreadOf(wall).median, 3)}×`);
    }
    return [
      {
        title: 'Derive path per ended source span: FedscopePipeline.spanProcessor vs one OTel Histogram.record, by distinct statements',
        columns: [
          'distinct statements',
          'Histogram.record ns/span',
          'fedscope derive ns/span',
          '× Histogram.record (wall)',
          '× Histogram.record (CPU)',
          'statement table at the end',
        ],
        rows,
        notes: [
          `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round; ${SPANS_PER_ROUND.toLocaleString('en-US')} spans per variant per round, made fresh (untimed) ${CHUNK.toLocaleString('en-US')} at a time from the SDK (every trace id new) and handed over (timed); both variants get the same spans, the statements taken round-robin and carried on from round to round; variants alternate, the order flipped each round; ratios are taken within each round. CPU = the process's CPU time.`,
          `Spans as fedscope's instrumentations emit them (CLIENT, db.* attributes, sanitised db.query.text, federation.query.fingerprint, 4 sources, 5 query names). Baseline: one Histogram.record with the ${METRIC_ATTRIBUTES.length} attributes of fedscope's db.client.operation.duration series read from the span into a fresh object (as contrib pg does), on a MeterProvider with a PrometheusExporter. fedscope: a FedscopePipeline as startFedscope builds it (default bounds and alerts; no history or host timers), its span processor's deferred spans flushed after each chunk. Both readers are collected and serialised after each round, timed apart, and each round is charged the share of that scrape its own wall time is of a second: one scrape per second of each variant's own work, in every round (last sweep step: ${collections}).`,
          `Goal (issue 16): the derive path ≤ 2× one Histogram.record. Measured (median wall ratio by distinct statements): ${goals.join(', ')}.`,
        ],
      },
    ];
  },
};
export default entry;
