/** Bytes before each gRPC message on the wire: a compressed flag (1 byte) and the length (4 bytes, big endian). */
export const GRPC_MESSAGE_PREFIX_BYTES = 5;

/** The message encodings the receiver undoes, as it announces them in `grpc-accept-encoding`. */
export const GRPC_ACCEPT_ENCODING = 'identity,deflate,gzip';

/** Milliseconds per `grpc-timeout` unit: hours, minutes, seconds, milli-, micro- and nanoseconds. */
const TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** The longest delay a Node timer takes (about 24.8 days); longer deadlines are never reached in practice. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** True when a request's `content-type` is gRPC's (`application/grpc`, with or without a `+subtype` or parameters). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/grpc' || type.startsWith('application/grpc+');
}

/** True when a gRPC `content-type` carries protobuf: `application/grpc` or `application/grpc+proto`. */
export function isGrpcProtobufContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/grpc' || type === 'application/grpc+proto';
}

/**
 * The milliseconds a `grpc-timeout` value allows (a positive integer of at most 8 digits and a
 * unit: H, M, S, m, u or n), rounded up to a whole millisecond; undefined for a deadline too far
 * away for a timer (it cannot expire while the process runs).
 *
 * @throws RangeError naming the value when it is not a `grpc-timeout` value
 */
export function grpcTimeoutMs(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) throw new RangeError(`invalid grpc-timeout ${JSON.stringify(value.slice(0, 20))}`);
  const ms = Math.ceil(Number(match[1]) * TIMEOUT_UNIT_MS[match[2]!]!);
  return ms > MAX_TIMER_MS ? undefined : ms;
}

/**
 * A `grpc-message` value: the text as UTF-8, every byte outside printable ASCII and `%` itself
 * percent-encoded, as the gRPC over HTTP/2 protocol asks.
 */
export function percentEncodeGrpcMessage(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** A binary (`-bin`) header's value: base64 without padding, as gRPC implementations should emit it. */
export function binaryHeaderValue(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** One length-prefixed, uncompressed gRPC message: the prefix followed by the bytes. */
export function frameGrpcMessage(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(GRPC_MESSAGE_PREFIX_BYTES);
  prefix.writeUInt32BE(message.byteLength, 1);
  return Buffer.concat([prefix, message]);
}
