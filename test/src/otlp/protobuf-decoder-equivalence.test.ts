import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { normaliseRequest } from '../../../src/otlp/decode-trace-payload.js';
import { OtlpDecodeError } from '../../../src/otlp/otlp-decode-error.js';
import { OtlpFieldError } from '../../../src/otlp/otlp-field-error.js';
import { otlpTraceTypes } from '../../../src/otlp/otlp-trace-schema.js';
import { readProtobufRequest } from '../../../src/otlp/read-protobuf.js';
import type { DecodedTraceRequest } from '../../../src/otlp/trace-model.js';
import type { WireTraceRequest } from '../../../src/otlp/wire-model.js';
import { federationSpanSet } from '../collector/federation-span-set.js';
import { collectorStyleRequest, jsonRequest, jsonSpan, nestedArrayValue } from './otlp-json-payloads.js';
import { readProtobufRequestByReflection } from './reflection-protobuf-reader.js';
import { sampleSpans } from './sample-spans.js';
import { seededRandom } from '../../support/seeded-random.js';

// The direct protobuf decoder (src/otlp/read-protobuf.ts) against the reader it replaced
// (protobufjs's reflection decoder plus a walk, kept in reflection-protobuf-reader.ts): the same
// wire view, the same normalised request, the same errors, for the protobuf bodies other tests
// use, for seeded random requests and for malformed bytes.

type ProtobufReader = (bytes: Uint8Array, maxSpans: number) => WireTraceRequest<unknown>;

const MALFORMED = 'malformed protobuf ExportTraceServiceRequest: ';
const MAX_SPANS = 100_000;

/**
 * Uint8Arrays as lowercase hex and BigInts as text: a Buffer and a Uint8Array of the same bytes
 * compare equal, and an id read as bytes (the reflection reader) equals the same id read as hex
 * (the direct reader; the normaliser takes either).
 */
function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (typeof value === 'bigint') return { int64: value.toString() };
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  return value;
}

/** An error as the comparison sees it: a malformed-protobuf reason is worded by each decoder, the rest must match to the letter. */
function errorOf(error: unknown): { name: string; status?: number; message: string } {
  if (error instanceof OtlpDecodeError) {
    return { name: error.name, status: error.status, message: error.message.startsWith(MALFORMED) ? MALFORMED : error.message };
  }
  if (error instanceof OtlpFieldError) return { name: error.name, message: error.message };
  throw error;
}

/** What a reader makes of a body: the wire view (every span read) and the normalised request, or the error. */
function outcome(read: ProtobufReader, bytes: Uint8Array): { wire?: unknown; decoded?: DecodedTraceRequest; error?: unknown } {
  try {
    const request = read(bytes, MAX_SPANS);
    const wire = request.resourceSpans.map((resourceSpans) => ({
      resource: resourceSpans.resource,
      scopeSpans: resourceSpans.scopeSpans.map((scopeSpans) => ({
        scope: scopeSpans.scope,
        spans: scopeSpans.spans.map((span, index) => {
          try {
            return request.readSpan(span, `span ${index}`);
          } catch (error) {
            return { rejected: errorOf(error) };
          }
        }),
      })),
    }));
    // As decodeTracePayload does: an OtlpFieldError outside a span fails the request with 400.
    let decoded: DecodedTraceRequest;
    try {
      decoded = normaliseRequest('protobuf', read(bytes, MAX_SPANS), 'flatten');
    } catch (error) {
      if (error instanceof OtlpFieldError) throw new OtlpDecodeError(400, error.message, { cause: error });
      throw error;
    }
    return { wire: canonical(wire), decoded };
  } catch (error) {
    return { error: errorOf(error) };
  }
}

/** Decodes `bytes` with both readers and expects the same result; returns it. */
function expectSameDecoding(bytes: Uint8Array, label: string): ReturnType<typeof outcome> {
  const expected = outcome(readProtobufRequestByReflection, bytes);
  const actual = outcome(readProtobufRequest, bytes);
  if (expected.error !== undefined || actual.error !== undefined) {
    expect(actual.error, label).toEqual(expected.error);
    return actual;
  }
  expect(actual.wire, label).toEqual(expected.wire);
  expect(actual.decoded, label).toEqual(expected.decoded);
  return actual;
}

// --- A seeded generator of ExportTraceServiceRequest bytes ------------------------------------

