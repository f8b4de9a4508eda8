import { LogBucketSketch } from '../../src/stats/log-bucket-sketch.js';
import type { LatencyRegressionDetectorOptions, RegressionState, RegressionVerdict, VersionChangePoint, WindowQuantiles } from './types.js';

/**
 * Half-width, as a share of the tail beyond the quantile, of the rank interval over which the
 * log-latency density at a quantile is read (p92.5–p97.5 around p95, p25–p75 around p50).
 */
const DENSITY_SPAN = 0.5;
/** Standard errors within which the increase must reach the configured one (capped at half of it). */
const MAGNITUDE_STANDARD_ERRORS = 2;
/** Recent windows an increase may go unconfirmed before the frozen baseline thaws. */
const UNCONFIRMED_FREEZE_WINDOWS = 3;

const DEFAULTS = {
  slotMs: 60_000,
  recentSlots: 5,
  baselineSlots: 60,
  p95Increase: 0.3,
  p50Increase: null as number | null,
  zThreshold: 4,
  consecutive: 3,
  minSamples: 100,
  relearnSlots: 120,
  relativeAccuracy: 0.01,
};

/**
 * Latency regression detector for one series (a query, a source, a stage): compares the p95 (and
 * optionally the p50) of a recent window (the last `recentSlots` completed slots, 5 minutes by
 * default) with those of a baseline window before it (`baselineSlots`, 60 minutes), both merged
 * from per-slot {@link LogBucketSketch}es (≤ 1 % relative error), and reports a regression when
 * the quantile rose significantly, by about the configured share, for `consecutive` evaluations
 * in a row.
 *
 * **The test.** Quantiles of thin windows are noisy (the p95 of 150 latencies is their 8th
 * largest), so a fixed ratio threshold fires on noise at low traffic. An increase is judged on
 * the log ratio d = ln(recent q-quantile / baseline q-quantile) against its standard error from
 * both windows' counts: SE² = q(1−q)·(s_r²/n_r + s_b²/n_b) + 2α²/3, where s is the slope of the
 * log-latency quantile function at q read off the sketch between ranks q ± h (h half the tail
 * beyond q: p92.5–p97.5 around p95), the recent slope used only where steeper than the baseline's
 * (a thin window's own slope is noisy: it may widen the error, never narrow it), and α²/3 per
 * quantile is the sketch's bucket error. An evaluation sees an increase when
 * - it is significant: d ≥ `zThreshold`·SE (4 by default), and
 * - it is about as large as configured: d ≥ ln(1 + increase) − min(2·SE, ln(1 + increase)/2), so
 *   busy series, whose error is tiny, do not fire on small but significant drifts;
 * each window needs `minSamples` latencies before it is judged at all, and the increase must be
 * seen in `consecutive` evaluations in a row.
 *
 * **The baseline.** From the first evaluation that sees an increase, and while a regression
 * lasts, the baseline is frozen, so the shift is not learned as normal while it is being
 * confirmed (an unconfirmed increase thaws it again). A regression ends after `consecutive`
 * evaluations in which the increase is no longer plausibly half-way there (d + SE <
 * ln(1 + increase)/2): a hysteresis, so a few noisy windows neither end it early nor fire it
 * again. A *permanent* step must not fire for ever: `relearnSlots` slots after the regression
 * started, the baseline re-learns from the slots after the increase was first seen only, the
 * ratio falls to ~1 and the regression resolves `consecutive − 1` slots later. With the defaults a
 * permanent step fires once and resolves about 2 h 10 min after it began (measured: 127–131
 * minutes at 2–20 latencies/s); it is the baseline from then on.
 *
 * **Measured** on seeded lognormal latencies (median 20 ms, one evaluation per minute, defaults):
 * no regression in 3 × 7 stationary days at each of 0.5, 0.7, 1, 2, 5 and 20 latencies/s, with
 * σ 0.5 and with σ 0.8 plus 1 % 10× outliers (the largest p95 z held for 3 evaluations in a row
 * was 3.0 below 20/s, 3.5 at 20/s, where the size condition holds); a +30 % step with σ 0.5 was found within 10 minutes in 8 of 8 seeds at 2, 5 and
 * 20 latencies/s (after 4–7 minutes), in 1 of 8 at 1/s; with σ 0.8 and outliers, the noisier p95
 * needs more traffic (5 of 8 at 5/s, 7 of 8 at 20/s).
 *
 * {@link LatencyRegressionDetector.markVersion} marks a `service.version` change: the old
 * version's data cannot be a baseline for the new one, so every slot is dropped and the detector
 * starts afresh; the change point is returned with the old version's last window.
 *
 * Memory is bounded: `recentSlots + baselineSlots + 4` sketches. `record` is O(1); `evaluate`
 * merges the windows' sketches once per completed slot (call it at least once per slot, e.g.
 * from the alert engine's tick; calls within one slot return the previous verdict).
 */
