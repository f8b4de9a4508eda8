import { context, SpanKind, trace } from '@opentelemetry/api';
import { MeterProvider, type Histogram } from '@opentelemetry/sdk-metrics';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { federatedQuery, stage } from '../../instrumentations/federation-stage.js';
import type { ClassifiedSpan } from '../../processors/classified-span.js';
import { FederationSpanProcessor, MAX_PENDING_SPANS, type ClassifiedSpanSink } from '../../processors/federation-span-processor.js';
import { startInMemoryTracing, type InMemoryTracing } from '../support/in-memory-tracing.js';
import { TestMetricReader } from '../support/test-metric-reader.js';

let tracing: InMemoryTracing;
let reader: TestMetricReader;
let recorded: ClassifiedSpan[];
let events: string[];
let processor: FederationSpanProcessor;

beforeEach(() => {
  reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  recorded = [];
  events = [];
  const sink: ClassifiedSpanSink = {
    record: (s) => recorded.push(s),
    queryStarted: (n, service) => events.push(`start ${n} in ${service}`),
    queryEnded: (n, service) => events.push(`end ${n} in ${service}`),
  };
  processor = new FederationSpanProcessor({ meterProvider, sinks: [sink] });
  tracing = startInMemoryTracing([processor]);
});
afterEach(async () => {
  await tracing.shutdown();
});

describe('FederationSpanProcessor', () => {
  it('records query, stage and source spans into the federation metrics and the sinks', async () => {
    federatedQuery('q', () =>
      stage('fetch', () => {
        const call = trace.getTracer('x').startSpan('SELECT t', {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': 'mysql', 'federation.source': 'my', 'db.operation.name': 'SELECT' },
        });
        call.end();
      }),
    );
    expect(recorded.map((s) => s.role)).toEqual(['source', 'stage', 'query']);
    // The tracer provider's default resource names the service `unknown_service:<process>`.
    const service = recorded[2]?.service;
    expect(service).toMatch(/^unknown_service:/);
    expect(events).toEqual([`start q in ${service}`, `end q in ${service}`]);
    const [queries] = await reader.points('federation.queries', { 'federation.query.name': 'q' });
    expect(queries?.value).toBe(1);
    const [active] = await reader.points('federation.queries.active', { 'federation.query.name': 'q' });
    expect(active?.value).toBe(0);
    const [stageDuration] = await reader.points('federation.stage.duration', { 'federation.stage': 'fetch', 'federation.query.name': 'q' });
    expect((stageDuration?.value as Histogram).count).toBe(1);
    const [db] = await reader.points('db.client.operation.duration', {
      'db.system.name': 'mysql',
      'federation.source': 'my',
      'db.operation.name': 'SELECT',
    });
    expect((db?.value as Histogram).count).toBe(1);
    expect(db?.attributes['service.name']).toBe(service);
  });

  it("does not take a user's CLIENT span named like a query root for one: no active query is raised and left behind", async () => {
    const span = trace.getTracer('x').startSpan('federation.query lookalike', {
      kind: SpanKind.CLIENT,
      attributes: { 'federation.query.name': 'lookalike', 'http.request.method': 'GET', 'federation.source': 'api' },
    });
    span.end();
    expect(events).toEqual([]);
    expect(recorded.map((s) => s.role)).toEqual(['source']);
    const points = await reader.points('federation.queries.active', { 'federation.query.name': 'lookalike' });
    expect(points.every((p) => p.value === 0)).toBe(true);
  });

  it('counts an active query while it runs', async () => {
    let during: number | undefined;
    await federatedQuery('slow', async () => {
      const [point] = await reader.points('federation.queries.active', { 'federation.query.name': 'slow' });
      during = point?.value as number;
    });
    expect(during).toBe(1);
  });

  it('does not record db.client.operation.duration again for instrumentation-pg spans', async () => {
    const span = trace.getTracer('@opentelemetry/instrumentation-pg').startSpan('pg.query:SELECT test', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' },
    });
    span.end();
    expect(await reader.points('db.client.operation.duration')).toEqual([]);
    expect(((await reader.points('federation.source.duration'))[0]?.value as Histogram).count).toBe(1);
  });

  it('counts a failing sink instead of throwing into the span end', () => {
    const failing = new FederationSpanProcessor({
      meterProvider: new MeterProvider(),
      sinks: [
        {
          record: () => {
            throw new Error('sink bug');
          },
        },
      ],
    });
    const provider = new NodeTracerProvider({ spanProcessors: [failing] });
    expect(() =>
      provider
        .getTracer('t')
        .startSpan('x', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite' } })
        .end(),
    ).not.toThrow();
    expect(failing.failedRecords).toBe(1);
  });

  it('takes a span with a remote parent for its local root when it ended here, not when it was received', () => {
    const remoteParent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };
    const tracer = trace.getTracer('x');
    tracer.startSpan('GET /orders', { kind: SpanKind.SERVER }, trace.setSpanContext(context.active(), remoteParent)).end();
    tracer.startSpan('GET /health', { kind: SpanKind.SERVER }).end();
    expect(recorded.map((s) => s.localRoot)).toEqual([true, true]);
    const [underRemoteParent, withoutParent] = tracing.spans();
    processor.recordReceived(underRemoteParent!);
    processor.recordReceived(withoutParent!);
    // Received over OTLP, the trace may go on in the service that sent the remote parent.
    expect(recorded.slice(2).map((s) => [s.localRoot, s.parentSpanId])).toEqual([
      [false, '00f067aa0ba902b7'],
      [true, undefined],
    ]);
  });
});

