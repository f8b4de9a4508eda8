import zlib from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import {
  decodeTracePayload,
  decodeTraceRequest,
  OtlpDecodeError,
  otlpTraceTypes,
  type DecodedTraceRequest,
  type DecodeTraceRequestOptions,
} from '../../../src/otlp/index.js';
import {
  COLLECTOR_SPAN_ATTRIBUTES,
  PARENT_ID,
  SPAN_ID,
  TRACE_ID,
  collectorStyleRequest,
  jsonBytes,
  jsonRequest,
  jsonSpan,
  nestedArrayValue,
} from './otlp-json-payloads.js';
import { spanDuration } from '../../../src/otlp/span-duration.js';
import { toReadableSpan } from '../../support/to-readable-span.js';
import { varint } from './protobuf-wire.js';
import { sampleSpans } from './sample-spans.js';

const JSON_TYPE = { contentType: 'application/json' } as const;
const PROTO_TYPE = { contentType: 'application/x-protobuf' } as const;

/** The decode error a call fails with (fails the test when it does not fail). */
async function decodeError(body: Uint8Array, options: DecodeTraceRequestOptions): Promise<OtlpDecodeError> {
  try {
    await decodeTraceRequest(body, options);
  } catch (error) {
    expect(error).toBeInstanceOf(OtlpDecodeError);
    return error as OtlpDecodeError;
  }
  throw new Error('expected decodeTraceRequest to fail');
}

/** OTLP/JSON-shaped object → protobufjs `fromObject` input (hex ids become bytes). */
function toProtobufObject(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key)) return Buffer.from(value, 'hex');
  if (Array.isArray(value)) return value.map((element) => toProtobufObject(element));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toProtobufObject(v, k)]));
  }
  return value;
}

function protobufBytes(request: unknown): Uint8Array {
  const { request: type } = otlpTraceTypes();
  return type.encode(type.fromObject(toProtobufObject(request) as Record<string, unknown>)).finish();
}

function withoutCircular(decoded: DecodedTraceRequest): unknown {
  return decoded.spans.map((span) => ({ ...span, resource: span.resource, scope: span.scope }));
}

