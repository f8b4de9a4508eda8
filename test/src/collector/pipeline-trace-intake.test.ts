import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntakeBudget } from '../../../src/collector/intake-budget.js';
import { PipelineTraceIntake, type RawTraceForwarder } from '../../../src/collector/pipeline-trace-intake.js';
import type { RawTraceBody } from '../../../src/collector/trace-intake.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { decodeTraceRequest, type DecodedSpan, type DecodedTraceRequest } from '../../../src/otlp/index.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { federationSpanSet, SPAN_SET_QUERIES, SPANS_PER_QUERY } from './federation-span-set.js';

const MIB = 1024 * 1024;
const PROTOBUF = 'application/x-protobuf';

function newPipeline(): FedscopePipeline {
  const config = resolveConfig({ alerts: false, hostMetrics: false, runtimeMetrics: false, prometheus: false }, {});
  return new FedscopePipeline(config, {
    resource: resourceFromAttributes({ 'service.name': 'intake-test' }),
    scopesRecordingDbDuration: new Set(),
  });
}

/** The set's spans as the receivers hand them over: encoded by the SDK's serializer, decoded by fedscope's decoder. */
async function received(spans: ReadableSpan[]): Promise<{ request: DecodedTraceRequest; raw: RawTraceBody }> {
  const body = ProtobufTraceSerializer.serializeRequest(spans)!;
  const request = await decodeTraceRequest(body, { contentType: PROTOBUF, contentEncoding: undefined });
  return { request, raw: { body, contentType: PROTOBUF, contentEncoding: undefined } };
}

/** A forwarder that keeps what it is handed (the intake only calls `forward`). */
class KeepingForwarder implements RawTraceForwarder {
  readonly bodies: RawTraceBody[] = [];
  forward(raw: RawTraceBody): boolean {
    this.bodies.push(raw);
    return true;
  }
}

describe('IntakeBudget through PipelineTraceIntake.admit/release', () => {
  it('admits within the in-flight budget, refuses beyond it with reason queue and Retry-After 1, admits again once released', () => {
    const intake = new PipelineTraceIntake({
      pipeline: newPipeline(),
      budget: new IntakeBudget({ maxInFlightBytes: 1000, maxHeapBytes: 1024 * MIB * 1024 }),
    });
    expect(intake.admit(600)).toBeUndefined();
    expect(intake.admit(400)).toBeUndefined();
    expect(intake.inFlight()).toMatchObject({ bytes: 1000, requests: 2 });
    expect(intake.admit(1)).toEqual({ reason: 'queue', retryAfterSeconds: 1 });
    expect(intake.inFlight()).toMatchObject({ bytes: 1000, requests: 2 });
    intake.release(600);
    expect(intake.admit(1)).toBeUndefined();
    expect(intake.admit(600)).toEqual({ reason: 'queue', retryAfterSeconds: 1 });
    intake.release(400);
    intake.release(1);
    expect(intake.inFlight()).toMatchObject({ bytes: 0, requests: 0 });
  });

  it('admits one request larger than the whole budget when nothing else is in flight, and never goes below zero', () => {
    const budget = new IntakeBudget({ maxInFlightBytes: 1000, maxHeapBytes: 1024 * MIB * 1024 });
    expect(budget.admit(5000)).toBeUndefined();
    expect(budget.admit(1)).toEqual({ reason: 'queue', retryAfterSeconds: 1 });
    budget.release(5000);
    budget.release(5000);
    expect(budget.inFlight()).toMatchObject({ bytes: 0, requests: 0 });
    // A length that is no length (NaN, negative) counts as 0 bytes, still one request.
    expect(budget.admit(Number.NaN)).toBeUndefined();
    expect(budget.admit(-5)).toBeUndefined();
    expect(budget.inFlight()).toMatchObject({ bytes: 0, requests: 2 });
  });

  it('refuses with reason memory and Retry-After 3 when the used heap (read from V8) is over its budget', () => {
    const overBudget = new IntakeBudget({ maxInFlightBytes: 1000, maxHeapBytes: 1 });
    expect(overBudget.admit(10)).toEqual({ reason: 'memory', retryAfterSeconds: 3 });
    expect(overBudget.inFlight().bytes).toBe(0);
    expect(overBudget.inFlight().heapUsedBytes).toBeGreaterThan(1 * MIB);
    const within = new IntakeBudget({ maxInFlightBytes: 1000, maxHeapBytes: 1024 * MIB * 1024 });
    expect(within.admit(10)).toBeUndefined();
  });

  it('reads the heap at most once per sample interval, and sees a change once the interval passed', () => {
    let now = 0;
    let heap = 10;
    let reads = 0;
    const budget = new IntakeBudget({
      maxInFlightBytes: 1_000_000,
      maxHeapBytes: 100,
      heapUsedBytes: () => (reads++, heap),
      now: () => now,
    });
    for (let i = 0; i < 1000; i++) budget.release(budget.admit(1) === undefined ? 1 : 0);
    expect(reads).toBe(1);
    heap = 200;
    now = 99;
    expect(budget.admit(1)).toBeUndefined();
    now = 100;
    expect(budget.admit(1)).toEqual({ reason: 'memory', retryAfterSeconds: 3 });
    expect(reads).toBe(2);
  });
});

