import { describe, expect, it } from 'vitest';
import { LogBucketSketch } from '../../../src/stats/log-bucket-sketch.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { SlidingWindowStats } from '../../../src/stats/sliding-window-stats.js';
import type { SeriesSample, SeriesSummary, WindowSummary } from '../../../src/stats/types.js';
import { DISTRIBUTIONS, GOAL_QUANTILES, exactQuantile, relativeError, sortedCopy } from '../../support/latency-distributions.js';
import { seededRandom } from '../../support/seeded-random.js';

const MINUTE = 60_000;

function sample(latencyMs: number, extra: Partial<SeriesSample> = {}): SeriesSample {
  return { latencyMs, error: false, rowsReturned: 0, cacheHit: undefined, ...extra };
}

function setup(startMs = 0): { clock: ManualClock; series: SlidingWindowStats } {
  const clock = new ManualClock(startMs);
  return { clock, series: new SlidingWindowStats({ clock }) };
}

function counts(summary: SeriesSummary): number[] {
  return [...summary.windows.map((w) => w.count), summary.sinceStart.count];
}

function percentiles(w: WindowSummary): number[] {
  return [w.p50, w.p90, w.p95, w.p99, w.p999].map((p) => p ?? Number.NaN);
}

/** Every number in a summary is finite and not negative. */
function expectSane(summary: SeriesSummary): void {
  for (const w of [...summary.windows, summary.sinceStart]) {
    for (const [key, value] of Object.entries(w)) {
      if (value === null) continue;
      expect(Number.isFinite(value), key).toBe(true);
      expect(value, key).toBeGreaterThanOrEqual(0);
    }
  }
}

describe('SlidingWindowStats counting', () => {
  it('counts operations, errors, rows and cache outcomes exactly in every window', () => {
    const { clock, series } = setup();
    let errors = 0;
    let lookups = 0;
    let hits = 0;
    for (let i = 0; i < 1000; i++) {
      const cacheHit = i % 5 === 0 ? undefined : i % 2 === 0;
      if (i % 4 === 0) errors++;
      if (cacheHit !== undefined) lookups++;
      if (cacheHit === true) hits++;
      series.record(sample((i % 10) + 1, { error: i % 4 === 0, rowsReturned: 3, cacheHit }));
      clock.advance(10);
    }
    const summary = series.summary();
    expect(summary.windows.map((w) => w.windowSeconds)).toEqual([60, 300, 900]);
    for (const w of [...summary.windows, summary.sinceStart]) {
      expect(w.count).toBe(1000);
      expect(w.errors).toBe(errors);
      expect(w.errorRate).toBe(errors / 1000);
      expect(w.rowsReturned).toBe(3000);
      expect(w.cacheHitRatio).toBe(hits / lookups);
      expect(w.mean).toBeCloseTo(5.5, 10);
      expect(w.max).toBe(10);
    }
    expect(summary.sinceStart.windowSeconds).toBe(10);
  });

  it('keeps invalid latencies out of latency statistics but counts the operation', () => {
    const { series } = setup();
    series.record(sample(Number.NaN));
    series.record(sample(-1));
    series.record(sample(4));
    const w = series.summary().windows[0]!;
    expect(w.count).toBe(3);
    expect(w.mean).toBe(4);
    expect(w.p50).toBe(4);
  });

  it('reports nulls rather than NaN for empty windows, and is JSON-serialisable', () => {
    const { clock, series } = setup();
    let summary = series.summary();
    expect(summary.windows[0]).toMatchObject({
      count: 0,
      errorRate: null,
      mean: null,
      max: null,
      p50: null,
      p999: null,
      cacheHitRatio: null,
      throughputPerSecond: 0,
    });
    expect(summary.lastUpdateMs).toBeNull();
    series.record(sample(2, { cacheHit: true }));
    clock.advance(90 * 1000);
    summary = series.summary();
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(summary.windows[0]!.p50).toBeNull();
    expect(summary.windows[1]!.p50).toBe(2);
  });

  it('uses the time passed to record() and summary() instead of the clock', () => {
    const { series } = setup();
    series.record(sample(1), 0);
    series.record(sample(1), 2 * MINUTE);
    const summary = series.summary(2 * MINUTE + 1);
    expect(counts(summary)).toEqual([1, 2, 2, 2]);
    expect(summary.lastUpdateMs).toBe(2 * MINUTE);
  });
});

