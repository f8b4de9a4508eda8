// Spans of other languages' SDKs and agents, in the semantic conventions of their era, received as
// OTLP/JSON: decoded and ingested as the collector companion does, they become source
// calls of the right system and server, and a trace spread over services is analysed as one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { classifyDecodedSpan, classifySpan } from '../../../processors/span-classifier.js';
import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { decodeTraceRequest, type DecodedSpan } from '../../../src/otlp/index.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { sharedStatementAnalyzer } from '../../../src/sql/shared-statement-analyzer.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';
import { toReadableSpan } from '../../support/to-readable-span.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/otlp');
const JAVA = 'java-jdbc-orders-service.json';
const PYTHON = 'python-psycopg-customers-service.json';
const HTTP = 'http-client-spans.json';
const GATEWAY = 'node-federation-gateway.json';

const ORDERS_DB = 'postgresql://orders-db:5432/orders';
const CUSTOMERS_DB = 'postgresql://customers-db:5432/customers';

/** The body of a fixture, as a sender would POST it. */
function fixtureBody(name: string): Uint8Array {
  return readFileSync(path.join(FIXTURES, name));
}

/** A fixture decoded as the receivers decode a request, every span accepted. */
async function decodedFixture(name: string, body: Uint8Array = fixtureBody(name)): Promise<readonly DecodedSpan[]> {
  const request = await decodeTraceRequest(body, { contentType: 'application/json' });
  expect(request.rejectedSpans, name).toBe(0);
  return request.spans;
}

/** A fixture's spans as the SDK spans they describe, for what the tests read of each. */
async function decodeFixture(name: string, body: Uint8Array = fixtureBody(name)): Promise<ReadableSpan[]> {
  return (await decodedFixture(name, body)).map(toReadableSpan);
}

/** Records a fixture's spans as the companion's intake does, every span classified. */
async function ingestFixture(p: FedscopePipeline, name: string, body: Uint8Array = fixtureBody(name)): Promise<void> {
  expect(p.ingestDecoded(await decodedFixture(name, body)), name).toBe(0);
}

let pipeline: FedscopePipeline | undefined;
let reader: TestMetricReader;

function newPipeline(): FedscopePipeline {
  const config = resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false, alerts: false });
  pipeline = new FedscopePipeline(config, {
    resource: emptyResource(),
    readers: [(producers) => (reader = new TestMetricReader({ metricProducers: producers }))],
  });
  return pipeline;
}

afterEach(async () => {
  vi.useRealTimers();
  await pipeline?.shutdown();
  pipeline = undefined;
});

function sourceCounts(snapshot: FedscopeSnapshot): Record<string, { count: number; errors: number }> {
  const counts: Record<string, { count: number; errors: number }> = {};
  for (const s of snapshot.sources) counts[s.labels['source'] ?? '?'] = { count: s.sinceStart.count, errors: s.sinceStart.errors };
  return counts;
}

function statementsOf(snapshot: FedscopeSnapshot, source: string): Array<{ fingerprint: string; statement: string; count: number }> {
  return snapshot.statements
    .filter((s) => s.labels['source'] === source)
    .map((s) => ({ fingerprint: s.labels['fingerprint'] ?? '', statement: s.statement ?? '', count: s.sinceStart.count }))
    .sort((a, b) => a.statement.localeCompare(b.statement));
}

/** What fedscope reports for a statement the span carried as `text`, in PostgreSQL's dialect. */
function expectedStatement(text: string): { fingerprint: string; statement: string } {
  const analysis = sharedStatementAnalyzer().analyze(text, 'postgresql');
  return { fingerprint: analysis.fingerprint, statement: analysis.normalized };
}

/**
 * A fixture as today's SDKs (Java ≥ 1.36, JS 2.x, Python ≥ 1.26) send it: a SERVER span flags its
 * parent as remote (OTLP span flags 0x300), which the agents of the fixtures' era did not.
 */
function withRemoteParentFlags(name: string): Uint8Array {
  interface WireSpan {
    kind: number;
    parentSpanId?: string;
    flags?: number;
  }
  const request = JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: WireSpan[] }> }>;
  };
  for (const resourceSpans of request.resourceSpans)
    for (const scopeSpans of resourceSpans.scopeSpans)
      for (const span of scopeSpans.spans) if (span.kind === 2 && span.parentSpanId !== undefined) span.flags = 0x301;
  return new TextEncoder().encode(JSON.stringify(request));
}

function stringAttr(span: ReadableSpan, key: string): string {
  const value = span.attributes[key];
  if (typeof value !== 'string') throw new Error(`${span.name} has no string ${key}`);
  return value;
}

