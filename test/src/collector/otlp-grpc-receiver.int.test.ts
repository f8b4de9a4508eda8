import http2 from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorSelfStats } from '../../../src/collector/collector-self-stats.js';
import { IntakeBudget } from '../../../src/collector/intake-budget.js';
import { OtlpGrpcReceiver, TRACE_EXPORT_PATH, type OtlpGrpcReceiverSettings } from '../../../src/collector/otlp-grpc-receiver.js';
import type { IntakeRefusal, IntakeResult, RawTraceBody, TraceIntake, TraceReceiverOptions } from '../../../src/collector/trace-intake.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { otlpTraceTypes, type DecodedTraceRequest } from '../../../src/otlp/index.js';
import { CHILD_ATTRIBUTES, RESOURCE_ATTRIBUTES, SCOPE, sampleSpans } from '../otlp/sample-spans.js';

/** A fake intake that records what it is given and answers as a test sets it up. */
interface RecordingIntake extends TraceIntake {
  /** Every ingested request, in order. */
  readonly ingested: { request: DecodedTraceRequest; transport: string; raw: RawTraceBody | undefined }[];
  /** Bytes admitted and not yet released. */
  inFlight: number;
  /** Calls to admit. */
  admits: number;
  /** When set, admit refuses with it. */
  refusal: IntakeRefusal | undefined;
  /** When set, admit and release go through it too (a real budget). */
  budget: IntakeBudget | undefined;
  /** Spans the intake rejects of each request (the last ones), with this message. */
  rejectLast: { spans: number; message: string } | undefined;
  /** When set, ingest throws it. */
  failure: Error | undefined;
}

function recordingIntake(): RecordingIntake {
  const intake: RecordingIntake = {
    ingested: [],
    inFlight: 0,
    admits: 0,
    refusal: undefined,
    budget: undefined,
    rejectLast: undefined,
    failure: undefined,
    admit(bytes: number): IntakeRefusal | undefined {
      intake.admits += 1;
      const refusal = intake.refusal ?? intake.budget?.admit(bytes);
      if (refusal !== undefined) return refusal;
      intake.inFlight += bytes;
      return undefined;
    },
    release(bytes: number): void {
      intake.budget?.release(bytes);
      intake.inFlight -= bytes;
    },
    ingest(request: DecodedTraceRequest, transport: string, raw?: RawTraceBody): IntakeResult {
      if (intake.failure !== undefined) throw intake.failure;
      intake.ingested.push({ request, transport, raw });
      const rejected = Math.min(intake.rejectLast?.spans ?? 0, request.spans.length);
      return { accepted: request.spans.length - rejected, rejected, ...(rejected > 0 ? { message: intake.rejectLast?.message } : {}) };
    },
  };
  return intake;
}

const receivers: OtlpGrpcReceiver[] = [];
const clients: Client[] = [];
const sessions: http2.ClientHttp2Session[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const session of sessions.splice(0)) session.destroy();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
  fedscopeLog.configure({ write: (line) => process.stderr.write(`${line}\n`) });
});

interface Started {
  receiver: OtlpGrpcReceiver;
  intake: RecordingIntake;
  stats: CollectorSelfStats;
  port: number;
}

async function startReceiver(
  limits: Partial<Pick<TraceReceiverOptions, 'maxBytes' | 'maxSpans'>> = {},
  settings: OtlpGrpcReceiverSettings = {},
) {
  const intake = recordingIntake();
  const stats = new CollectorSelfStats();
  const receiver = new OtlpGrpcReceiver(
    { host: '127.0.0.1', port: 0, intake, stats, maxBytes: limits.maxBytes ?? 4 * 1024 * 1024, maxSpans: limits.maxSpans ?? 1000 },
    settings,
  );
  receivers.push(receiver);
  const address = await receiver.start();
  expect(address.host).toBe('127.0.0.1');
  expect(address.port).toBeGreaterThan(0);
  const started: Started = { receiver, intake, stats, port: address.port };
  return started;
}

/** The counts of a stats object as plain objects, for `toEqual`. */
function countsOf(stats: CollectorSelfStats): Record<string, Record<string, number>> {
  const counts = stats.counts();
  return {
    requests: Object.fromEntries(counts.requests),
    spans: Object.fromEntries(counts.spans),
    decodeErrors: Object.fromEntries(counts.decodeErrors),
    refusals: Object.fromEntries(counts.refusals),
  };
}

