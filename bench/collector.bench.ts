/**
 * The collector companion's intake: spans per second per core received as OTLP/protobuf batches of
 * 512 spans (a BatchSpanProcessor's default export batch), decoded alone (`decodeTraceRequest`) vs
 * decoded and analysed as the companion's intake does (`FedscopePipeline.ingestDecoded`, configured
 * as `fedscope collector` is by default, with a Prometheus reader scraped once per second of the
 * analysis's own work), in one run, variants alternating round by round.
 *
 * Each round's batches are encoded before the round (untimed) by the OTel JS exporters' own serializer
 * (`ProtobufTraceSerializer` of `@opentelemetry/otlp-transformer`) from ended SDK spans: federated
 * queries of three Node services on the stable conventions (root, stages, DB client calls) and
 * JDBC calls of a Java service on the older ones. Each round takes the next slice of batches, so
 * the pipeline never sees a trace id twice (a repeated trace would count as a late child and cost
 * nothing).
 */
import { context, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { emptyResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { resolveCollectorConfig } from '../dist/src/collector/collector-config.js';
import { decodeTraceRequest } from '../dist/src/otlp/index.js';
import { FedscopePipeline } from '../dist/src/pipeline/fedscope-pipeline.js';
import { sharedStatementAnalyzer } from '../dist/src/sql/shared-statement-analyzer.js';
import { alternateRounds, figureOf, formatSpread, measureCost, pairedRatios, round, spreadOf, type Cost } from './measure.js';
import { SCRAPE_INTERVAL_MS } from './metrics-scraper.js';
import { SpanCapture } from './span-capture.js';
import type { BenchEntry } from './types.js';

const BATCH_SPANS = 512;
/** Counted rounds, after one warm-up round. */
const ROUNDS = 10;
/** Fewest batches per variant per round; a round is otherwise sized to one scrape interval of analysis. */
const MIN_BATCHES_PER_ROUND = 80;
const PROTOBUF = 'application/x-protobuf';

const QUERIES = ['customer_report', 'order_history', 'revenue_by_region', 'stock_levels', 'churn_risk', 'supplier_scorecard'];
const TABLES = ['orders', 'order_lines', 'customers', 'invoices', 'shipments', 'products', 'stock', 'suppliers'];

/** Sixty parameterised statements (as fedscope's runtime records them) with their fingerprints. */
const STATEMENTS = Array.from({ length: 60 }, (_, k) => {
  const table = TABLES[k % TABLES.length]!;
  const text =
    k % 3 === 0
      ? `SELECT id, status, total_cents FROM ${table} WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT ${10 + k}`
      : k % 3 === 1
        ? `SELECT region, sum(amount_cents) AS revenue FROM ${table} WHERE created_at BETWEEN $1 AND $2 GROUP BY region HAVING count(*) > ${k}`
        : `SELECT p.id, p.name, s.quantity FROM ${table} p JOIN stock s ON s.product_id = p.id WHERE p.category_id = $1 AND s.warehouse_id IN ($2, $3, ${k})`;
  const analysis = sharedStatementAnalyzer().analyze(text, 'postgresql');
  return { table, text: analysis.sanitized, fingerprint: analysis.fingerprint, summary: analysis.summary };
});

/** One service's tracer and the spans it ended and has not exported yet. */
interface Service {
  tracer: Tracer;
  capture: SpanCapture;
  nextTrace(tracer: Tracer, i: number, base: number): void;
}

function child(
  tracer: Tracer,
  parent: Span,
  name: string,
  kind: SpanKind,
  startMs: number,
  endMs: number,
  attributes: Attributes,
  fail = false,
): void {
  const span = tracer.startSpan(name, { kind, startTime: startMs, attributes }, trace.setSpan(context.active(), parent));
  if (fail) span.setStatus({ code: 2, message: 'canceling statement due to statement timeout' });
  span.end(endMs);
}

/** A federated query of fedscope's runtime: root, plan, two fetch stages with 3 DB calls, merge (8 spans). */
function federatedQuery(tracer: Tracer, i: number, base: number): void {
  const query = QUERIES[i % QUERIES.length]!;
  const root = tracer.startSpan(`federation.query ${query}`, {
    startTime: base,
    attributes: {
      'federation.query.name': query,
      'federation.query.id': `q-${i}`,
      'federation.source.count': 2,
      'federation.rows.returned': 25,
    },
  });
  const stage = (name: string, start: number, end: number, extra: Attributes = {}) =>
    child(tracer, root, `federation.stage ${name}`, SpanKind.INTERNAL, base + start, base + end, {
      'federation.stage': name,
      'federation.query.name': query,
      ...extra,
    });
  stage('plan', 0.2, 0.9);
  const sql = (parent: Span, source: string, host: string, k: number, start: number, end: number) => {
    const statement = STATEMENTS[(i * 7 + k) % STATEMENTS.length]!;
    child(
      tracer,
      parent,
      statement.summary ?? 'SELECT',
      SpanKind.CLIENT,
      base + start,
      base + end,
      {
        'db.system.name': 'postgresql',
        'db.namespace': 'shop',
        'db.query.text': statement.text,
        'db.operation.name': 'SELECT',
        'db.collection.name': statement.table,
        'db.query.summary': statement.summary ?? 'SELECT',
        'federation.query.fingerprint': statement.fingerprint,
        'federation.source': source,
        'server.address': host,
        'server.port': 5432,
        'db.response.returned_rows': 10 + (i % 40),
      },
      i % 97 === 0 && k === 0,
    );
  };
  const jitter = (i * 13) % 17;
  for (const [p, part] of ['orders', 'customers'].entries()) {
    const fetch = tracer.startSpan(
      'federation.stage fetch',
      {
        startTime: base + 1,
        attributes: { 'federation.stage': 'fetch', 'federation.query.name': query, 'federation.part': part },
      },
      trace.setSpan(context.active(), root),
    );
    sql(fetch, `${part}-pg`, `${part}-db.internal`, p, 1.2, 9 + jitter + p * 5);
    if (p === 0) sql(fetch, `${part}-pg`, `${part}-db.internal`, 2, 10 + jitter, 18 + jitter);
    fetch.end(base + 19 + jitter + p * 5);
  }
  stage('merge', 25 + jitter, 28 + jitter, { 'federation.merge.kind': 'join' });
  root.end(base + 29 + jitter);
}

/** A Java service's request on the older conventions (agent 1.x): SERVER root, 3 JDBC calls, 1 HTTP call (5 spans). */
function javaRequest(tracer: Tracer, i: number, base: number): void {
  const root = tracer.startSpan('GET /orders', {
    kind: SpanKind.SERVER,
    startTime: base,
    attributes: {
      'http.method': 'GET',
      'http.route': '/orders',
      'http.scheme': 'http',
      'net.host.name': 'orders-service',
      'http.status_code': 200,
    },
  });
  for (let k = 0; k < 3; k++) {
    const statement = STATEMENTS[(i + k * 11) % STATEMENTS.length]!;
    child(tracer, root, `SELECT orders.${statement.table}`, SpanKind.CLIENT, base + 1 + k * 6, base + 6 + k * 6, {
      'db.system': 'postgresql',
      'db.name': 'orders',
      'db.statement': statement.text.replace(/\$\d+/g, '?'),
      'db.operation': 'SELECT',
      'db.sql.table': statement.table,
      'db.user': 'orders_app',
      'net.peer.name': 'orders-db',
      'net.peer.port': 5432,
    });
  }
  child(tracer, root, 'HTTP GET', SpanKind.CLIENT, base + 20, base + 31, {
    'http.method': 'GET',
    'http.url': `http://inventory:8081/stock?sku=${i % 1000}`,
    'net.peer.name': 'inventory',
    'net.peer.port': 8081,
    'http.status_code': 200,
  });
  root.end(base + 33);
}

function service(name: string, language: string, nextTrace: Service['nextTrace']): Service {
  const capture = new SpanCapture();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': name,
      'telemetry.sdk.language': language,
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': language === 'java' ? '1.32.0' : '2.12.0',
    }),
    spanProcessors: [capture],
  });
  const scope = language === 'java' ? 'io.opentelemetry.jdbc' : 'fedscope';
  return { tracer: provider.getTracer(scope), capture, nextTrace };
}

