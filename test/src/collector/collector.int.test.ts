import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { COLLECTOR_SETTINGS, resolveCollectorConfig, type CollectorConfig } from '../../../src/collector/collector-config.js';
import { startCollector, type RunningCollector } from '../../../src/collector/start-collector.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { startWatched, type WatchedProcess } from '../../support/child-process.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.js';
import { federationSpanSet, SPAN_SET_QUERIES, SPANS_PER_QUERY } from './federation-span-set.js';
import { sendHttp, type HttpGetAnswer } from '../../support/http-get.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SET_SPANS = SPAN_SET_QUERIES * SPANS_PER_QUERY;
const PROTOBUF = 'application/x-protobuf';
const MIB = 1024 * 1024;
const LOOPBACK_PORT_0 = ['--otlp-http', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'];

type HttpAnswer = HttpGetAnswer;

/** POSTs `body` to `url` over a fresh connection. */
function post(url: string, body: Uint8Array, headers: Record<string, string> = { 'content-type': PROTOBUF }): Promise<HttpAnswer> {
  return sendHttp(url, 'POST', body, { headers });
}

/** A POST whose body is sent in two parts: the first now, the rest when `finish()` is called. */
function stalledPost(url: string, body: Uint8Array): { finish(): Promise<HttpAnswer>; answered: Promise<HttpAnswer> } {
  let finishBody!: () => void;
  const answered = new Promise<HttpAnswer>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': PROTOBUF, 'content-length': String(body.byteLength) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, body.byteLength >> 1));
    finishBody = () => req.end(body.subarray(body.byteLength >> 1));
  });
  return {
    answered,
    finish: () => {
      finishBody();
      return answered;
    },
  };
}

async function getText(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

/** The value of one sample of the Prometheus exposition (labels in any order), or undefined. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Lists of series, ordered by when a series was first seen: the two services' requests may arrive in either order. */
const SERIES_LISTS = new Set(['queries', 'stages', 'sources', 'statements']);

/**
 * What must be equal between the companion and the in-process pipeline: everything but the moment
 * of reading (`generatedAt`, `lastUpdate`), what divides by elapsed time (throughput, the
 * since-start window's length), which depend on when each pipeline read, and the order of the
 * series lists (sorted by labels here).
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (['generatedAt', 'lastUpdate', 'throughputPerSecond'].includes(key)) continue;
    if (key === 'sinceStart') out[key] = { ...(comparable(item) as object), windowSeconds: 'elapsed' };
    else if (SERIES_LISTS.has(key) && Array.isArray(item))
      // Series lists carry `labels`; the bottleneck report's per-query entries are sorted by their whole content.
      out[key] = (item.map(comparable) as Array<{ labels?: unknown }>).sort((a, b) =>
        JSON.stringify(a.labels ?? a).localeCompare(JSON.stringify(b.labels ?? b)),
      );
    else out[key] = comparable(item);
  }
  return out;
}

/** The same spans, recorded in this process by a pipeline built as the companion builds its own. */
async function inProcessReports(config: CollectorConfig, spans: ReadableSpan[]): Promise<{ snapshot: unknown; bottlenecks: unknown }> {
  const pipeline = new FedscopePipeline(config.pipeline, {
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'in-process' })),
    scopesRecordingDbDuration: new Set(),
    traceAssembly: { graceMs: config.traceGraceMs, maxTracesInFlight: config.maxTracesInFlight },
  });
  pipeline.ingest(spans);
  await sleep(config.traceGraceMs + 100);
  const reports = { snapshot: comparable(pipeline.snapshot()), bottlenecks: comparable(pipeline.bottleneckReport()) };
  await pipeline.shutdown();
  return reports;
}

/** Runs the SDK child exporting the span set with `exporter` to `endpoint`; resolves once it exported and exited 0. */
async function exportSpanSet(exporter: 'proto-gzip' | 'json' | 'grpc', endpoint: string, baseMs: number): Promise<void> {
  const child = startWatched(
    'node',
    ['--import', 'tsx', join(root, 'test/src/collector/export-span-set.ts')],
    { FEDSCOPE_TEST_EXPORTER: exporter, FEDSCOPE_TEST_ENDPOINT: endpoint, FEDSCOPE_TEST_BASE_MS: String(baseMs) },
    root,
  );
  await child.waitFor(new RegExp(`exported ${SET_SPANS} spans`), 60_000);
  expect(await child.exited, child.output()).toBe(0);
}