/** The counts of a stats object that counted only `times` requests that failed to decode, with this outcome and reason. */
function failedOnly(outcome: string, reason: string, times = 1): Record<string, Record<string, number>> {
  return { requests: { [`grpc|${outcome}`]: times }, spans: {}, decodeErrors: { [`grpc|${reason}`]: times }, refusals: {} };
}

/** What a raw unary call gave back. */
interface RawAnswer {
  error: ServiceError | null;
  response: Buffer | undefined;
  ms: number;
}

/** A grpc-js client with pass-through serializers, so tests send any bytes they like. */
function rawClient(port: number, compression?: 'gzip' | 'deflate'): Client {
  const algorithm = compression === undefined ? {} : { 'grpc.default_compression_algorithm': compression === 'gzip' ? 2 : 1 };
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), algorithm);
  clients.push(client);
  return client;
}

function exportRaw(client: Client, body: Uint8Array): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_EXPORT_PATH,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      Buffer.from(body),
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve({ error, response, ms: performance.now() - started }),
    );
  });
}

/** A span for protobuf requests; `traceIdBytes` other than 16 makes the decoder reject it alone. */
function wireSpan(index: number, traceIdBytes = 16): Record<string, unknown> {
  return {
    traceId: Buffer.alloc(traceIdBytes, 0xab),
    spanId: Buffer.from([0, 0, 0, 0, 0, 0, 1, index + 1]),
    name: `SELECT ${index}`,
    kind: 3,
    startTimeUnixNano: 1_700_000_000_000_000_000n.toString(),
    endTimeUnixNano: 1_700_000_000_005_000_000n.toString(),
    attributes: [{ key: 'db.system.name', value: { stringValue: 'postgresql' } }],
  };
}

function requestBytes(spans: Record<string, unknown>[]): Uint8Array {
  const { request } = otlpTraceTypes();
  const resourceSpans = [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-test' } }] },
      scopeSpans: [{ scope: { name: 'grpc-test-scope' }, spans }],
    },
  ];
  return request.encode(request.fromObject({ resourceSpans })).finish();
}

function decodeResponse(bytes: Buffer | undefined): { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } } {
  expect(bytes).toBeDefined();
  const { response } = otlpTraceTypes();
  return response.toObject(response.decode(bytes!), { longs: Number });
}

// google.rpc.Status, Any, RetryInfo and Duration as published, defined here again so the test
// parses the trailer independently of the receiver's encoder.
const RICH_ERROR_ROOT = protobuf.parse(`
syntax = "proto3";
package google.rpc;
message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message RetryInfo { Duration retry_delay = 1; }
`).root;

function retryDelayOf(error: ServiceError): { code: number; typeUrl: string; seconds: number; nanos: number } {
  const [details] = error.metadata.get('grpc-status-details-bin');
  expect(Buffer.isBuffer(details)).toBe(true);
  const statusType = RICH_ERROR_ROOT.lookupType('google.rpc.Status');
  const status = statusType.toObject(statusType.decode(details as Buffer)) as {
    code: number;
    details: { typeUrl: string; value: Uint8Array }[];
  };
  expect(status.details).toHaveLength(1);
  const retryInfoType = RICH_ERROR_ROOT.lookupType('google.rpc.RetryInfo');
  const info = retryInfoType.toObject(retryInfoType.decode(status.details[0]!.value), { longs: Number, defaults: true }) as {
    retryDelay: { seconds: number; nanos: number };
  };
  return { code: status.code, typeUrl: status.details[0]!.typeUrl, seconds: info.retryDelay.seconds, nanos: info.retryDelay.nanos };
}

/** What came back on a raw HTTP/2 gRPC stream: response headers and trailers together. */
type RawStreamAnswer = Record<string, string | string[] | number | undefined>;

/** An HTTP/2 connection to the receiver, closed after the test. */
function rawSession(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  sessions.push(session);
  session.on('error', () => {});
  return session;
}

/**
 * Opens a gRPC export stream by hand (to send broken frames, odd encodings or half a message), on a
 * new connection unless one is given; `headers` add to or replace the gRPC request headers.
 */
