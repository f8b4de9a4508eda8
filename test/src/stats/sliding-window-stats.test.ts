import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { SlidingWindowStats } from '../../../src/stats/sliding-window-stats.js';
import type { SeriesSample, SeriesSummary, WindowSummary } from '../../../src/stats/types.js';
import { DISTRIBUTIONS, GOAL_QUANTILES, exactQuantile, relativeError, sortedCopy } from '../../support/latency-distributions.js';

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