describe('SlidingWindowStats expiry', () => {
  it('drops values from the 1 m window after a minute, from 5 m after five, from 15 m after fifteen', () => {
    const { clock, series } = setup();
    for (let i = 0; i < 100; i++) series.record(sample(10));
    clock.set(MINUTE - 1);
    expect(counts(series.summary())).toEqual([100, 100, 100, 100]);
    clock.set(MINUTE);
    expect(counts(series.summary())).toEqual([0, 100, 100, 100]);
    clock.set(5 * MINUTE - 1);
    expect(counts(series.summary())).toEqual([0, 100, 100, 100]);
    clock.set(5 * MINUTE);
    expect(counts(series.summary())).toEqual([0, 0, 100, 100]);
    clock.set(15 * MINUTE);
    expect(counts(series.summary())).toEqual([0, 0, 0, 100]);
  });

  it('leaves the 1 m window within one 5 s slot of the minute mark', () => {
    const { clock, series } = setup();
    clock.set(2_500); // mid-slot
    series.record(sample(10));
    clock.set(2_500 + 55_000 - 1);
    expect(series.summary().windows[0]!.count).toBe(1);
    clock.set(2_500 + 57_500);
    expect(series.summary().windows[0]!.count).toBe(0);
    expect(series.summary().windows[1]!.count).toBe(1);
  });

  it('reports each window from its own values', () => {
    const { clock, series } = setup();
    for (let i = 0; i < 1000; i++) series.record(sample(10));
    clock.set(2 * MINUTE);
    for (let i = 0; i < 1000; i++) series.record(sample(100));
    clock.set(2 * MINUTE + 5_000);
    const [oneMinute, fiveMinutes] = series.summary().windows;
    expect(oneMinute!.count).toBe(1000);
    expect(relativeError(oneMinute!.p50!, 100)).toBeLessThanOrEqual(0.01);
    expect(fiveMinutes!.count).toBe(2000);
    expect(relativeError(fiveMinutes!.p50!, 10)).toBeLessThanOrEqual(0.01);
    expect(relativeError(fiveMinutes!.p99!, 100)).toBeLessThanOrEqual(0.01);
    expect(fiveMinutes!.max).toBe(100);
  });

  it('rotates correctly across idle gaps of any length', () => {
    const { clock, series } = setup();
    series.record(sample(1));
    clock.advance(3 * MINUTE);
    series.record(sample(2));
    expect(counts(series.summary())).toEqual([1, 2, 2, 2]);
    clock.advance(MINUTE * 60);
    series.record(sample(3));
    expect(counts(series.summary())).toEqual([1, 1, 1, 3]);
    clock.advance(1e15); // ~30,000 years: bounded work, no stale slot resurfaces
    series.record(sample(4));
    const summary = series.summary();
    expect(counts(summary)).toEqual([1, 1, 1, 4]);
    expect(summary.windows[0]!.p50).toBe(4);
    expectSane(summary);
  });

  it('copes with a clock going backwards', () => {
    const { clock, series } = setup(10 * MINUTE);
    series.record(sample(5));
    clock.advance(-1_000); // small step back: recorded as "now"
    series.record(sample(5));
    expect(counts(series.summary())).toEqual([2, 2, 2, 2]);
    expectSane(series.summary());

    clock.advance(-5 * MINUTE); // big step back: windows restart, totals stay
    for (let i = 0; i < 5; i++) series.record(sample(7));
    let summary = series.summary();
    expect(counts(summary)).toEqual([5, 5, 5, 7]);
    expect(summary.sinceStart.windowSeconds).toBeGreaterThanOrEqual(0);
    expectSane(summary);

    clock.advance(MINUTE);
    summary = series.summary();
    expect(counts(summary)).toEqual([0, 5, 5, 7]);
    expect(summary.sinceStart.windowSeconds).toBeCloseTo(60, 0);
    clock.advance(15 * MINUTE);
    series.record(sample(9));
    summary = series.summary();
    expect(counts(summary)).toEqual([1, 1, 1, 8]);
    expectSane(summary);
  });
});

