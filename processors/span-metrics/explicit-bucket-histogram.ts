/** A cumulative explicit-bucket histogram: counts per bucket, sum, count, min and max. */
export class ExplicitBucketHistogram {
  /** `counts[i]` counts values in (`boundaries[i-1]`, `boundaries[i]`]; the last, those above every boundary. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;

  /** @param boundaries - ascending upper bounds (inclusive), as OpenTelemetry's explicit buckets */
  constructor(readonly boundaries: readonly number[]) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /** Adds one value; NaN is ignored, as the OTel SDK ignores it. */
  record(value: number): void {
    if (Number.isNaN(value)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    // The first boundary ≥ value (upper bounds are inclusive); few boundaries, so a linear scan
    // from the bottom, where most durations fall, beats a binary search.
    const boundaries = this.boundaries;
    let i = 0;
    while (i < boundaries.length && boundaries[i]! < value) i++;
    this.counts[i]!++;
  }
}
