import { request, type IncomingHttpHeaders, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import zlib from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CollectorSelfStats } from '../../../src/collector/collector-self-stats.js';
import { OtlpHttpReceiver } from '../../../src/collector/otlp-http-receiver.js';
import type { CollectorTransport, IntakeRefusal, IntakeResult, RawTraceBody, TraceIntake } from '../../../src/collector/trace-intake.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { otlpTraceTypes, type DecodedTraceRequest } from '../../../src/otlp/index.js';
import { jsonBytes, jsonRequest, jsonSpan, nestedArrayValue } from '../otlp/otlp-json-payloads.js';
import { lengthDelimited } from '../otlp/protobuf-wire.js';
import { sampleSpans } from '../otlp/sample-spans.js';

const MAX_BYTES = 2 * 1024 * 1024;
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** One `ingest` call the fake intake saw. */
interface IngestCall {
  request: DecodedTraceRequest;
  transport: CollectorTransport;
  raw: RawTraceBody | undefined;
}

/** A TraceIntake that records every call and answers as a test sets it up. */
class RecordingTraceIntake implements TraceIntake {
  readonly admits: number[] = [];
  /** Admits refused (not to be released). */
  refusedAdmits = 0;
  readonly releases: number[] = [];
  readonly ingests: IngestCall[] = [];
  /** Refuse every admit with this. */
  refusal: IntakeRefusal | undefined;
  /** Reject this many of each request's spans, with this message. */
  rejection: { spans: number; message: string } | undefined;
  /** Throw from ingest (a bug of fedscope's own). */
  failure: Error | undefined;

  admit(bytes: number): IntakeRefusal | undefined {
    if (this.refusal !== undefined) {
      this.refusedAdmits += 1;
      return this.refusal;
    }
    this.admits.push(bytes);
    return undefined;
  }

  release(bytes: number): void {
    this.releases.push(bytes);
  }

  ingest(request: DecodedTraceRequest, transport: CollectorTransport, raw?: RawTraceBody): IntakeResult {
    if (this.failure !== undefined) throw this.failure;
    this.ingests.push({ request, transport, raw });
    const rejected = Math.min(this.rejection?.spans ?? 0, request.spans.length);
    return { accepted: request.spans.length - rejected, rejected, ...(this.rejection ? { message: this.rejection.message } : {}) };
  }

  /** Bytes admitted and not yet released. */
  inFlightBytes(): number {
    return this.admits.reduce((sum, bytes) => sum + bytes, 0) - this.releases.reduce((sum, bytes) => sum + bytes, 0);
  }
}

/** An HTTP answer as the client saw it. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from the request's start to the end of the answer. */
  elapsedMs: number;
}

interface SendOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  /** The body, or a function that writes it (and ends the request). */
  body?: Uint8Array | ((req: ClientRequest) => void);
}

/** One request on a fresh connection; resolves with the answer. */
function send(port: number, options: SendOptions = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/v1/traces',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            elapsedMs: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may close while a refused body is still being written: what counts is that the answer arrived first.
    req.on('error', (error) => (responded ? undefined : reject(error)));
    const body = options.body;
    if (typeof body === 'function') body(req);
    else req.end(body);
  });
}

/** A protobuf request body for these spans. */
function protobufBody(spans: ReadableSpan[]): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(spans)!;
}

/** A JSON request body for these spans. */
function jsonBody(spans: ReadableSpan[]): Uint8Array {
  return JsonTraceSerializer.serializeRequest(spans)!;
}

/** An ExportTraceServiceResponse body decoded to `{ rejectedSpans, errorMessage }` (undefined for full success). */
function partialSuccessOf(answer: Answer): { rejectedSpans: number; errorMessage: string } | undefined {
  const body = answer.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(answer.body) : answer.body;
  if (answer.headers['content-type'] === JSON_TYPE) {
    const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    return (
      parsed.partialSuccess && {
        rejectedSpans: Number(parsed.partialSuccess.rejectedSpans),
        errorMessage: parsed.partialSuccess.errorMessage,
      }
    );
  }
  const { response } = otlpTraceTypes();
  const decoded = response.toObject(response.decode(body), { longs: Number }) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  return (
    decoded.partialSuccess && {
      rejectedSpans: decoded.partialSuccess.rejectedSpans ?? 0,
      errorMessage: decoded.partialSuccess.errorMessage ?? '',
    }
  );
}

