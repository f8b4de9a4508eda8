import { describe, expect, it } from 'vitest';
import { OnlineAnomalyDetector } from '../../../processors/detectors/online-anomaly-detector.js';
import type { AnomalyVerdict } from '../../../processors/detectors/types.js';
import { normalFrom, seededRandom } from '../../support/seeded-random.js';

/** Gaussian noise around 100 with a standard deviation of 2, seeded. */
function noisySeries(length: number, seed = 7): number[] {
  const n = normalFrom(seededRandom(seed));
  return Array.from({ length }, () => 100 + 2 * n());
}

/**
 * Bounded noise: `level × (1 ± 2 %)`, uniform. Its extremes recur all the time, so the noise
 * itself never sets a record: what alerts is what the test injected. (Gaussian noise sets a record
 * now and then: see the noise test for that rate.)
 */
function boundedSeries(length: number, seed = 7, level: (i: number) => number = () => 100): number[] {
  const u = seededRandom(seed);
  return Array.from({ length }, (_, i) => level(i) * (1 + 0.04 * (u() - 0.5)));
}

function feed(detector: OnlineAnomalyDetector, values: readonly number[], t0 = 0): AnomalyVerdict[] {
  return values.map((v, i) => detector.update(v, t0 + i * 1000));
}

function alertIndices(verdicts: readonly AnomalyVerdict[]): number[] {
  return verdicts.flatMap((v, i) => (v.anomalous ? [i] : []));
}