describe('the collector companion fed by the real OTel JS SDK in another process', () => {
  const baseMs = Date.now();
  let spans: ReadableSpan[];
  let collector: RunningCollector | undefined;
  let config: CollectorConfig;
  beforeAll(async () => {
    spans = await federationSpanSet(baseMs);
    // A short grace so the traces are assembled (critical paths, bottlenecks) before both sides are read.
    config = resolveCollectorConfig({ args: [...LOOPBACK_PORT_0, '--trace-grace-ms', '300'], env: {} });
  });
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
  });

  const variants = [
    { exporter: 'proto-gzip', transport: 'http', endpoint: (c: RunningCollector) => `http://127.0.0.1:${c.addresses.otlpHttp.port}` },
    { exporter: 'json', transport: 'http', endpoint: (c: RunningCollector) => `http://127.0.0.1:${c.addresses.otlpHttp.port}` },
    { exporter: 'grpc', transport: 'grpc', endpoint: (c: RunningCollector) => `http://127.0.0.1:${c.addresses.otlpGrpc!.port}` },
  ] as const;

  for (const variant of variants) {
    it(`${variant.exporter}: the companion's statistics equal, number for number, the same spans recorded in-process`, async () => {
      collector = await startCollector(config);
      await exportSpanSet(variant.exporter, variant.endpoint(collector), baseMs);

      const counts = collector.stats.counts();
      expect(counts.spans.get(`${variant.transport}|accepted`)).toBe(SET_SPANS);
      expect(counts.spans.get(`${variant.transport}|rejected`)).toBeUndefined();
      // One request per service (one batch each).
      expect(counts.requests.get(`${variant.transport}|success`)).toBe(2);

      const expected = await inProcessReports(config, spans);
      const snapshot = collector.pipeline.snapshot();
      expect(snapshot.overall.sinceStart.count).toBe(SPAN_SET_QUERIES);
      expect(snapshot.overall.sinceStart.errors).toBeGreaterThan(0);
      expect(snapshot.sources.length).toBe(4);
      expect(comparable(snapshot)).toEqual(expected.snapshot);
      const bottlenecks = collector.pipeline.bottleneckReport();
      expect(bottlenecks.assembly.inFlight).toBe(0);
      expect(bottlenecks.assembly.assembled).toBe(SPAN_SET_QUERIES);
      expect(comparable(bottlenecks)).toEqual(expected.bottlenecks);

      // The self-metrics on the companion's /metrics.
      const metrics = await getText(`http://127.0.0.1:${collector.addresses.http.port}/metrics`);
      expect(sample(metrics, 'fedscope_collector_spans_total', { transport: variant.transport, outcome: 'accepted' })).toBe(SET_SPANS);
      expect(sample(metrics, 'fedscope_collector_requests_total', { transport: variant.transport, outcome: 'success' })).toBe(2);
      expect(sample(metrics, 'fedscope_collector_in_flight_requests')).toBe(0);
      expect(sample(metrics, 'target_info', { service_name: 'fedscope-collector' })).toBe(1);
      const json = JSON.parse(await getText(`http://127.0.0.1:${collector.addresses.http.port}/fedscope/snapshot.json`)) as unknown;
      expect(comparable(json)).toEqual(expected.snapshot);
    });
  }
});

