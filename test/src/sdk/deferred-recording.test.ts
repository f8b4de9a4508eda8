// startFedscope records spans after the turn that ended them; every report flushes them first.
import { SpanKind } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../../processors/alerts/index.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { FakeFigures } from '../../support/fake-figures.js';

let handle: FedscopeHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

function endSourceCall(h: FedscopeHandle, source: string): void {
  h.tracerProvider
    .getTracer('test')
    .startSpan('SELECT orders', {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'sqlite',
        'federation.source': source,
        'db.operation.name': 'SELECT',
        'db.query.text': 'SELECT * FROM orders',
      },
    })
    .end();
}

describe('startFedscope traceAssembly', () => {
  it('gives the trace assembler the grace period and bounds the options name', async () => {
    const handle = startFedscope({
      prometheus: false,
      otlp: false,
      hostMetrics: false,
      alerts: false,
      registerGlobal: false,
      traceAssembly: { graceMs: 250, maxTracesInFlight: 64, maxSpansPerTrace: 32 },
    });
    try {
      const { assembly } = handle.bottlenecks();
      expect(assembly.limits).toMatchObject({ graceMs: 250, maxTracesInFlight: 64, maxSpansPerTrace: 32 });
      expect(assembly).toMatchObject({ samplingRate: 1, coverage: 1 });
    } finally {
      await handle.shutdown();
    }
  });
});

describe('deferred span recording under startFedscope', () => {
  it('leaves the span off the request path, yet every report sees it', () => {
    handle = startFedscope({ prometheus: false, otlp: false, hostMetrics: false, alerts: false, registerGlobal: false });
    endSourceCall(handle, 'orders-db');
    expect(handle.spanProcessor.pendingCount).toBe(1);
    expect(handle.snapshot().sources.map((s) => [s.labels['source'], s.sinceStart.count])).toEqual([['orders-db', 1]]);
    expect(handle.spanProcessor.pendingCount).toBe(0);

    endSourceCall(handle, 'orders-db');
    expect(handle.health().sources.map((s) => s.name)).toEqual(['orders-db']);
    expect(handle.spanProcessor.pendingCount).toBe(0);

    endSourceCall(handle, 'orders-db');
    handle.bottlenecks();
    expect(handle.spanProcessor.pendingCount).toBe(0);
    expect(handle.snapshot().sources[0]?.sinceStart.count).toBe(3);
  });
});

describe('AlertEngine beforeEvaluation', () => {
  it('runs before the figures are read, so what it records counts in the same evaluation', () => {
    const figures = new FakeFigures();
    figures.set('fake.errors', 0);
    const engine = new AlertEngine({
      clock: new ManualClock(0),
      providers: [figures],
      rules: [{ alert: 'Errors', figure: 'fake.errors', op: '>', threshold: 0, severity: 'critical' }],
      beforeEvaluation: () => figures.set('fake.errors', 3),
    });
    engine.evaluate();
    expect(engine.snapshot().active.map((a) => [a.labels['alertname'], a.state])).toEqual([['Errors', 'firing']]);
  });
});

describe('FedscopePipeline snapshot reuse with deferred spans', () => {
  it('records what waits before deciding whether the snapshot of this tick is still current', async () => {
    const config = resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false, alerts: false });
    const pipeline = new FedscopePipeline(config, { resource: emptyResource() });
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [pipeline.spanProcessor] });
    try {
      expect(pipeline.health.snapshot().sources).toEqual([]); // a snapshot of this tick is now cached
      tracerProvider
        .getTracer('test')
        .startSpan('SELECT orders', {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': 'sqlite', 'federation.source': 'pg', 'db.operation.name': 'SELECT' },
        })
        .end();
      expect(pipeline.spanProcessor.pendingCount).toBe(1); // deferred: not recorded in end()
      // Same tick: the health score reads the statistics through the reused snapshot.
      expect(pipeline.health.snapshot().sources.map((s) => s.name)).toEqual(['pg']);
    } finally {
      await tracerProvider.shutdown();
      await pipeline.shutdown();
    }
  });

  it("records spans handed to ingest() at once, as the SDK's own", async () => {
    const config = resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, runtimeMetrics: false, alerts: false });
    const elsewhere = new InMemorySpanExporter();
    const remote = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(elsewhere)] });
    remote
      .getTracer('remote')
      .startSpan('SELECT orders', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'federation.source': 'orders-db', 'db.operation.name': 'SELECT' },
      })
      .end();
    const pipeline = new FedscopePipeline(config, { resource: emptyResource() });
    try {
      pipeline.ingest(elsewhere.getFinishedSpans());
      expect(pipeline.spanProcessor.pendingCount).toBe(0);
      expect(pipeline.state.snapshot().sources.map((s) => s.labels['source'])).toEqual(['orders-db']);
    } finally {
      await remote.shutdown();
      await pipeline.shutdown();
    }
  });
});
