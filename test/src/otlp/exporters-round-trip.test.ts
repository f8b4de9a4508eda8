import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../../src/otlp/index.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.js';
import { toReadableSpan } from '../../support/to-readable-span.js';
import { CHILD_ATTRIBUTES, LINKED, REMOTE_PARENT, RESOURCE_ATTRIBUTES, SCOPE, sampleSpans } from './sample-spans.js';

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

function nanos(time: readonly [number, number]): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

/** What the decoder must give back for an SDK span's attributes (int64 beyond 2^53 → decimal string). */
const EXPECTED_CHILD_ATTRIBUTES = { ...CHILD_ATTRIBUTES, 'federation.big': '1152921504606846976' };

function expectRoundTrip(original: ReadableSpan, decoded: DecodedSpan, expectedAttributes: Record<string, unknown>): void {
  const context = original.spanContext();
  expect(decoded.traceId).toBe(context.traceId);
  expect(decoded.spanId).toBe(context.spanId);
  expect(decoded.parentSpanId).toBe(original.parentSpanContext?.spanId);
  expect(decoded.parentIsRemote).toBe(original.parentSpanContext?.isRemote ?? false);
  expect(decoded.traceFlags).toBe(context.traceFlags);
  expect(decoded.traceState).toBe(context.traceState?.serialize());
  expect(decoded.name).toBe(original.name);
  expect(decoded.kind).toBe(original.kind);
  expect(decoded.startTime.hrTime).toEqual(original.startTime);
  expect(decoded.endTime.hrTime).toEqual(original.endTime);
  expect(nanos(decoded.startTime.hrTime)).toBe(nanos(original.startTime));
  expect(nanos(decoded.endTime.hrTime)).toBe(nanos(original.endTime));
  expect(decoded.attributes).toEqual(expectedAttributes);
  expect(decoded.status).toEqual(original.status);
  expect(decoded.events.map((e) => ({ name: e.name, time: e.time.hrTime, attributes: e.attributes }))).toEqual(
    original.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes ?? {} })),
  );
  expect(decoded.droppedAttributesCount).toBe(original.droppedAttributesCount);
  expect(decoded.droppedEventsCount).toBe(original.droppedEventsCount);
  expect(decoded.droppedLinksCount).toBe(original.droppedLinksCount);
  expect(decoded.resource.attributes).toEqual(RESOURCE_ATTRIBUTES);
  expect(decoded.scope).toMatchObject({ name: SCOPE.name, version: SCOPE.version, schemaUrl: SCOPE.schemaUrl });

  // The ReadableSpan adapter gives back what the SDK span had.
  const readable = toReadableSpan(decoded);
  expect(readable.spanContext()).toEqual({
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    traceState: expect.anything(),
  });
  expect(readable.spanContext().traceState?.serialize()).toBe(context.traceState?.serialize());
  expect(readable.parentSpanContext?.spanId).toBe(original.parentSpanContext?.spanId);
  expect(readable.parentSpanContext?.traceId).toBe(original.parentSpanContext?.traceId);
  expect(readable.parentSpanContext?.isRemote ?? false).toBe(original.parentSpanContext?.isRemote ?? false);
  expect(readable.duration).toEqual(original.duration);
  expect(readable.startTime).toEqual(original.startTime);
  expect(readable.endTime).toEqual(original.endTime);
  expect(readable.ended).toBe(true);
  expect(readable.kind).toBe(original.kind);
  expect(readable.status).toEqual(original.status);
  expect(readable.resource.attributes).toEqual(original.resource.attributes);
  expect(readable.instrumentationScope).toEqual(original.instrumentationScope);
  expect(readable.events).toEqual(
    original.events.map((e) => ({ ...e, attributes: e.attributes ?? {}, droppedAttributesCount: e.droppedAttributesCount ?? 0 })),
  );
}

const variants = [
  {
    label: 'http/protobuf',
    contentType: 'application/x-protobuf',
    encoding: undefined,
    make: (url: string) => new OTLPProtoTraceExporter({ url }),
  },
  {
    label: 'http/protobuf + gzip',
    contentType: 'application/x-protobuf',
    encoding: 'gzip',
    make: (url: string) => new OTLPProtoTraceExporter({ url, compression: 'gzip' as CompressionAlgorithm }),
  },
  {
    label: 'http/json',
    contentType: 'application/json',
    encoding: undefined,
    make: (url: string) => new OTLPJsonTraceExporter({ url }),
  },
  {
    label: 'http/json + gzip',
    contentType: 'application/json',
    encoding: 'gzip',
    make: (url: string) => new OTLPJsonTraceExporter({ url, compression: CompressionAlgorithm.GZIP }),
  },
] as const;

describe('real OTLP exporters → fedscope decoder', () => {
  let receiver: OtlpReceiver;
  let spans: Awaited<ReturnType<typeof sampleSpans>>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    spans = await sampleSpans();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it.each(variants)('$label: every field round-trips', async (variant) => {
    const exporter = variant.make(receiver.tracesUrl);
    const before = receiver.requests.length;
    const result = await exportWith(exporter, spans.all);
    await exporter.shutdown();
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    const request = receiver.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.contentType).toBe(variant.contentType);
    expect(request.contentEncoding).toBe(variant.encoding);
    expect(request.decoded?.format).toBe(variant.contentType === 'application/json' ? 'json' : 'protobuf');
    expect(request.rejectedSpans).toBe(0);
    expect(request.resourceAttributes).toEqual([RESOURCE_ATTRIBUTES]);
    expect(request.spans).toHaveLength(2);

    const child = request.spans.find((s) => s.name === 'SELECT orders')!;
    const root = request.spans.find((s) => s.name === 'federation.query revenue')!;
    expectRoundTrip(spans.child, child, EXPECTED_CHILD_ATTRIBUTES);
    expectRoundTrip(spans.root, root, { 'federation.query.name': 'revenue' });

    // Parent linkage: child → root → the remote parent from another service.
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.traceId).toBe(root.traceId);
    expect(child.parentIsRemote).toBe(false);
    expect(root.parentSpanId).toBe(REMOTE_PARENT.spanId);
    expect(root.parentIsRemote).toBe(true);
    expect(root.traceState).toBe('fed=1,other=x');
    // The link, with its own trace state, remote flag and attributes.
    expect(child.links).toEqual([
      {
        traceId: LINKED.traceId,
        spanId: LINKED.spanId,
        traceState: 'vendor=value',
        flags: 0x300,
        traceFlags: 0,
        isRemote: true,
        attributes: { 'link.reason': 'batch' },
        droppedAttributesCount: 0,
      },
    ]);
    const link = toReadableSpan(child).links[0]!;
    expect(link.context).toMatchObject({ traceId: LINKED.traceId, spanId: LINKED.spanId, traceFlags: 0, isRemote: true });
    expect(link.context.traceState?.get('vendor')).toBe('value');
    // Status, events and kind from the SDK's numbering.
    expect(child.status).toEqual({ code: 2, message: 'connection reset' });
    expect(child.events.map((e) => e.name)).toEqual(['cache.miss', 'exception']);
    expect(child.events[1]!.attributes['exception.message']).toBe('connection reset');
    expect(child.kind).toBe(2); // SpanKind.CLIENT (OTLP sends 3)
    expect(root.kind).toBe(1); // SpanKind.SERVER (OTLP sends 2)
    expect(root.status).toEqual({ code: 1 });
  });

  it('waitForSpans sees the spans of all exports', async () => {
    const all = await receiver.waitForSpans(2 * variants.length, 5_000);
    expect(all.length).toBeGreaterThanOrEqual(2 * variants.length);
  });
});