describe('SlidingWindowStats throughput', () => {
  it('divides by the elapsed part of the window while the series is young', () => {
    const { clock, series } = setup(1_000_000); // created mid-slot
    for (let i = 0; i < 300; i++) {
      series.record(sample(1));
      clock.advance(100);
    }
    const summary = series.summary();
    for (const w of [...summary.windows, summary.sinceStart]) expect(w.throughputPerSecond).toBeCloseTo(10, 6);
  });

  it('divides by the time the window covers once the series is older than it', () => {
    const { clock, series } = setup();
    for (let t = 0; t < 20 * MINUTE + 2_500; t += 100) {
      clock.set(t);
      series.record(sample(1));
    }
    clock.set(20 * MINUTE + 2_500);
    const summary = series.summary();
    for (const w of [...summary.windows, summary.sinceStart]) expect(w.throughputPerSecond).toBeCloseTo(10, 6);
    expect(summary.windows[0]!.count).toBe(575); // 55 s of full slots + 2.5 s of the current one
    expect(summary.windows[1]!.count).toBe(2_425); // 4 full minutes + 2.5 s
  });
});

describe('SlidingWindowStats latency accuracy', () => {
  it('keeps every window within 1% of the exact percentiles of its values', () => {
    const { clock, series } = setup();
    const values = DISTRIBUTIONS[0]!.sample(20 * 60 * 50, 21); // 50/s for 20 minutes
    for (let i = 0; i < values.length; i++) series.record(sample(values[i]!), i * 20);
    clock.set(20 * MINUTE);
    const summary = series.summary();
    // Window starts at the current time: 1 m → slots from 19:05, 5 m → 16:00, 15 m → 06:00.
    const starts = [19 * MINUTE + 5_000, 16 * MINUTE, 6 * MINUTE, 0];
    [...summary.windows, summary.sinceStart].forEach((w, k) => {
      const inWindow = sortedCopy(values.filter((_, i) => i * 20 >= starts[k]!));
      expect(w.count).toBe(inWindow.length);
      const exact = GOAL_QUANTILES.map((q) => exactQuantile(inWindow, q));
      percentiles(w).forEach((p, i) => expect(relativeError(p, exact[i]!)).toBeLessThanOrEqual(0.01));
      expect(w.max).toBe(inWindow[inWindow.length - 1]);
    });
  });

  it('reads without side effects: two series read in turn keep their own answers', () => {
    const { clock, series } = setup();
    const other = new SlidingWindowStats({ clock });
    for (let i = 1; i <= 100; i++) {
      series.record(sample(i));
      other.record(sample(1000 + i));
    }
    const first = series.summary();
    other.summary();
    expect(series.summary()).toEqual(first);
    expect(first.windows[0]!.p50).toBeGreaterThan(49);
    expect(first.windows[0]!.p50).toBeLessThan(51);
  });

  it('hands out merged sketches per window and since start', () => {
    const { clock, series } = setup();
    for (let i = 0; i < 10; i++) series.record(sample(i + 1));
    clock.set(2 * MINUTE);
    series.record(sample(50));
    expect(series.latencySketch().count).toBe(11);
    expect(series.latencySketch(60).count).toBe(1);
    expect(series.latencySketch(300).count).toBe(11);
    expect(() => series.latencySketch(42)).toThrow(/not a configured window/);
  });
});

describe('SlidingWindowStats memory and idleness', () => {
  it('holds no sketch for empty slots and bounds a busy series', () => {
    const { clock, series } = setup();
    expect(series.sketchCount).toBe(0);
    const values = DISTRIBUTIONS[0]!.sample(100_000, 31);
    for (let i = 0; i < values.length; i++) series.record(sample(values[i]!), i * 12); // 20 minutes
    clock.set(20 * MINUTE);
    series.summary();
    // 12 fine + 15 coarse + since-start + one spare at most.
    expect(series.sketchCount).toBeLessThanOrEqual(29);
    expect(series.byteSize()).toBeLessThanOrEqual(29 * 10 * 1024);

    clock.advance(16 * MINUTE); // idle past the longest window
    const summary = series.summary();
    expect(counts(summary)).toEqual([0, 0, 0, 100_000]);
    expect(series.sketchCount).toBe(1); // the since-start sketch only
    expect(series.byteSize()).toBeLessThan(6 * 1024);
  });

  it('reports when it was last updated so an owner can expire it', () => {
    const { clock, series } = setup(1_000);
    expect(series.lastUpdateMs).toBeNull();
    expect(series.idleMs(4_000)).toBe(3_000);
    clock.set(2_000);
    series.record(sample(1));
    expect(series.lastUpdateMs).toBe(2_000);
    clock.set(7_000);
    expect(series.idleMs()).toBe(5_000);
    expect(series.idleMs(0)).toBe(0);
  });
});

