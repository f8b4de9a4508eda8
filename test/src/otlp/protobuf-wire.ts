/** Protobuf wire-format pieces for hand-made OTLP payloads (ones protobufjs would refuse to build). */

/** `value` as a protobuf varint. */
export function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A length-delimited field: its one-byte tag (field number << 3 | 2), the length as a varint, the bytes. */
export function lengthDelimited(tag: number, value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), varint(value.length), value]);
}
