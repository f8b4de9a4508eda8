/**
 * Interfaces of the alert engine's detectors: the online anomaly detector for one numeric series,
 * the latency regression detector, and what the NAB scorer needs from any point detector.
 */

/** What a point detector says about one value: the least the NAB scorer needs. */
export interface PointVerdict {
  /** Whether the value raised an alert. */
  readonly anomalous: boolean;
}

/** Anything that judges a series one value at a time (what the NAB scorer runs). */
export interface PointDetector {
  /** Judges `value`, observed at `timestampMs`, and learns from it. */
  update(value: number, timestampMs: number): PointVerdict;
}

/**
 * Where the online detector stands for one value:
 * - `ignored`: the value was NaN or ±Infinity; nothing was learned from it.
 * - `warming-up`: fewer than `warmupPoints` values seen; it learns but never alerts.
 * - `cooling-down`: an alert fired less than `cooldownPoints` values ago; it learns but stays quiet.
 * - `active`: it may alert.
 */
export type AnomalyPhase = 'ignored' | 'warming-up' | 'cooling-down' | 'active';

/**
 * How a deviation is measured: `additive` on the values themselves (x − level), `multiplicative`
 * on their logarithm (a ratio to the level), which suits positive, heavy-tailed series such as
 * throughputs, byte rates and latencies, `seasonal` against what the value usually is at this hour
 * of the week (x − that hour's level), which finds a holiday in a daily or weekly pattern.
 */
export type AnomalyView = 'additive' | 'multiplicative' | 'seasonal';

/** Sign of a deviation from the expected level. */
export type AnomalyDirection = 'up' | 'down';

/** Which deviations may alert. */
export type DirectionFilter = AnomalyDirection | 'both';

/** Construction options of an `OnlineAnomalyDetector`. Every one has a measured default. */
export interface OnlineAnomalyDetectorOptions {
  /**
   * Adaptation rate of the expected level and of the scale, per value, in (0, 1]: each new value
   * weighs `alpha` (a memory of about `1/alpha` values).
   * @default 0.03
   */
  alpha?: number;
  /**
   * First gate: the deviation must exceed this many robust standard deviations
   * (√(π/2) × the exponentially weighted mean absolute deviation). Deliberately permissive: it
   * only keeps negligible wiggles out; the novelty gate decides.
   * @default 2
   */
  zThreshold?: number;
  /**
   * Second gate: the deviation must exceed the largest deviation of the same sign (and view) in
   * recent memory by this factor, so that recurring spikes (a nightly batch, a cron burst) alert
   * once, not every time. Greater than 1.
   * @default 1.2
   */
  noveltyMargin?: number;
  /**
   * Half-life, in values, of the memory of past extremes: a deviation seen this many values ago
   * counts half as much. Also the horizon over which the novelty margin is widened for a young
   * detector.
   * @default 3000
   */
  memoryHalfLife?: number;
  /**
   * Values to learn from before any alert: at least one cycle of the series' normal pattern
   * (288 values are a day of 5-minute points).
   * @default 300
   */
  warmupPoints?: number;
  /** Values after an alert during which no other alert fires (the detector keeps learning). @default 100 */
  cooldownPoints?: number;
  /** Which deviations may alert. @default 'both' */
  direction?: DirectionFilter;
  /**
   * Also judge ratios (the `multiplicative` view) while every value seen is ≥ 0. A negative value
   * turns that view off for good (a ratio to a level is meaningless across zero).
   * @default true
   */
  multiplicative?: boolean;
  /**
   * Smallest scale, in the series' units, below which deviations are not told apart: e.g. 0.001
   * for an error ratio whose changes below 0.1 % do not matter. 0 lets a perfectly flat series
   * alert on any change once warmed up.
   * @default 0
   */
  minScale?: number;
  /**
   * Also judge each value against what its hour of the week usually is, from the timestamps (UTC
   * hours): 168 slot levels, trusted after 2 weeks, alerting after 3. The view alerts only while
   * it explains the series better than the plain level does, so it is quiet on series without a
   * daily or weekly pattern; turn it off for series whose timestamps are not wall-clock times.
   * @default true
   */
  seasonal?: boolean;
}