describe('PipelineTraceIntake.ingest', () => {
  let spans: ReadableSpan[];
  const lines: string[] = [];
  beforeAll(async () => {
    spans = await federationSpanSet(Date.now() - 10_000);
    fedscopeLog.configure({ write: (line) => lines.push(line), repeatIntervalMs: 0 });
  });
  afterEach(() => void (lines.length = 0));

  it('records every span of a request into the pipeline with one ingest call and forwards the raw body once', async () => {
    const pipeline = newPipeline();
    const calls: number[] = [];
    const ingest = pipeline.ingestDecoded.bind(pipeline);
    const forwarder = new KeepingForwarder();
    const intake = new PipelineTraceIntake({
      pipeline: { ingestDecoded: (batch) => (calls.push([...batch].length), ingest(batch)) },
      budget: new IntakeBudget({ maxInFlightBytes: MIB, maxHeapBytes: 1024 * MIB * 1024 }),
      forwarder,
    });
    const { request, raw } = await received(spans);
    expect(request.spans).toHaveLength(SPAN_SET_QUERIES * SPANS_PER_QUERY);
    expect(intake.ingest(request, 'http', raw)).toEqual({ accepted: SPAN_SET_QUERIES * SPANS_PER_QUERY, rejected: 0 });
    expect(calls).toEqual([SPAN_SET_QUERIES * SPANS_PER_QUERY]);
    expect(forwarder.bodies).toEqual([raw]);
    const snapshot = pipeline.snapshot();
    expect(snapshot.overall.sinceStart.count).toBe(SPAN_SET_QUERIES);
    expect(snapshot.queries.map((q) => q.labels['query']).sort()).toEqual(['customers', 'inventory', 'orders']);
    expect(snapshot.sources.reduce((sum, s) => sum + s.sinceStart.count, 0)).toBe(SPAN_SET_QUERIES * 4);
    // Without a raw body (nothing to forward) it still records.
    expect(intake.ingest(request, 'grpc').accepted).toBe(SPAN_SET_QUERIES * SPANS_PER_QUERY);
    expect(forwarder.bodies).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('counts a span it cannot classify as rejected, with a message, and records the others', async () => {
    const pipeline = newPipeline();
    const intake = new PipelineTraceIntake({
      pipeline,
      budget: new IntakeBudget({ maxInFlightBytes: MIB, maxHeapBytes: 1024 * MIB * 1024 }),
    });
    const { request } = await received(spans.slice(0, 10));
    // A decoder never yields it: a start time without its [seconds, nanoseconds] pair.
    const broken = { ...request.spans[0]!, startTime: {} } as unknown as DecodedSpan;
    const result = intake.ingest({ ...request, spans: [broken, ...request.spans.slice(1)] }, 'http');
    expect(result).toEqual({ accepted: 9, rejected: 1, message: '1 span(s) could not be classified for analysis' });
    expect(lines.join('\n')).toMatch(/1 span\(s\) received over http could not be classified; they are counted rejected/);
    expect(pipeline.spanProcessor.failedRecords).toBe(1);
    expect(pipeline.snapshot().sources.reduce((sum, s) => sum + s.sinceStart.count, 0)).toBeGreaterThan(0);
  });

  it('never throws: a failing pipeline counts the request’s spans rejected and logs; a throwing forwarder is logged', async () => {
    const { request, raw } = await received(spans.slice(0, 16));
    const failing = new PipelineTraceIntake({
      pipeline: {
        ingestDecoded: () => {
          throw new Error('pipeline is broken');
        },
      },
      budget: new IntakeBudget({ maxInFlightBytes: MIB, maxHeapBytes: 1024 * MIB * 1024 }),
      forwarder: {
        forward: () => {
          throw new Error('forwarder is broken');
        },
      },
    });
    let result: ReturnType<PipelineTraceIntake['ingest']> | undefined;
    expect(() => (result = failing.ingest(request, 'grpc', raw))).not.toThrow();
    expect(result).toEqual({ accepted: 0, rejected: 16, message: 'fedscope could not record these spans; see its log' });
    expect(lines.join('\n')).toMatch(/spans received over grpc could not be recorded; they are counted rejected: pipeline is broken/);
    expect(lines.join('\n')).toMatch(
      /a request received over grpc could not be handed to the forwarder; it is not forwarded: forwarder is broken/,
    );
    // A request that is not even well-formed (its spans unreadable) is also answered.
    const hostile = new Proxy(request, {
      get: (target, key) => {
        if (key === 'spans') throw new Error('unreadable');
        return Reflect.get(target, key) as unknown;
      },
    });
    expect(newIntakeOf(newPipeline()).ingest(hostile, 'http')).toEqual({
      accepted: 0,
      rejected: 0,
      message: 'fedscope could not record these spans; see its log',
    });
  });
});

function newIntakeOf(pipeline: FedscopePipeline): PipelineTraceIntake {
  return new PipelineTraceIntake({ pipeline, budget: new IntakeBudget({ maxInFlightBytes: MIB, maxHeapBytes: 1024 * MIB * 1024 }) });
}