describe('a Java JDBC service on the older conventions (OpenTelemetry Java agent 1.32)', () => {
  it('has its JDBC and HTTP client spans classified as source calls of the right system, server and operation', async () => {
    const spans = await decodeFixture(JAVA);
    expect(spans[0]?.resource.attributes['telemetry.sdk.language']).toBe('java');
    const jdbc = spans.filter((s) => s.instrumentationScope.name === 'io.opentelemetry.jdbc').map((s) => classifySpan(s));
    expect(jdbc.map((c) => [c.role, c.system, c.source, c.operationName, c.namespace, c.serverAddress, c.serverPort])).toEqual([
      ['source', 'postgresql', ORDERS_DB, 'SELECT', 'orders', 'orders-db', 5432],
      ['source', 'postgresql', ORDERS_DB, 'SELECT', 'orders', 'orders-db', 5432],
      ['source', 'postgresql', ORDERS_DB, 'INSERT', 'orders', 'orders-db', 5432],
      ['source', 'postgresql', ORDERS_DB, 'UPDATE', 'orders', 'orders-db', 5432],
    ]);
    const http = spans.filter((s) => s.kind === SpanKind.CLIENT && s.attributes['http.method'] !== undefined).map((s) => classifySpan(s));
    expect(http.map((c) => [c.role, c.system, c.source, c.error])).toEqual([['source', 'http', 'http://inventory:8081', false]]);
    // The Tomcat SERVER spans stay what they are: not source calls.
    expect(spans.filter((s) => s.kind === SpanKind.SERVER).map((s) => classifySpan(s).role)).toEqual(['other', 'other']);
  });

  it('is counted per source and statement, with its failed call, and recorded as db.client.operation.duration', async () => {
    const spans = await decodeFixture(JAVA);
    const p = newPipeline();
    await ingestFixture(p, JAVA);
    const snapshot = p.snapshot();
    expect(sourceCounts(snapshot)).toEqual({
      [ORDERS_DB]: { count: 4, errors: 1 },
      'http://inventory:8081': { count: 1, errors: 0 },
    });
    const texts = spans.filter((s) => s.attributes['db.statement'] !== undefined).map((s) => stringAttr(s, 'db.statement'));
    expect(statementsOf(snapshot, ORDERS_DB)).toEqual(
      texts.map((text) => ({ ...expectedStatement(text), count: 1 })).sort((a, b) => a.statement.localeCompare(b.statement)),
    );

    const points = await reader.points('db.client.operation.duration', { 'db.system.name': 'postgresql' });
    const described = points
      .map((p) => [
        p.attributes['db.operation.name'],
        p.attributes['server.address'],
        p.attributes['server.port'],
        p.attributes['error.type'],
        p.attributes['service.name'],
      ])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    // Each call's series names the service that made it: a fleet's calls to one database stay apart.
    expect(described).toEqual([
      ['INSERT', 'orders-db', 5432, undefined, 'orders-service'],
      ['SELECT', 'orders-db', 5432, undefined, 'orders-service'],
      ['UPDATE', 'orders-db', 5432, '_OTHER', 'orders-service'],
    ]);
    const failed = await reader.points('federation.source.errors', { 'federation.source': ORDERS_DB });
    expect(failed.map((p) => [p.attributes['error.type'], p.value])).toEqual([['_OTHER', 1]]);
  });
});

describe('a Python psycopg2 service on the older conventions (opentelemetry-instrument 0.41b0)', () => {
  it('has its psycopg2 spans counted as PostgreSQL source calls, literals sanitised in what is reported', async () => {
    const spans = await decodeFixture(PYTHON);
    expect(spans[0]?.resource.attributes['telemetry.sdk.language']).toBe('python');
    const classified = spans.filter((s) => s.kind === SpanKind.CLIENT).map((s) => classifySpan(s));
    expect(new Set(classified.map((c) => `${c.role} ${c.system} ${c.source}`))).toEqual(new Set([`source postgresql ${CUSTOMERS_DB}`]));

    const p = newPipeline();
    await ingestFixture(p, PYTHON);
    const snapshot = p.snapshot();
    expect(sourceCounts(snapshot)).toEqual({ [CUSTOMERS_DB]: { count: 4, errors: 1 } });

    // The two invoice queries differ only in their literals: one statement, counted twice.
    const [withLiteral4711, withLiteral5120] = spans
      .map((s) => s.attributes['db.statement'])
      .filter((text): text is string => typeof text === 'string' && text.includes('invoices'));
    expect(withLiteral4711).toContain('4711');
    const invoices = expectedStatement(withLiteral4711!);
    expect(expectedStatement(withLiteral5120!).fingerprint).toBe(invoices.fingerprint);
    const statements = statementsOf(snapshot, CUSTOMERS_DB);
    expect(statements).toHaveLength(3);
    expect(statements).toContainEqual({ ...invoices, count: 2 });
    for (const { statement } of statements) {
      expect(statement).not.toMatch(/4711|5120|overdue/);
    }
    const json = JSON.stringify(snapshot);
    expect(json).not.toContain('4711');
    expect(json).not.toContain('overdue');
  });
});