/** Builds protobuf fields with protobufjs's Writer; every builder returns the encoded field(s). */
class RequestGenerator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private writer(): protobuf.Writer {
    return protobuf.Writer.create();
  }

  tag(field: number, wireType: number): Uint8Array {
    return this.writer()
      .uint32((field << 3) | wireType)
      .finish();
  }

  message(field: number, parts: readonly Uint8Array[]): Uint8Array {
    const body = Buffer.concat(parts);
    return Buffer.concat([this.tag(field, 2), this.writer().uint32(body.length).finish(), body]);
  }

  string(field: number, text: string): Uint8Array {
    return this.writer()
      .uint32((field << 3) | 2)
      .string(text)
      .finish();
  }

  bytes(field: number, bytes: Uint8Array): Uint8Array {
    return this.writer()
      .uint32((field << 3) | 2)
      .bytes(bytes)
      .finish();
  }

  varint(field: number, value: number): Uint8Array {
    return this.writer()
      .uint32(field << 3)
      .int32(value)
      .finish();
  }

  uvarint(field: number, value: number): Uint8Array {
    return this.writer()
      .uint32(field << 3)
      .uint32(value)
      .finish();
  }

  int64(field: number, value: bigint): Uint8Array {
    // A decimal string: the Writer parses it into 64 bits exactly.
    return this.writer()
      .uint32(field << 3)
      .int64(value.toString())
      .finish();
  }

  fixed32(field: number, value: number): Uint8Array {
    return this.writer()
      .uint32((field << 3) | 5)
      .fixed32(value)
      .finish();
  }

  fixed64(field: number, low: number, high: number): Uint8Array {
    return this.writer()
      .uint32((field << 3) | 1)
      .fixed32(low)
      .fixed32(high)
      .finish();
  }

  double(field: number, value: number): Uint8Array {
    return this.writer()
      .uint32((field << 3) | 1)
      .double(value)
      .finish();
  }

  randomBytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(256));
  }

  text(): string {
    return this.pick([
      '',
      'db.system.name',
      'SELECT * FROM orders WHERE id = $1',
      'é日本語🙂',
      '\uFFFD is a real character',
      '\uFEFFbom first',
      'x'.repeat(70),
      `long ${'ü'.repeat(40)}`,
      '__proto__',
      'http.method',
    ]);
  }

  /** An unknown field of any wire type (a group holds unknown fields of its own). */
  unknownField(depth = 0): Uint8Array {
    const field = this.pick([17, 50, 99, 1000, 4095, 536870911]);
    switch (this.int(depth < 2 ? 5 : 4)) {
      case 0:
        return this.uvarint(field, this.int(2 ** 31));
      case 1:
        return this.fixed64(field, this.int(2 ** 32), this.int(2 ** 32));
      case 2:
        return this.bytes(field, this.randomBytes(this.int(12)));
      case 3:
        return this.fixed32(field, this.int(2 ** 32));
      default: {
        const inner = Array.from({ length: this.int(3) }, () => this.unknownField(depth + 1));
        return Buffer.concat([this.tag(field, 3), ...inner, this.tag(field, 4)]);
      }
    }
  }

  /** A message's fields with unknown fields sprinkled in (and, when `known` is given, known fields with a wrong wire type). */
  fields(parts: Uint8Array[], known: readonly number[] = []): Uint8Array[] {
    const out = [...parts];
    const extra = this.chance(0.3) ? 1 + this.int(3) : 0;
    for (let i = 0; i < extra; i++) {
      let field = this.unknownField();
      // A known field number with the wire type of none of its kind: skipped like an unknown field.
      if (known.length > 0 && this.chance(0.3)) field = this.fixed32(this.pick(known), this.int(2 ** 32));
      out.splice(this.int(out.length + 1), 0, field);
    }
    return out;
  }

  id(bytes: number): Uint8Array {
    if (this.chance(0.05)) return new Uint8Array(0);
    if (this.chance(0.04)) return new Uint8Array(bytes);
    if (this.chance(0.04)) return this.randomBytes(this.pick([1, 3, bytes - 1, bytes + 1, 32]));
    return this.randomBytes(bytes);
  }

  int64Value(): bigint {
    return this.pick([
      0n,
      1n,
      -1n,
      42n,
      -42n,
      2n ** 31n,
      -(2n ** 31n) - 1n,
      2n ** 53n + 1n,
      -(2n ** 63n),
      2n ** 63n - 1n,
      BigInt(this.int(2 ** 31)),
    ]);
  }

  /** The fields of an AnyValue, `nesting` more levels allowed; sometimes two members (the last one counts). */
  anyValueFields(nesting: number): Uint8Array[] {
    const member = (): Uint8Array => {
      const kinds = nesting > 0 ? 7 : 5;
      switch (this.int(kinds)) {
        case 0:
          return this.string(1, this.text());
        case 1:
          return this.uvarint(2, this.int(3));
        case 2:
          return this.int64(3, this.int64Value());
        case 3:
          return this.double(4, this.pick([0, -0, 1.5, -2.25e-300, 1e308, Number.NaN, Number.POSITIVE_INFINITY, this.random()]));
        case 4:
          return this.bytes(7, this.randomBytes(this.int(6)));
        case 5:
          return this.message(5, this.fields(Array.from({ length: this.int(4) }, () => this.message(1, this.anyValueFields(nesting - 1)))));
        default:
          return this.message(6, this.fields(Array.from({ length: this.int(4) }, () => this.keyValue(nesting - 1))));
      }
    };
    if (this.chance(0.08)) return this.fields([]); // an AnyValue with no member set
    const members = [member()];
    if (this.chance(0.1)) members.push(member());
    return this.fields(members, [1, 2, 3, 4, 5, 6, 7]);
  }

  keyValue(nesting: number): Uint8Array {
    const parts = [this.string(1, this.chance(0.2) ? this.pick(['k', 'k.a', 'dup']) : this.text())];
    if (!this.chance(0.05)) parts.push(this.message(2, this.anyValueFields(nesting)));
    // A value sent twice: protobuf merges the two AnyValue messages.
    if (this.chance(0.05)) parts.push(this.message(2, this.anyValueFields(nesting)));
    return this.message(1, this.fields(parts, [1, 2]));
  }

  /** `count` key/values as the repeated field `field`. */
  attributes(field: number, count: number): Uint8Array[] {
    return Array.from({ length: count }, () => {
      const keyValue = this.keyValue(this.int(4));
      // Re-tag the KeyValue message from field 1 to `field`.
      return Buffer.concat([this.tag(field, 2), keyValue.subarray(1)]);
    });
  }

  /** An attribute whose value nests `depth` arrays deep (past 32 rejects its span). */
  deepAttribute(field: number, depth: number): Uint8Array {
    let value: Uint8Array = this.string(1, 'x');
    for (let i = 0; i < depth; i++) value = this.message(5, [this.message(1, [value])]);
    return this.message(field, [this.string(1, 'deep'), this.message(2, [value])]);
  }

  time(field: number): Uint8Array {
    return this.fixed64(field, this.int(2 ** 32), this.pick([0, 1, 0x17a2b3c4, 0x7fffffff, 0xffffffff, this.int(2 ** 32)]));
  }

  event(): Uint8Array {
    const parts = [this.time(1), this.string(2, this.text()), ...this.attributes(3, this.int(3))];
    if (this.chance(0.3)) parts.push(this.uvarint(4, this.int(10)));
    return this.message(11, this.fields(parts, [1, 2, 3, 4]));
  }

  link(): Uint8Array {
    const parts = [this.bytes(1, this.id(16)), this.bytes(2, this.id(8))];
    if (this.chance(0.4)) parts.push(this.string(3, 'vendor=value'));
    parts.push(...this.attributes(4, this.int(3)));
    if (this.chance(0.3)) parts.push(this.uvarint(5, this.int(10)));
    if (this.chance(0.6)) parts.push(this.fixed32(6, this.pick([0, 1, 0x101, 0x301, this.int(2 ** 32)])));
    return this.message(13, this.fields(parts, [1, 2, 3, 4, 5, 6]));
  }

  status(): Uint8Array {
    const parts: Uint8Array[] = [];
    if (this.chance(0.6)) parts.push(this.string(2, this.pick(['', 'timeout', 'canceling statement due to statement timeout'])));
    if (this.chance(0.8)) parts.push(this.varint(3, this.pick([0, 1, 2, 3, -1])));
    return this.message(15, this.fields(parts, [2, 3]));
  }

  span(allowDeep: boolean): Uint8Array {
    const parts: Uint8Array[] = [this.bytes(1, this.id(16)), this.bytes(2, this.id(8))];
    if (this.chance(0.3)) parts.push(this.string(3, this.pick(['', 'fed=1,other=x', 'rojo=00f067aa0ba902b7'])));
    if (this.chance(0.6)) parts.push(this.bytes(4, this.id(8)));
    if (this.chance(0.7)) parts.push(this.fixed32(16, this.pick([0, 1, 0x100, 0x301, 0xffffffff, this.int(2 ** 32)])));
    parts.push(this.string(5, this.text()));
    if (this.chance(0.1)) parts.push(this.string(5, 'renamed')); // a scalar sent twice: the last one counts
    if (this.chance(0.9)) parts.push(this.varint(6, this.pick([0, 1, 2, 3, 4, 5, 6, -1])));
    if (this.chance(0.95)) parts.push(this.time(7));
    if (this.chance(0.95)) parts.push(this.time(8));
    parts.push(...this.attributes(9, this.int(8)));
    if (allowDeep && this.chance(0.05)) parts.push(this.deepAttribute(9, 32 + this.int(4)));
    if (this.chance(0.3)) parts.push(this.uvarint(10, this.int(100)));
    for (let i = this.chance(0.3) ? this.int(3) : 0; i > 0; i--) parts.push(this.event());
    if (this.chance(0.2)) parts.push(this.uvarint(12, this.int(100)));
    for (let i = this.chance(0.25) ? this.int(3) : 0; i > 0; i--) parts.push(this.link());
    if (this.chance(0.2)) parts.push(this.uvarint(14, this.int(100)));
    if (this.chance(0.6)) parts.push(this.status());
    if (this.chance(0.05)) parts.push(this.status()); // merged into the first
    return this.message(2, this.fields(parts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
  }

  scopeSpans(allowDeep: boolean): Uint8Array {
    const parts: Uint8Array[] = [];
    if (this.chance(0.85)) {
      const scope = [this.string(1, this.pick(['', 'fedscope', 'io.opentelemetry.jdbc']))];
      if (this.chance(0.6)) scope.push(this.string(2, this.pick(['', '1.2.3'])));
      scope.push(...this.attributes(3, this.int(3)));
      if (this.chance(0.2)) scope.push(this.uvarint(4, this.int(5)));
      parts.push(this.message(1, this.fields(scope, [1, 2, 3, 4])));
      if (this.chance(0.05)) parts.push(this.message(1, [this.string(2, '9.9.9')])); // merged into the first
    }
    for (let i = this.int(6); i > 0; i--) parts.push(this.span(allowDeep));
    if (this.chance(0.4)) parts.push(this.string(3, this.pick(['', 'https://opentelemetry.io/schemas/1.30.0'])));
    return this.message(2, this.fields(parts, [1, 3]));
  }

  request(allowDeep: boolean): Uint8Array {
    const resourceSpans = Array.from({ length: this.int(4) }, () => {
      const parts: Uint8Array[] = [];
      if (this.chance(0.9)) {
        const resource = [...this.attributes(1, this.int(5))];
        if (this.chance(0.2)) resource.push(this.uvarint(2, this.int(5)));
        if (this.chance(0.1))
          resource.push(this.message(3, [this.string(1, 'https://schema'), this.string(2, 'service'), this.string(3, 'service.name')]));
        parts.push(this.message(1, this.fields(resource, [1, 2])));
        if (this.chance(0.05)) parts.push(this.message(1, this.attributes(1, 1))); // merged into the first
      }
      for (let i = this.int(4); i > 0; i--) parts.push(this.scopeSpans(allowDeep));
      if (this.chance(0.4)) parts.push(this.string(3, this.pick(['', 'https://opentelemetry.io/schemas/1.26.0'])));
      return this.message(1, this.fields(parts, [1, 3]));
    });
    return Buffer.concat(this.fields(resourceSpans));
  }
}

// --- The tests ---------------------------------------------------------------------------------

/** OTLP/JSON-shaped object → protobufjs `fromObject` input (hex ids become bytes), as decode-trace-request.test.ts builds its protobuf bodies. */
function toProtobufObject(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key)) return Buffer.from(value, 'hex');
  if (Array.isArray(value)) return value.map((element) => toProtobufObject(element));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toProtobufObject(v, k)]));
  return value;
}