function openRawStream(
  port: number,
  encoding?: string,
  session = rawSession(port),
  headers: http2.OutgoingHttpHeaders = {},
): { stream: http2.ClientHttp2Stream; answer: Promise<RawStreamAnswer> } {
  const stream = session.request({
    ':method': 'POST',
    ':path': TRACE_EXPORT_PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...(encoding === undefined ? {} : { 'grpc-encoding': encoding }),
    ...headers,
  });
  const answer = new Promise<RawStreamAnswer>((resolve, reject) => {
    let headers: RawStreamAnswer = {};
    stream.on('response', (received: http2.IncomingHttpHeaders) => {
      headers = { ...received };
    });
    stream.on('trailers', (received: http2.IncomingHttpHeaders) => {
      headers = { ...headers, ...received };
    });
    stream.on('data', () => {});
    stream.on('end', () => resolve(headers));
    stream.on('error', reject);
  });
  return { stream, answer };
}

/** The 5-byte gRPC message prefix: compressed flag and length. */
function framePrefix(compressed: boolean, length: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(compressed ? 1 : 0, 0);
  prefix.writeUInt32BE(length, 1);
  return prefix;
}

/** `mebibytes` MiB of zeros as concatenated gzip members of 1 MiB each: about 1 KiB on the wire per MiB inflated. */
function gzipBomb(mebibytes: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: mebibytes }, () => member));
}

/**
 * `mebibytes` MiB of zeros as one zlib stream (gRPC's deflate), built without inflating it: 1 MiB
 * deflated up to a full flush (byte-aligned, no reference back) repeated, an empty final block,
 * and the Adler-32 of the zeros (A stays 1, B counts the bytes).
 */
function deflateBomb(mebibytes: number): Buffer {
  const block = zlib.deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const adler32 = Buffer.alloc(4);
  adler32.writeUInt32BE((((mebibytes * 1024 * 1024) % 65521) * 65536 + 1) >>> 0);
  const emptyFinalBlock = Buffer.from([0x03, 0x00]);
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: mebibytes }, () => block), emptyFinalBlock, adler32]);
}

