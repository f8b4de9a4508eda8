import zlib from 'node:zlib';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { otlpTraceTypes } from '../../../src/otlp/index.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.js';
import { jsonBytes, jsonRequest, jsonSpan } from './otlp-json-payloads.js';
import { sampleSpans } from './sample-spans.js';

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** An SDK span whose span id is not a valid id (as a buggy SDK or a hostile sender might send). */
function withBrokenSpanId(span: ReadableSpan): ReadableSpan {
  const context = span.spanContext();
  return Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, {
    spanContext: () => ({ ...context, spanId: 'abcd' }),
  });
}

describe('startOtlpReceiver', () => {
  let receiver: OtlpReceiver;
  const warnings: string[] = [];
  const logger: DiagLogger = {
    error: () => undefined,
    warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver({ maxBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(() => {
    diag.disable();
    warnings.length = 0;
  });

  it('listens on an ephemeral loopback port', () => {
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}`);
    expect(receiver.tracesUrl).toBe(`${receiver.url}/v1/traces`);
    expect(receiver.port).toBeGreaterThan(0);
  });

  it.each([
    ['protobuf', (url: string) => new OTLPProtoTraceExporter({ url })],
    ['json', (url: string) => new OTLPJsonTraceExporter({ url })],
  ] as const)('answers rejected spans with a partial success the %s exporter reports', async (_label, make) => {
    diag.setLogger(logger, DiagLogLevel.WARN);
    const { root, child } = await sampleSpans();
    const exporter = make(receiver.tracesUrl);
    const before = receiver.requests.length;
    const result = await exportWith(exporter, [root, withBrokenSpanId(child)]);
    await exporter.shutdown();
    // Partial success is not a failure: the client must not retry.
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const request = receiver.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.spans.map((s) => s.name)).toEqual(['federation.query revenue']);
    expect(request.rejectedSpans).toBe(1);
    expect(request.errorMessage).toMatch(
      /^1 of 2 spans rejected: invalid spanId at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[\d\]: expected 8 bytes, got 2$/,
    );
    expect(warnings.join('\n')).toContain('Received Partial Success response');
    expect(warnings.join('\n')).toContain('invalid spanId');
  });

  it('answers malformed protobuf with 400 and a protobuf google.rpc.Status', async () => {
    const response = await fetch(receiver.tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0x7f, 0x01]),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const { rpcStatus } = otlpTraceTypes();
    const status = rpcStatus.toObject(rpcStatus.decode(new Uint8Array(await response.arrayBuffer())));
    expect(status.message).toMatch(/^malformed protobuf ExportTraceServiceRequest: /);
    expect(receiver.requests.at(-1)).toMatchObject({ status: 400, spans: [], errorMessage: status.message });
  });

  it('answers malformed JSON with 400 and a JSON status naming the problem', async () => {
    const response = await fetch(receiver.tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: jsonBytes({ resourceSpans: 'oops' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 3, message: 'invalid OTLP/JSON at resourceSpans: expected an array, got "oops"' });
  });

  it('answers 415 in text for a content type it does not speak, and for an unknown encoding', async () => {
    const wrongType = await fetch(receiver.tracesUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await wrongType.text()).toMatch(/^unsupported media type: Content-Type "text\/plain"/);
    const zstd = await fetch(receiver.tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      body: jsonBytes({}),
    });
    expect(zstd.status).toBe(415);
    expect(await zstd.json()).toMatchObject({ message: 'unsupported Content-Encoding "zstd": supported are gzip, deflate and identity' });
  });

  it('answers 413 for a body over the limit, compressed or not', async () => {
    const big = jsonBytes(jsonRequest(Array.from({ length: 1000 }, () => jsonSpan())));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const plain = await fetch(receiver.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(plain.status).toBe(413);
    const gzipped = await fetch(receiver.tracesUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zlib.gzipSync(big),
    });
    expect(gzipped.status).toBe(413);
    expect(((await gzipped.json()) as { message: string }).message).toBe(
      `request body is larger than ${64 * 1024} bytes after gzip decompression`,
    );
  });

  it('answers /v1/metrics and /v1/logs with an empty success, other paths with 404/405', async () => {
    const metrics = await fetch(`${receiver.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(0),
    });
    expect(metrics.status).toBe(200);
    expect((await fetch(`${receiver.url}/v2/traces`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(receiver.tracesUrl)).status).toBe(405);
  });

  it('fails the next exports on request with failNext', async () => {
    receiver.failNext(400, 1);
    const exporter = new OTLPJsonTraceExporter({ url: receiver.tracesUrl });
    const { all } = await sampleSpans();
    const failed = await exportWith(exporter, all);
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(receiver.requests.at(-1)).toMatchObject({ status: 400, errorMessage: 'fedscope test receiver: failing on purpose with 400' });
    const before = receiver.spans().length;
    expect((await exportWith(exporter, all)).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    expect((await receiver.waitForSpans(before + 2, 1_000)).length).toBe(before + 2);
  });

  it('times out waitForSpans with a message saying what arrived', async () => {
    await expect(receiver.waitForSpans(1_000_000, 50)).rejects.toThrow(
      /timed out after 50 ms waiting for 1000000 spans \(got \d+ in \d+ requests: /,
    );
  });
});