describe('the collector companion pushing its metrics over OTLP', () => {
  let collector: RunningCollector | undefined;
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
  });

  it('sends what /metrics shows to --otlp-metrics with its headers: exponential histograms, the derived gauges, the self-metrics', async () => {
    const pushes: Array<{ authorization: string | undefined; body: string }> = [];
    const endpoint = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        // The companion compresses its pushes (gzip).
        const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
        if (req.url === '/v1/metrics') pushes.push({ authorization: req.headers.authorization, body: text });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const metricsUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1/metrics`;
      collector = await startCollector(
        resolveCollectorConfig({
          args: [...LOOPBACK_PORT_0, '--otlp-metrics', metricsUrl, '--otlp-metrics-interval-ms', '200', '--trace-grace-ms', '100'],
          env: { FEDSCOPE_COLLECTOR_OTLP_METRICS_HEADERS: 'authorization=Bearer%20metrics-credential' },
        }),
      );
      const body = ProtobufTraceSerializer.serializeRequest(await federationSpanSet(Date.now()))!;
      expect((await post(`http://127.0.0.1:${collector.addresses.otlpHttp.port}/v1/traces`, body)).status).toBe(200);
      type Metric = Record<string, unknown> & { name: string };
      const metricsOf = (text: string): Metric[] =>
        (JSON.parse(text) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Metric[] }> }> }).resourceMetrics.flatMap((rm) =>
          rm.scopeMetrics.flatMap((sm) => sm.metrics),
        );
      const pushed = (): Map<string, Metric> => new Map(pushes.flatMap((push) => metricsOf(push.body)).map((m) => [m.name, m]));
      await expect.poll(() => pushed().has('federation.query.latency'), { timeout: 10_000 }).toBe(true);
      const byName = pushed();
      expect(byName.get('federation.query.duration')).toHaveProperty('exponentialHistogram');
      expect(byName.get('db.client.operation.duration')).toHaveProperty('exponentialHistogram');
      expect(byName.get('federation.query.latency')).toHaveProperty('gauge');
      expect(byName.get('fedscope.collector.spans')).toHaveProperty('sum');
      expect(pushes.every((push) => push.authorization === 'Bearer metrics-credential')).toBe(true);
      // The pushes count themselves (semconv SDK self-metric): a later push carries the earlier ones.
      await expect.poll(() => pushed().has('otel.sdk.exporter.metric_data_point.exported'), { timeout: 10_000 }).toBe(true);
      expect(JSON.stringify(pushed().get('otel.sdk.exporter.metric_data_point.exported'))).toContain('otlp_http_metric_exporter');

      // Stopping pushes once more: a companion with an hour's interval pushes only then.
      await collector.stop();
      collector = undefined;
      pushes.length = 0;
      collector = await startCollector(
        resolveCollectorConfig({
          args: [...LOOPBACK_PORT_0, '--otlp-metrics', metricsUrl, '--otlp-metrics-interval-ms', '3600000'],
          env: {},
        }),
      );
      expect((await post(`http://127.0.0.1:${collector.addresses.otlpHttp.port}/v1/traces`, body)).status).toBe(200);
      await sleep(300);
      expect(pushes).toHaveLength(0);
      await collector.stop();
      collector = undefined;
      // One push at stop: the pipeline's shutdown is the readers' last export (no flush before it).
      expect(pushes).toHaveLength(1);
      expect(pushes.flatMap((push) => metricsOf(push.body)).map((m) => m.name)).toContain('fedscope.collector.spans');
    } finally {
      // Stopped while the endpoint still answers: the last push goes out at shutdown.
      await collector?.stop();
      collector = undefined;
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  });
});

