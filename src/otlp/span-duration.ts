import type { HrTime } from '@opentelemetry/api';

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * `end − start` as `HrTime`, `undefined` when the end is before the start (the SDK then records a
 * zero duration). Both times are exact `[seconds, nanoseconds]` pairs, as the decoders split the
 * uint64, so the difference is exact in number arithmetic: parsing the nanosecond strings into
 * BigInts cost more than the rest of a span's conversion.
 */
export function spanDuration(start: HrTime, end: HrTime): HrTime | undefined {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += NANOS_PER_SECOND;
  }
  return seconds < 0 ? undefined : [seconds, nanos];
}
