import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { FederationSpanProcessor } from '../../../processors/federation-span-processor.js';
import { TraceAssembler } from '../../../processors/trace-analysis/trace-assembler.js';
import type { AssembledTrace } from '../../../processors/trace-analysis/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { seededRandom } from '../../support/seeded-random.js';
import { endOrder, syntheticTrace } from '../../support/synthetic-trace.js';

function collector() {
  const traces: AssembledTrace[] = [];
  return { traces, sink: { recordTrace: (t: AssembledTrace) => traces.push(t) } };
}

const simple = (id: string) =>
  endOrder(
    syntheticTrace(id, [
      { id: 'root', role: 'query', start: 0, end: 30 },
      { id: 'f', parent: 'root', role: 'stage', stage: 'fetch', start: 0, end: 25 },
      { id: 's', parent: 'f', role: 'source', source: 'pg', start: 1, end: 24 },
    ]),
  );

describe('TraceAssembler', () => {
  it('hands a trace over once its root ended and the grace period passed, with late children', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 100 }, clock);
    const [s, f, root] = simple('a');
    assembler.record(s!);
    assembler.record(root!);
    clock.advance(50);
    assembler.record(f!); // late child, within the grace period
    expect(traces).toHaveLength(0);
    clock.advance(60);
    assembler.flush();
    expect(traces).toHaveLength(1);
    expect(traces[0]!.spans).toHaveLength(3);
    assembler.record({ ...s!, spanId: 'a-late' }); // after the grace period
    expect(assembler.stats().droppedSpans.late).toBe(1);
    expect(assembler.stats().inFlight).toBe(0);
  });

  it('ignores `other` spans of traces it does not gather, and keeps those inside federated queries', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 0 }, clock);
    const http = syntheticTrace('x', [{ id: 'h', role: 'other', start: 0, end: 5 }]);
    assembler.record(http[0]!);
    expect(assembler.stats().inFlight).toBe(0);
    const spans = syntheticTrace('y', [
      { id: 'root', role: 'query', start: 0, end: 30 },
      { id: 's', parent: 'root', role: 'source', source: 'pg', start: 0, end: 10 },
      { id: 'o', parent: 'root', role: 'other', start: 10, end: 20 },
    ]);
    for (const span of endOrder(spans)) assembler.record(span);
    assembler.flush();
    expect(traces[0]!.spans).toHaveLength(3);
  });

  it('stays bounded under 10,000 concurrent traces and counts what it drops', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 10, maxTracesInFlight: 1000, maxSpansPerTrace: 2, maxTraceAgeMs: 5000 }, clock);
    const all = Array.from({ length: 10_000 }, (_, i) => simple(`t${i}`));
    // First every trace's source call ends (10,000 traces in flight at once) …
    for (const spans of all) assembler.record(spans[0]!);
    expect(assembler.stats().inFlight).toBe(1000);
    // Saturated at once: the rest are left out, most by the halved sampling rate, the others by the bound.
    const left = assembler.stats().droppedTraces;
    expect(left.trace_limit + left.sampled_out).toBe(9000);
    expect(left.sampled_out).toBeGreaterThan(4000);
    expect(assembler.stats().samplingRate).toBe(0.5);
    // … then their stages and roots.
    for (const spans of all) assembler.record(spans[1]!);
    for (const spans of all) assembler.record(spans[2]!);
    clock.advance(20);
    assembler.flush();
    const stats = assembler.stats();
    expect(stats.inFlight).toBe(0);
    expect(traces).toHaveLength(1000);
    expect(stats.assembled).toBe(1000);
    // The rest of each rejected trace is dropped too (never half a trace), and counted.
    expect(stats.droppedSpans.trace_limit + stats.droppedSpans.sampled_out).toBe(9000 * 3);
    expect(stats.coverage).toBe(0.1);
    expect(stats.droppedSpans.span_limit).toBe(0);
    expect(traces.every((t) => t.spans.length === 3 && !t.truncated)).toBe(true);
  });

  it('under saturation analyses a uniform sample of whole traces, says how much, and recovers', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 100, maxTracesInFlight: 200 }, clock);
    const random = seededRandom(5);
    const hexId = () => Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    const order: string[] = [];
    // 3 s of 4,000 traces/s, each done after 50 ms: 200 in flight at most take 400/s with the 100 ms grace, a tenth.
    for (let ms = 0; ms < 3000; ms++) {
      for (let k = 0; k < 4; k++) {
        const id = hexId();
        order.push(id);
        for (const span of simple(id)) assembler.record(span);
      }
      clock.advance(1);
      assembler.flush();
    }
    const saturated = assembler.stats();
    expect(saturated.samplingRate).toBeLessThanOrEqual(0.5);
    // The analysed traces are spread over the whole run, not the first ones that got in.
    clock.advance(200);
    assembler.flush();
    const analysed = new Set(traces.map((t) => t.traceId));
    const inThird = (third: number) => order.slice(third * 4000, (third + 1) * 4000).filter((id) => analysed.has(id)).length;
    const thirds = [inThird(0), inThird(1), inThird(2)];
    for (const n of thirds) expect(n).toBeGreaterThan(0.2 * analysed.size);
    const stats = assembler.stats();
    expect(stats.coverage).toBeCloseTo(analysed.size / order.length, 6);
    // Every analysed trace is whole.
    expect(traces.every((t) => t.spans.length === 3)).toBe(true);
    // The load gone, the rate climbs back to 1 (doubling once per grace period).
    for (let i = 0; i < 20; i++) {
      clock.advance(100);
      assembler.flush();
    }
    expect(assembler.stats().samplingRate).toBe(1);
  });

  it('truncates a trace at maxSpansPerTrace and expires traces whose root never came', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 0, maxSpansPerTrace: 2, maxTraceAgeMs: 1000 }, clock);
    const spans = syntheticTrace('big', [
      { id: 'root', role: 'query', start: 0, end: 30 },
      ...Array.from({ length: 5 }, (_, i) => ({
        id: `s${i}`,
        parent: 'root',
        role: 'source' as const,
        source: 'pg',
        start: i,
        end: i + 1,
      })),
    ]);
    for (const span of endOrder(spans)) assembler.record(span);
    assembler.flush();
    expect(traces[0]).toMatchObject({ truncated: true });
    expect(traces[0]!.spans).toHaveLength(3); // 2 children + the root, which is always kept
    expect(assembler.stats().droppedSpans.span_limit).toBe(3);
    // A source call whose parent (the query root) never ends here.
    assembler.record(syntheticTrace('rootless', [{ id: 's', parent: 'lost', role: 'source', source: 'pg', start: 0, end: 1 }])[0]!);
    clock.advance(1001);
    assembler.flush();
    expect(assembler.stats()).toMatchObject({
      inFlight: 0,
      droppedTraces: { expired_without_root: 1 },
      droppedSpans: { expired_without_root: 1 },
    });
    // Its stragglers (here the missing root, ending at last) count under the same reason.
    const root = syntheticTrace('rootless', [{ id: 'lost', role: 'query', start: 0, end: 2000 }])[0]!;
    assembler.record(root);
    expect(assembler.stats()).toMatchObject({
      inFlight: 0,
      droppedTraces: { expired_without_root: 1 },
      droppedSpans: { expired_without_root: 2, trace_limit: 0, late: 0 },
    });
  });

  it('expires a rootless trace in first-seen order while thousands of younger traces finish behind it', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 0, maxTracesInFlight: 4, maxTraceAgeMs: 1000 }, clock);
    assembler.record(syntheticTrace('rootless', [{ id: 's', parent: 'lost', role: 'source', source: 'pg', start: 0, end: 1 }])[0]!);
    // Far more finished traces than the age queue's bound (2 × 4 + 1024) pass behind the waiting one.
    for (let i = 0; i < 3000; i++) {
      clock.advance(0.1);
      for (const span of simple(`t${i}`)) assembler.record(span);
    }
    assembler.flush();
    expect(traces).toHaveLength(3000);
    expect(assembler.stats()).toMatchObject({ inFlight: 1, droppedTraces: { expired_without_root: 0 } });
    clock.advance(1000 - 300 + 1);
    assembler.record(simple('young')[0]!);
    expect(assembler.stats()).toMatchObject({
      inFlight: 1,
      droppedTraces: { expired_without_root: 1, trace_limit: 0 },
      droppedSpans: { expired_without_root: 1 },
    });
    clock.advance(1001);
    assembler.flush();
    expect(assembler.stats()).toMatchObject({ inFlight: 0, droppedTraces: { expired_without_root: 2 } });
  });

  it('closes a trace at once when its local root ends without a federated query in it', () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 0, maxTracesInFlight: 10 }, clock);
    // 100 plain DB calls, each its own trace: none is held, so none takes a federated query's place.
    for (let i = 0; i < 100; i++)
      assembler.record(syntheticTrace(`plain${i}`, [{ id: 's', role: 'source', source: 'pg', start: 0, end: 1 }])[0]!);
    // An HTTP request making two DB calls and no federated query: held until its server span ends.
    const request = syntheticTrace('req', [
      { id: 'http', role: 'other', start: 0, end: 10 },
      { id: 'a', parent: 'http', role: 'source', source: 'pg', start: 1, end: 2 },
      { id: 'b', parent: 'http', role: 'source', source: 'pg', start: 3, end: 4 },
    ]);
    for (const span of endOrder(request)) assembler.record(span);
    // A federated query under an HTTP server span is still analysed when the server span ends last.
    const federated = syntheticTrace('fq', [
      { id: 'http', role: 'other', start: 0, end: 40 },
      { id: 'root', parent: 'http', role: 'query', start: 1, end: 30 },
      { id: 's', parent: 'root', role: 'source', source: 'pg', start: 2, end: 20 },
    ]);
    for (const span of endOrder(federated)) assembler.record(span);
    assembler.flush();
    const stats = assembler.stats();
    expect(stats).toMatchObject({ inFlight: 0, withoutQuery: 101, assembled: 1 });
    expect(Object.values(stats.droppedTraces).every((n) => n === 0)).toBe(true);
    expect(traces.map((t) => t.traceId)).toEqual(['fq']);
  });

  it('assembles real SDK spans through the FederationSpanProcessor with their ids and times', async () => {
    const clock = new ManualClock(0);
    const { traces, sink } = collector();
    const assembler = new TraceAssembler([sink], { graceMs: 0 }, clock);
    const provider = new NodeTracerProvider({ spanProcessors: [new FederationSpanProcessor({ sinks: [assembler] })] });
    const tracer = provider.getTracer('test');
    const t0 = 1_700_000_000_000;
    const root = tracer.startSpan('federation.query orders', { startTime: t0, attributes: { 'federation.query.name': 'orders' } });
    const ctx = trace.setSpan(context.active(), root);
    const stage = tracer.startSpan(
      'federation.stage fetch',
      { startTime: t0 + 1, attributes: { 'federation.stage': 'fetch', 'federation.query.name': 'orders', 'federation.part': 'users' } },
      ctx,
    );
    const sctx = trace.setSpan(ctx, stage);
    const call = tracer.startSpan(
      'SELECT users',
      {
        kind: SpanKind.CLIENT,
        startTime: t0 + 2,
        attributes: {
          'db.system.name': 'postgresql',
          'db.query.text': 'SELECT * FROM users',
          'federation.source': 'pg',
          'federation.retry.attempt': 1,
          'federation.error.class': 'timeout',
        },
      },
      sctx,
    );
    call.setStatus({ code: SpanStatusCode.ERROR });
    call.end(t0 + 42);
    stage.end(t0 + 45);
    root.end(t0 + 50);
    assembler.flush();
    await provider.shutdown();
    expect(traces).toHaveLength(1);
    const source = traces[0]!.spans.find((s) => s.role === 'source')!;
    expect(source).toMatchObject({
      startTimeMs: t0 + 2,
      endTimeMs: t0 + 42,
      retryAttempt: 1,
      timedOut: true,
      parentSpanId: stage.spanContext().spanId,
    });
    // The trace holds the id once; its spans do not carry a copy each.
    expect(traces[0]!.traceId).toBe(root.spanContext().traceId);
    expect(source).not.toHaveProperty('traceId');
    expect(traces[0]!.spans.find((s) => s.role === 'stage')).toMatchObject({ part: 'users' });
  });
});