describe('the collector companion under a flood', () => {
  let collector: RunningCollector | undefined;
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
  });

  it('answers 429 with Retry-After while the in-flight budget is taken, and takes requests again once it is free', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(await federationSpanSet(Date.now()))!;
    const budget = body.byteLength;
    collector = await startCollector(
      resolveCollectorConfig({
        args: [
          ...LOOPBACK_PORT_0,
          '--max-body-bytes',
          String(Math.max(1024, budget)),
          '--max-in-flight-bytes',
          String(Math.max(1024, budget)),
        ],
        env: {},
      }),
    );
    const url = `http://127.0.0.1:${collector.addresses.otlpHttp.port}/v1/traces`;
    const stalled = stalledPost(url, body);
    // The stalled request holds the whole budget: every other request is refused at once.
    const metricsUrl = `http://127.0.0.1:${collector.addresses.http.port}/metrics`;
    await expect.poll(async () => sample(await getText(metricsUrl), 'fedscope_collector_in_flight_requests')).toBe(1);
    expect(sample(await getText(metricsUrl), 'fedscope_collector_in_flight_bytes')).toBe(budget);
    const refused = await Promise.all(Array.from({ length: 50 }, () => post(url, body)));
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('1');
    }
    expect(collector.stats.counts().refusals.get('http|queue')).toBe(50);
    expect((await stalled.finish()).status).toBe(200);
    expect((await post(url, body)).status).toBe(200);
    expect(collector.stats.counts().spans.get('http|accepted')).toBe(2 * SET_SPANS);
  });

  it('answers 503 with Retry-After when the heap is over its budget', async () => {
    collector = await startCollector(resolveCollectorConfig({ args: [...LOOPBACK_PORT_0, '--max-heap-mib', '16'], env: {} }));
    const body = ProtobufTraceSerializer.serializeRequest((await federationSpanSet(Date.now())).slice(0, 8))!;
    const answer = await post(`http://127.0.0.1:${collector.addresses.otlpHttp.port}/v1/traces`, body);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('3');
    expect(collector.stats.counts().refusals.get('http|memory')).toBe(1);
    const metrics = await getText(`http://127.0.0.1:${collector.addresses.http.port}/metrics`);
    expect(sample(metrics, 'fedscope_collector_refusals_total', { transport: 'http', reason: 'memory' })).toBe(1);
    expect(sample(metrics, 'fedscope_collector_heap_used')).toBeGreaterThan(16 * MIB);
  });

  it('keeps a companion process under its heap budget while a flood many times the budget arrives', async () => {
    const heapBudgetMib = 96;
    const child = startWatched(
      'node',
      [
        join(root, 'dist/src/cli.js'),
        'collector',
        ...LOOPBACK_PORT_0,
        '--max-body-bytes',
        String(2 * MIB),
        '--max-in-flight-bytes',
        String(4 * MIB),
        '--max-heap-mib',
        String(heapBudgetMib),
      ],
      {},
      root,
    );
    try {
      const [, httpPort, metricsPort] = await child.waitFor(
        /otlp-http=127\.0\.0\.1:(\d+) .* http=http:\/\/127\.0\.0\.1:(\d+)\/metrics/,
        30_000,
      );
      // ~1 MiB bodies: 256 spans with 4 KiB of attributes each.
      const spans = (await federationSpanSet(Date.now())).slice(0, 256);
      const padded = spans.map((span): ReadableSpan => ({
        ...span,
        spanContext: () => span.spanContext(),
        attributes: { ...span.attributes, 'test.padding': 'x'.repeat(4096) },
      }));
      const body = ProtobufTraceSerializer.serializeRequest(padded)!;
      expect(body.byteLength).toBeGreaterThan(MIB);
      let maxHeap = 0;
      let scraping = true;
      const scraper = (async () => {
        while (scraping) {
          const heap = sample(await getText(`http://127.0.0.1:${metricsPort}/metrics`), 'fedscope_collector_heap_used') ?? 0;
          maxHeap = Math.max(maxHeap, heap);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const url = `http://127.0.0.1:${httpPort}/v1/traces`;
      // 240 MiB offered in waves of 60 concurrent requests: 2.5x the heap budget, 60x the in-flight budget.
      const answers: HttpAnswer[] = [];
      for (let wave = 0; wave < 4; wave++) answers.push(...(await Promise.all(Array.from({ length: 60 }, () => post(url, body)))));
      scraping = false;
      await scraper;
      const statuses = new Map<number, number>();
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(
        [...statuses.keys()].every((status) => status === 200 || status === 429 || status === 503),
        JSON.stringify([...statuses]),
      ).toBe(true);
      expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
      for (const answer of answers) if (answer.status !== 200) expect(answer.headers['retry-after']).toMatch(/^[13]$/);
      expect(maxHeap).toBeGreaterThan(0);
      expect(maxHeap).toBeLessThan(heapBudgetMib * MIB);
      const metrics = await getText(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(sample(metrics, 'fedscope_collector_spans_total', { transport: 'http', outcome: 'accepted' })).toBe(
        (statuses.get(200) ?? 0) * 256,
      );
      expect(sample(metrics, 'fedscope_collector_refusals_total', { transport: 'http', reason: 'queue' })).toBe(statuses.get(429) ?? 0);
    } finally {
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    }
  });
});

describe('fedscope collector (the built command) on SIGTERM and SIGINT', () => {
  let receiver: OtlpReceiver;
  let child: WatchedProcess | undefined;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    if (child !== undefined && child.child.exitCode === null) child.child.kill('SIGKILL');
    await receiver.close();
  });

  // A request still arriving is answered and recorded, and everything accepted is forwarded before exit 0.
  it.each(['SIGTERM', 'SIGINT'] as const)('drains on %s: the request arriving answered, all accepted forwarded', async (signal) => {
    child = startWatched(
      'node',
      [
        join(root, 'dist/src/cli.js'),
        'collector',
        '--otlp-http',
        '127.0.0.1:0',
        '--otlp-grpc',
        'off',
        '--http',
        '127.0.0.1:0',
        '--forward',
        receiver.tracesUrl,
      ],
      // The downstream's credential, from the variable (a flag would show in ps).
      { FEDSCOPE_COLLECTOR_FORWARD_HEADERS: 'authorization=Bearer%20forward-credential' },
      root,
    );
    const [, httpPort, metricsPort] = await child.waitFor(
      /otlp-http=127\.0\.0\.1:(\d+) otlp-grpc=off http=http:\/\/127\.0\.0\.1:(\d+)\/metrics forward=http/,
      30_000,
    );
    const url = `http://127.0.0.1:${httpPort}/v1/traces`;
    const spans = await federationSpanSet(Date.now());
    const parts = [spans.slice(0, 100), spans.slice(100, 200), spans.slice(200, 300)].map((part) =>
      ProtobufTraceSerializer.serializeRequest(part)!,
    );
    // The forward target refuses the first two deliveries: they wait to be retried when the signal comes.
    receiver.failNext(503, 2);
    for (const body of parts) expect((await post(url, body)).status).toBe(200);
    // The forwarder's figures on /metrics: two failed attempts, and every request either sent or held for a retry.
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await expect.poll(async () => sample(await getText(metricsUrl), 'fedscope_collector_forward_failed_total')).toBe(2);
    const forwarding = await getText(metricsUrl);
    const held = sample(forwarding, 'fedscope_collector_forward_queued_requests')!;
    expect(held).toBeGreaterThan(0);
    expect((sample(forwarding, 'fedscope_collector_forward_sent_total') ?? 0) + held).toBe(3);
    expect(sample(forwarding, 'fedscope_collector_forward_queued_bytes')).toBeGreaterThan(0);
    const last = ProtobufTraceSerializer.serializeRequest(spans.slice(300))!;
    const arriving = stalledPost(url, last);
    // The signal comes while that request is admitted and its body half read.
    await expect.poll(async () => sample(await getText(metricsUrl), 'fedscope_collector_in_flight_requests')).toBe(1);

    child.child.kill(signal);
    await child.waitFor(new RegExp(`fedscope collector: ${signal}: draining`), 10_000);
    const answer = await arriving.finish();
    expect(answer.status).toBe(200);
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output()).toMatch(
      new RegExp(`fedscope collector: stopped; spans accepted=${SET_SPANS} rejected=0; forwarded requests sent=4 dropped=0`),
    );
    expect(receiver.spans()).toHaveLength(SET_SPANS);
    expect(new Set(receiver.spans().map((span) => span.spanId)).size).toBe(SET_SPANS);
    // Every delivery attempt carried the configured header; the process never printed it.
    expect(receiver.requests.map((request) => request.authorization)).toEqual(receiver.requests.map(() => 'Bearer forward-credential'));
    expect(child.output()).not.toContain('forward-credential');
  });
});

