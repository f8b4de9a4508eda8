import { describe, expect, it } from 'vitest';
import { BitReader } from '../../../src/stats/bit-reader.js';
import { BitWriter } from '../../../src/stats/bit-writer.js';
import { LogBucketSketch } from '../../../src/stats/log-bucket-sketch.js';
import { PackedSlotRing } from '../../../src/stats/packed-slot-ring.js';
import { WindowSlot } from '../../../src/stats/window-slot.js';
import { DISTRIBUTIONS, GOAL_QUANTILES } from '../../support/latency-distributions.js';
import { seededRandom } from '../../support/seeded-random.js';

const QUANTILES = [0, 0.01, 0.1, ...GOAL_QUANTILES, 1];

function sketchOf(values: ArrayLike<number>, options = {}): LogBucketSketch {
  const sketch = new LogBucketSketch(options);
  for (let i = 0; i < values.length; i++) sketch.add(values[i] as number);
  return sketch;
}

/** The sketch's packed form read back into `into` (a new empty sketch unless given). */
function throughPacked(sketch: LogBucketSketch, into = new LogBucketSketch({ maxBuckets: sketch.maxBuckets })): LogBucketSketch {
  const writer = new BitWriter();
  sketch.writePacked(writer);
  const words = new Uint32Array(writer.wordLength);
  writer.copyTo(words, 0);
  into.addPacked(new BitReader().reset(words, 0));
  return into;
}

function slot(index: number, count: number, sketch: LogBucketSketch | null = null): WindowSlot {
  const s = new WindowSlot();
  s.reset(index);
  s.count = count;
  s.errors = count % 3;
  s.rowsReturned = count * 1.5;
  s.cacheHits = count % 5;
  s.cacheLookups = count % 7;
  s.sketch = sketch;
  return s;
}

describe('LogBucketSketch packed form', () => {
  it('reads back the same buckets, figures and quantiles (to the bit) over random streams', () => {
    const random = seededRandom(11);
    for (const distribution of DISTRIBUTIONS) {
      for (const n of [1, 7, 500, 5_000, 60_000]) {
        const values = distribution.sample(n, Math.floor(random() * 1e9));
        // some values in the zero bucket, as latencies of 0 ms
        if (n > 10) for (let i = 0; i < n; i += 97) values[i] = 0;
        const plain = sketchOf(values);
        const unpacked = throughPacked(plain);
        expect(unpacked.toJSON()).toEqual(plain.toJSON());
        expect(unpacked.quantiles(QUANTILES)).toEqual(plain.quantiles(QUANTILES));
      }
    }
  });

  it('adds like merge, also into a sketch that must widen its counts or collapse its lowest buckets', () => {
    const random = seededRandom(12);
    const wide = Float64Array.from({ length: 20_000 }, () => Math.exp((random() - 0.5) * 60)); // 26 decades
    const busy = Float64Array.from({ length: 300 }, () => 5);
    for (const [a, b, options] of [
      [DISTRIBUTIONS[0]!.sample(3_000, 1), DISTRIBUTIONS[2]!.sample(3_000, 2), {}],
      [busy, busy, {}], // 300 + 300 in one bucket: past 8 bits
      [wide, DISTRIBUTIONS[1]!.sample(2_000, 3), { maxBuckets: 64 }],
      [DISTRIBUTIONS[3]!.sample(100, 4), wide, { maxBuckets: 128 }],
    ] as const) {
      const merged = sketchOf(a, options);
      merged.merge(sketchOf(b, options));
      const packed = throughPacked(sketchOf(b, options), sketchOf(a, options));
      expect(packed.toJSON()).toEqual(merged.toJSON());
      expect(packed.quantiles(QUANTILES)).toEqual(merged.quantiles(QUANTILES));
    }
  });

  it('takes a fraction of the dense form', () => {
    const plain = sketchOf(DISTRIBUTIONS[0]!.sample(6_000, 5));
    const writer = new BitWriter();
    plain.writePacked(writer);
    expect(writer.wordLength * 4).toBeLessThan(plain.byteSize() / 2);
  });
});

describe('PackedSlotRing', () => {
  it('keeps slots by position, adds them back exactly, and drops and compacts them', () => {
    const ring = new PackedSlotRing(4);
    expect(ring.byteSize()).toBeLessThan(100); // no array while empty
    const a = sketchOf(DISTRIBUTIONS[0]!.sample(500, 6));
    const b = sketchOf(DISTRIBUTIONS[1]!.sample(800, 7));
    ring.put(1, slot(101, 500, a), a);
    ring.put(2, slot(102, 9, null), null); // counted operations without latencies
    ring.put(3, slot(103, 800, b), b);
    expect([0, 1, 2, 3].map((p) => ring.indexAt(p))).toEqual([Number.NEGATIVE_INFINITY, 101, 102, 103]);
    expect(ring.recordsWithLatencies).toBe(2);

    const counters = new WindowSlot();
    const sum = new LogBucketSketch();
    for (const p of [0, 1, 2, 3]) ring.addTo(p, counters, sum);
    expect(counters).toMatchObject({
      count: 500 + 9 + 800,
      errors: 2 + 0 + 2,
      cacheHits: 0 + 4 + 0,
      cacheLookups: 3 + 2 + 2,
      rowsReturned: 1.5 * 500 + 1.5 * 9 + 1.5 * 800,
    });
    const expected = a.clone();
    expected.merge(b);
    expect(sum.toJSON()).toEqual(expected.toJSON());

    // Replacing a position, dropping one: the array shrinks to what is left.
    const full = ring.byteSize();
    ring.put(1, slot(105, 3, null), null);
    expect(ring.indexAt(1)).toBe(105);
    expect(ring.byteSize()).toBeLessThan(full);
    ring.drop(3);
    expect(ring.indexAt(3)).toBe(Number.NEGATIVE_INFINITY);
    const withDropped = ring.byteSize();
    ring.compact();
    expect(ring.byteSize()).toBeLessThan(withDropped);
    expect(ring.addTo(3, new WindowSlot(), null)).toBe(false);
    expect(ring.recordsWithLatencies).toBe(0);
    ring.drop(1);
    ring.drop(2);
    expect(ring.byteSize()).toBeLessThan(100); // nothing left: no array
  });

  it('reports a record’s counters and latency sum without unpacking its buckets', () => {
    const ring = new PackedSlotRing(2);
    const a = sketchOf([1.5, 2.25, 1000]);
    ring.put(0, slot(7, 3, a), a);
    const counters = new WindowSlot();
    expect(ring.addCounters(0, counters)).toBe(a.sum);
    expect(counters.count).toBe(3);
    expect(ring.addCounters(1, counters)).toBe(0);
  });
});