/** A google.rpc.Status body decoded, in the answer's encoding. */
function rpcStatusOf(answer: Answer): { code: number; message: string } {
  if (answer.headers['content-type'] === JSON_TYPE) return JSON.parse(answer.body.toString('utf8')) as { code: number; message: string };
  expect(answer.headers['content-type']).toBe(PROTOBUF);
  const { rpcStatus } = otlpTraceTypes();
  const { code, message } = rpcStatus.toObject(rpcStatus.decode(answer.body), { defaults: true }) as { code: number; message: string };
  return { code, message };
}

/**
 * A protobuf request with one valid span whose attribute nests `depth` arrays deep, written
 * field by field (protobufjs itself refuses to build messages past 100 levels).
 */
function deepProtobufBody(depth: number): Uint8Array {
  let value = lengthDelimited(0x0a, Buffer.from('bottom')); // AnyValue{string_value}
  for (let i = 0; i < depth; i++) value = lengthDelimited(0x2a, lengthDelimited(0x0a, value)); // AnyValue{array_value{values}}
  const span = Buffer.concat([
    lengthDelimited(0x0a, Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')), // trace_id
    lengthDelimited(0x12, Buffer.from('eee19b7ec3c1b174', 'hex')), // span_id
    lengthDelimited(0x2a, Buffer.from('deep')), // name
    Buffer.from([0x30, 0x01]), // kind INTERNAL
    Buffer.from([0x39]),
    Buffer.from(new BigUint64Array([1_700_000_000_000_000_000n]).buffer), // start_time_unix_nano
    Buffer.from([0x41]),
    Buffer.from(new BigUint64Array([1_700_000_000_001_000_000n]).buffer), // end_time_unix_nano
    lengthDelimited(0x4a, Buffer.concat([lengthDelimited(0x0a, Buffer.from('deep')), lengthDelimited(0x12, value)])), // attributes {key, value}
  ]);
  return lengthDelimited(0x0a, lengthDelimited(0x12, lengthDelimited(0x12, span))); // resource_spans{scope_spans{spans}}
}

/** Writes `total` bytes in chunks of `chunk`, waiting for drain, then ends the request. */
function writeChunked(total: number, chunk = 64 * 1024): (req: ClientRequest) => void {
  return (req) => {
    const block = Buffer.alloc(chunk, 0x0a);
    let written = 0;
    const pump = (): void => {
      while (written < total) {
        written += block.length;
        if (!req.write(block)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.on('close', () => (written = total));
    pump();
  };
}

describe('OtlpHttpReceiver', () => {
  let intake: RecordingTraceIntake;
  let stats: CollectorSelfStats;
  let receiver: OtlpHttpReceiver;
  let port: number;
  let spans: ReadableSpan[];
  let gzipBomb: Buffer;

  beforeAll(async () => {
    spans = (await sampleSpans()).all;
    // 1 GiB of zeros, gzipped as it streams (never held whole): about 1 MiB on the wire.
    const gzip = zlib.createGzip({ level: 9, strategy: zlib.constants.Z_RLE });
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => gzip.on('end', resolve));
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 1024; i++) if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
    gzip.end();
    await ended;
    gzipBomb = Buffer.concat(chunks);
  });

  beforeEach(async () => {
    intake = new RecordingTraceIntake();
    stats = new CollectorSelfStats();
    receiver = new OtlpHttpReceiver({ host: '127.0.0.1', port: 0, intake, stats, maxBytes: MAX_BYTES, maxSpans: 1000 });
    const address = await receiver.start();
    expect(address.host).toBe('127.0.0.1');
    port = address.port;
  });

  afterEach(async () => {
    await receiver.stop();
    // Every admitted byte is given back, whatever became of the request.
    expect(intake.inFlightBytes()).toBe(0);
  });

  it('takes a protobuf export, hands it to the intake with its raw body and answers an empty protobuf success', async () => {
    const body = protobufBody(spans);
    const answer = await send(port, { headers: { 'content-type': PROTOBUF }, body });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(PROTOBUF);
    expect(answer.body.length).toBe(0);
    expect(intake.ingests).toHaveLength(1);
    const [call] = intake.ingests;
    expect(call!.transport).toBe('http');
    expect(call!.request.format).toBe('protobuf');
    expect(call!.request.spans.map((span) => span.name).sort()).toEqual(['SELECT orders', 'federation.query revenue']);
    expect(Buffer.from(call!.raw!.body).equals(Buffer.from(body))).toBe(true);
    expect(call!.raw).toMatchObject({ contentType: PROTOBUF, contentEncoding: undefined });
    expect(intake.admits).toEqual([body.length]);
    expect(stats.counts().requests.get('http|success')).toBe(1);
    expect(stats.counts().spans.get('http|accepted')).toBe(2);
  });

  it('takes a JSON export and answers in JSON', async () => {
    const answer = await send(port, { headers: { 'content-type': 'application/json; charset=utf-8' }, body: jsonBody(spans) });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(JSON_TYPE);
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({});
    expect(intake.ingests[0]!.request.format).toBe('json');
    expect(intake.ingests[0]!.raw!.contentType).toBe(JSON_TYPE);
    expect(intake.ingests[0]!.request.spans).toHaveLength(2);
  });

  it.each([
    ['gzip', PROTOBUF, zlib.gzipSync],
    ['deflate', PROTOBUF, zlib.deflateSync],
    ['gzip', JSON_TYPE, zlib.gzipSync],
    ['deflate', JSON_TYPE, zlib.deflateRawSync],
  ] as const)('undoes %s on a %s body and forwards the body still compressed', async (encoding, contentType, compress) => {
    const plain = contentType === PROTOBUF ? protobufBody(spans) : jsonBody(spans);
    const body = compress(plain);
    const answer = await send(port, { headers: { 'content-type': contentType, 'content-encoding': encoding }, body });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(contentType);
    expect(intake.ingests[0]!.request.spans).toHaveLength(2);
    expect(intake.ingests[0]!.raw).toMatchObject({ contentEncoding: encoding });
    expect(Buffer.from(intake.ingests[0]!.raw!.body).equals(body)).toBe(true);
  });

  it.each([PROTOBUF, JSON_TYPE])(
    'answers %s with partial_success adding the decoder rejections to the intake rejections',
    async (contentType) => {
      intake.rejection = { spans: 1, message: 'over the trace budget' };
      const broken = jsonSpan({ name: 'broken', spanId: 'abcd' });
      const valid = [jsonSpan({ name: 'first' }), jsonSpan({ name: 'second', spanId: '0102030405060709' })];
      let body = jsonBytes(jsonRequest([...valid, broken]));
      if (contentType === PROTOBUF) {
        // The same three spans in protobuf: the broken id is 2 bytes long.
        const { request: requestType } = otlpTraceTypes();
        const toProto = (span: Record<string, unknown>) => ({
          ...span,
          traceId: Buffer.from(String(span['traceId']), 'hex'),
          spanId: Buffer.from(String(span['spanId']), 'hex'),
          startTimeUnixNano: Number(span['startTimeUnixNano']),
          endTimeUnixNano: Number(span['endTimeUnixNano']),
        });
        const payload = { resourceSpans: [{ scopeSpans: [{ spans: [...valid, broken].map(toProto) }] }] };
        body = requestType.encode(requestType.fromObject(payload)).finish();
      }
      const answer = await send(port, { headers: { 'content-type': contentType }, body });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(contentType);
      const partial = partialSuccessOf(answer);
      expect(partial?.rejectedSpans).toBe(2);
      expect(partial?.errorMessage).toMatch(/^1 of 3 spans rejected: .*spans\[2\].*; over the trace budget$/);
      expect(stats.counts().requests.get('http|partial_success')).toBe(1);
      expect(stats.counts().spans.get('http|accepted')).toBe(1);
      expect(stats.counts().spans.get('http|rejected')).toBe(2);
    },
  );

  it('passes an intake message with nothing rejected on as a warning, counted as a success', async () => {
    intake.rejection = { spans: 0, message: 'spans kept, but the trace buffer is nearly full' };
    const answer = await send(port, { headers: { 'content-type': JSON_TYPE }, body: jsonBody(spans) });
    expect(answer.status).toBe(200);
    expect(partialSuccessOf(answer)).toEqual({ rejectedSpans: 0, errorMessage: 'spans kept, but the trace buffer is nearly full' });
    expect(stats.counts().requests.get('http|success')).toBe(1);
    expect(stats.counts().spans.get('http|accepted')).toBe(2);
  });

  it('gzips the answer only for a client that accepts gzip', async () => {
    intake.rejection = { spans: 1, message: 'rejected on purpose' };
    const headers = { 'content-type': PROTOBUF };
    const plain = await send(port, { headers, body: protobufBody(spans) });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gzipped = await send(port, { headers: { ...headers, 'accept-encoding': 'br;q=1, gzip;q=0.5' }, body: protobufBody(spans) });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(partialSuccessOf(gzipped)).toEqual(partialSuccessOf(plain));
    expect(partialSuccessOf(gzipped)).toEqual({ rejectedSpans: 1, errorMessage: 'rejected on purpose' });
    const refused = await send(port, { headers: { ...headers, 'accept-encoding': 'gzip;q=0' }, body: protobufBody(spans) });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('answers 404 off /v1/traces and 405 with Allow for other methods, reading nothing', async () => {
    const headers = { 'content-type': PROTOBUF };
    const metrics = await send(port, { path: '/v1/metrics', headers, body: protobufBody(spans) });
    expect(metrics.status).toBe(404);
    expect(metrics.body.toString('utf8')).toMatch(/POST \/v1\/traces/);
    expect((await send(port, { method: 'GET', path: '/' })).status).toBe(404);
    const get = await send(port, { method: 'GET', path: '/v1/traces?x=1' });
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect(get.body.toString('utf8')).toMatch(/^GET is not allowed on \/v1\/traces; use POST/);
    expect(intake.admits).toEqual([]);
    expect(stats.counts().requests.get('http|not_found')).toBe(3);
  });

  it('answers 415 in plain text for a wrong Content-Type and in the request encoding for an unknown Content-Encoding', async () => {
    const wrongType = await send(port, { headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(wrongType.body.toString('utf8')).toMatch(/^unsupported media type: Content-Type "text\/plain"/);
    const noType = await send(port, { body: protobufBody(spans) });
    expect(noType.status).toBe(415);
    const zstd = await send(port, { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'zstd' }, body: Buffer.from('{}') });
    expect(zstd.status).toBe(415);
    expect(rpcStatusOf(zstd).message).toMatch(/^unsupported Content-Encoding "zstd"/);
    expect(intake.admits).toEqual([]);
    const counts = stats.counts();
    expect(counts.requests.get('http|unsupported_media_type')).toBe(3);
    expect(counts.decodeErrors.get('http|content_type')).toBe(2);
    expect(counts.decodeErrors.get('http|content_encoding')).toBe(1);
  });

  it('answers 413 to a declared Content-Length over the limit before any byte of the body is sent', async () => {
    const answer = await send(port, {
      headers: { 'content-type': PROTOBUF, 'content-length': MAX_BYTES + 1 },
      body: (req) => req.flushHeaders(), // headers only: the body never comes
    });
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(rpcStatusOf(answer)).toEqual({ code: 8, message: `request body is ${MAX_BYTES + 1} bytes; the limit is ${MAX_BYTES}` });
    expect(intake.admits).toEqual([]);
    expect(stats.counts().decodeErrors.get('http|too_large')).toBe(1);
  });

  it('answers 413 to a chunked body that grows past the limit and closes the connection', async () => {
    const answer = await send(port, { headers: { 'content-type': JSON_TYPE }, body: writeChunked(3 * MAX_BYTES) });
    expect(answer.status).toBe(413);
    expect(answer.headers['connection']).toBe('close');
    expect(rpcStatusOf(answer).message).toBe(`request body is larger than ${MAX_BYTES} bytes`);
    expect(intake.admits).toEqual([MAX_BYTES]); // no length declared: the limit is admitted
    expect(intake.ingests).toEqual([]);
    expect(stats.counts().requests.get('http|too_large')).toBe(1);
  });

  it('answers 413 to a 1 GiB gzip bomb within a second, decompressing no more than the limit', async () => {
    expect(gzipBomb.length).toBeLessThan(MAX_BYTES);
    const answer = await send(port, { headers: { 'content-type': PROTOBUF, 'content-encoding': 'gzip' }, body: gzipBomb });
    expect(answer.status).toBe(413);
    expect(rpcStatusOf(answer).message).toBe(`request body is larger than ${MAX_BYTES} bytes after gzip decompression`);
    expect(answer.elapsedMs).toBeLessThan(1000);
    expect(intake.ingests).toEqual([]);
    expect(stats.counts().decodeErrors.get('http|too_large')).toBe(1);
  });

  it('answers 400 naming the problem for garbage protobuf and invalid JSON', async () => {
    const garbage = await send(port, {
      headers: { 'content-type': PROTOBUF },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    });
    expect(garbage.status).toBe(400);
    expect(rpcStatusOf(garbage)).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^malformed protobuf ExportTraceServiceRequest: /),
    });
    const json = await send(port, { headers: { 'content-type': JSON_TYPE }, body: Buffer.from('{"resourceSpans": [') });
    expect(json.status).toBe(400);
    expect(json.headers['content-type']).toBe(JSON_TYPE);
    expect(rpcStatusOf(json).message).toMatch(/^malformed JSON ExportTraceServiceRequest: /);
    const corruptGzip = await send(port, {
      headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip'),
    });
    expect(corruptGzip.status).toBe(400);
    expect(rpcStatusOf(corruptGzip).message).toMatch(/^malformed gzip body: /);
    expect(intake.ingests).toEqual([]);
    expect(stats.counts().requests.get('http|bad_data')).toBe(3);
    expect(stats.counts().decodeErrors.get('http|malformed')).toBe(3);
  });

  it('answers deep nesting in bounded time: too-deep spans rejected in protobuf and JSON alike, 100,000-deep JSON is 400', async () => {
    const tooDeep = { rejectedSpans: 1, errorMessage: expect.stringMatching(/attribute value too deep/) };
    // 40 arrays: past fedscope's 32 levels, so the span is rejected (partial success).
    const protobuf40 = await send(port, { headers: { 'content-type': PROTOBUF }, body: deepProtobufBody(40) });
    expect(protobuf40.status).toBe(200);
    expect(partialSuccessOf(protobuf40)).toMatchObject(tooDeep);
    // 60 arrays = 120 nested messages, past protobufjs's recursion limit of 100: the decoder stops at
    // fedscope's depth (deeper values stay opaque), so this too rejects the span, not the request.
    const protobuf60 = await send(port, { headers: { 'content-type': PROTOBUF }, body: deepProtobufBody(60) });
    expect(protobuf60.status).toBe(200);
    expect(partialSuccessOf(protobuf60)).toMatchObject(tooDeep);
    const json60 = await send(port, {
      headers: { 'content-type': JSON_TYPE },
      body: jsonBytes(jsonRequest([jsonSpan({ attributes: [{ key: 'deep', value: nestedArrayValue(60) }] })])),
    });
    expect(json60.status).toBe(200);
    expect(partialSuccessOf(json60)).toMatchObject(tooDeep);
    const jsonDeep = await send(port, {
      headers: { 'content-type': JSON_TYPE },
      body: Buffer.from(`{"resourceSpans":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    });
    expect(jsonDeep.status).toBe(400);
    for (const answer of [protobuf40, protobuf60, json60, jsonDeep]) expect(answer.elapsedMs).toBeLessThan(1000);
    expect(stats.counts().spans.get('http|rejected')).toBe(3);
  });

  it.each([
    ['queue', 429, PROTOBUF, 8],
    ['memory', 503, JSON_TYPE, 14],
  ] as const)('answers a %s refusal with %i and Retry-After, never decoding the body', async (reason, status, contentType, code) => {
    intake.refusal = { reason, retryAfterSeconds: 2.2 };
    // Garbage: decoding it would answer 400.
    const answer = await send(port, { headers: { 'content-type': contentType }, body: Buffer.alloc(64 * 1024, 0xff) });
    expect(answer.status).toBe(status);
    expect(answer.headers['retry-after']).toBe('3');
    expect(answer.headers['content-type']).toBe(contentType);
    expect(rpcStatusOf(answer)).toEqual({ code, message: expect.stringMatching(/retry after 3 s$/) });
    expect(intake.ingests).toEqual([]);
    expect(intake.refusedAdmits).toBe(1);
    expect(intake.releases).toEqual([]);
    expect(stats.counts().requests.get('http|refused')).toBe(1);
    expect(stats.counts().refusals.get(`http|${reason}`)).toBe(1);
  });

  it('discards a refused body on a connection kept alive, and closes one whose body has no declared length', async () => {
    intake.refusal = { reason: 'queue', retryAfterSeconds: 1 };
    // Two requests on one raw connection: the first refused body is discarded, the second request is answered too.
    const body = Buffer.alloc(MAX_BYTES, 0xff);
    const head = `POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: ${PROTOBUF}\r\ncontent-length: ${body.length}\r\n\r\n`;
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(head);
        socket.write(body);
        socket.write(head.replace('POST', 'GET'));
      });
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        text += chunk;
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    expect(answers).toMatch(/^HTTP\/1\.1 429 [\s\S]*HTTP\/1\.1 405 /);
    const chunked = await send(port, { headers: { 'content-type': PROTOBUF }, body: writeChunked(4 * MAX_BYTES) });
    expect(chunked.status).toBe(429);
    expect(chunked.headers['connection']).toBe('close');
  });

  it('counts a client that goes away mid-body and stays up', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: ${PROTOBUF}\r\ncontent-length: 1000\r\n\r\n`);
        socket.write(Buffer.alloc(10));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await expect.poll(() => stats.counts().requests.get('http|bad_data')).toBe(1);
    expect(intake.admits).toEqual([1000]);
    const answer = await send(port, { headers: { 'content-type': PROTOBUF }, body: protobufBody(spans) });
    expect(answer.status).toBe(200);
  });

  it("answers and counts what Node's HTTP parser refuses, closing the connection, and counts a bad body once", async () => {
    /** Writes raw bytes on a fresh connection; resolves with all the server wrote once it has closed the connection. */
    const exchange = (bytes: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
    const bare = (status: string): string => `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`;
    const counts = (): Record<string, Record<string, number>> => ({
      requests: Object.fromEntries(stats.counts().requests),
      decodeErrors: Object.fromEntries(stats.counts().decodeErrors),
    });

    expect(await exchange('GARBAGE\r\n\r\n')).toBe(bare('400 Bad Request'));
    expect(counts()).toEqual({ requests: { 'http|bad_data': 1 }, decodeErrors: { 'http|malformed': 1 } });

    // Node's default limit on the header section is 16 KiB.
    const hugeHeader = `POST /v1/traces HTTP/1.1\r\nhost: x\r\nx-filler: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(await exchange(hugeHeader)).toBe(bare('431 Request Header Fields Too Large'));
    expect(counts()).toEqual({
      requests: { 'http|bad_data': 1, 'http|too_large': 1 },
      decodeErrors: { 'http|malformed': 1, 'http|too_large': 1 },
    });

    // A chunked body that is not chunked: the request reached the receiver, which counts it, once.
    const badChunks = `POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-type: ${PROTOBUF}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`;
    expect(await exchange(badChunks)).toBe(bare('400 Bad Request'));
    await expect
      .poll(() => counts())
      .toEqual({
        requests: { 'http|bad_data': 2, 'http|too_large': 1 },
        decodeErrors: { 'http|malformed': 2, 'http|too_large': 1 },
      });
    expect(intake.admits).toEqual([MAX_BYTES]);

    // A connection reset after its request was answered is no request: answered by nobody, counted nowhere.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /v1/traces HTTP/1.1\r\nhost: x\r\n\r\n'));
      socket.once('data', () => {
        socket.resetAndDestroy();
        resolve();
      });
      socket.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counts().requests).toEqual({ 'http|bad_data': 2, 'http|too_large': 1, 'http|not_found': 1 });

    const answer = await send(port, { headers: { 'content-type': PROTOBUF }, body: protobufBody(spans) });
    expect(answer.status).toBe(200);
  });

  it('answers 500 when fedscope itself fails, logging it once', async () => {
    const lines: string[] = [];
    fedscopeLog.configure({ write: (line) => lines.push(line), forwardToDiag: false });
    try {
      intake.failure = new Error('intake bug');
      const first = await send(port, { headers: { 'content-type': JSON_TYPE }, body: jsonBody(spans) });
      const second = await send(port, { headers: { 'content-type': JSON_TYPE }, body: jsonBody(spans) });
      expect([first.status, second.status]).toEqual([500, 500]);
      expect(rpcStatusOf(first)).toEqual({ code: 13, message: 'fedscope collector: internal error while handling the request' });
      expect(lines).toEqual(['fedscope error: the OTLP/HTTP receiver failed while handling a request: intake bug']);
      expect(stats.counts().requests.get('http|internal_error')).toBe(2);
    } finally {
      fedscopeLog.configure({ write: (line) => process.stderr.write(`${line}\n`), forwardToDiag: true });
    }
  });

  it('stop() refuses new connections and waits for the request in flight to be answered', async () => {
    const body = protobufBody(spans);
    let request: ClientRequest | undefined;
    const answered = send(port, {
      headers: { 'content-type': PROTOBUF, 'content-length': body.length },
      body: (req) => {
        request = req;
        req.write(body.subarray(0, 10));
      },
    });
    await expect.poll(() => intake.admits.length).toBe(1);
    let stopped = false;
    const stopping = receiver.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    await expect(send(port, { headers: { 'content-type': PROTOBUF }, body })).rejects.toThrow(/ECONNREFUSED/);
    request!.end(body.subarray(10));
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(answer.headers['connection']).toBe('close');
    await stopping;
    expect(intake.ingests).toHaveLength(1);
  });

  it.each([
    ['uncompressed', undefined],
    ['gzip', CompressionAlgorithm.GZIP],
  ] as const)('receives what the real OTLP/HTTP protobuf exporter sends (%s)', async (_label, compression) => {
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, ...(compression ? { compression } : {}) });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(intake.ingests).toHaveLength(1);
    const received = intake.ingests[0]!.request.spans;
    expect(received.map((span) => span.name).sort()).toEqual(['SELECT orders', 'federation.query revenue']);
    const root = spans.find((span) => span.name === 'federation.query revenue')!;
    expect(received.find((span) => span.name === root.name)!.spanId).toBe(root.spanContext().spanId);
    expect(intake.ingests[0]!.raw!.contentEncoding).toBe(compression === undefined ? undefined : 'gzip');
    expect(stats.counts().spans.get('http|accepted')).toBe(2);
  });
});