describe('decodeTraceRequest: OTLP/JSON as the Collector writes it', () => {
  it('normalises ids, enum names, int64 strings, times, maps, bytes and status', async () => {
    const decoded = await decodeTraceRequest(jsonBytes(collectorStyleRequest()), JSON_TYPE);
    expect(decoded.format).toBe('json');
    expect(decoded.rejectedSpans).toBe(0);
    expect(decoded.errorMessage).toBeUndefined();
    const [span] = decoded.spans;
    expect(span).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      parentSpanId: PARENT_ID,
      traceState: 'go=1',
      flags: 769,
      traceFlags: 1,
      parentIsRemote: true,
      name: 'GET /orders',
      kind: 1, // SpanKind.SERVER
      startTime: { hrTime: [1700000000, 123456789] },
      endTime: { hrTime: [1700000001, 1] },
      droppedAttributesCount: 2,
      droppedEventsCount: 3,
      droppedLinksCount: 4,
      status: { code: 2, message: 'upstream 503' },
    });
    expect(span!.attributes).toEqual(COLLECTOR_SPAN_ATTRIBUTES);
    expect('empty' in span!.attributes).toBe(false);
    expect(span!.events).toEqual([
      {
        name: 'retry',
        time: { hrTime: [1700000000, 500000000] },
        attributes: { attempt: 2 },
        droppedAttributesCount: 0,
      },
    ]);
    // A link with an empty context is kept (it has attributes and trace state) with all-zero ids.
    expect(span!.links).toEqual([
      {
        traceId: '0'.repeat(32),
        spanId: '0'.repeat(16),
        traceState: 'linked=1',
        flags: 0,
        traceFlags: 0,
        isRemote: undefined,
        attributes: { why: 'fan-in' },
        droppedAttributesCount: 0,
      },
    ]);
    expect(span!.resource).toEqual({
      attributes: { 'service.name': 'go-checkout', 'process.pid': 4242 },
      droppedAttributesCount: 1,
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    });
    expect(span!.scope).toEqual({
      name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
      version: '0.53.0',
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
      attributes: {},
      droppedAttributesCount: 0,
    });
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.spans).toEqual([span]);
  });

  it('decodes the same request sent as protobuf to the same model', async () => {
    const fromJson = await decodeTraceRequest(jsonBytes(collectorStyleRequest()), JSON_TYPE);
    const fromProto = await decodeTraceRequest(protobufBytes(collectorStyleRequest()), PROTO_TYPE);
    expect(fromProto.format).toBe('protobuf');
    expect(withoutCircular(fromProto)).toEqual(withoutCircular(fromJson));
  });

  it('keeps maps as JSON text in kvlistMode "json"', async () => {
    const decoded = await decodeTraceRequest(jsonBytes(collectorStyleRequest()), { ...JSON_TYPE, kvlistMode: 'json' });
    expect(decoded.spans[0]!.attributes['db.query.parameter']).toBe('{"id":7,"nested":{"deep":"x"}}');
    expect(decoded.spans[0]!.attributes['db.query.parameter.id']).toBeUndefined();
  });

  it('never lets a flattened map key overwrite a key set directly', async () => {
    const attributes = [
      { key: 'a', value: { kvlistValue: { values: [{ key: 'b', value: { stringValue: 'from-map' } }] } } },
      { key: 'a.b', value: { stringValue: 'direct' } },
    ];
    const decoded = await decodeTraceRequest(jsonBytes(jsonRequest([jsonSpan({ attributes })])), JSON_TYPE);
    expect(decoded.spans[0]!.attributes).toEqual({ 'a.b': 'direct' });
  });

  it('accepts numeric enums, int64 as numbers, snake_case keys and unknown fields', async () => {
    const request = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 's', futureField: { x: 1 } },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: '',
                  name: 'snake',
                  kind: 3,
                  start_time_unix_nano: 1700000000000000000,
                  endTimeUnixNano: '1700000000000000500',
                  attributes: [{ key: 'n', value: { intValue: 5432 } }],
                  status: { code: 1 },
                  someNewField: [1, 2, 3],
                },
              ],
            },
          ],
        },
      ],
    };
    const decoded = await decodeTraceRequest(jsonBytes(request), { contentType: 'Application/JSON; charset=utf-8' });
    expect(decoded.spans[0]).toMatchObject({
      parentSpanId: undefined,
      kind: 2, // CLIENT
      startTime: { hrTime: [1700000000, 0] },
      attributes: { n: 5432 },
      status: { code: 1 },
      resource: { attributes: { 'service.name': 'snake' } },
    });
  });

  it('maps every OTLP span kind and status code to the API numbering', async () => {
    const kinds = [0, 1, 2, 3, 4, 5, 9, 'SPAN_KIND_CONSUMER', 'SPAN_KIND_UNSPECIFIED'];
    const spans = kinds.map((kind) => jsonSpan({ kind }));
    const statuses = [0, 1, 2, 7, 'STATUS_CODE_OK'].map((code) => jsonSpan({ status: { code } }));
    const decoded = await decodeTraceRequest(jsonBytes(jsonRequest([...spans, ...statuses])), JSON_TYPE);
    // API: INTERNAL 0, SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4; UNSPECIFIED and unknown → INTERNAL.
    expect(decoded.spans.slice(0, kinds.length).map((s) => s.kind)).toEqual([0, 0, 1, 2, 3, 4, 0, 4, 0]);
    expect(decoded.spans.slice(kinds.length).map((s) => s.status.code)).toEqual([0, 1, 2, 0, 1]);
  });

  it('keeps an attribute key "__proto__" as a plain own key', async () => {
    const attributes = [{ key: '__proto__', value: { arrayValue: { values: [{ stringValue: 'x' }] } } }];
    const decoded = await decodeTraceRequest(jsonBytes(jsonRequest([jsonSpan({ attributes })])), JSON_TYPE);
    const decodedAttributes = decoded.spans[0]!.attributes;
    expect(Object.getPrototypeOf(decodedAttributes)).toBe(Object.prototype);
    expect(Object.keys(decodedAttributes)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(decodedAttributes, '__proto__')?.value).toEqual(['x']);
  });

  it('treats an empty body as an empty request (success, no spans)', async () => {
    expect((await decodeTraceRequest(new Uint8Array(0), PROTO_TYPE)).spans).toEqual([]);
    expect((await decodeTraceRequest(jsonBytes({}), JSON_TYPE)).spans).toEqual([]);
  });
});