/**
 * Encodes protobuf export requests of 512 spans on demand, the services taking turns, traces split
 * across batches as a BatchSpanProcessor splits them; trace ids never repeat across calls.
 */
class BatchEncoder {
  private readonly services = [
    service('gateway-eu', 'nodejs', federatedQuery),
    service('gateway-us', 'nodejs', federatedQuery),
    service('reports', 'nodejs', federatedQuery),
    service('orders-service', 'java', javaRequest),
  ];
  private readonly base = Date.now() - 60_000;
  private next = 0;
  /** Traces made so far. */
  traces = 0;
  /** Batches and bytes encoded so far. */
  batches = 0;
  bytes = 0;

  /** The next `count` batches. */
  encode(count: number): Uint8Array[] {
    const batches: Uint8Array[] = [];
    for (let b = 0; b < count; b++) {
      const s = this.services[this.next++ % this.services.length]!;
      while (s.capture.spans.length < BATCH_SPANS) {
        s.nextTrace(s.tracer, this.traces, this.base + this.traces * 0.05);
        this.traces++;
      }
      const spans = s.capture.spans.splice(0, BATCH_SPANS);
      const body = ProtobufTraceSerializer.serializeRequest(spans);
      if (body === undefined) throw new Error('the OTLP serializer produced no body');
      batches.push(body);
      this.batches++;
      this.bytes += body.byteLength;
    }
    return batches;
  }
}

