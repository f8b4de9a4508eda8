import { describe, expect, it } from 'vitest';
import { LogBucketMapping } from '../../../src/stats/log-bucket-mapping.js';
import { LogBucketSketch } from '../../../src/stats/log-bucket-sketch.js';
import type { QuantileSketch } from '../../../src/stats/types.js';
import { DISTRIBUTIONS, GOAL_QUANTILES, exactQuantile, relativeError, sortedCopy } from '../../support/latency-distributions.js';
import { seededRandom } from '../../support/seeded-random.js';

const N = 200_000;
const GOAL = 0.01;

function sketchOf(values: Float64Array, from = 0, to = values.length): LogBucketSketch {
  const sketch = new LogBucketSketch();
  for (let i = from; i < to; i++) sketch.add(values[i] as number);
  return sketch;
}

function worstErrors(sketch: QuantileSketch, sorted: Float64Array): number[] {
  const estimates = sketch.quantiles(GOAL_QUANTILES);
  return GOAL_QUANTILES.map((q, i) => relativeError(estimates[i] as number, exactQuantile(sorted, q)));
}

describe('LogBucketMapping', () => {
  it('derives the fewest buckets per octave that meet the accuracy', () => {
    const mapping = LogBucketMapping.forRelativeAccuracy(0.01);
    expect(mapping.bucketsPerOctave).toBe(35);
    expect(mapping.relativeAccuracy).toBeLessThanOrEqual(0.01);
    expect(LogBucketMapping.forBucketsPerOctave(34).relativeAccuracy).toBeGreaterThan(0.01);
    expect(LogBucketMapping.forRelativeAccuracy(0.01)).toBe(mapping); // shared
    expect(() => LogBucketMapping.forRelativeAccuracy(0)).toThrow(RangeError);
    expect(() => LogBucketMapping.forBucketsPerOctave(1.5)).toThrow(RangeError);
  });

  it('computes key = ⌈b·log2(x)⌉ exactly, powers of two on their upper bound', () => {
    for (const b of [2, 35, 64, 1000]) {
      const mapping = LogBucketMapping.forBucketsPerOctave(b);
      for (let e = -30; e <= 30; e++) expect(mapping.key(2 ** e)).toBe(e * b);
      const random = seededRandom(b);
      const wrong: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const x = Math.exp((random() - 0.5) * 80);
        const key = mapping.key(x);
        const inBucket = x > mapping.lowerBound(key) * (1 - 1e-12) && x <= mapping.upperBound(key) * (1 + 1e-12);
        if (!inBucket || relativeError(mapping.value(key), x) > mapping.relativeAccuracy + 1e-12) wrong.push(x);
      }
      expect(wrong).toEqual([]);
    }
  });

  it('matches OpenTelemetry exponential histogram scale 6 bounds at 64 buckets per octave', () => {
    const mapping = LogBucketMapping.forBucketsPerOctave(64);
    // OTel scale 6: bucket i covers (base^i, base^(i+1)], base = 2^(2^-6); our key is i + 1.
    const base = 2 ** (2 ** -6);
    expect(mapping.key(base ** 10 * 1.0001)).toBe(11);
    expect(mapping.relativeAccuracy).toBeCloseTo((base - 1) / (base + 1), 12);
  });
});

describe('LogBucketSketch accuracy', () => {
  for (const distribution of DISTRIBUTIONS) {
    it(`stays within 1% at p50/p90/p95/p99/p99.9 on ${distribution.description}, also after merging halves`, () => {
      const values = distribution.sample(N, 7);
      const sorted = sortedCopy(values);
      const whole = sketchOf(values);
      for (const error of worstErrors(whole, sorted)) {
        expect(error).toBeLessThanOrEqual(whole.relativeAccuracy);
        expect(error).toBeLessThanOrEqual(GOAL);
      }

      const merged = sketchOf(values, 0, N / 2);
      merged.merge(sketchOf(values, N / 2, N));
      for (const error of worstErrors(merged, sorted)) expect(error).toBeLessThanOrEqual(GOAL);
      expect(merged.quantiles(GOAL_QUANTILES)).toEqual(whole.quantiles(GOAL_QUANTILES));

      // Merging many small pieces in another order changes nothing either.
      const pieces = new LogBucketSketch();
      for (let start = N - 10_000; start >= 0; start -= 10_000) pieces.merge(sketchOf(values, start, start + 10_000));
      expect(pieces.quantiles(GOAL_QUANTILES)).toEqual(whole.quantiles(GOAL_QUANTILES));
      expect(pieces.count).toBe(N);

      expect(whole.quantile(0)).toBe(sorted[0]);
      expect(whole.quantile(1)).toBe(sorted[N - 1]);
    });
  }

  it('keeps the bound for every quantile, not just the goal ones', () => {
    const values = DISTRIBUTIONS[0]!.sample(20_000, 3);
    const sorted = sortedCopy(values);
    const sketch = sketchOf(values);
    for (let q = 0; q <= 1; q += 0.001) {
      expect(relativeError(sketch.quantile(q), exactQuantile(sorted, q))).toBeLessThanOrEqual(sketch.relativeAccuracy + 1e-12);
    }
  });

  it('honours a tighter accuracy', () => {
    const values = DISTRIBUTIONS[2]!.sample(50_000, 11);
    const sorted = sortedCopy(values);
    const sketch = new LogBucketSketch({ relativeAccuracy: 0.001, maxBuckets: 8192 });
    for (const v of values) sketch.add(v);
    for (const error of worstErrors(sketch, sorted)) expect(error).toBeLessThanOrEqual(0.001);
  });
});