describe('decodeTraceRequest: protobuf', () => {
  it('decodes what the JS SDK serializer writes, ignoring unknown fields', async () => {
    const { all } = await sampleSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(all)!;
    // Field 99 (varint) appended to the request: protobuf readers skip unknown fields.
    const withUnknown = Buffer.concat([Buffer.from(bytes), Buffer.from([0x98, 0x06, 0x01])]);
    const decoded = await decodeTraceRequest(withUnknown, PROTO_TYPE);
    expect(decoded.spans.map((s) => s.name).sort()).toEqual(['SELECT orders', 'federation.query revenue']);
  });

  it('accepts deflate (zlib-wrapped and raw) and gzip', async () => {
    const { all } = await sampleSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(all)!;
    for (const [encoding, body] of [
      ['deflate', zlib.deflateSync(bytes)],
      ['deflate', zlib.deflateRawSync(bytes)],
      ['gzip', zlib.gzipSync(bytes)],
      ['x-gzip', zlib.gzipSync(bytes)],
      ['identity', bytes],
    ] as const) {
      const decoded = await decodeTraceRequest(body, { ...PROTO_TYPE, contentEncoding: encoding });
      expect(decoded.spans, encoding).toHaveLength(2);
    }
  });
});

describe('decodeTraceRequest: bad input', () => {
  it('answers 415 for a missing or wrong content type', async () => {
    expect((await decodeError(jsonBytes({}), { contentType: undefined })).status).toBe(415);
    const wrong = await decodeError(jsonBytes({}), { contentType: 'text/plain' });
    expect(wrong.status).toBe(415);
    expect(wrong.message).toBe(
      'unsupported media type: Content-Type "text/plain"; OTLP/HTTP takes application/x-protobuf or application/json',
    );
  });

  it('answers 415 for an encoding it cannot undo', async () => {
    for (const encoding of ['zstd', 'br', 'snappy', 'gzip, gzip, gzip']) {
      const error = await decodeError(jsonBytes({}), { ...JSON_TYPE, contentEncoding: encoding });
      expect(error.status, encoding).toBe(415);
    }
    expect((await decodeError(jsonBytes({}), { ...JSON_TYPE, contentEncoding: 'zstd' })).message).toBe(
      'unsupported Content-Encoding "zstd": supported are gzip, deflate and identity',
    );
  });

  it('answers 400 for corrupt gzip', async () => {
    const error = await decodeError(Buffer.from('not gzip at all'), { ...JSON_TYPE, contentEncoding: 'gzip' });
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^malformed gzip body: /);
  });

  it('answers 400 for malformed protobuf', async () => {
    const truncated = await decodeError(Buffer.from([0x0a, 0x7f, 0x12, 0x03]), PROTO_TYPE);
    expect(truncated.status).toBe(400);
    expect(truncated.message).toMatch(/^malformed protobuf ExportTraceServiceRequest: /);
    // A real request cut short.
    const { all } = await sampleSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(all)!;
    expect((await decodeError(bytes.subarray(0, bytes.length - 7), PROTO_TYPE)).status).toBe(400);
    // Wrong wire type for resource_spans (varint instead of length-delimited).
    expect((await decodeError(Buffer.from([0x08, 0x01]), PROTO_TYPE)).status).toBe(400);
    // JSON sent as protobuf.
    expect((await decodeError(jsonBytes(collectorStyleRequest()), PROTO_TYPE)).status).toBe(400);
  });

  it('rejects the span, not the request, for protobuf nested past the recursion limit of protobufjs', async () => {
    // AnyValue{array_value{values{array_value{…}}}} 200 levels deep inside a span attribute: 400
    // nested messages, four times protobufjs' limit; the decoder reads 33 levels and no deeper.
    let value: Uint8Array = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue{string_value: "x"}
    for (let i = 0; i < 200; i++) {
      const arrayValue = Buffer.concat([Buffer.from([0x0a]), varint(value.length), value]); // ArrayValue{values: value}
      value = Buffer.concat([Buffer.from([0x2a]), varint(arrayValue.length), arrayValue]); // AnyValue{array_value}
    }
    const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), varint(value.length), value]);
    const span = Buffer.concat([Buffer.from([0x4a]), varint(keyValue.length), keyValue]);
    const scopeSpans = Buffer.concat([Buffer.from([0x12]), varint(span.length), span]);
    const resourceSpans = Buffer.concat([Buffer.from([0x12]), varint(scopeSpans.length), scopeSpans]);
    const request = Buffer.concat([Buffer.from([0x0a]), varint(resourceSpans.length), resourceSpans]);
    const decoded = await decodeTraceRequest(request, PROTO_TYPE);
    expect(decoded.spans).toEqual([]);
    expect(decoded.rejectedSpans).toBe(1);
    expect(decoded.rejections[0]!.reason).toMatch(/attribute value too deep at .*: more than 32 nested arrays\/maps/);
  });

  it('answers 400 for malformed JSON, naming the problem', async () => {
    const syntax = await decodeError(Buffer.from('{"resourceSpans": [', 'utf8'), JSON_TYPE);
    expect(syntax.status).toBe(400);
    expect(syntax.message).toMatch(/^malformed JSON ExportTraceServiceRequest: /);
    expect((await decodeError(jsonBytes([1, 2]), JSON_TYPE)).message).toBe(
      'malformed JSON ExportTraceServiceRequest: expected an object, got an array',
    );
    expect((await decodeError(Buffer.from([0x7b, 0xff, 0x7d]), JSON_TYPE)).status).toBe(400); // invalid UTF-8
    const envelope = await decodeError(jsonBytes({ resourceSpans: [{ scopeSpans: 'nope' }] }), JSON_TYPE);
    expect(envelope.status).toBe(400);
    expect(envelope.message).toBe('invalid OTLP/JSON at resourceSpans[0].scopeSpans: expected an array, got "nope"');
    const resource = await decodeError(
      jsonBytes(jsonRequest([jsonSpan()], [{ key: 'service.name', value: { intValue: 'ten' } }])),
      JSON_TYPE,
    );
    expect(resource.message).toBe(
      'invalid OTLP/JSON at resourceSpans[0].resource.attributes[0].value.intValue: expected a 64-bit integer (decimal string or number), got "ten"',
    );
  });

  it('answers 413 when the body is over the limit before or after decompression', async () => {
    const body = jsonBytes(jsonRequest(Array.from({ length: 50 }, () => jsonSpan())));
    expect((await decodeError(body, { ...JSON_TYPE, maxBytes: 1000 })).status).toBe(413);
    const gzipped = zlib.gzipSync(body);
    expect(gzipped.length).toBeLessThan(1000);
    const error = await decodeError(gzipped, { ...JSON_TYPE, contentEncoding: 'gzip', maxBytes: 1000 });
    expect(error.status).toBe(413);
    expect(error.message).toBe('request body is larger than 1000 bytes after gzip decompression');
  });

  it('stops a gzip bomb at the limit: 1 GiB of zeros in a ~1 MiB body', async () => {
    const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member)); // 64 gzip members × 16 MiB
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const error = await decodeError(bomb, { ...PROTO_TYPE, contentEncoding: 'gzip' });
    expect(error.status).toBe(413);
    expect(error.message).toBe(`request body is larger than ${20 * 1024 * 1024} bytes after gzip decompression`);
  });

  it('answers 413 for more spans than maxSpans (protobuf counted before decoding)', async () => {
    const request = jsonRequest([jsonSpan(), jsonSpan(), jsonSpan()]);
    expect((await decodeError(jsonBytes(request), { ...JSON_TYPE, maxSpans: 2 })).message).toBe('request has more than 2 spans');
    expect((await decodeError(protobufBytes(request), { ...PROTO_TYPE, maxSpans: 2 })).status).toBe(413);
    expect((await decodeTraceRequest(protobufBytes(request), { ...PROTO_TYPE, maxSpans: 3 })).spans).toHaveLength(3);
    // 100 000 empty spans are 200 KB of protobuf; the default limit refuses one more.
    const empties = Buffer.alloc(2 * 100_001, 0);
    for (let i = 0; i < 100_001; i++) empties[2 * i] = 0x12; // Span{} as ScopeSpans.spans
    const scopeSpans = Buffer.concat([Buffer.from([0x12]), varint(empties.length), empties]);
    const resourceSpans = Buffer.concat([Buffer.from([0x0a]), varint(scopeSpans.length + 0), scopeSpans]);
    expect((await decodeError(resourceSpans, PROTO_TYPE)).message).toBe('request has more than 100000 spans');
  });
});