describe('SlidingWindowStats options', () => {
  it('supports custom windows and slot widths', () => {
    const clock = new ManualClock();
    const series = new SlidingWindowStats({ clock, windowsSeconds: [120, 10], shortSlotSeconds: 1, longSlotSeconds: 30 });
    expect(series.windowsSeconds).toEqual([10, 120]);
    series.record(sample(1));
    clock.set(10_000);
    expect(counts(series.summary())).toEqual([0, 1, 1]);
    clock.set(120_000);
    expect(counts(series.summary())).toEqual([0, 0, 1]);
  });

  it('works with a single window', () => {
    const clock = new ManualClock();
    const series = new SlidingWindowStats({ clock, windowsSeconds: [30] });
    series.record(sample(1));
    clock.set(29_999);
    expect(counts(series.summary())).toEqual([1, 1]);
    clock.set(30_000);
    expect(counts(series.summary())).toEqual([0, 1]);
  });

  it('rejects windows and slots that do not fit, naming the option', () => {
    expect(() => new SlidingWindowStats({ windowsSeconds: [] })).toThrow(/at least one window/);
    expect(() => new SlidingWindowStats({ windowsSeconds: [62] })).toThrow(/shortSlotSeconds/);
    expect(() => new SlidingWindowStats({ windowsSeconds: [60, 90] })).toThrow(/longSlotSeconds/);
    expect(() => new SlidingWindowStats({ longSlotSeconds: 7 })).toThrow(/multiple of shortSlotSeconds/);
    expect(() => new SlidingWindowStats({ shortSlotSeconds: 0 })).toThrow(/shortSlotSeconds/);
    expect(() => new SlidingWindowStats({ windowsSeconds: [-1] })).toThrow(/positive/);
    expect(() => new SlidingWindowStats({ windowsSeconds: [3600], shortSlotSeconds: 1 })).toThrow(/at most/);
    expect(() => new SlidingWindowStats({ sketch: { relativeAccuracy: 2 } })).toThrow(/relativeAccuracy/);
  });
});