describe('fedscope collector (the built command): help and bad settings', () => {
  const cli = join(root, 'dist/src/cli.js');

  it('lists every flag with its variable and default in --help', async () => {
    const run = startWatched('node', [cli, 'collector', '--help'], {}, root);
    expect(await run.exited).toBe(0);
    for (const setting of COLLECTOR_SETTINGS) {
      expect(run.output()).toMatch(
        new RegExp(
          `${setting.flag} ${escapeRegExp(setting.valueName)} .*\\(default ${escapeRegExp(setting.defaultText)}\\) \\[${setting.variable}\\]`,
        ),
      );
    }
    expect(run.output()).toContain('--config FILE');
  });

  it('exits 2 with the message naming the field for a bad flag, variable or rules file', async () => {
    const flag = startWatched('node', [cli, 'collector', '--otlp-http', 'abc'], {}, root);
    expect(await flag.exited).toBe(2);
    expect(flag.output()).toBe('fedscope: invalid --otlp-http: "abc" is not HOST:PORT (e.g. 127.0.0.1:4318)\n');
    const variable = startWatched('node', [cli, 'collector'], { FEDSCOPE_COLLECTOR_MAX_HEAP_MIB: 'lots' }, root);
    expect(await variable.exited).toBe(2);
    expect(variable.output()).toMatch(
      /^fedscope: invalid FEDSCOPE_COLLECTOR_MAX_HEAP_MIB: expected an integer from 16 to \d+, got "lots"\n$/,
    );
    const rules = join(mkdtempSync(join(tmpdir(), 'fedscope-collector-cli-')), 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - alert: Slow\n    figure: query.p95Ms\n    op: "~"\n    threshold: high\n');
    const badRules = startWatched('node', [cli, 'collector', '--rules', rules], {}, root);
    expect(await badRules.exited).toBe(2);
    expect(badRules.output()).toMatch(/rules\.yaml: rule 1 \("Slow"\): op: .*\n.*rules\.yaml: rule 1 \("Slow"\): threshold: /);
  });

  it('exits 1 naming the address when a port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = startWatched(
        'node',
        [cli, 'collector', '--otlp-http', `127.0.0.1:${port}`, '--otlp-grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'],
        {},
        root,
      );
      expect(await run.exited).toBe(1);
      expect(run.output()).toMatch(new RegExp(`fedscope collector: .*127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    } finally {
      taken.close();
    }
  });

  it('keeps runCli synchronous for the other commands and lists the collector in the help', () => {
    let out = '';
    let err = '';
    expect(
      runCli(
        ['help'],
        (t) => (out += t),
        (t) => (err += t),
      ),
    ).toBe(0);
    expect(out).toMatch(/collector \[flags\]/);
    expect(
      runCli(
        ['collector'],
        (t) => (out += t),
        (t) => (err += t),
      ),
    ).toBe(2);
    expect(err).toMatch(/runCliAsync/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