describe('decodeTraceRequest: partial success', () => {
  const badSpans = [
    jsonSpan({ name: 'good' }),
    jsonSpan({ name: 'short trace id', traceId: 'abcdef' }),
    jsonSpan({ name: 'zero span id', spanId: '0000000000000000' }),
    jsonSpan({ name: 'bad parent', parentSpanId: '0102030405' }),
    jsonSpan({ name: 'not hex', traceId: 'zz'.repeat(16) }),
    jsonSpan({ name: 'bad time', startTimeUnixNano: 'yesterday' }),
    jsonSpan({ name: 'two values', attributes: [{ key: 'k', value: { stringValue: 'a', intValue: '1' } }] }),
    jsonSpan({ name: 'too deep', attributes: [{ key: 'k', value: nestedArrayValue(40) }] }),
    jsonSpan({ name: 'root with zero parent', parentSpanId: '0000000000000000' }),
    'not a span',
  ];

  it('rejects bad spans one by one and keeps the rest', async () => {
    const decoded = await decodeTraceRequest(jsonBytes(jsonRequest(badSpans)), JSON_TYPE);
    expect(decoded.spans.map((s) => s.name)).toEqual(['good', 'root with zero parent']);
    expect(decoded.spans[1]!.parentSpanId).toBeUndefined();
    expect(decoded.rejectedSpans).toBe(8);
    const at = (i: number): string => `resourceSpans[0].scopeSpans[0].spans[${i}]`;
    expect(decoded.rejections).toEqual([
      { path: at(1), reason: `invalid traceId at ${at(1)}: expected 16 bytes, got 3` },
      { path: at(2), reason: `invalid spanId at ${at(2)}: all-zero ids are invalid` },
      { path: at(3), reason: `invalid parentSpanId at ${at(3)}: expected 8 bytes, got 5` },
      { path: at(4), reason: `invalid traceId at ${at(4)}: expected 32 hex digits, got "${'z'.repeat(32)}"` },
      {
        path: at(5),
        reason: `invalid OTLP/JSON at ${at(5)}.startTimeUnixNano: expected an unsigned 64-bit integer (decimal string or number), got "yesterday"`,
      },
    ]);
    expect(decoded.errorMessage).toBe(`8 of 10 spans rejected: ${decoded.rejections.map((r) => r.reason).join('; ')}; and 3 more`);
  });

  it('names the later rejections too when fewer are sent', async () => {
    const decoded = await decodeTraceRequest(jsonBytes(jsonRequest(badSpans.slice(6))), JSON_TYPE);
    expect(decoded.rejections.map((r) => r.reason)).toEqual([
      'invalid OTLP/JSON at resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: an AnyValue holds one value, got stringValue and intValue',
      `attribute value too deep at resourceSpans[0].scopeSpans[0].spans[1].attributes[0].value${'.arrayValue.values[0]'.repeat(33)}: more than 32 nested arrays/maps`,
      'invalid OTLP/JSON at resourceSpans[0].scopeSpans[0].spans[3]: expected an object, got "not a span"',
    ]);
  });

  it('rejects protobuf spans with ids of the wrong length the same way', async () => {
    const request = jsonRequest([jsonSpan({ name: 'good' }), jsonSpan({ traceId: 'abcdef' }), jsonSpan({ spanId: '' })]);
    const decoded = await decodeTraceRequest(protobufBytes(request), PROTO_TYPE);
    expect(decoded.spans.map((s) => s.name)).toEqual(['good']);
    expect(decoded.rejectedSpans).toBe(2);
    expect(decoded.errorMessage).toBe(
      '2 of 3 spans rejected: invalid traceId at resourceSpans[0].scopeSpans[0].spans[1]: expected 16 bytes, got 3; ' +
        'invalid spanId at resourceSpans[0].scopeSpans[0].spans[2]: expected 8 bytes, got none',
    );
  });

  it('fails the request when a resource attribute is too deep (it belongs to every span)', async () => {
    const error = await decodeError(jsonBytes(jsonRequest([jsonSpan()], [{ key: 'k', value: nestedArrayValue(40) }])), JSON_TYPE);
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^attribute value too deep at resourceSpans\[0\]\.resource\.attributes\[0\]\.value/);
  });
});

