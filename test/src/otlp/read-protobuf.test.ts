import { describe, expect, it } from 'vitest';
import { decodeTracePayload } from '../../../src/otlp/index.js';
import { lengthDelimited, varint } from './protobuf-wire.js';

const TRACE_ID = Buffer.alloc(16, 0xab);
const SPAN_ID = Buffer.alloc(8, 0xcd);

/** A request of one span whose one attribute `k` holds the AnyValue `value` (its encoded fields). */
function requestWithValue(value: Buffer): Buffer {
  const attribute = Buffer.concat([lengthDelimited(0x0a, Buffer.from('k')), lengthDelimited(0x12, value)]);
  const span = Buffer.concat([lengthDelimited(0x0a, TRACE_ID), lengthDelimited(0x12, SPAN_ID), lengthDelimited(0x4a, attribute)]);
  return lengthDelimited(0x0a, lengthDelimited(0x12, lengthDelimited(0x12, span)));
}

const stringValue = (text: string) => lengthDelimited(0x0a, Buffer.from(text));
const intValue = (n: number) => Buffer.concat([Buffer.from([0x18]), varint(n)]);

describe('readProtobufRequest: AnyValue oneof', () => {
  it('keeps the member sent last when an AnyValue carries two, as protobuf merges a oneof', () => {
    const attributes = (value: Buffer) => decodeTracePayload(requestWithValue(value), 'protobuf').spans[0]!.attributes;
    expect(attributes(Buffer.concat([stringValue('x'), intValue(7)]))).toEqual({ k: 7 });
    expect(attributes(Buffer.concat([intValue(7), stringValue('x')]))).toEqual({ k: 'x' });
    expect(attributes(Buffer.concat([intValue(7), stringValue('x'), intValue(9)]))).toEqual({ k: 9 });
    expect(attributes(stringValue(''))).toEqual({ k: '' });
    // An AnyValue with no member set is an empty value: the attribute is left out.
    expect(attributes(Buffer.alloc(0))).toEqual({});
  });
});

/** A span with `name` and string attributes `k0`, `k1`, … holding `values`. */
function spanWith(name: string, values: readonly string[]): Buffer {
  const attributes = values.map((value, i) =>
    lengthDelimited(0x4a, Buffer.concat([lengthDelimited(0x0a, Buffer.from(`k${i}`)), lengthDelimited(0x12, stringValue(value))])),
  );
  return Buffer.concat([
    lengthDelimited(0x0a, TRACE_ID),
    lengthDelimited(0x12, SPAN_ID),
    lengthDelimited(0x2a, Buffer.from(name)),
    ...attributes,
  ]);
}

describe('readProtobufRequest: recently read strings', () => {
  it('hands out a repeated name or value again, and never one whose bytes differ', () => {
    // Same length, first, middle and last byte (the slot's hash), different elsewhere; non-ASCII;
    // the longest kept (64 bytes) and one byte longer; a value spelled like a key.
    const values = ['a0m0z', 'a1m1z', 'a0m1z', 'ä', 'é', 'x'.repeat(64), 'x'.repeat(63) + 'y', 'x'.repeat(65), 'k0', ''];
    const names = ['SELECT orders', 'SELECT ordfrs', 'pg.connect', 'pg.connecu', 'größe'];
    const spans = names.map((name, i) => spanWith(name, [...values.slice(i), ...values.slice(0, i)]));
    const request = lengthDelimited(0x0a, lengthDelimited(0x12, Buffer.concat(spans.map((span) => lengthDelimited(0x12, span)))));
    const expected = names.map((name, i) => ({
      name,
      attributes: Object.fromEntries([...values.slice(i), ...values.slice(0, i)].map((value, k) => [`k${k}`, value])),
    }));
    // Twice: the second decode finds every short ASCII string read by the first.
    for (let pass = 0; pass < 2; pass++) {
      const decoded = decodeTracePayload(request, 'protobuf').spans.map((span) => ({ name: span.name, attributes: span.attributes }));
      expect(decoded).toEqual(expected);
    }
  });
});