describe('LogBucketSketch bookkeeping', () => {
  it('keeps count, sum, min and max exact, with weighted adds', () => {
    const sketch = new LogBucketSketch();
    expect(sketch.count).toBe(0);
    expect(sketch.min).toBeNaN();
    expect(sketch.quantile(0.5)).toBeNaN();
    sketch.add(3);
    sketch.add(1.5, 4);
    sketch.add(1000);
    expect(sketch.count).toBe(6);
    expect(sketch.sum).toBe(3 + 6 + 1000);
    expect(sketch.min).toBe(1.5);
    expect(sketch.max).toBe(1000);
    expect(relativeError(sketch.quantile(0.5), 1.5)).toBeLessThanOrEqual(0.01);
  });

  it('ignores NaN, infinities and invalid counts; puts tiny and negative values in the zero bucket', () => {
    const sketch = new LogBucketSketch();
    sketch.add(Number.NaN);
    sketch.add(Infinity);
    sketch.add(-Infinity);
    sketch.add(5, 0);
    sketch.add(5, -1);
    sketch.add(5, 1.5);
    sketch.add(5, Number.NaN);
    expect(sketch.count).toBe(0);
    sketch.add(0);
    sketch.add(1e-9);
    sketch.add(-2);
    sketch.add(10);
    expect(sketch.count).toBe(4);
    expect(sketch.quantile(0)).toBe(-2);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(1)).toBe(10);
  });

  it('validates quantiles and options', () => {
    const sketch = new LogBucketSketch();
    expect(() => sketch.quantile(1.5)).toThrow(RangeError);
    expect(() => sketch.quantiles([0.5, Number.NaN])).toThrow(RangeError);
    expect(() => new LogBucketSketch({ maxBuckets: 4 })).toThrow(/maxBuckets/);
    expect(() => new LogBucketSketch({ minIndexedValue: 0 })).toThrow(/minIndexedValue/);
  });

  it('returns quantiles in the order asked', () => {
    const sketch = sketchOf(Float64Array.from({ length: 1000 }, (_, i) => i + 1));
    const [high, low, mid] = sketch.quantiles([0.99, 0.01, 0.5]);
    expect(relativeError(high!, 990)).toBeLessThanOrEqual(0.01);
    expect(relativeError(low!, 10)).toBeLessThanOrEqual(0.01);
    expect(relativeError(mid!, 500)).toBeLessThanOrEqual(0.01);
  });

  it('widens its counts past 8, 16 and 32 bits without losing any', () => {
    const small = new LogBucketSketch();
    for (let i = 0; i < 300; i++) small.add(5);
    const twin = small.clone();
    small.merge(twin);
    expect(small.toJSON().counts).toEqual([600]);
    expect(small.quantile(0.5)).toBe(5);

    const sketch = new LogBucketSketch();
    sketch.add(10, 60_000);
    sketch.add(10, 60_000);
    expect(sketch.byteSize()).toBeGreaterThan(new LogBucketSketch().byteSize());
    sketch.add(10, 2 ** 32);
    sketch.add(20, 3);
    expect(sketch.count).toBe(120_000 + 2 ** 32 + 3);
    expect(relativeError(sketch.quantile(0.5), 10)).toBeLessThanOrEqual(0.01);
    expect(relativeError(sketch.quantile(1), 20)).toBe(0);
    const other = new LogBucketSketch();
    other.add(10, 65_000);
    const narrow = new LogBucketSketch();
    narrow.add(10, 65_000);
    narrow.merge(other); // 130,000 in one bucket: must widen, not wrap
    expect(narrow.quantile(1)).toBe(10);
    expect(LogBucketSketch.fromJSON(JSON.parse(JSON.stringify(narrow))).toJSON().counts).toEqual([130_000]);
  });

  it('merges a sketch into itself and rejects other layouts', () => {
    const sketch = sketchOf(Float64Array.of(1, 2, 3));
    sketch.merge(sketch);
    expect(sketch.count).toBe(6);
    expect(sketch.sum).toBe(12);
    expect(() => sketch.merge(new LogBucketSketch({ relativeAccuracy: 0.02 }))).toThrow(TypeError);
  });

  it('clears and is reusable', () => {
    const sketch = sketchOf(DISTRIBUTIONS[0]!.sample(1000, 1));
    sketch.clear();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNaN();
    sketch.add(7);
    expect(sketch.quantile(0.5)).toBe(7);
  });

  it('clones without sharing state', () => {
    const sketch = sketchOf(Float64Array.of(1, 2, 3));
    const copy = sketch.clone();
    copy.add(100);
    expect(sketch.count).toBe(3);
    expect(copy.count).toBe(4);
  });
});