describe('OnlineAnomalyDetector', () => {
  it('never alerts during the warm-up, however extreme the value, but learns from it', () => {
    const values = boundedSeries(400);
    values[50] = 10_000;
    const verdicts = feed(new OnlineAnomalyDetector({ warmupPoints: 300 }), values);
    expect(verdicts[50]).toMatchObject({ anomalous: false, phase: 'warming-up' });
    expect(verdicts[50]!.score).toBeGreaterThan(1); // both gates passed: only the phase held it back
    expect(verdicts.slice(0, 300).every((v) => v.phase === 'warming-up' || v.phase === 'ignored')).toBe(true);
    expect(verdicts[300]!.phase).toBe('active');
  });

  it('alerts on a novel spike after the warm-up, then stays quiet for the cooldown', () => {
    const values = boundedSeries(1000);
    values[500] = 160;
    values[520] = 220; // even larger, but within the cooldown
    values[700] = 300; // larger again, after the cooldown
    const verdicts = feed(new OnlineAnomalyDetector({ cooldownPoints: 100 }), values);
    expect(verdicts[500]).toMatchObject({ anomalous: true, phase: 'active', direction: 'up' });
    expect(verdicts[500]!.zScore).toBeGreaterThan(10);
    expect(verdicts[520]).toMatchObject({ anomalous: false, phase: 'cooling-down' });
    expect(verdicts[520]!.score).toBeGreaterThan(1);
    expect(verdicts[601]!.phase).toBe('active');
    expect(alertIndices(verdicts)).toEqual([500, 700]);
  });

  it('alerts once on a recurring spike: the repeats are not novel', () => {
    const values = boundedSeries(6000, 11);
    for (let i = 400; i < 6000; i += 288) values[i] = 150 + (i % 7); // a nightly job, about the same size
    const alerts = alertIndices(feed(new OnlineAnomalyDetector(), values));
    expect(alerts).toEqual([400]);
  });

  it('alerts on a level shift once, then learns the new level', () => {
    const values = boundedSeries(2000, 3, (i) => (i >= 1000 ? 60 : 100));
    const detector = new OnlineAnomalyDetector();
    const verdicts = feed(detector, values);
    expect(alertIndices(verdicts)).toEqual([1000]);
    expect(verdicts[1000]!.direction).toBe('down');
    expect(verdicts[1999]!.expected).toBeCloseTo(60, 0);
  });

  it('ignores NaN and ±Infinity: same verdicts as without them, state untouched', () => {
    const values = noisySeries(800, 5);
    values[600] = 170;
    const clean = feed(new OnlineAnomalyDetector(), values);
    const polluted: number[] = [];
    values.forEach((v, i) => {
      polluted.push(v);
      if (i % 37 === 0) polluted.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    });
    const detector = new OnlineAnomalyDetector();
    const dirty = feed(detector, polluted);
    const ignored = dirty.filter((v) => v.phase === 'ignored');
    expect(ignored).toHaveLength(3 * Math.ceil(800 / 37));
    expect(ignored.every((v) => !v.anomalous && v.score === 0 && v.view === null)).toBe(true);
    const kept = dirty.filter((v) => v.phase !== 'ignored');
    expect(kept.map(({ timestampMs: _t, ...rest }) => rest)).toEqual(clean.map(({ timestampMs: _t, ...rest }) => rest));
    expect(detector.count).toBe(800);
    expect(alertIndices(clean)).toEqual([600]);
  });

  it('says nothing on a flatline, and alerts once when it finally moves', () => {
    const detector = new OnlineAnomalyDetector();
    const flat = feed(detector, new Array(5000).fill(45));
    expect(alertIndices(flat)).toEqual([]);
    expect(flat.every((v) => Number.isFinite(v.score) && v.score === 0)).toBe(true);
    const moved = feed(detector, new Array(200).fill(47), 5000 * 1000);
    expect(alertIndices(moved)).toEqual([0]);
  });

  it('honours minScale: changes below zThreshold × minScale never alert', () => {
    const values = new Array(1000).fill(0);
    values[500] = 0.0005; // an error ratio of 0.05 % after a long run of zeros
    values[800] = 0.05;
    const alerts = alertIndices(feed(new OnlineAnomalyDetector({ minScale: 0.001 }), values));
    expect(alerts).toEqual([800]);
    expect(alertIndices(feed(new OnlineAnomalyDetector(), values))).toEqual([500, 800]);
  });

  it('judges ratios too: a positive series collapsing towards zero alerts in the multiplicative view', () => {
    // Daily-ish traffic: the additive drop at night is ordinary, a near-zero trough is not.
    const n = normalFrom(seededRandom(9));
    const values = Array.from({ length: 3000 }, (_, i) => 10_000 + 8000 * Math.sin((2 * Math.PI * i) / 48) + 300 * n());
    for (let i = 2500; i < 2530; i++) values[i] = 20 + 5 * Math.abs(n());
    const verdicts = feed(new OnlineAnomalyDetector(), values);
    const alerts = alertIndices(verdicts);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts[0]).toBeGreaterThanOrEqual(2500);
    expect(alerts[0]).toBeLessThan(2530);
    expect(alerts.filter((i) => i < 2500)).toEqual([]);
  });

  it('finds a holiday in a weekly pattern in the seasonal view, whose values stay within the usual range', () => {
    // Five-minute points over six weeks from a Monday (UTC): weekdays busy from 08:00 to 20:00,
    // nights and weekends quiet. The Wednesday of week 5 is a holiday: quiet all day, a level every
    // night and weekend has, so only the time of day and week tells it apart.
    const stepMs = 5 * 60_000;
    const t0 = Date.UTC(2024, 0, 1); // a Monday
    const holiday = [4 * 7 + 2, 4 * 7 + 3].map((day) => t0 + day * 86_400_000); // [start, end) of that Wednesday
    const u = seededRandom(17);
    const points = 6 * 7 * 288;
    const timestamps = Array.from({ length: points }, (_, i) => t0 + i * stepMs);
    const values = timestamps.map((t) => {
      const day = Math.floor((t - t0) / 86_400_000) % 7;
      const hour = new Date(t).getUTCHours();
      const busy = day < 5 && hour >= 8 && hour < 20 && !(t >= holiday[0]! && t < holiday[1]!);
      return (busy ? 1000 : 200) * (1 + 0.1 * (u() - 0.5));
    });
    const run = (detector: OnlineAnomalyDetector) => values.map((v, i) => detector.update(v, timestamps[i]!));
    const inHoliday = (verdicts: AnomalyVerdict[]) =>
      verdicts.filter((v) => v.anomalous && v.timestampMs >= holiday[0]! && v.timestampMs < holiday[1]!);

    const seasonal = run(new OnlineAnomalyDetector());
    const found = inHoliday(seasonal);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ view: 'seasonal', direction: 'down' });
    // Before the holiday, the seasonal view never alerted: the weeks repeat.
    expect(seasonal.filter((v) => v.anomalous && v.view === 'seasonal' && v.timestampMs < holiday[0]!)).toEqual([]);
    // Without the seasonal view the holiday is just another quiet stretch.
    expect(inHoliday(run(new OnlineAnomalyDetector({ seasonal: false })))).toEqual([]);
  });

  it('skips the seasonal view for a non-finite timestamp, and judges the value in the other views', () => {
    const detector = new OnlineAnomalyDetector({ warmupPoints: 10 });
    const values = boundedSeries(200, 5);
    values.forEach((v, i) => detector.update(v, i % 3 === 0 ? Number.NaN : i * 300_000));
    const verdict = detector.update(170, Number.NaN);
    expect(verdict).toMatchObject({ anomalous: true, direction: 'up' });
    expect(verdict.view).not.toBe('seasonal');
    expect(detector.count).toBe(201);
  });

  it('keeps the seasonal view quiet on a series without a daily pattern', () => {
    const n = normalFrom(seededRandom(23));
    const detector = new OnlineAnomalyDetector();
    const verdicts = Array.from({ length: 50_000 }, (_, i) => detector.update(100 + 2 * n(), i * 300_000));
    expect(verdicts.filter((v) => v.view === 'seasonal' && v.score > 1)).toEqual([]);
    expect(verdicts.filter((v) => v.anomalous).length).toBeLessThan(50);
  });

  it('turns the multiplicative view off for good once a value is negative', () => {
    const detector = new OnlineAnomalyDetector();
    expect(detector.multiplicative).toBe(true);
    feed(detector, [1, 2, -3, 4]);
    expect(detector.multiplicative).toBe(false);
    expect(new OnlineAnomalyDetector({ multiplicative: false }).multiplicative).toBe(false);
  });

  it('filters by direction', () => {
    const values = boundedSeries(1500, 13);
    values[600] = 40; // a drop
    values[900] = 170; // a rise
    expect(alertIndices(feed(new OnlineAnomalyDetector({ direction: 'up' }), values))).toEqual([900]);
    expect(alertIndices(feed(new OnlineAnomalyDetector({ direction: 'down' }), values))).toEqual([600]);
    expect(alertIndices(feed(new OnlineAnomalyDetector(), values))).toEqual([600, 900]);
  });

  it('keeps quiet on pure Gaussian noise: under 1 alert per 1,000 points', () => {
    const values = noisySeries(50_000, 21);
    const alerts = alertIndices(feed(new OnlineAnomalyDetector(), values));
    expect(alerts.length).toBeLessThan(50);
  });

  it('forgets everything on reset()', () => {
    const detector = new OnlineAnomalyDetector({ warmupPoints: 10 });
    feed(detector, noisySeries(100));
    expect(detector.warmedUp).toBe(true);
    detector.reset();
    expect(detector.count).toBe(0);
    expect(detector.warmedUp).toBe(false);
    expect(detector.lastAlertMs).toBeNull();
    expect(detector.update(100, 0)).toMatchObject({ phase: 'warming-up', anomalous: false });
  });

  it('rejects options out of range with a message naming them', () => {
    expect(() => new OnlineAnomalyDetector({ alpha: 0 })).toThrow(/alpha must be in \(0, 1\]/);
    expect(() => new OnlineAnomalyDetector({ noveltyMargin: 0.9 })).toThrow(/noveltyMargin/);
    expect(() => new OnlineAnomalyDetector({ warmupPoints: 1.5 })).toThrow(/warmupPoints/);
    expect(() => new OnlineAnomalyDetector({ memoryHalfLife: Number.NaN })).toThrow(/memoryHalfLife/);
    expect(() => new OnlineAnomalyDetector({ direction: 'sideways' as 'up' })).toThrow(/direction/);
    expect(() => new OnlineAnomalyDetector({ seasonal: 'false' as unknown as boolean })).toThrow(/seasonal must be true or false/);
  });
});