describe('SlidingWindowStats packed slots', () => {
  /** The plain sketch of the values a window holds, read at `atMs` (default slots, clock only forward). */
  function plainWindows(times: number[], values: number[], atMs: number): LogBucketSketch[] {
    const fine = Math.floor(atMs / 5_000);
    const coarse = Math.floor(fine / 12);
    const inWindow = [
      (t: number) => Math.floor(t / 5_000) >= fine - 11,
      (t: number) => Math.floor(t / 60_000) >= coarse - 4,
      (t: number) => Math.floor(t / 60_000) >= coarse - 14,
      () => true,
    ];
    return inWindow.map((holds) => {
      const sketch = new LogBucketSketch();
      times.forEach((t, i) => {
        if (holds(t)) sketch.add(values[i]!);
      });
      return sketch;
    });
  }

  /**
   * Each window's latency sum added up as plain slot sketches add it (floating-point sums depend on
   * the order): a slot's values in arrival order; the 1 m window's slots by ring position; a coarse
   * slot's fine slots oldest first; the longer windows from the current slot back; since start,
   * the finished fine slots oldest first, then the current one.
   */
  function plainSums(times: number[], values: number[], atMs: number): number[] {
    const slotSums = new Map<number, number>();
    times.forEach((t, i) => {
      const k = Math.floor(t / 5_000);
      slotSums.set(k, (slotSums.get(k) ?? 0) + values[i]!);
    });
    const current = Math.floor(atMs / 5_000);
    const coarse = Math.floor(current / 12);
    const finished = [...slotSums.keys()].filter((k) => k < current).sort((a, b) => a - b);
    let oneMinute = 0;
    for (let q = 0; q < 12; q++) {
      const k = current - 11 + ((((q - (current - 11)) % 12) + 12) % 12);
      oneMinute += slotSums.get(k) ?? 0;
    }
    const coarseSum = (l: number) => finished.filter((k) => Math.floor(k / 12) === l).reduce((sum, k) => sum + slotSums.get(k)!, 0);
    const longer = (slots: number) => {
      let sum = slotSums.get(current) ?? 0;
      for (let i = 0; i < slots; i++) sum += coarseSum(coarse - i);
      return sum;
    };
    const totals = finished.reduce((sum, k) => sum + slotSums.get(k)!, 0);
    return [oneMinute, longer(5), longer(15), totals + (slotSums.get(current) ?? 0)];
  }

  it('gives every window the buckets of a plain sketch of its values, and the same percentiles to the bit', () => {
    const random = seededRandom(2024);
    for (const [d, distribution] of DISTRIBUTIONS.entries()) {
      const { clock, series } = setup(1_700_000_000_000 + d * 777);
      const draws = distribution.sample(40_000, 40 + d);
      const times: number[] = [];
      const values: number[] = [];
      let t = clock.now();
      for (let i = 0; i < draws.length; i++) {
        const u = random();
        // Busy stretches, quiet ones, and idle gaps past each window so slots expire.
        t += u < 0.001 ? random() * 20 * MINUTE : u < 0.01 ? random() * 30_000 : random() * 60;
        const at = Math.floor(t);
        times.push(at);
        values.push(draws[i]!);
        series.record(sample(draws[i]!), at);
        if (random() < 0.002 || i === draws.length - 1) {
          const readAt = at + Math.floor(random() * 10_000);
          t = readAt; // the clock only moves forward here
          const plain = plainWindows(times, values, readAt);
          const sums = plainSums(times, values, readAt);
          const summary = series.summary(readAt);
          [...summary.windows, summary.sinceStart].forEach((w, k) => {
            const expected = plain[k]!;
            expect(w.count).toBe(expected.count);
            if (expected.count === 0) return;
            expect(percentiles(w)).toEqual(expected.quantiles(GOAL_QUANTILES));
            expect(w.max).toBe(expected.max);
            expect(w.mean).toBe(sums[k]! / expected.count);
          });
          [60, 300, 900, undefined].forEach((windowSeconds, k) => {
            const packed = series.latencySketch(windowSeconds, readAt).toJSON();
            expect({ ...packed, sum: 0 }).toEqual({ ...plain[k]!.toJSON(), sum: 0 });
          });
        }
      }
    }
  });

  it('keeps merges exact across expiry, idle gaps and clock steps back', () => {
    const { clock, series } = setup(0);
    const values = DISTRIBUTIONS[1]!.sample(9_000, 77);
    for (let i = 0; i < 6_000; i++) series.record(sample(values[i]!), i * 150); // 15 minutes
    clock.set(15 * MINUTE + 30_000);
    const before = series.summary();
    const lastFifteen = new LogBucketSketch(); // the coarse slots from 1:00 on
    for (let i = 400; i < 6_000; i++) lastFifteen.add(values[i]!);
    expect(before.windows[2]!.count).toBe(5_600);
    expect(percentiles(before.windows[2]!)).toEqual(lastFifteen.quantiles(GOAL_QUANTILES));
    clock.set(31 * MINUTE); // idle past every window
    expect(counts(series.summary())).toEqual([0, 0, 0, 6_000]);
    for (let i = 6_000; i < 9_000; i++) series.record(sample(values[i]!), 31 * MINUTE + (i - 6_000) * 100);
    clock.advance(-20 * MINUTE); // a big step back restarts the windows, keeps the totals
    series.record(sample(1));
    const after = series.summary();
    expect(counts(after)).toEqual([1, 1, 1, 9_001]);
    const all = new LogBucketSketch();
    for (const v of values) all.add(v);
    all.add(1);
    expect(percentiles(after.sinceStart)).toEqual(all.quantiles(GOAL_QUANTILES));
    expect(after.sinceStart.max).toBe(all.max);
    expect(series.sketchCount).toBeLessThanOrEqual(3);
  });

  it('holds a busy series in at most 10 KB at 100 spans/s (six decades of lognormal latencies)', () => {
    for (const [rate, limit] of [
      [20, 8_000],
      [100, 10_000],
      // Above the 10 KB goal: the counts of 26 slots of 500–60,000 values each do not pack smaller
      // losslessly (measured 12.0 KB, against 36 KB for plain sketches).
      [1_000, 13_000],
    ] as const) {
      const { clock, series } = setup(1_700_000_000_000);
      const values = DISTRIBUTIONS[0]!.sample(rate * 20 * 60, 31);
      for (let i = 0; i < values.length; i++) series.record(sample(values[i]!), clock.now() + (i * 1000) / rate);
      series.summary(clock.now() + 20 * MINUTE);
      expect(series.sketchCount).toBe(27); // 12 fine, 14 coarse, since start
      expect(series.byteSize(), `${rate} spans/s`).toBeLessThanOrEqual(limit);
    }
  });
});
