import { describe, expect, it } from 'vitest';
import { chanceRecall, parseNabTimestamp, scoreAlerts, scoreDetector, totalScore, type NabSeries } from '../../support/nab-scorer.js';
import { OnlineAnomalyDetector } from '../../../processors/detectors/online-anomaly-detector.js';
import { loadTuningSet } from './nab-data.js';

/** The best baseline measured when the detector was designed (slow EWMA, |z| > 5, cooldown; `npm run bench -- anomaly` measures it again). */
const BEST_BASELINE = { recall: 0.7, falsePositivesPer1k: 0.5, precision: 0.32 };
const NO_ANOMALY_SERIES = ['art_daily_small_noise', 'art_flatline', 'art_noisy'];

function series(values: number[], windows: Array<[number, number]>): NabSeries {
  const t0 = Date.UTC(2024, 0, 1);
  return {
    name: 'synthetic.csv',
    timestampsMs: Float64Array.from(values, (_, i) => t0 + i * 60_000),
    values: Float64Array.from(values),
    windows: windows.map(([a, b]) => ({ startMs: t0 + a * 60_000, endMs: t0 + b * 60_000 })),
  };
}

describe('NAB scorer', () => {
  it('parses NAB timestamps as UTC, with or without fractional seconds', () => {
    expect(parseNabTimestamp('2014-02-26 13:45:00')).toBe(Date.UTC(2014, 1, 26, 13, 45, 0));
    expect(parseNabTimestamp('2014-02-26 13:45:00.000000')).toBe(Date.UTC(2014, 1, 26, 13, 45, 0));
    expect(() => parseNabTimestamp('26/02/2014')).toThrow(/not a NAB timestamp/);
  });

  it('counts a window once, bounds inclusive, and every alert outside windows as a false positive', () => {
    const s = series(new Array<number>(100).fill(1), [
      [10, 19],
      [50, 59],
    ]);
    const score = scoreAlerts(s, [10, 12, 19, 20, 70]);
    expect(score).toMatchObject({
      windows: 2,
      windowsFound: 1,
      alerts: 5,
      alertsInWindows: 3,
      falsePositives: 2,
      recall: 0.5,
      precision: 0.6,
    });
    expect(score.falsePositivesPer1k).toBeCloseTo(20);
    expect(scoreAlerts(s, [59]).windowsFound).toBe(1);
    expect(scoreAlerts(s, [])).toMatchObject({ recall: 0, precision: null, chanceRecall: 0 });
  });

  it('computes chance recall exactly (hypergeometric), not by simulation', () => {
    // One alert among 100 points, a window of 10 points: found with probability 10/100.
    expect(chanceRecall([10], 100, 1)).toBeCloseTo(0.1, 12);
    // Two alerts: 1 − (90·89)/(100·99).
    expect(chanceRecall([10], 100, 2)).toBeCloseTo(1 - (90 * 89) / (100 * 99), 12);
    expect(chanceRecall([10, 20], 100, 0)).toBe(0);
    expect(chanceRecall([10], 100, 95)).toBe(1);
    // Overall: one random alerter over all series' points.
    const a = series(new Array<number>(100).fill(1), [[0, 9]]);
    const b = series(new Array<number>(100).fill(1), []);
    const total = totalScore([a, b], [scoreAlerts(a, [5]), scoreAlerts(b, [])]);
    expect(total.chanceRecall).toBeCloseTo(10 / 200, 12);
    expect(total.recall).toBe(1);
  });
});

describe('OnlineAnomalyDetector on the NAB tuning set (default options)', () => {
  const corpus = loadTuningSet();
  const score = scoreDetector(corpus, () => new OnlineAnomalyDetector());

  it('holds the 15 series and 22 windows of test/fixtures/nab', () => {
    expect(corpus).toHaveLength(15);
    expect(score.windows).toBe(22);
  });

  it('beats the best baseline: more recall, fewer false positives, better precision', () => {
    const summary = `recall ${score.recall.toFixed(3)} (${score.windowsFound}/${score.windows}), chance ${score.chanceRecall.toFixed(3)}, FP/1k ${score.falsePositivesPer1k.toFixed(3)}, precision ${score.precision?.toFixed(3)}`;
    expect(score.recall, summary).toBeGreaterThan(BEST_BASELINE.recall);
    expect(score.falsePositivesPer1k, summary).toBeLessThanOrEqual(BEST_BASELINE.falsePositivesPer1k);
    expect(score.precision ?? 0, summary).toBeGreaterThan(BEST_BASELINE.precision);
  });

  it('finds far more windows than a random alerter with as many alerts, at ≤ 1 false positive per 1,000 points on every series', () => {
    expect(score.recall).toBeGreaterThan(3 * score.chanceRecall);
    expect(score.falsePositivesPer1k).toBeLessThanOrEqual(1);
    for (const s of score.series) expect(s.falsePositivesPer1k, s.name).toBeLessThanOrEqual(1);
  });

  it('raises nothing on the three anomaly-free series (flatline included)', () => {
    const quiet = score.series.filter((s) => NO_ANOMALY_SERIES.some((name) => s.name.includes(name)));
    expect(quiet.map((s) => s.name)).toHaveLength(3);
    for (const s of quiet) expect(s.alerts, s.name).toBe(0);
  });

  it('is scale-invariant: every series ×1000 gives the same alerts', () => {
    const scaled = corpus.map((s) => ({ ...s, values: s.values.map((v) => v * 1000) }));
    const again = scoreDetector(scaled, () => new OnlineAnomalyDetector());
    expect(again.series.map((s) => s.alertIndices)).toEqual(score.series.map((s) => s.alertIndices));
  });
});