export class LatencyRegressionDetector {
  /** Width of a slot, ms. */
  readonly slotMs: number;
  /** Slots in the recent window. */
  readonly recentSlots: number;
  /** Slots in the baseline window. */
  readonly baselineSlots: number;
  /** p95 increase that counts as a regression. */
  readonly p95Increase: number;
  /** p50 increase that counts as a regression, `null` when only p95 is judged. */
  readonly p50Increase: number | null;
  /** Standard errors by which an increase must be significant. */
  readonly zThreshold: number;
  /** Evaluations a change must hold. */
  readonly consecutive: number;
  /** Fewest latencies per window. */
  readonly minSamples: number;
  /** Slots a regression lasts before its level becomes the baseline. */
  readonly relearnSlots: number;

  /** Completed slots, by slot index modulo their number. */
  private readonly ring: LogBucketSketch[];
  /** Slot index each ring position holds (NaN: none). */
  private readonly ringIndex: Float64Array;
  private current: LogBucketSketch;
  private currentIndex = Number.NaN;
  private readonly recentScratch: LogBucketSketch;
  private readonly baselineScratch: LogBucketSketch;
  private frozenBaseline: LogBucketSketch | null = null;
  /** Last completed slot when the baseline was frozen. */
  private frozenAtIndex = Number.NaN;
  /** Last completed slot when the regression under way started. */
  private startedAtIndex = Number.NaN;
  /** First slot the baseline may hold, after a re-learn (−Infinity: any). */
  private baselineFromIndex = Number.NEGATIVE_INFINITY;
  private lastEvaluatedIndex = Number.NaN;
  private run = 0;
  private regressed = false;
  private lastVerdict: RegressionVerdict | null = null;
  private versionValue: string | null = null;
  private acceptFromMs = Number.NEGATIVE_INFINITY;
  private droppedCount = 0;
  private latestChangePoint: VersionChangePoint | null = null;