describe('HTTP client spans of both eras', () => {
  it('name the server from net.peer.name, server.address or the URL, and count 4xx/5xx as failures', async () => {
    const spans = await decodeFixture(HTTP);
    const clients = spans.filter((s) => s.kind === SpanKind.CLIENT).map((s) => classifySpan(s));
    expect(clients.map((c) => [c.system, c.source, c.serverAddress, c.error, c.errorType])).toEqual([
      ['http', 'http://payments.example.com', 'payments.example.com', false, undefined],
      ['http', 'http://payments.example.com', 'payments.example.com', true, '404'],
      ['http', 'http://carrier-gateway:9090', 'carrier-gateway', false, undefined],
      ['http', 'http://carrier-gateway:9090', 'carrier-gateway', true, '503'],
    ]);

    const p = newPipeline();
    await ingestFixture(p, HTTP);
    expect(sourceCounts(p.snapshot())).toEqual({
      'http://payments.example.com': { count: 2, errors: 1 },
      'http://carrier-gateway:9090': { count: 2, errors: 1 },
    });
    const failed = await reader.points('federation.source.errors');
    expect(failed.map((p) => [p.attributes['federation.source'], p.attributes['error.type'], p.value]).sort()).toEqual([
      ['http://carrier-gateway:9090', '503', 1],
      ['http://payments.example.com', '404', 1],
    ]);
    // HTTP calls are not database operations.
    expect(await reader.points('db.client.operation.duration')).toEqual([]);
  });
});

describe('one trace across services', () => {
  const cases: ReadonlyArray<{ order: readonly string[]; remoteFlags: boolean }> = [
    { order: [JAVA, PYTHON, GATEWAY], remoteFlags: false },
    { order: [GATEWAY, PYTHON, JAVA], remoteFlags: false },
    { order: [JAVA, PYTHON, GATEWAY], remoteFlags: true },
  ];

  for (const { order, remoteFlags } of cases) {
    const flagged = remoteFlags ? ', SERVER spans flagging their parent remote' : '';
    it(`assembles the gateway's federated query with the Java and Python services' calls, received as ${order.join(', ')}${flagged}`, async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const p = newPipeline();
      // One request per service, as each service's exporter sends its own batches.
      for (const name of order) await ingestFixture(p, name, remoteFlags ? withRemoteParentFlags(name) : fixtureBody(name));
      vi.setSystemTime(Date.now() + 5_000); // past the assembler's grace period for late children
      const report = p.bottleneckReport();

      // The query from the gateway, plus the Java and the Python service's own traces without one.
      expect(report.assembly).toMatchObject({ assembled: 1, withoutQuery: 2, inFlight: 0 });
      expect(Object.values(report.assembly.droppedSpans).every((n) => n === 0)).toBe(true);
      // One entry, of the service whose span is the query's root, though its calls are in three services.
      expect(report.queries.map((q) => [q.service, q.queryName])).toEqual([['federation-gateway', 'customer_report']]);
      const query = report.queries.find((q) => q.queryName === 'customer_report');
      expect(query).toBeDefined();
      const window = query!.windows.at(-1)!;
      expect(window.traces).toBe(1);
      expect(window.meanDurationMs).toBeCloseTo(182.7, 1);
      // The critical path runs gateway → orders-api → the Java service's JDBC and HTTP calls; the
      // Python service's calls ended early, off the path.
      expect(new Set(query!.sources)).toEqual(new Set(['orders-api', ORDERS_DB, 'http://inventory:8081']));
      const byName = new Map(window.sources.map((s) => [s.name, s]));
      expect(byName.get(ORDERS_DB)?.meanCriticalMs).toBeCloseTo(36.7 + 76.6, 0);
      expect(window.sources[0]?.name).toBe(ORDERS_DB);

      // Every service's calls are counted as sources, whichever language sent them.
      expect(sourceCounts(p.snapshot())).toMatchObject({
        'orders-api': { count: 1, errors: 0 },
        'customers-api': { count: 1, errors: 0 },
        [ORDERS_DB]: { count: 4, errors: 1 },
        [CUSTOMERS_DB]: { count: 4, errors: 1 },
      });
    });
  }
});

describe('classifying a decoded span without an SDK span', () => {
  it('gives what classifying its toReadableSpan gives, for every fixture span and for ends before starts and remote parents', async () => {
    let compared = 0;
    for (const name of [JAVA, PYTHON, HTTP, GATEWAY]) {
      const variants = (await decodedFixture(name)).flatMap((span): DecodedSpan[] => [
        span,
        // The end before the start: zero duration, ended at the start (as the SDK records it).
        { ...span, endTime: { hrTime: [span.startTime.hrTime[0] - 1, 999_999_999] } },
        { ...span, parentIsRemote: true },
      ]);
      for (const span of variants) {
        expect(classifyDecodedSpan(span), `${name} ${span.name}`).toEqual(classifySpan(toReadableSpan(span)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });
});
