import { describe, expect, it } from 'vitest';
import { fixed64ToTime, unixNanosToTime } from '../../../src/otlp/unix-nanos.js';

/** The two unsigned 32-bit halves of a uint64, as a protobuf reader's Long holds them (signed ints). */
function halves(nanos: bigint): [low: number, high: number] {
  return [Number(BigInt.asIntN(32, nanos)), Number(BigInt.asIntN(32, nanos >> 32n))];
}

describe('fixed64ToTime', () => {
  it('equals the BigInt conversion at the edges of the uint64 range and of every second', () => {
    const values = [
      0n,
      1n,
      999_999_999n,
      1_000_000_000n,
      1_000_000_001n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n + 1n,
      1_700_000_000_123_456_789n,
      2n ** 63n,
      18_446_744_073_000_000_000n,
      2n ** 64n - 1n,
    ];
    for (const nanos of values) expect(fixed64ToTime(...halves(nanos)), String(nanos)).toEqual(unixNanosToTime(nanos));
  });

  it('equals the BigInt conversion for values spread over the whole range', () => {
    // A fixed stride through the range (a multiplicative walk), so the test is the same on every run.
    let nanos = 12_345_678_901_234_567n;
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      nanos = (nanos * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % 2n ** 64n;
      // The value, and the first and last nanosecond of its second.
      for (const value of [nanos, nanos - (nanos % 1_000_000_000n), nanos - (nanos % 1_000_000_000n) + 999_999_999n]) {
        if (value >= 2n ** 64n) continue;
        const time = fixed64ToTime(...halves(value));
        const expected = unixNanosToTime(value);
        const same =
          time.hrTime[0] === expected.hrTime[0] &&
          time.hrTime[1] === expected.hrTime[1] &&
          BigInt(time.hrTime[0]) * 1_000_000_000n + BigInt(time.hrTime[1]) === value;
        if (!same) mismatches.push(String(value));
      }
    }
    expect(mismatches).toEqual([]);
  });
});
