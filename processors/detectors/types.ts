/** Interfaces of the alert engine's detectors. */

/** What a point detector says about one value. */
export interface PointVerdict {
  /** Whether the value raised an alert. */
  readonly anomalous: boolean;
}

/** Anything that judges a series one value at a time: what the NAB scorer runs. */
export interface PointDetector {
  /** Judges `value` observed at `timestampMs`. */
  update(value: number, timestampMs: number): PointVerdict;
}