function protobufBytes(request: unknown): Uint8Array {
  const { request: type } = otlpTraceTypes();
  return type.encode(type.fromObject(toProtobufObject(request) as Record<string, unknown>)).finish();
}

describe('the direct protobuf decoder decodes as protobufjs reflection did', () => {
  it('for the bodies the OTel JS serializer and the other tests build', async () => {
    const { all } = await sampleSpans();
    const federation = await federationSpanSet(Date.now() - 60_000);
    const bodies: [string, Uint8Array][] = [
      ['sample spans (ProtobufTraceSerializer)', ProtobufTraceSerializer.serializeRequest(all)!],
      ['federation span set (ProtobufTraceSerializer)', ProtobufTraceSerializer.serializeRequest(federation)!],
      ['collector-style request (protobufjs encode)', protobufBytes(collectorStyleRequest())],
      [
        'bad ids (protobufjs encode)',
        protobufBytes(jsonRequest([jsonSpan({ name: 'good' }), jsonSpan({ traceId: 'abcdef' }), jsonSpan({ spanId: '' })])),
      ],
      [
        'a too-deep span attribute',
        protobufBytes(jsonRequest([jsonSpan(), jsonSpan({ attributes: [{ key: 'k', value: nestedArrayValue(40) }] })])),
      ],
      ['a too-deep resource attribute', protobufBytes(jsonRequest([jsonSpan()], [{ key: 'k', value: nestedArrayValue(40) }]))],
      ['an empty body', new Uint8Array(0)],
    ];
    for (const [label, body] of bodies) expectSameDecoding(body, label);
    // The serializer's spans decode to spans (not rejections), so the comparison above compared real content.
    expect(outcome(readProtobufRequest, bodies[1]![1]).decoded?.spans).toHaveLength(federation.length);
  });

  it('for 300 seeded random requests: every AnyValue kind, nesting, events, links, status, flags, unknown fields, merges', () => {
    const generator = new RequestGenerator(20261207);
    let spans = 0;
    let rejected = 0;
    for (let i = 0; i < 300; i++) {
      const body = generator.request(true);
      const result = expectSameDecoding(body, `random request ${i}: ${Buffer.from(body).toString('base64')}`);
      spans += result.decoded?.spans.length ?? 0;
      rejected += result.decoded?.rejectedSpans ?? 0;
    }
    // The generator's requests decode, mostly to accepted spans, some rejected (bad ids, too-deep values).
    expect(spans).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(20);
  });

  it('for malformed bytes: seeded truncations and byte flips of random requests give the same error', () => {
    const generator = new RequestGenerator(7);
    let failures = 0;
    for (let i = 0; i < 150; i++) {
      const body = Buffer.from(generator.request(false));
      if (body.length < 2) continue;
      const mutations: Buffer[] = [
        body.subarray(0, generator.int(body.length)),
        Buffer.concat([body.subarray(0, generator.int(body.length)), Buffer.from([generator.int(256)])]),
      ];
      const flipped = Buffer.from(body);
      flipped[generator.int(flipped.length)] = generator.int(256);
      mutations.push(flipped);
      for (const [m, mutation] of mutations.entries()) {
        const result = expectSameDecoding(mutation, `request ${i} mutation ${m}: ${mutation.toString('base64')}`);
        if (result.error !== undefined) failures++;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });

  it('for hand-made malformed bytes: truncated varints, lengths past the end, wrong wire types, groups', () => {
    const span = Buffer.concat([Buffer.from([0x0a, 0x10]), Buffer.alloc(16, 0xab), Buffer.from([0x12, 0x08]), Buffer.alloc(8, 0xcd)]);
    const inSpan = (extra: number[]) => {
      const body = Buffer.concat([span, Buffer.from(extra)]);
      const scopeSpans = Buffer.concat([Buffer.from([0x12, body.length]), body]);
      const resourceSpans = Buffer.concat([Buffer.from([0x12, scopeSpans.length]), scopeSpans]);
      return Buffer.concat([Buffer.from([0x0a, resourceSpans.length]), resourceSpans]);
    };
    const cases: [string, Uint8Array, 'error' | 'ok'][] = [
      ['a truncated varint tag', Buffer.from([0x0a, 0x02, 0x12, 0x80]), 'error'],
      ['a truncated varint length', Buffer.from([0x0a, 0xff]), 'error'],
      ['a length past the end', Buffer.from([0x0a, 0x7f, 0x12, 0x03]), 'error'],
      ['resource_spans as a varint', Buffer.from([0x08, 0x01]), 'error'],
      ['resource_spans as a group', Buffer.from([0x0b, 0x0c]), 'error'],
      ['a lone end-group tag', Buffer.from([0x0c]), 'error'],
      ['field number 0', Buffer.from([0x00, 0x01]), 'error'],
      ['wire type 6', Buffer.from([0x0e]), 'error'],
      ['an unknown group at the top', Buffer.from([0x9b, 0x06, 0x08, 0x01, 0x9c, 0x06]), 'ok'],
      ['an unknown group with the wrong end tag', Buffer.from([0x9b, 0x06, 0x08, 0x01, 0xa4, 0x06]), 'error'],
      ['an unterminated unknown group', Buffer.from([0x9b, 0x06, 0x08, 0x01]), 'error'],
      ['a span name sent as a varint (skipped)', inSpan([0x28, 0x05]), 'ok'],
      ['a span kind sent length-delimited (skipped)', inSpan([0x32, 0x01, 0x03]), 'ok'],
      ['a span attribute as a group (skipped)', inSpan([0x4b, 0x08, 0x01, 0x4c]), 'ok'],
      ['a start time as fixed32 (skipped)', inSpan([0x3d, 1, 2, 3, 4]), 'ok'],
      ['a start time cut short', inSpan([0x39, 1, 2, 3, 4]), 'error'],
      ['a varint running past its message', inSpan([0x30, 0x80]), 'error'],
      ['invalid UTF-8 in a span name', inSpan([0x2a, 0x02, 0xc3, 0x28]), 'error'],
      ['an unpaired surrogate in a span name', inSpan([0x2a, 0x03, 0xed, 0xa0, 0x80]), 'error'],
      ['a real U+FFFD in a span name', inSpan([0x2a, 0x03, 0xef, 0xbf, 0xbd]), 'ok'],
      ['an attribute with a truncated value', inSpan([0x4a, 0x05, 0x0a, 0x01, 0x6b, 0x12, 0x07]), 'error'],
      ['an end-group inside a span', inSpan([0x0c]), 'error'],
      ['a length over 2^31', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), 'error'],
      ['a 10-byte negative kind', inSpan([0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'ok'],
    ];
    for (const [label, body, expected] of cases) {
      const result = expectSameDecoding(body, label);
      expect(result.error === undefined ? 'ok' : 'error', label).toBe(expected);
      if (result.error !== undefined) expect(result.error, label).toMatchObject({ name: 'OtlpDecodeError', status: 400 });
    }
  });

  it('refuses more than maxSpans spans with 413 as before, counting before decoding', () => {
    const body = protobufBytes(jsonRequest([jsonSpan(), jsonSpan(), jsonSpan()]));
    for (const read of [readProtobufRequestByReflection, readProtobufRequest]) {
      expect(() => read(body, 2)).toThrow(new OtlpDecodeError(413, 'request has more than 2 spans'));
      expect(read(body, 3).resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(3);
    }
  });
});

describe('where the direct decoder differs on purpose', () => {
  it('accepts maps nested 32 deep, which protobufjs refused at its 100-message limit', () => {
    // Maps nested 32 deep inside a span attribute: within MAX_ANY_VALUE_DEPTH, but 3 protobuf messages per level (101 in all),
    // built by hand since protobufjs's encoder has the same limit.
    const wire = new RequestGenerator(0);
    let value: Uint8Array = wire.string(1, 'leaf');
    for (let i = 0; i < 32; i++) value = wire.message(6, [wire.message(1, [wire.string(1, 'k'), wire.message(2, [value])])]);
    const attribute = wire.message(9, [wire.string(1, 'map'), wire.message(2, [value])]);
    const span = wire.message(2, [wire.bytes(1, Buffer.alloc(16, 0xab)), wire.bytes(2, Buffer.alloc(8, 0xcd)), attribute]);
    const body = wire.message(1, [wire.message(2, [span])]);
    expect(outcome(readProtobufRequestByReflection, body).error).toEqual({ name: 'OtlpDecodeError', status: 400, message: MALFORMED });
    const decoded = outcome(readProtobufRequest, body).decoded!;
    expect(decoded.spans[0]!.attributes).toEqual({ [`map${'.k'.repeat(32)}`]: 'leaf' });
  });
});