  /**
   * @param options windows, thresholds and sample floor; every one has a default
   * @throws RangeError on an option out of range (the message names it)
   */
  constructor(options: LatencyRegressionDetectorOptions = {}) {
    this.slotMs = checked('slotMs', options.slotMs ?? DEFAULTS.slotMs, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
    this.recentSlots = checked(
      'recentSlots',
      options.recentSlots ?? DEFAULTS.recentSlots,
      (v) => Number.isInteger(v) && v >= 1 && v <= 10_000,
      'an integer in [1, 10000]',
    );
    this.baselineSlots = checked(
      'baselineSlots',
      options.baselineSlots ?? DEFAULTS.baselineSlots,
      (v) => Number.isInteger(v) && v >= 1 && v <= 10_000,
      'an integer in [1, 10000]',
    );
    this.p95Increase = checked('p95Increase', options.p95Increase ?? DEFAULTS.p95Increase, (v) => v > 0 && v < Infinity, 'finite and > 0');
    const p50 = options.p50Increase === undefined ? DEFAULTS.p50Increase : options.p50Increase;
    this.p50Increase = p50 === null ? null : checked('p50Increase', p50, (v) => v > 0 && v < Infinity, 'finite and > 0, or null');
    this.zThreshold = checked('zThreshold', options.zThreshold ?? DEFAULTS.zThreshold, (v) => v >= 0 && v < Infinity, 'finite and ≥ 0');
    this.consecutive = checked(
      'consecutive',
      options.consecutive ?? DEFAULTS.consecutive,
      (v) => Number.isInteger(v) && v >= 1,
      'an integer ≥ 1',
    );
    this.minSamples = checked(
      'minSamples',
      options.minSamples ?? DEFAULTS.minSamples,
      (v) => Number.isInteger(v) && v >= 1,
      'an integer ≥ 1',
    );
    this.relearnSlots = checked(
      'relearnSlots',
      options.relearnSlots ?? DEFAULTS.relearnSlots,
      (v) => Number.isInteger(v) && v >= 1,
      'an integer ≥ 1',
    );
    const relativeAccuracy = options.relativeAccuracy ?? DEFAULTS.relativeAccuracy;
    const make = () => new LogBucketSketch({ relativeAccuracy });
    this.current = make(); // validates relativeAccuracy (RangeError from the sketch)
    this.ring = Array.from({ length: this.recentSlots + this.baselineSlots }, make);
    this.ringIndex = new Float64Array(this.ring.length).fill(Number.NaN);
    this.recentScratch = make();
    this.baselineScratch = make();
  }

  /** The current `service.version`, `null` if none was marked. */
  get version(): string | null {
    return this.versionValue;
  }

  /** Latencies dropped: too late for their slot, from before a version change, or with a bad time. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The latest version change point, `null` if the version never changed. */
  get lastChangePoint(): VersionChangePoint | null {
    return this.latestChangePoint;
  }

  /**
   * Records one latency (ms) observed at `timestampMs`. O(1). NaN, negative and infinite
   * latencies are ignored (a sketch would file a negative one as 0); a time before the latest
   * version change, or too old for the retained slots, is dropped and counted in `dropped`.
   */
  record(latencyMs: number, timestampMs: number): void {
    if (!(latencyMs >= 0 && latencyMs < Infinity)) return;
    const slot = this.slotFor(timestampMs);
    if (slot === null) this.droppedCount++;
    else slot.add(latencyMs);
  }

  /**
   * Adds every latency of `sketch` (e.g. a `SlidingWindowStats` slot or a sketch received from
   * another process) as observed at `timestampMs`.
   * @throws TypeError when the sketch's bucket layout differs from this detector's
   */
  recordSketch(sketch: LogBucketSketch, timestampMs: number): void {
    const slot = this.slotFor(timestampMs);
    if (slot === null) this.droppedCount += sketch.count;
    else slot.merge(sketch);
  }

  /**
   * Marks the `service.version` seen at `timestampMs`. The first version is only remembered. A
   * different version is a change point: every slot is dropped (the baseline restarts from the
   * new version's data, later data older than `timestampMs` is dropped), any regression under way
   * ends, and the change is returned with the old version's latest recent window. The same
   * version again returns `null`.
   */
  markVersion(version: string, timestampMs: number): VersionChangePoint | null {
    if (this.versionValue === null) {
      this.versionValue = version;
      return null;
    }
    if (version === this.versionValue) return null;
    const before = this.recentWindowAt(timestampMs);
    const change: VersionChangePoint = { timestampMs, previousVersion: this.versionValue, version, before };
    this.versionValue = version;
    this.latestChangePoint = change;
    this.clearSlots();
    this.acceptFromMs = timestampMs;
    return change;
  }

  /** Forgets every slot and any regression under way (the version is kept). */
  reset(): void {
    this.clearSlots();
  }

  /**
   * Evaluates the windows ending with the last slot completed at `nowMs`. One evaluation per
   * completed slot: a call within the same slot returns the previous verdict unchanged.
   * @throws RangeError when `nowMs` is not finite
   */
  evaluate(nowMs: number): RegressionVerdict {
    if (!Number.isFinite(nowMs)) throw new RangeError(`evaluate: nowMs must be finite, got ${String(nowMs)}`);
    const index = Math.floor(nowMs / this.slotMs);
    if (Number.isNaN(this.currentIndex)) this.currentIndex = index;
    else if (index > this.currentIndex) this.advance(index);
    const last = this.currentIndex - 1;
    if (last === this.lastEvaluatedIndex && this.lastVerdict !== null) return this.lastVerdict;
    this.lastEvaluatedIndex = last;

    // A regression that has lasted `relearnSlots` is the new normal: the baseline re-learns from
    // the slots after the increase was first seen, so a permanent step resolves instead of firing
    // forever (and the slots from before it cannot hold the ratio up while they slide out).
    if (this.regressed && this.frozenBaseline !== null && last - this.startedAtIndex >= this.relearnSlots) {
      this.frozenBaseline = null;
      this.baselineFromIndex = this.frozenAtIndex + 1;
    }
    const recentSketch = this.recentScratch.assignMerged(this.slotsBetween(last - this.recentSlots + 1, last));
    const baselineTo = last - this.recentSlots;
    const baselineSketch =
      this.frozenBaseline ??
      this.baselineScratch.assignMerged(
        this.slotsBetween(Math.max(baselineTo - this.baselineSlots + 1, this.baselineFromIndex), baselineTo),
      );
    const recent = quantilesOf(recentSketch);
    const baseline = quantilesOf(baselineSketch);
    const p95Ratio = recent !== null && baseline !== null && baseline.p95 > 0 ? recent.p95 / baseline.p95 : null;
    const p50Ratio = recent !== null && baseline !== null && baseline.p50 > 0 ? recent.p50 / baseline.p50 : null;
    const judged =
      recentSketch.count >= this.minSamples && baselineSketch.count >= this.minSamples && p95Ratio !== null && p50Ratio !== null;
    const p95 = judged ? logShift(recentSketch, baselineSketch, 0.95) : null;
    const p50 = judged ? logShift(recentSketch, baselineSketch, 0.5) : null;

    let state: RegressionState;
    let started = false;
    let resolved = false;
    if (p95 === null || p50 === null) {
      // Not enough data says nothing either way: a regression under way stays, a run restarts.
      if (!this.regressed) this.run = 0;
      state = this.regressed ? 'regressed' : 'insufficient-data';
    } else {
      const judge = (shift: LogShift, increase: number | null) => (increase === null ? NOT_JUDGED : this.judge(shift, increase));
      const p95Judgement = judge(p95, this.p95Increase);
      const p50Judgement = judge(p50, this.p50Increase);
      if (!this.regressed) {
        const increased = p95Judgement.increased || p50Judgement.increased;
        this.run = increased ? this.run + 1 : 0;
        // Freeze the baseline from the first increase on: while the shift is being confirmed, and
        // while a regression lasts, the slots sliding into the baseline hold the shifted latencies,
        // and a baseline that absorbed them would hide the regression it is meant to reveal. A dip
        // of the noisy ratio under the threshold does not thaw it while the increase is still at
        // least half-way there; it thaws once the increase is gone or after UNCONFIRMED_FREEZE_WINDOWS
        // recent windows without confirmation.
        if (increased && this.frozenBaseline === null) {
          this.frozenBaseline = baselineSketch.clone();
          this.frozenAtIndex = last;
        } else if (
          !increased &&
          this.frozenBaseline !== null &&
          (!(p95Judgement.halfway || p50Judgement.halfway) || last - this.frozenAtIndex >= UNCONFIRMED_FREEZE_WINDOWS * this.recentSlots)
        ) {
          this.frozenBaseline = null;
        }
        if (this.run >= this.consecutive) {
          this.regressed = true;
          started = true;
          this.run = 0;
          this.startedAtIndex = last;
        }
      } else {
        // Hysteresis: the regression lasts while the increase is still plausibly half-way there.
        this.run = p95Judgement.elevated || p50Judgement.elevated ? 0 : this.run + 1;
        if (this.run >= this.consecutive) {
          this.regressed = false;
          resolved = true;
          this.run = 0;
          this.frozenBaseline = null;
        }
      }
      state = this.regressed ? 'regressed' : this.run > 0 ? 'shifted' : 'ok';
    }
    const verdict: RegressionVerdict = {
      timestampMs: (last + 1) * this.slotMs,
      state,
      started,
      resolved,
      consecutive: this.run,
      recent,
      baseline,
      p95Ratio,
      p50Ratio,
      p95Z: p95 === null ? null : zOf(p95),
      p50Z: p50 === null ? null : zOf(p50),
      version: this.versionValue,
    };
    this.lastVerdict = verdict;
    return verdict;
  }

  /**
   * How a quantile's log shift compares with `increase`: see the class comment for `increased`
   * (significant and as large as the increase within the error) and `elevated` (plausibly at
   * least half-way: what keeps a regression going); `halfway` is the point estimate at least
   * half-way (what keeps a frozen baseline while an increase is being confirmed).
   */
  private judge(shift: LogShift, increase: number): Judgement {
    const target = Math.log1p(increase);
    const { logRatio: d, standardError: se } = shift;
    return {
      increased: d >= this.zThreshold * se && d >= target - Math.min(MAGNITUDE_STANDARD_ERRORS * se, target / 2),
      elevated: d + se >= target / 2,
      halfway: d >= target / 2,
    };
  }

  /** The slot sketch a latency at `timestampMs` goes to, `null` when it must be dropped. */
  private slotFor(timestampMs: number): LogBucketSketch | null {
    if (!(timestampMs >= this.acceptFromMs) || !Number.isFinite(timestampMs)) return null;
    const index = Math.floor(timestampMs / this.slotMs);
    if (Number.isNaN(this.currentIndex)) this.currentIndex = index;
    else if (index > this.currentIndex) this.advance(index);
    if (index === this.currentIndex) return this.current;
    // Late: its slot may still be retained (and not yet evaluated, or it changes little).
    const position = ringPosition(index, this.ring.length);
    return this.ringIndex[position] === index ? (this.ring[position] as LogBucketSketch) : null;
  }

  /** Files the current slot in the ring and makes slot `to` current (slots skipped stay empty). */
  private advance(to: number): void {
    const n = this.ring.length;
    const position = ringPosition(this.currentIndex, n);
    const recycled = this.ring[position] as LogBucketSketch;
    this.ring[position] = this.current;
    this.ringIndex[position] = this.currentIndex;
    recycled.clear();
    this.current = recycled;
    for (let k = Math.max(this.currentIndex + 1, to - n); k < to; k++) {
      const p = ringPosition(k, n);
      (this.ring[p] as LogBucketSketch).clear();
      this.ringIndex[p] = k;
    }
    this.currentIndex = to;
  }

  /** The retained slots with index in [from, to]. */
  private slotsBetween(from: number, to: number): LogBucketSketch[] {
    const slots: LogBucketSketch[] = [];
    for (let k = Math.max(from, to - this.ring.length + 1); k <= to; k++) {
      const position = ringPosition(k, this.ring.length);
      if (this.ringIndex[position] === k) slots.push(this.ring[position] as LogBucketSketch);
    }
    return slots;
  }

  /** The recent window as of `timestampMs` (completed slots plus the current one). */
  private recentWindowAt(timestampMs: number): WindowQuantiles | null {
    if (Number.isNaN(this.currentIndex)) return null;
    const index = Math.min(Math.floor(timestampMs / this.slotMs), this.currentIndex);
    const slots = this.slotsBetween(index - this.recentSlots + 1, Math.min(index, this.currentIndex - 1));
    if (index === this.currentIndex) slots.push(this.current);
    return quantilesOf(this.recentScratch.assignMerged(slots));
  }

  private clearSlots(): void {
    for (const sketch of this.ring) sketch.clear();
    this.ringIndex.fill(Number.NaN);
    this.current.clear();
    this.currentIndex = Number.NaN;
    this.frozenBaseline = null;
    this.baselineFromIndex = Number.NEGATIVE_INFINITY;
    this.lastEvaluatedIndex = Number.NaN;
    this.lastVerdict = null;
    this.run = 0;
    this.regressed = false;
  }
}

/** Log ratio of one quantile between the recent and the baseline window, with its standard error. */
interface LogShift {
  /** ln(recent quantile / baseline quantile). */
  readonly logRatio: number;
  /** Standard error of `logRatio` from the windows' counts and the local spread of the latencies. */
  readonly standardError: number;
}

/** What an evaluation makes of one quantile's shift. */
interface Judgement {
  readonly increased: boolean;
  readonly elevated: boolean;
  readonly halfway: boolean;
}

const NOT_JUDGED: Judgement = { increased: false, elevated: false, halfway: false };

/**
 * The log shift of quantile `q` and its standard error. The sampling variance of a sample
 * quantile's logarithm is q(1−q)/n × s², s the slope of the log-quantile function at q (1 / the
 * density of the log-latencies there); s is read off the sketch between ranks q ± h. The baseline
 * (the larger window) gives the slope of both unless the recent one is steeper: a thin recent
 * window's own slope is noisy, and it may only widen the error, never narrow it.
 */
function logShift(recent: LogBucketSketch, baseline: LogBucketSketch, q: number): LogShift | null {
  const h = DENSITY_SPAN * Math.min(q, 1 - q);
  const ranks = [q - h, q, q + h];
  const [recentLow, recentAt, recentHigh] = recent.quantiles(ranks) as [number, number, number];
  const [baselineLow, baselineAt, baselineHigh] = baseline.quantiles(ranks) as [number, number, number];
  if (!(baselineAt > 0)) return null;
  const slope = (low: number, high: number) => Math.log(Math.max(high, Number.MIN_VALUE) / Math.max(low, Number.MIN_VALUE)) / (2 * h);
  const baselineSlope = slope(baselineLow, baselineHigh);
  const recentSlope = Math.max(slope(recentLow, recentHigh), baselineSlope);
  // Each quantile is also off by up to ±α (the sketch's relative accuracy) in log terms, spread
  // evenly: variance α²/3 each. It matters in busy windows, whose sampling error is that small.
  const alpha = baseline.relativeAccuracy;
  const variance = q * (1 - q) * (recentSlope ** 2 / recent.count + baselineSlope ** 2 / baseline.count) + (2 * alpha * alpha) / 3;
  return { logRatio: Math.log(Math.max(recentAt, Number.MIN_VALUE) / baselineAt), standardError: Math.sqrt(variance) };
}

/** The shift in standard errors (finite: the error includes the sketch's, which is never 0). */
function zOf(shift: LogShift): number {
  return shift.logRatio / shift.standardError;
}

function quantilesOf(sketch: LogBucketSketch): WindowQuantiles | null {
  if (sketch.count === 0) return null;
  const [p50, p95] = sketch.quantiles([0.5, 0.95]) as [number, number];
  return { count: sketch.count, p50, p95 };
}

function ringPosition(index: number, length: number): number {
  const position = index % length;
  return position < 0 ? position + length : position;
}

function checked(name: string, value: number, ok: (v: number) => boolean, expectation: string): number {
  if (typeof value !== 'number' || !ok(value)) throw new RangeError(`${name} must be ${expectation}, got ${String(value)}`);
  return value;
}