describe('FederationSpanProcessor with reuseClassifiedSpans', () => {
  it('hands every sink one object, overwritten span after span, and a nested recording an object of its own', () => {
    const seen: Array<{ object: ClassifiedSpan; copy: ClassifiedSpan }> = [];
    const nestedTracer: { provider?: NodeTracerProvider } = {};
    const reusing = new FederationSpanProcessor({
      meterProvider: new MeterProvider(),
      reuseClassifiedSpans: true,
      sinks: [
        {
          record: (span) => {
            // A sink that ends a span while recording one (recorded at once: no deferral here).
            if (span.source === 'outer')
              nestedTracer
                .provider!.getTracer('t')
                .startSpan('nested', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite', 'federation.source': 'nested' } })
                .end();
            seen.push({ object: span, copy: { ...span } });
          },
        },
      ],
    });
    const provider = new NodeTracerProvider({ spanProcessors: [reusing] });
    nestedTracer.provider = provider;
    const tracer = provider.getTracer('t');
    const failed = tracer.startSpan('a', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'federation.source': 'a', 'error.type': 'boom' },
    });
    failed.setStatus({ code: 2 });
    failed.end();
    tracer
      .startSpan('b', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'federation.source': 'b', 'db.query.text': 'SELECT 1' },
      })
      .end();
    tracer
      .startSpan('outer', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'federation.source': 'outer' } })
      .end();

    expect(seen.map((s) => s.copy.source)).toEqual(['a', 'b', 'nested', 'outer']);
    const [a, b, nested, outer] = seen;
    expect(a!.copy).toMatchObject({ error: true, errorType: 'boom', queryText: undefined });
    // The second span overwrote every field of the first, in the same object.
    expect(b!.object).toBe(a!.object);
    expect(b!.copy).toMatchObject({ error: false, errorType: undefined, queryText: 'SELECT 1' });
    // The nested recording did not write into the object the outer one was using.
    expect(nested!.object).not.toBe(outer!.object);
    expect(outer!.object).toBe(a!.object);
    expect(outer!.object.source).toBe('outer');
    expect(reusing.failedRecords).toBe(0);
  });

  it('builds a new classification per span by default', () => {
    const tracer = trace.getTracer('x');
    tracer.startSpan('a', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite' } }).end();
    tracer.startSpan('b', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite' } }).end();
    expect(recorded[0]).not.toBe(recorded[1]);
  });
});