describe('LogBucketSketch memory', () => {
  it('retains at most 10 KB at 100k lognormal values', () => {
    const sketch = sketchOf(DISTRIBUTIONS[0]!.sample(100_000, 5));
    expect(sketch.byteSize()).toBeLessThanOrEqual(10 * 1024);
    expect(sketch.allocatedBuckets).toBeLessThanOrEqual(sketch.maxBuckets);
  });

  it('bounds the buckets whatever the range, collapsing the lowest only', () => {
    const random = seededRandom(9);
    const values = Float64Array.from({ length: 50_000 }, () => Math.exp((random() - 0.5) * 1200)); // ~520 decades
    const sorted = sortedCopy(values);
    const sketch = sketchOf(values);
    expect(sketch.allocatedBuckets).toBeLessThanOrEqual(1024);
    expect(sketch.byteSize()).toBeLessThanOrEqual(10 * 1024);
    expect(sketch.count).toBe(values.length);
    // The top ~8.8 decades keep the guarantee: the highest quantiles are still within 1%.
    expect(relativeError(sketch.quantile(0.999), exactQuantile(sorted, 0.999))).toBeLessThanOrEqual(0.01);
    expect(relativeError(sketch.quantile(0.995), exactQuantile(sorted, 0.995))).toBeLessThanOrEqual(0.01);

    const small = new LogBucketSketch({ maxBuckets: 64 });
    for (const v of values) small.add(v);
    const merged = new LogBucketSketch({ maxBuckets: 64 });
    merged.merge(sketch); // collapsing on merge too
    expect(small.allocatedBuckets).toBeLessThanOrEqual(64);
    expect(merged.allocatedBuckets).toBeLessThanOrEqual(64);
    expect(merged.count).toBe(values.length);
    expect(merged.quantile(1)).toBe(sorted[sorted.length - 1]);
  });
});

describe('LogBucketSketch range of the guarantee', () => {
  // 1,024 buckets at 0.99 % relative accuracy (γ = 1.0099 / 0.9901) cover 1,024 × log10 γ ≈ 8.8 decades.
  const decadesCovered = (1024 * Math.log((1 + 0.0099) / (1 - 0.0099))) / Math.LN10;

  /** Log-uniform values over `decades` decades starting at 1 µs (in ms). */
  function logUniform(decades: number, seed: number): Float64Array {
    const random = seededRandom(seed);
    return Float64Array.from({ length: 200_000 }, () => 1e-3 * 10 ** (random() * decades));
  }

  it('covers 8.8 decades: within 1 % from p1 to p99.9 for a stream from 1 µs to 10 minutes (8.78 decades)', () => {
    expect(decadesCovered).toBeCloseTo(8.8, 1);
    const values = logUniform(Math.log10(600_000 / 1e-3), 21);
    const sorted = sortedCopy(values);
    const sketch = sketchOf(values);
    for (const q of [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]) {
      expect(relativeError(sketch.quantile(q), exactQuantile(sorted, q)), `p${q * 100}`).toBeLessThanOrEqual(GOAL);
    }
  });

  it('past 8.8 decades keeps the top 8.8 only: 1 µs to 1 h (9.56 decades) loses p1, keeps p10 and up', () => {
    const values = logUniform(Math.log10(3_600_000 / 1e-3), 22);
    const sorted = sortedCopy(values);
    const sketch = sketchOf(values);
    expect(relativeError(sketch.quantile(0.01), exactQuantile(sorted, 0.01))).toBeGreaterThan(GOAL);
    for (const q of [0.1, 0.5, 0.99, 0.999]) {
      expect(relativeError(sketch.quantile(q), exactQuantile(sorted, q)), `p${q * 100}`).toBeLessThanOrEqual(GOAL);
    }
  });
});

