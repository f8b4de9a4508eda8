import type { DecodedTime } from './trace-model.js';

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * Nanoseconds since the Unix epoch (an OTLP fixed64) as an `HrTime` pair and as an exact decimal
 * string. Seconds stay exact as a JS number for any uint64 (at most about 1.8e10).
 */
export function unixNanosToTime(nanos: bigint): DecodedTime {
  return {
    hrTime: [Number(nanos / NANOS_PER_SECOND), Number(nanos % NANOS_PER_SECOND)],
    unixNano: nanos.toString(),
  };
}