/** What the online detector says about one value. Every figure is finite unless noted. */
export interface AnomalyVerdict extends PointVerdict {
  /** `true` when both gates passed and the detector was neither warming up nor cooling down. */
  readonly anomalous: boolean;
  /**
   * How far past the alert line the value is: `min(|z| / zThreshold, novelty / margin)` in the view
   * that scores highest; above 1 means both gates passed (whether or not the phase let it alert).
   * 0 for an ignored value.
   */
  readonly score: number;
  /** Signed deviation in robust standard deviations, in the view of `score` (may be ±Infinity on a flat series). */
  readonly zScore: number;
  /**
   * Deviation divided by the largest same-sign deviation in memory, in the view of `score`
   * (Infinity when the series never deviated that way before).
   */
  readonly novelty: number;
  /** The view that scored highest; `null` for an ignored value or no deviation. */
  readonly view: AnomalyView | null;
  /** Sign of the deviation in that view; `null` when there is none. */
  readonly direction: AnomalyDirection | null;
  /** Level the value was expected at (additive view, before learning this value); NaN before the first value. */
  readonly expected: number;
  /** Robust standard deviation of the additive view before this value (series units). */
  readonly scale: number;
  /** Where the detector stood for this value. */
  readonly phase: AnomalyPhase;
  /** The timestamp passed in. */
  readonly timestampMs: number;
}

/** Construction options of a `LatencyRegressionDetector`. */
export interface LatencyRegressionDetectorOptions {
  /** Width of one slot, in ms: the evaluation step. @default 60000 */
  slotMs?: number;
  /** Slots in the recent window (the last completed ones). @default 5 */
  recentSlots?: number;
  /** Slots in the baseline window, just before the recent one. @default 60 */
  baselineSlots?: number;
  /** Relative p95 increase that counts as a regression (0.3 = +30 %). @default 0.3 */
  p95Increase?: number;
  /** Relative p50 increase that also counts as a regression; `null` to judge p95 only. @default null */
  p50Increase?: number | null;
  /**
   * Standard errors (of the log ratio recent / baseline quantile, from both windows' counts) by
   * which an increase must be significant: what keeps thin, noisy windows quiet.
   * @default 4
   */
  zThreshold?: number;
  /** Consecutive evaluations the increase must hold before the regression starts (and the return to normal before it ends). @default 3 */
  consecutive?: number;
  /** Fewest latencies each window needs before it is judged. @default 100 */
  minSamples?: number;
  /**
   * Slots a regression may last before its level becomes the baseline (re-learnt from the slots
   * after the increase was first seen), so a permanent step resolves instead of firing forever.
   * @default 120
   */
  relearnSlots?: number;
  /** Relative accuracy of the slot sketches. @default 0.01 */
  relativeAccuracy?: number;
}

/** Count and quantiles of one window, latencies in ms. */
export interface WindowQuantiles {
  /** Latencies in the window. */
  readonly count: number;
  /** Median (sketch estimate). */
  readonly p50: number;
  /** 95th percentile (sketch estimate). */
  readonly p95: number;
}

/**
 * State of a latency regression detector after an evaluation:
 * - `insufficient-data`: a window holds fewer than `minSamples` latencies (or no slot completed yet);
 * - `ok`: no increase beyond the thresholds;
 * - `shifted`: a significant increase beyond a threshold, held for fewer than `consecutive`
 *   evaluations;
 * - `regressed`: a regression is under way (started after `consecutive` evaluations, not yet back
 *   to normal for as many, nor re-learnt as the new normal).
 */
export type RegressionState = 'insufficient-data' | 'ok' | 'shifted' | 'regressed';

/** What a latency regression detector reports after an evaluation. JSON-serialisable. */
export interface RegressionVerdict {
  /** Time of the evaluation (the end of the last completed slot), ms. */
  readonly timestampMs: number;
  /** See {@link RegressionState}. */
  readonly state: RegressionState;
  /** `true` on the evaluation at which a regression started: the edge an alert fires on. */
  readonly started: boolean;
  /** `true` on the evaluation at which a regression ended. */
  readonly resolved: boolean;
  /** Consecutive evaluations the current condition (increase, or return to normal while regressed) has held. */
  readonly consecutive: number;
  /** The recent window; `null` before any slot completed. */
  readonly recent: WindowQuantiles | null;
  /** The baseline window (frozen while a regression is under way); `null` when empty. */
  readonly baseline: WindowQuantiles | null;
  /** recent p95 / baseline p95; `null` without both. */
  readonly p95Ratio: number | null;
  /** recent p50 / baseline p50; `null` without both. */
  readonly p50Ratio: number | null;
  /** ln(recent p95 / baseline p95) in standard errors of that log ratio; `null` when not judged. */
  readonly p95Z: number | null;
  /** ln(recent p50 / baseline p50) in standard errors of that log ratio; `null` when not judged. */
  readonly p50Z: number | null;
  /** The current `service.version`, `null` if none was marked. */
  readonly version: string | null;
}

/** A `service.version` change reported by `LatencyRegressionDetector.markVersion`. */
export interface VersionChangePoint {
  /** When the new version was seen, ms. */
  readonly timestampMs: number;
  /** The version before. */
  readonly previousVersion: string;
  /** The version from now on. */
  readonly version: string;
  /**
   * The latest recent window of the previous version (so the alert engine can compare the new
   * version against it once it has data); `null` when it was empty.
   */
  readonly before: WindowQuantiles | null;
}