function exportWith(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('OtlpGrpcReceiver with the real OTel gRPC exporter', () => {
  it.each([
    { label: 'uncompressed', compression: undefined },
    { label: 'gzip', compression: CompressionAlgorithm.GZIP },
  ])('receives spans from OTLPTraceExporter ($label) with ids, attributes, resource and scope intact', async ({ compression }) => {
    const { intake, stats, port } = await startReceiver();
    const { root, child, all } = await sampleSpans();
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}`, ...(compression === undefined ? {} : { compression }) });
    try {
      const result = await exportWith(exporter, all);
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
    } finally {
      await exporter.shutdown();
    }
    expect(intake.ingested).toHaveLength(1);
    const { request, transport, raw } = intake.ingested[0]!;
    expect(transport).toBe('grpc');
    expect(raw).toMatchObject({ contentType: 'application/x-protobuf', contentEncoding: undefined });
    expect(request.format).toBe('protobuf');
    expect(request.rejectedSpans).toBe(0);
    expect(request.spans).toHaveLength(2);
    for (const original of [root, child]) {
      const decoded = request.spans.find((span) => span.spanId === original.spanContext().spanId);
      expect(decoded, original.name).toBeDefined();
      expect(decoded!.traceId).toBe(original.spanContext().traceId);
      expect(decoded!.parentSpanId).toBe(original.parentSpanContext?.spanId);
      expect(decoded!.name).toBe(original.name);
      expect(decoded!.kind).toBe(original.kind);
      expect(decoded!.status).toEqual(original.status);
      expect(decoded!.resource.attributes).toEqual(RESOURCE_ATTRIBUTES);
      expect(decoded!.scope).toMatchObject({ name: SCOPE.name, version: SCOPE.version });
    }
    const decodedChild = request.spans.find((span) => span.spanId === child.spanContext().spanId)!;
    // int64 beyond 2^53 comes back as a decimal string, as over OTLP/HTTP.
    expect(decodedChild.attributes).toEqual({ ...CHILD_ATTRIBUTES, 'federation.big': '1152921504606846976' });
    expect(decodedChild.parentSpanId).toBe(root.spanContext().spanId);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({ requests: { 'grpc|success': 1 }, spans: { 'grpc|accepted': 2 }, decodeErrors: {}, refusals: {} });
  });
});

describe('OtlpGrpcReceiver with hostile and unusual input', () => {
  it('answers garbage bytes with INVALID_ARGUMENT naming the problem, within a second', async () => {
    const { intake, stats, port } = await startReceiver();
    const answer = await exportRaw(rawClient(port), Buffer.from('this is not a protobuf message at all \xff\xff\xff', 'latin1'));
    expect(answer.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(answer.error?.details).toMatch(/protobuf/);
    expect(answer.ms).toBeLessThan(1000);
    expect(intake.ingested).toHaveLength(0);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|bad_data': 1 },
      spans: {},
      decodeErrors: { 'grpc|malformed': 1 },
      refusals: {},
    });
  });

  it('answers a message over maxBytes with RESOURCE_EXHAUSTED and gives back what its call was admitted with', async () => {
    const { intake, stats, port } = await startReceiver({ maxBytes: 64 * 1024 });
    const answer = await exportRaw(rawClient(port), Buffer.alloc(100 * 1024, 0x0a));
    expect(answer.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answer.error?.details).toMatch(/larger than max/);
    expect(answer.ms).toBeLessThan(1000);
    // Admitted when its headers arrived (before any of the message was read), released with the status.
    expect(intake.admits).toBe(1);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|too_large': 1 },
      spans: {},
      decodeErrors: { 'grpc|too_large': 1 },
      refusals: {},
    });
  });

  it.each(['gzip', 'deflate'] as const)('accepts a %s-compressed message (inflated per message)', async (compression) => {
    const { intake, stats, port } = await startReceiver();
    const answer = await exportRaw(rawClient(port, compression), requestBytes([wireSpan(0), wireSpan(1)]));
    expect(answer.error).toBeNull();
    expect(decodeResponse(answer.response).partialSuccess).toBeUndefined();
    expect(intake.ingested[0]?.request.spans.map((span) => span.name)).toEqual(['SELECT 0', 'SELECT 1']);
    expect(countsOf(stats).requests).toEqual({ 'grpc|success': 1 });
  });

  it('answers a corrupt gzip message (INTERNAL) and an unknown grpc-encoding (UNIMPLEMENTED), counting both', async () => {
    const { intake, stats, port } = await startReceiver();
    const corrupt = Buffer.from('1f8b0800000000000003ffffffffffff', 'hex');
    const broken = openRawStream(port, 'gzip');
    broken.stream.end(Buffer.concat([framePrefix(true, corrupt.length), corrupt]));
    expect(Number((await broken.answer)['grpc-status'])).toBe(GrpcStatus.INTERNAL);
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const snappy = openRawStream(port, 'snappy');
    snappy.stream.end(Buffer.concat([framePrefix(true, body.length), body]));
    expect(Number((await snappy.answer)['grpc-status'])).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(intake.admits).toBe(2);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|bad_data': 1, 'grpc|unsupported_media_type': 1 },
      spans: {},
      decodeErrors: { 'grpc|malformed': 1, 'grpc|content_encoding': 1 },
      refusals: {},
    });
  });

  it.each([
    { encoding: 'gzip', bomb: gzipBomb, inflate: zlib.gunzipSync },
    { encoding: 'deflate', bomb: deflateBomb, inflate: zlib.inflateSync },
  ])(
    'stops inflating a 1 GiB $encoding bomb at maxBytes: RESOURCE_EXHAUSTED within a second, memory untouched',
    async ({ encoding, bomb: build, inflate }) => {
      // The bomb is what it claims: a small one inflates to its size.
      expect(inflate(build(3)).length).toBe(3 * 1024 * 1024);
      const maxBytes = 4 * 1024 * 1024;
      const { intake, stats, port } = await startReceiver({ maxBytes });
      const bomb = build(1024);
      expect(bomb.length).toBeLessThan(maxBytes);
      const peakBefore = process.resourceUsage().maxRSS;
      const started = performance.now();
      const { stream, answer } = openRawStream(port, encoding);
      stream.end(Buffer.concat([framePrefix(true, bomb.length), bomb]));
      const trailers = await answer;
      const ms = performance.now() - started;
      expect(Number(trailers['grpc-status'])).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(decodeURIComponent(String(trailers['grpc-message']))).toMatch(/decompresses to a size larger than 4194304/);
      expect(ms).toBeLessThan(1000);
      // Peak RSS (KiB) grows by far less than the 1 GiB the bomb inflates to.
      expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(128 * 1024);
      expect(intake.admits).toBe(1);
      expect(intake.inFlight).toBe(0);
      expect(countsOf(stats)).toMatchObject({ requests: { 'grpc|too_large': 1 }, decodeErrors: { 'grpc|too_large': 1 } });
    },
  );

  it('answers more than maxSpans spans with RESOURCE_EXHAUSTED and no RetryInfo (not retryable)', async () => {
    const { intake, stats, port } = await startReceiver({ maxSpans: 2 });
    const answer = await exportRaw(rawClient(port), requestBytes([wireSpan(0), wireSpan(1), wireSpan(2)]));
    expect(answer.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answer.error?.details).toMatch(/span/);
    expect(answer.error?.metadata.get('grpc-status-details-bin')).toEqual([]);
    expect(intake.ingested).toHaveLength(0);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|too_large': 1 },
      spans: {},
      decodeErrors: { 'grpc|too_large': 1 },
      refusals: {},
    });
  });

  it('refuses with UNAVAILABLE and a parseable RetryInfo when the intake is over its memory or queue budget', async () => {
    const { intake, stats, port } = await startReceiver();
    const client = rawClient(port);
    const body = requestBytes([wireSpan(0)]);

    intake.refusal = { reason: 'memory', retryAfterSeconds: 7 };
    const memory = await exportRaw(client, body);
    expect(memory.error?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(memory.error?.details).toMatch(/memory budget/);
    expect(retryDelayOf(memory.error!)).toEqual({
      code: GrpcStatus.UNAVAILABLE,
      typeUrl: 'type.googleapis.com/google.rpc.RetryInfo',
      seconds: 7,
      nanos: 0,
    });

    intake.refusal = { reason: 'queue', retryAfterSeconds: 1.5 };
    const queue = await exportRaw(client, body);
    expect(queue.error?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(queue.error?.details).toMatch(/queue budget/);
    expect(retryDelayOf(queue.error!)).toMatchObject({ seconds: 1, nanos: 500_000_000 });

    expect(intake.ingested).toHaveLength(0);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|refused': 2 },
      spans: {},
      decodeErrors: {},
      refusals: { 'grpc|memory': 1, 'grpc|queue': 1 },
    });

    // The JS exporter (0.223) has no retry for gRPC: it reports the refusal as a failed export.
    intake.refusal = { reason: 'memory', retryAfterSeconds: 2 };
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` });
    try {
      const result = await exportWith(exporter, (await sampleSpans()).all);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect((result.error as ServiceError | undefined)?.code).toBe(GrpcStatus.UNAVAILABLE);
    } finally {
      await exporter.shutdown();
    }
    expect(countsOf(stats).refusals).toEqual({ 'grpc|memory': 2, 'grpc|queue': 1 });

    // Once the budget frees up, the same request goes through.
    intake.refusal = undefined;
    expect((await exportRaw(client, body)).error).toBeNull();
    expect(intake.ingested).toHaveLength(1);
  });

  it('admits a call when its headers arrive: calls from several connections past the in-flight budget get UNAVAILABLE with RetryInfo, their messages unread', async () => {
    const maxBytes = 1024 * 1024;
    const { intake, stats, port } = await startReceiver({ maxBytes });
    // Room for two calls: each holds maxBytes while its message is read, its size unknown until then.
    const budget = new IntakeBudget({ maxInFlightBytes: 2 * maxBytes, maxHeapBytes: Number.MAX_SAFE_INTEGER });
    intake.budget = budget;
    const padded = { ...wireSpan(0), attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(maxBytes - 1024) } }] };
    const body = Buffer.from(requestBytes([padded]));
    const message = Buffer.concat([framePrefix(false, body.length), body]);
    // 3 connections x 4 calls, each sending all of its nearly-1-MiB message but the last byte, and holding it.
    const started = performance.now();
    const calls = Array.from({ length: 3 }, () => rawSession(port)).flatMap((session) =>
      Array.from({ length: 4 }, () => {
        const call = openRawStream(port, undefined, session);
        call.stream.write(message.subarray(0, -1));
        const answered = { trailers: undefined as RawStreamAnswer | undefined };
        void call.answer.then((trailers) => (answered.trailers = trailers));
        return { ...call, answered };
      }),
    );
    await expect.poll(() => calls.filter((call) => call.answered.trailers !== undefined).length).toBe(10);
    expect(performance.now() - started).toBeLessThan(1000);
    const refused = calls.filter((call) => call.answered.trailers !== undefined);
    for (const { answered } of refused) {
      expect(Number(answered.trailers!['grpc-status'])).toBe(GrpcStatus.UNAVAILABLE);
      expect(answered.trailers!['grpc-status-details-bin']).toBeDefined();
    }
    // The two admitted calls are still being read; nothing of the ten refused ones was.
    expect(budget.inFlight()).toMatchObject({ requests: 2, bytes: 2 * maxBytes });
    expect(intake.ingested).toHaveLength(0);
    expect(countsOf(stats)).toEqual({ requests: { 'grpc|refused': 10 }, spans: {}, decodeErrors: {}, refusals: { 'grpc|queue': 10 } });

    const admitted = calls.filter((call) => call.answered.trailers === undefined);
    for (const call of admitted) call.stream.end(message.subarray(-1));
    for (const call of admitted) expect(Number((await call.answer)['grpc-status'])).toBe(GrpcStatus.OK);
    expect(intake.ingested).toHaveLength(2);
    expect(budget.inFlight()).toMatchObject({ requests: 0, bytes: 0 });
    expect(countsOf(stats).requests).toEqual({ 'grpc|refused': 10, 'grpc|success': 2 });
  });

  it('gives back what a call was admitted with when the client cancels it mid-message', async () => {
    const { intake, stats, port } = await startReceiver({ maxBytes: 64 * 1024 });
    const { stream, answer } = openRawStream(port);
    answer.catch(() => {});
    stream.write(framePrefix(false, 1000));
    await expect.poll(() => intake.inFlight).toBe(64 * 1024);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await expect.poll(() => intake.inFlight).toBe(0);
    expect(intake.ingested).toHaveLength(0);
    expect(stats.counts().requests.get('grpc|success')).toBeUndefined();
  });

  it('answers partial_success with the decoder and intake rejections added up and both reasons', async () => {
    const { intake, stats, port } = await startReceiver();
    intake.rejectLast = { spans: 1, message: 'fedscope: span budget reached' };
    const body = requestBytes([wireSpan(0), wireSpan(1, 3), wireSpan(2)]);
    const answer = await exportRaw(rawClient(port), body);
    expect(answer.error).toBeNull();
    const { partialSuccess } = decodeResponse(answer.response);
    expect(partialSuccess?.rejectedSpans).toBe(2);
    expect(partialSuccess?.errorMessage).toMatch(/^1 of 3 spans rejected: .*trace/);
    expect(partialSuccess?.errorMessage).toMatch(/; fedscope: span budget reached$/);
    expect(intake.ingested[0]?.request.spans.map((span) => span.name)).toEqual(['SELECT 0', 'SELECT 2']);
    expect(intake.ingested[0]?.raw?.body).toEqual(Buffer.from(body));
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|partial_success': 1 },
      spans: { 'grpc|accepted': 1, 'grpc|rejected': 2 },
      decodeErrors: {},
      refusals: {},
    });
  });

  it('answers INTERNAL when the intake throws, logs it, releases the bytes and keeps serving', async () => {
    const lines: string[] = [];
    fedscopeLog.configure({ write: (line) => lines.push(line) });
    const { intake, stats, port } = await startReceiver();
    const client = rawClient(port);
    intake.failure = new Error('intake exploded');
    const failed = await exportRaw(client, requestBytes([wireSpan(0)]));
    expect(failed.error?.code).toBe(GrpcStatus.INTERNAL);
    expect(intake.inFlight).toBe(0);
    expect(lines.some((line) => line.startsWith('fedscope error: OTLP/gRPC receiver') && line.includes('intake exploded'))).toBe(true);

    intake.failure = undefined;
    expect((await exportRaw(client, requestBytes([wireSpan(0)]))).error).toBeNull();
    expect(countsOf(stats).requests).toEqual({ 'grpc|internal_error': 1, 'grpc|success': 1 });
  });
});