describe('FederationSpanProcessor with deferRecording', () => {
  function deferring(): {
    processor: FederationSpanProcessor;
    reader: TestMetricReader;
    recorded: ClassifiedSpan[];
    provider: NodeTracerProvider;
  } {
    const reader = new TestMetricReader();
    const recorded: ClassifiedSpan[] = [];
    const processor = new FederationSpanProcessor({
      meterProvider: new MeterProvider({ readers: [reader] }),
      sinks: [{ record: (s) => recorded.push(s) }],
      deferRecording: true,
    });
    return { processor, reader, recorded, provider: new NodeTracerProvider({ spanProcessors: [processor] }) };
  }
  const endSourceSpan = (provider: NodeTracerProvider, source = 'db'): void =>
    provider
      .getTracer('t')
      .startSpan('SELECT t', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'sqlite', 'federation.source': source, 'db.operation.name': 'SELECT' },
      })
      .end();

  it('records after the turn that ended the span, in end order', async () => {
    const { processor, recorded, provider } = deferring();
    endSourceSpan(provider, 'a');
    endSourceSpan(provider, 'b');
    expect(recorded).toEqual([]);
    expect(processor.pendingCount).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recorded.map((s) => s.source)).toEqual(['a', 'b']);
    expect(processor.pendingCount).toBe(0);
  });

  it('records what waits before its metrics are collected, and counts spans by role', async () => {
    const { processor, reader, provider } = deferring();
    endSourceSpan(provider);
    endSourceSpan(provider);
    endSourceSpan(provider);
    expect(processor.pendingCount).toBe(3);
    const [duration] = await reader.points('federation.source.duration', { 'federation.source': 'db' });
    expect((duration?.value as Histogram).count).toBe(3);
    const [spans] = await reader.points('fedscope.span_processor.spans', { 'fedscope.span.role': 'source' });
    expect(spans?.value).toBe(3);
  });

  it('reads its clock once per batch and hands the reading to every sink; without a clock each sink reads its own', async () => {
    let reads = 0;
    const clock = { now: () => 1_000 + reads++ };
    const times: Array<number | undefined> = [];
    const sink: ClassifiedSpanSink = { record: (_span, nowMs) => times.push(nowMs) };
    const processor = new FederationSpanProcessor({ sinks: [sink, sink], deferRecording: true, clock });
    const provider = new NodeTracerProvider({ spanProcessors: [processor] });
    for (let i = 0; i < 3; i++) endSourceSpan(provider);
    await new Promise((resolve) => setImmediate(resolve));
    // Three spans, two sinks: six records, one reading.
    expect(times).toEqual([1_000, 1_000, 1_000, 1_000, 1_000, 1_000]);
    expect(reads).toBe(1);
    endSourceSpan(provider);
    await processor.forceFlush();
    expect(times.slice(6)).toEqual([1_001, 1_001]);
    await provider.shutdown();

    const seen: Array<number | undefined> = [];
    const clockless = new FederationSpanProcessor({ sinks: [{ record: (_span, nowMs) => seen.push(nowMs) }], deferRecording: true });
    const plain = new NodeTracerProvider({ spanProcessors: [clockless] });
    endSourceSpan(plain);
    await clockless.forceFlush();
    expect(seen).toEqual([undefined]);
    await plain.shutdown();
  });

  it('records waiting spans on forceFlush and shutdown, and a burst beyond the bound at once', async () => {
    const { processor, recorded, provider } = deferring();
    endSourceSpan(provider);
    await processor.forceFlush();
    expect(recorded).toHaveLength(1);
    for (let i = 0; i < MAX_PENDING_SPANS; i++) endSourceSpan(provider);
    // The span that filled the queue flushed it in the caller's turn: nothing was dropped.
    expect(recorded).toHaveLength(1 + MAX_PENDING_SPANS);
    expect(processor.pendingCount).toBe(0);
    endSourceSpan(provider);
    await processor.shutdown();
    expect(recorded).toHaveLength(2 + MAX_PENDING_SPANS);
  });
});
