import { LogBucketSketch } from '../../src/stats/log-bucket-sketch.js';
import type {
  LatencyRegressionDetectorOptions,
  RegressionState,
  RegressionVerdict,
  VersionChangePoint,
  WindowQuantiles,
} from './types.js';

/** Standard errors of the rank by which a quantile's sampling error is read off the sketch (~95 %). */
const RANK_STANDARD_ERRORS = 2;
/**
 * Cap of the estimation-error allowance, as a fraction of the configured increase: thin windows
 * have a wide sampling error, and an uncapped allowance would let them fire on noise.
 */
const ALLOWANCE_CAP = 1 / 6;
/** Recent windows an increase may go unconfirmed before the frozen baseline thaws. */
const UNCONFIRMED_FREEZE_WINDOWS = 3;

const DEFAULTS = {
  slotMs: 60_000,
  recentSlots: 5,
  baselineSlots: 30,
  p95Increase: 0.3,
  p50Increase: null as number | null,
  consecutive: 3,
  minSamples: 200,
  relativeAccuracy: 0.01,
};

/**
 * Latency regression detector for one series (a query, a source, a stage): compares the p50/p95
 * of a recent window (the last `recentSlots` completed slots, 5 minutes by default) with those of
 * a baseline window just before it (`baselineSlots`, 30 minutes), both merged from per-slot
 * {@link LogBucketSketch}es (≤ 1 % relative error), and reports a regression when the p95 (and/or
 * the p50) rose by the configured share for `consecutive` evaluations in a row.
 *
 * - An increase counts when the recent quantile is at least `1 + increase` times the baseline one
 *   *within the estimation error*: the sketches' relative accuracy plus the sampling error of both
 *   quantiles, read from the sketches' own order statistics (ranks q ± 2·√(q(1−q)/n)). Without it a
 *   true +30 % step would read as +30 % ± a few % and fire only half of the time. The allowance is
 *   capped at a sixth of the increase (5 % for +30 %), so thin windows cannot fire on noise; each
 *   window also needs `minSamples` latencies before it is judged at all.
 * - From the first evaluation that sees an increase, and for as long as a regression lasts, the
 *   baseline is frozen, so the shift is not learned as the new normal while it is being confirmed
 *   or while it lasts; a regression ends after `consecutive` evaluations back under the threshold.
 * - {@link LatencyRegressionDetector.markVersion} marks a `service.version` change: the old
 *   version's data cannot be a baseline for the new one, so every slot is dropped and the
 *   detector starts afresh; the change point is returned with the old version's last window.
 *
 * Memory is bounded: `recentSlots + baselineSlots + 2` sketches. `record` is O(1); `evaluate`
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
  /** Evaluations a change must hold. */
  readonly consecutive: number;
  /** Fewest latencies per window. */
  readonly minSamples: number;

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
    this.recentSlots = checked('recentSlots', options.recentSlots ?? DEFAULTS.recentSlots, (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'an integer in [1, 10000]');
    this.baselineSlots = checked('baselineSlots', options.baselineSlots ?? DEFAULTS.baselineSlots, (v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'an integer in [1, 10000]');
    this.p95Increase = checked('p95Increase', options.p95Increase ?? DEFAULTS.p95Increase, (v) => v > 0 && v < Infinity, 'finite and > 0');
    const p50 = options.p50Increase === undefined ? DEFAULTS.p50Increase : options.p50Increase;
    this.p50Increase = p50 === null ? null : checked('p50Increase', p50, (v) => v > 0 && v < Infinity, 'finite and > 0, or null');
    this.consecutive = checked('consecutive', options.consecutive ?? DEFAULTS.consecutive, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
    this.minSamples = checked('minSamples', options.minSamples ?? DEFAULTS.minSamples, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1');
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

    const recentSketch = this.recentScratch.assignMerged(this.slotsBetween(last - this.recentSlots + 1, last));
    const baselineSketch =
      this.frozenBaseline ?? this.baselineScratch.assignMerged(this.slotsBetween(last - this.recentSlots - this.baselineSlots + 1, last - this.recentSlots));
    const recent = quantilesOf(recentSketch);
    const baseline = quantilesOf(baselineSketch);
    const p95Ratio = recent !== null && baseline !== null && baseline.p95 > 0 ? recent.p95 / baseline.p95 : null;
    const p50Ratio = recent !== null && baseline !== null && baseline.p50 > 0 ? recent.p50 / baseline.p50 : null;
    const judged = recentSketch.count >= this.minSamples && baselineSketch.count >= this.minSamples && p95Ratio !== null && p50Ratio !== null;

    let state: RegressionState;
    let started = false;
    let resolved = false;
    if (!judged) {
      // Not enough data says nothing either way: a regression under way stays, a run restarts.
      if (!this.regressed) this.run = 0;
      state = this.regressed ? 'regressed' : 'insufficient-data';
    } else {
      const increased =
        this.increased(recentSketch, baselineSketch, 0.95, p95Ratio, this.p95Increase) ||
        (this.p50Increase !== null && this.increased(recentSketch, baselineSketch, 0.5, p50Ratio, this.p50Increase));
      if (!this.regressed) {
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
        } else if (!increased && this.frozenBaseline !== null && (!this.halfway(p95Ratio, p50Ratio) || last - this.frozenAtIndex >= UNCONFIRMED_FREEZE_WINDOWS * this.recentSlots)) {
          this.frozenBaseline = null;
        }
        if (this.run >= this.consecutive) {
          this.regressed = true;
          started = true;
          this.run = 0;
        }
      } else {
        this.run = increased ? 0 : this.run + 1;
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
      version: this.versionValue,
    };
    this.lastVerdict = verdict;
    return verdict;
  }

  /** Whether either judged quantile is still at least half-way to its threshold. */
  private halfway(p95Ratio: number, p50Ratio: number): boolean {
    return p95Ratio >= 1 + this.p95Increase / 2 || (this.p50Increase !== null && p50Ratio >= 1 + this.p50Increase / 2);
  }

  /**
   * Whether quantile `q` rose by `increase` within the estimation error: the largest ratio the
   * sketches allow (recent quantile read at the upper rank bound, baseline at the lower, each
   * widened by the sketch accuracy), capped at `ratio × (1 + increase × ALLOWANCE_CAP)`.
   */
  private increased(recent: LogBucketSketch, baseline: LogBucketSketch, q: number, ratio: number, increase: number): boolean {
    const target = 1 + increase;
    if (ratio >= target) return true;
    const spread = (n: number) => RANK_STANDARD_ERRORS * Math.sqrt((q * (1 - q)) / n);
    const recentHigh = recent.quantile(Math.min(1, q + spread(recent.count)));
    const baselineLow = baseline.quantile(Math.max(0, q - spread(baseline.count)));
    const accuracy = (1 + recent.relativeAccuracy) / (1 - baseline.relativeAccuracy);
    const plausible = baselineLow > 0 ? (recentHigh / baselineLow) * accuracy : Infinity;
    return Math.min(plausible, ratio * (1 + increase * ALLOWANCE_CAP)) >= target;
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
    this.lastEvaluatedIndex = Number.NaN;
    this.lastVerdict = null;
    this.run = 0;
    this.regressed = false;
  }
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