describe('OtlpGrpcReceiver and the gRPC over HTTP/2 protocol', () => {
  it('answers a framed length over maxBytes at once, before any of the message is sent, and reads none of it', async () => {
    const maxBytes = 64 * 1024;
    const { intake, stats, port } = await startReceiver({ maxBytes });
    const started = performance.now();
    const { stream, answer } = openRawStream(port);
    // Only the prefix: the 1 GiB it announces never comes, and the stream stays open on the client's side.
    stream.write(framePrefix(false, 1024 * 1024 * 1024));
    const trailers = await answer;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Number(trailers['grpc-status'])).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(decodeURIComponent(String(trailers['grpc-message']))).toMatch(/larger than max \(1073741824 vs\. 65536 bytes\)/);
    expect(intake.admits).toBe(1);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual(failedOnly('too_large', 'too_large'));
  });

  it('answers a message cut short by the end of the stream, or no message at all, with INTERNAL and never hangs', async () => {
    const { intake, stats, port } = await startReceiver();
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const truncated = openRawStream(port);
    truncated.stream.end(Buffer.concat([framePrefix(false, body.length), body.subarray(0, 10)]));
    const truncatedAnswer = await truncated.answer;
    expect(Number(truncatedAnswer['grpc-status'])).toBe(GrpcStatus.INTERNAL);
    expect(decodeURIComponent(String(truncatedAnswer['grpc-message']))).toBe(
      `the call ended inside its message: 10 of ${body.length} bytes received`,
    );
    const empty = openRawStream(port);
    empty.stream.end();
    expect(Number((await empty.answer)['grpc-status'])).toBe(GrpcStatus.INTERNAL);
    const halfPrefix = openRawStream(port);
    halfPrefix.stream.end(framePrefix(false, body.length).subarray(0, 3));
    expect(Number((await halfPrefix.answer)['grpc-status'])).toBe(GrpcStatus.INTERNAL);
    // Two messages in a unary call is broken framing too.
    const twice = openRawStream(port);
    const message = Buffer.concat([framePrefix(false, body.length), body]);
    twice.stream.end(Buffer.concat([message, message]));
    expect(Number((await twice.answer)['grpc-status'])).toBe(GrpcStatus.INTERNAL);
    expect(intake.ingested).toHaveLength(0);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual(failedOnly('bad_data', 'malformed', 4));
  });

  it('answers a request that is no gRPC call with plain HTTP: 415 for another content type, 405 for another method', async () => {
    const { intake, stats, port } = await startReceiver();
    const session = rawSession(port);
    const json = openRawStream(port, undefined, session, { 'content-type': 'application/json' });
    json.stream.end('{}');
    const jsonAnswer = await json.answer;
    expect(jsonAnswer[':status']).toBe(415);
    expect(jsonAnswer['grpc-status']).toBeUndefined();
    const get = openRawStream(port, undefined, session, { ':method': 'GET' });
    get.stream.end();
    const getAnswer = await get.answer;
    expect(getAnswer[':status']).toBe(405);
    expect(getAnswer['allow']).toBe('POST');
    expect(intake.admits).toBe(0);
    expect(countsOf(stats)).toEqual({
      requests: { 'grpc|unsupported_media_type': 1, 'grpc|not_found': 1 },
      spans: {},
      decodeErrors: { 'grpc|content_type': 1 },
      refusals: {},
    });
  });

  it('answers a method other than TraceService/Export with UNIMPLEMENTED, unadmitted', async () => {
    const { intake, stats, port } = await startReceiver();
    const answer = await new Promise<ServiceError | null>((resolve) => {
      rawClient(port).makeUnaryRequest(
        '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (error) => resolve(error),
      );
    });
    expect(answer?.code).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(answer?.details).toMatch(/MetricsService\/Export.* is not served/);
    expect(intake.admits).toBe(0);
    expect(countsOf(stats)).toEqual({ requests: { 'grpc|not_found': 1 }, spans: {}, decodeErrors: {}, refusals: {} });
  });

  it('keeps at most 100 calls of one connection open: of 200 opened at once, the rest wait on the client and all are answered', async () => {
    const maxBytes = 16 * 1024;
    const { intake, stats, port } = await startReceiver({ maxBytes });
    const session = rawSession(port);
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const message = Buffer.concat([framePrefix(false, body.length), body]);
    const calls = Array.from({ length: 200 }, () => {
      const call = openRawStream(port, undefined, session);
      // All but the last byte: each call the server takes stays open, holding its admission.
      call.stream.write(message.subarray(0, -1));
      return call;
    });
    await expect.poll(() => intake.admits).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(intake.admits).toBe(100);
    expect(intake.inFlight).toBe(100 * maxBytes);
    for (const call of calls) call.stream.end(message.subarray(-1));
    const answers = await Promise.all(calls.map((call) => call.answer));
    expect(answers.map((answer) => Number(answer['grpc-status']))).toEqual(Array.from({ length: 200 }, () => GrpcStatus.OK));
    expect(intake.admits).toBe(200);
    expect(intake.ingested).toHaveLength(200);
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats).requests).toEqual({ 'grpc|success': 200 });
  });

  it('answers a call whose message has not arrived within the read timeout DEADLINE_EXCEEDED, counted, its admission given back', async () => {
    const { intake, stats, port } = await startReceiver({}, { readTimeoutMs: 200 });
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const { stream, answer } = openRawStream(port);
    stream.write(Buffer.concat([framePrefix(false, body.length), body.subarray(0, 10)]));
    await expect.poll(() => intake.inFlight).toBe(4 * 1024 * 1024);
    const trailers = await answer;
    expect(Number(trailers['grpc-status'])).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(decodeURIComponent(String(trailers['grpc-message']))).toBe('the request message was not received within 200 ms');
    expect(intake.inFlight).toBe(0);
    expect(countsOf(stats)).toEqual(failedOnly('bad_data', 'malformed'));
  });

  it('resets a call whose headers are over 16 KiB before it is admitted, and keeps serving the connection', async () => {
    const { intake, port } = await startReceiver();
    const session = rawSession(port);
    // The limit holds once the client has acknowledged the receiver's settings (before that, Node's own 64 KiB does).
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    const { stream, answer } = openRawStream(port, undefined, session, { 'x-padding': 'x'.repeat(20 * 1024) });
    stream.end();
    await expect(answer).rejects.toThrow(/NGHTTP2_ENHANCE_YOUR_CALM/);
    expect(intake.admits).toBe(0);
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const next = openRawStream(port, undefined, session);
    next.stream.end(Buffer.concat([framePrefix(false, body.length), body]));
    expect(Number((await next.answer)['grpc-status'])).toBe(GrpcStatus.OK);
  });

  it('honours grpc-timeout: a call of 1m (one millisecond) still being sent is answered DEADLINE_EXCEEDED, uncounted', async () => {
    const { intake, stats, port } = await startReceiver();
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const started = performance.now();
    const { stream, answer } = openRawStream(port, undefined, undefined, { 'grpc-timeout': '1m' });
    stream.write(Buffer.concat([framePrefix(false, body.length), body.subarray(0, 10)]));
    const trailers = await answer;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Number(trailers['grpc-status'])).toBe(GrpcStatus.DEADLINE_EXCEEDED);
    expect(intake.admits).toBe(1);
    expect(intake.inFlight).toBe(0);
    expect(intake.ingested).toHaveLength(0);
    // The client gave up: no export was answered.
    expect(countsOf(stats)).toEqual({ requests: {}, spans: {}, decodeErrors: {}, refusals: {} });
  });
});

