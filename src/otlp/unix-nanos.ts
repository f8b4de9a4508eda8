import type { DecodedTime } from './trace-model.js';

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_SECOND_NUMBER = 1_000_000_000;
const TWO_POW_32 = 2 ** 32;
/** 2^32 mod 10^9 and 2^48 mod 10^9: with them `high · 2^32 mod 10^9` is a sum of products below 2^53, so exact. */
const TWO_POW_32_MOD_NANOS = TWO_POW_32 % NANOS_PER_SECOND_NUMBER;
const TWO_POW_48_MOD_NANOS = 2 ** 48 % NANOS_PER_SECOND_NUMBER;

/**
 * Nanoseconds since the Unix epoch (an OTLP fixed64) as an exact `HrTime` pair. Seconds stay exact
 * as a JS number for any uint64 (at most about 1.8e10).
 */
export function unixNanosToTime(nanos: bigint): DecodedTime {
  return { hrTime: [Number(nanos / NANOS_PER_SECOND), Number(nanos % NANOS_PER_SECOND)] };
}

/**
 * The same as {@link unixNanosToTime} for a fixed64 given as its two unsigned 32-bit halves (as
 * protobuf readers hold it), in plain number arithmetic: building a BigInt and dividing it cost
 * more than the rest of a span's times. The nanoseconds are the exact remainder (every product
 * below 2^53); the seconds are the rounded quotient of `value − nanoseconds`, an exact multiple of
 * 10^9 whose double rounding errs by far less than half a second.
 */
export function fixed64ToTime(low: number, high: number): DecodedTime {
  const lowBits = low >>> 0;
  const highBits = high >>> 0;
  const nanos = ((highBits >>> 16) * TWO_POW_48_MOD_NANOS + (highBits & 0xffff) * TWO_POW_32_MOD_NANOS + lowBits) % NANOS_PER_SECOND_NUMBER;
  const seconds = Math.round((highBits * TWO_POW_32 + lowBits - nanos) / NANOS_PER_SECOND_NUMBER);
  return { hrTime: [seconds, nanos] };
}
