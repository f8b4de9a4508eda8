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