describe('toReadableSpan edge cases', () => {
  it('clamps an end before the start to a zero duration, as the SDK does', () => {
    const decoded = decodeTracePayload(
      jsonBytes(jsonRequest([jsonSpan({ startTimeUnixNano: '2000000000', endTimeUnixNano: '1000000000' })])),
      'json',
    );
    const readable = toReadableSpan(decoded.spans[0]!);
    expect(readable.duration).toEqual([0, 0]);
    expect(readable.endTime).toEqual([2, 0]);
    expect(readable.parentSpanContext).toBeUndefined();
    expect(readable.resource.attributes).toEqual({});
    expect(readable.instrumentationScope).toEqual({ name: 'test' });
  });

  it('takes the exact duration across second boundaries and beyond 2^53 nanoseconds', () => {
    const cases: Array<[string, string, [number, number]]> = [
      ['1700000000999999999', '1700000001000000000', [0, 1]],
      ['1700000000000000001', '1700000005000000000', [4, 999_999_999]],
      ['1700000000123456789', '1700000000123456789', [0, 0]],
      ['1', '18446744073709551615', [18_446_744_073, 709_551_614]],
      ['1700000001000000000', '1700000000999999999', [0, 0]],
    ];
    for (const [start, end, duration] of cases) {
      const decoded = decodeTracePayload(jsonBytes(jsonRequest([jsonSpan({ startTimeUnixNano: start, endTimeUnixNano: end })])), 'json');
      const span = decoded.spans[0]!;
      const exact = spanDuration(span.startTime.hrTime, span.endTime.hrTime);
      expect(exact ?? [0, 0], `${start} → ${end}`).toEqual(duration);
      // The nanosecond strings give the same (a BigInt reference); an end before the start has none.
      const nanos = BigInt(end) - BigInt(start);
      const reference = nanos < 0n ? [0, 0] : [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
      expect(exact === undefined).toBe(nanos < 0n);
      expect(toReadableSpan(span).duration).toEqual(reference);
    }
  });

  it('shares one SDK Resource between the spans of one resource', () => {
    const decoded = decodeTracePayload(
      jsonBytes(jsonRequest([jsonSpan(), jsonSpan({ spanId: PARENT_ID })], [{ key: 'service.name', value: { stringValue: 'x' } }])),
      'json',
    );
    const [a, b] = decoded.spans.map(toReadableSpan);
    expect(a!.resource).toBe(b!.resource);
    expect(a!.resource.attributes).toEqual({ 'service.name': 'x' });
  });
});