describe('LogBucketSketch serialisation', () => {
  it('round-trips through JSON text with identical answers', () => {
    for (const distribution of DISTRIBUTIONS) {
      const sketch = sketchOf(distribution.sample(20_000, 13));
      const text = JSON.stringify(sketch);
      const back = LogBucketSketch.fromJSON(JSON.parse(text));
      expect(back.count).toBe(sketch.count);
      expect(back.sum).toBe(sketch.sum);
      expect(back.min).toBe(sketch.min);
      expect(back.max).toBe(sketch.max);
      expect(back.quantiles(GOAL_QUANTILES)).toEqual(sketch.quantiles(GOAL_QUANTILES));
      expect(back.toJSON()).toEqual(sketch.toJSON());
      expect(text.length).toBeLessThan(4000);
    }
  });

  it('ships sketches between "processes" and merges them exactly', () => {
    const values = DISTRIBUTIONS[1]!.sample(40_000, 17);
    const sorted = sortedCopy(values);
    const a = JSON.stringify(sketchOf(values, 0, 20_000));
    const b = JSON.stringify(sketchOf(values, 20_000, 40_000));
    const merged = LogBucketSketch.fromJSON(JSON.parse(a));
    merged.merge(LogBucketSketch.fromJSON(JSON.parse(b)));
    for (const error of worstErrors(merged, sorted)) expect(error).toBeLessThanOrEqual(GOAL);
    expect(merged.quantiles(GOAL_QUANTILES)).toEqual(sketchOf(values).quantiles(GOAL_QUANTILES));
  });

  it('round-trips an empty sketch and zero-bucket values', () => {
    const empty = LogBucketSketch.fromJSON(JSON.parse(JSON.stringify(new LogBucketSketch())));
    expect(empty.count).toBe(0);
    expect(empty.min).toBeNaN();
    const zeros = new LogBucketSketch();
    zeros.add(0, 3);
    zeros.add(4);
    const back = LogBucketSketch.fromJSON(JSON.parse(JSON.stringify(zeros)));
    expect(back.quantiles([0.5, 1])).toEqual([0, 4]);
  });

  it('rejects malformed input with a message naming the field', () => {
    const good = sketchOf(Float64Array.of(1, 2, 3)).toJSON();
    expect(() => LogBucketSketch.fromJSON(null)).toThrow(/object/);
    expect(() => LogBucketSketch.fromJSON({ ...good, format: 'x' })).toThrow(/format/);
    expect(() => LogBucketSketch.fromJSON({ ...good, count: 4 })).toThrow(/count/);
    expect(() => LogBucketSketch.fromJSON({ ...good, counts: ['1'] })).toThrow(/counts/);
    expect(() => LogBucketSketch.fromJSON({ ...good, counts: [1, -5000, 1] })).toThrow(/maxBuckets/);
    expect(() => LogBucketSketch.fromJSON({ ...good, bucketsPerOctave: 1 })).toThrow(/bucketsPerOctave/);
    expect(() => LogBucketSketch.fromJSON({ ...good, min: 5, max: 1 })).toThrow(/min/);
  });
});

describe('LogBucketSketch compaction', () => {
  it('shrinks to the occupied buckets without changing any answer', () => {
    const sketch = sketchOf(DISTRIBUTIONS[0]!.sample(50_000, 23));
    const before = sketch.toJSON();
    const quantiles = sketch.quantiles(GOAL_QUANTILES);
    const bytes = sketch.byteSize();
    sketch.compact();
    expect(sketch.byteSize()).toBeLessThanOrEqual(bytes);
    expect(sketch.toJSON()).toEqual(before);
    expect(sketch.quantiles(GOAL_QUANTILES)).toEqual(quantiles);
    sketch.add(1e6); // still growable
    expect(sketch.quantile(1)).toBe(1e6);
    sketch.clear();
    sketch.compact();
    expect(sketch.allocatedBuckets).toBe(0);
  });
});

describe('LogBucketSketch.mergeAll / assignMerged', () => {
  it('equals merging one by one, reusing the target storage', () => {
    const values = DISTRIBUTIONS[2]!.sample(30_000, 29);
    const pieces = [0, 1, 2].map((k) => sketchOf(values, k * 10_000, (k + 1) * 10_000));
    const all = LogBucketSketch.mergeAll(pieces);
    const whole = sketchOf(values);
    expect({ ...all.toJSON(), sum: 0 }).toEqual({ ...whole.toJSON(), sum: 0 }); // sums differ by rounding order only
    expect(all.sum).toBeCloseTo(whole.sum, 6);
    const scratch = sketchOf(DISTRIBUTIONS[0]!.sample(1000, 1)); // previous contents are replaced
    expect(scratch.assignMerged(pieces).toJSON()).toEqual(all.toJSON());
    expect(scratch.assignMerged([]).count).toBe(0);
    expect(LogBucketSketch.mergeAll([]).count).toBe(0);
    expect(() => scratch.assignMerged([scratch])).toThrow(TypeError);
    expect(() => LogBucketSketch.mergeAll([pieces[0]!, new LogBucketSketch({ bucketsPerOctave: 64 })])).toThrow(TypeError);
  });
});