describe('OtlpGrpcReceiver start and stop', () => {
  it('stop() lets a call in flight finish before it resolves', async () => {
    const { receiver, intake, port } = await startReceiver();
    const body = Buffer.from(requestBytes([wireSpan(0)]));
    const message = Buffer.concat([framePrefix(false, body.length), body]);
    const { stream, answer } = openRawStream(port);
    // Half the message now: the call is open on the server until the rest arrives.
    stream.write(message.subarray(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let stopped = false;
    const stopping = receiver.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false);
    stream.end(message.subarray(10));
    const trailers = await answer;
    expect(Number(trailers['grpc-status'])).toBe(GrpcStatus.OK);
    await stopping;
    expect(intake.ingested).toHaveLength(1);
    // Nothing listens any more.
    expect((await exportRaw(rawClient(port), body)).error?.code).toBe(GrpcStatus.UNAVAILABLE);
  });

  it('stop() cancels calls still open after the grace period and says so', async () => {
    const lines: string[] = [];
    fedscopeLog.configure({ write: (line) => lines.push(line) });
    const { receiver, intake, port } = await startReceiver({}, { shutdownGraceMs: 200 });
    const { stream, answer } = openRawStream(port);
    stream.write(framePrefix(false, 1000));
    answer.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(intake.inFlight).toBe(4 * 1024 * 1024);
    const started = performance.now();
    await receiver.stop();
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(2000);
    expect(lines.some((line) => line.includes('calls still open 200 ms after stop'))).toBe(true);
    // The cancelled call gives back what it was admitted with.
    await expect.poll(() => intake.inFlight).toBe(0);
  });

  it('start() rejects naming the address when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const receiver = new OtlpGrpcReceiver({
        host: '127.0.0.1',
        port,
        intake: recordingIntake(),
        stats: new CollectorSelfStats(),
        maxBytes: 1024,
        maxSpans: 10,
      });
      await expect(receiver.start()).rejects.toThrow(new RegExp(`^cannot listen for OTLP/gRPC on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      await receiver.stop();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