const entry: BenchEntry = {
  id: 'collector',
  async run() {
    // Each round's batches are encoded just before it (untimed) and let go after it: the heap holds one round's bodies.
    const encoder = new BatchEncoder();
    let slice: Uint8Array[] = [];
    let sliceRound = -1;

    let prometheus: PrometheusExporter | undefined;
    // The companion's own defaults (`fedscope collector` with no flags): its pipeline configuration
    // (alerts with the default rules, runtime metrics) and its trace assembly bounds (a 6 s grace
    // for SDK batch exporters, 20,000 traces in flight), not the in-process ones.
    const companion = resolveCollectorConfig({ args: [], env: {} });
    const pipeline = new FedscopePipeline(companion.pipeline, {
      resource: emptyResource(),
      readers: [(producers) => (prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: producers }))],
      // As the companion builds it: no driver instrumentation runs there, so every DB span records db.client.operation.duration.
      scopesRecordingDbDuration: new Set(),
      traceAssembly: { graceMs: companion.traceGraceMs, maxTracesInFlight: companion.maxTracesInFlight },
    });
    pipeline.start();
    const serializer = new PrometheusSerializer();
    let scrapes = 0;
    let exposition = 0;
    const scrape = async () => {
      if (prometheus === undefined) return;
      const { resourceMetrics } = await prometheus.collect();
      exposition = serializer.serialize(resourceMetrics).length;
      scrapes++;
    };

    let decodedSpans = 0;
    const decodeOnly = async (slice: Uint8Array[]) => {
      for (const body of slice) decodedSpans += (await decodeTraceRequest(body, { contentType: PROTOBUF })).spans.length;
    };
    let analysedSpans = 0;
    /** Decodes and analyses `slice`, scraping after batch `scrapeAfter` (none when undefined). */
    const analyse = async (slice: Uint8Array[], scrapeAfter: number | undefined) => {
      for (let b = 0; b < slice.length; b++) {
        const request = await decodeTraceRequest(slice[b]!, { contentType: PROTOBUF });
        pipeline.ingestDecoded(request.spans);
        analysedSpans += request.spans.length;
        if (b === scrapeAfter) await scrape();
      }
    };

    // Steady state before counting: a trace is analysed a grace period after its root arrived, so the
    // pipeline is first fed (untimed) for a grace period and a second; the counted rounds then pay
    // for assembling and analysing traces at the rate they arrive, not only for holding them. The
    // fill scrapes once per second of its own analysis (encoding not counted), and measures how many
    // batches that second analyses.
    const fillUntil = Date.now() + companion.traceGraceMs + 1000;
    const analysedBeforeFill = analysedSpans;
    let fillAnalysisMs = 0;
    let sinceScrapeMs = 0;
    while (Date.now() < fillUntil) {
      const batches = encoder.encode(8);
      const scrapeDue = sinceScrapeMs >= SCRAPE_INTERVAL_MS;
      if (scrapeDue) sinceScrapeMs = 0;
      const started = performance.now();
      await analyse(batches, scrapeDue ? batches.length - 1 : undefined);
      const took = performance.now() - started;
      fillAnalysisMs += took;
      sinceScrapeMs += took;
    }
    const fillSpans = analysedSpans - analysedBeforeFill;
    analysedSpans = analysedBeforeFill;
    // A counted round of the analysis takes about one scrape interval and holds exactly one scrape
    // (mid-round): the analysis pays for a scrape per second of its own work, as a companion busy
    // all the time and scraped every second does — not per second of the decode rounds or the
    // untimed encoding too, and not in some rounds only (the median would leave it out).
    const batchesPerRound = Math.max(MIN_BATCHES_PER_ROUND, Math.round(((fillSpans / fillAnalysisMs) * SCRAPE_INTERVAL_MS) / BATCH_SPANS));

    const spansPerRound = batchesPerRound * BATCH_SPANS;
    // Each round takes the next slice of batches (both variants the same slice), so no trace id comes twice to the pipeline.
    const rounds = await alternateRounds<'decode' | 'analyse', keyof Cost>(
      ['decode', 'analyse'],
      (variant, r) => {
        if (sliceRound !== r) {
          slice = encoder.encode(batchesPerRound);
          sliceRound = r;
        }
        return measureCost(() => (variant === 'decode' ? decodeOnly(slice) : analyse(slice, slice.length >> 1)), spansPerRound);
      },
      { rounds: ROUNDS },
    );
    const assembly = pipeline.bottleneckReport().assembly;
    const snapshot = pipeline.snapshot();
    await pipeline.shutdown();

    const perSecond = (ns: number) => 1e9 / ns;
    // Paired by round: analyse ÷ decode throughput within the same round.
    const ratio = (of: keyof Cost) => pairedRatios(rounds, 'decode', 'analyse', of);
    const row = (name: string, variant: 'decode' | 'analyse') => [
      name,
      formatSpread(figureOf(rounds, variant, 'wallNs', perSecond)),
      formatSpread(figureOf(rounds, variant, 'cpuNs', perSecond)),
      formatSpread(figureOf(rounds, variant, 'wallNs', (ns) => ns / 1000)),
    ];
    const analyseCpuRate = spreadOf(figureOf(rounds, 'analyse', 'cpuNs', perSecond)).median;
    const wallRatio = spreadOf(ratio('wallNs')).median;
    const cpuRatio = spreadOf(ratio('cpuNs')).median;
    const drops = Object.entries(assembly.droppedTraces)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason} ${n}`);
    // Node flags that change the measurement (the young generation's size), named in the title.
    const heapFlags = process.execArgv.filter((flag) => flag.startsWith('--max-semi-space-size'));
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    return [
      {
        title: `Collector intake: OTLP/protobuf batches of 512 spans, decode alone vs decode + pipeline.ingestDecoded${heapFlags.length > 0 ? ` (node ${heapFlags.join(' ')})` : ' (default Node flags)'}`,
        columns: ['variant', 'spans/s (wall, 1 thread)', 'spans per CPU-second', 'µs/span'],
        rows: [
          row('decode alone (decodeTraceRequest)', 'decode'),
          row('decode + FedscopePipeline.ingestDecoded', 'analyse'),
          ['analyse ÷ decode throughput (paired by round)', formatSpread(ratio('wallNs')), formatSpread(ratio('cpuNs')), ''],
        ],
        notes: [
          `Each cell: median (min–max) over ${ROUNDS} rounds after a warm-up round, of ${batchesPerRound} batches × ${BATCH_SPANS} spans per variant (about one second of analysis, sized by the fill), variants alternating round by round (order flipped each round), ratios taken within each round; CPU-seconds count every thread of the process (GC included).`,
          `Input: ${encoder.batches} distinct protobuf bodies (${round(encoder.bytes / encoder.batches / 1024)} KiB each, ${round(encoder.bytes / encoder.batches / BATCH_SPANS)} bytes/span), each round's encoded before it (untimed) by @opentelemetry/otlp-transformer's ProtobufTraceSerializer from ${encoder.traces} SDK traces: 3 Node services' federated queries (root, plan, 2 fetch stages, 3 PostgreSQL calls with stable attributes and federation.*, merge: 8 spans) and a Java service on the older conventions (SERVER root, 3 JDBC calls, 1 HTTP call: 5 spans); every trace id is seen once.`,
          `Analysis: one FedscopePipeline configured as fedscope collector is with no flags (its alerts, runtime metrics, trace grace and traces in flight) with a Prometheus exporter collected and serialised once per ${SCRAPE_INTERVAL_MS} ms of the analysis's own work: once in the middle of each analysis round, and as often in the fill (${scrapes} scrapes, last exposition ${round(exposition / 1024)} KiB); before the rounds, ${fillSpans} spans fed untimed for ${round((companion.traceGraceMs + 1000) / 1000)} s so that traces complete during the rounds as fast as they arrive; in the rounds ${analysedSpans} spans analysed, ${decodedSpans} decoded alone; ${snapshot.sources.length} sources, ${snapshot.statements.length} statements tracked.`,
          `Trace assembly over the run: ${assembly.assembled} federated queries assembled and analysed, ${assembly.withoutQuery} traces without one closed at their root, ${assembly.inFlight} in flight at the end, dropped traces: ${drops.length > 0 ? drops.join(', ') : 'none'}; critical paths describe ${round(assembly.coverage * 100)}% of federated queries (coverage: the assembler samples whole traces by id when saturated, every span still counts in the statistics) (bounds: ${assembly.limits.maxTracesInFlight} traces in flight, ${assembly.limits.graceMs} ms grace).`,
          `Process: peak RSS ${round(maxRssMiB)} MiB over the whole entry (encoding included); V8's young generation ${heapFlags.length > 0 ? `set by ${heapFlags.join(' ')}` : 'at its default (16 MiB semi-spaces)'}.`,
          `Goals: ≥ 100,000 spans/s per core analysed (measured ${round(analyseCpuRate)} per CPU-second) and analyse ÷ decode ≥ 0.5 (measured ${round(wallRatio, 3)} wall, ${round(cpuRatio, 3)} CPU).`,
        ],
      },
    ];
  },
};
export default entry;
