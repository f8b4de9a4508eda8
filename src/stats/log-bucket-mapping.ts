/** Smallest normal double: below it the exponent bits no longer give log2. */
const MIN_NORMAL = 2 ** -1022;
/** Mantissa bits used to pick a table cell: 4,096 cells per octave. */
const CELL_BITS = 12;
const CELL_COUNT = 1 << CELL_BITS;
/** Most buckets per octave: keeps at most one bucket boundary per table cell. */
const MAX_BUCKETS_PER_OCTAVE = 1024;

/** Scratch views that expose the bits of a double. */
const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);
/** Index of the word holding sign, exponent and the top 20 mantissa bits. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** 2^(e − 1023) for every biased exponent e. */
const POWERS_OF_TWO = new Float64Array(2048);
for (let e = 0; e < 2048; e++) POWERS_OF_TWO[e] = 2 ** (e - 1023);

const byBucketsPerOctave = new Map<number, LogBucketMapping>();

/**
 * Maps positive values to logarithmic buckets of ratio γ = 2^(1/b) (b buckets per power of two):
 * bucket `k` holds the values in (γ^(k−1), γ^k], i.e. `k = ⌈log_γ(x)⌉`, and reports them as
 * 2γ^k / (1 + γ), which is within (γ − 1)/(γ + 1) of every value in the bucket.
 *
 * The index is computed without `Math.log`: the exponent bits give the octave, a 4,096-cell table
 * over the top mantissa bits gives the bucket within the octave up to one boundary, and one
 * comparison settles it. The result equals `⌈b·log2(x)⌉` exactly (about 3 ns against 10 ns for
 * `Math.log`). Because γ is a root of 2, b = 2^s gives the buckets of an OpenTelemetry exponential
 * histogram of scale s.
 *
 * Mappings are immutable and shared: get them from {@link LogBucketMapping.forBucketsPerOctave} or
 * {@link LogBucketMapping.forRelativeAccuracy}.
 */
export class LogBucketMapping {
  /** Buckets per power of two (b). */
  readonly bucketsPerOctave: number;
  /** Bucket ratio γ = 2^(1/b). */
  readonly gamma: number;
  /** Guaranteed relative error of a bucket's representative value: (γ − 1)/(γ + 1). */
  readonly relativeAccuracy: number;
  /** Smallest bucket index per table cell. */
  private readonly cellBucket: Uint16Array;
  /** Upper bound 2^(j/b) of the j-th bucket within an octave, j = 0…b (the last is exactly 2). */
  private readonly octaveBounds: Float64Array;
  /** 2 / (1 + γ): scales a bucket's upper bound to its representative value. */
  private readonly representativeFactor: number;

  private constructor(bucketsPerOctave: number) {
    this.bucketsPerOctave = bucketsPerOctave;
    this.gamma = 2 ** (1 / bucketsPerOctave);
    this.relativeAccuracy = (this.gamma - 1) / (this.gamma + 1);
    this.representativeFactor = 2 / (1 + this.gamma);
    this.octaveBounds = new Float64Array(bucketsPerOctave + 1);
    for (let j = 0; j < bucketsPerOctave; j++) this.octaveBounds[j] = 2 ** (j / bucketsPerOctave);
    this.octaveBounds[bucketsPerOctave] = 2;
    // cellBucket[c] = the bucket of the cell's lowest mantissa 1 + c/4096, computed with the same
    // bounds as key() so that the table and the final comparison always agree.
    this.cellBucket = new Uint16Array(CELL_COUNT);
    let j = 0;
    for (let c = 0; c < CELL_COUNT; c++) {
      const mantissa = 1 + c / CELL_COUNT;
      while (mantissa > (this.octaveBounds[j] as number)) j++;
      this.cellBucket[c] = j;
    }
  }

  /**
   * The shared mapping with `bucketsPerOctave` buckets per power of two.
   * @throws RangeError unless it is an integer in [2, 1024]
   */
  static forBucketsPerOctave(bucketsPerOctave: number): LogBucketMapping {
    if (!Number.isInteger(bucketsPerOctave) || bucketsPerOctave < 2 || bucketsPerOctave > MAX_BUCKETS_PER_OCTAVE) {
      throw new RangeError(`bucketsPerOctave must be an integer in [2, ${MAX_BUCKETS_PER_OCTAVE}], got ${String(bucketsPerOctave)}`);
    }
    let mapping = byBucketsPerOctave.get(bucketsPerOctave);
    if (mapping === undefined) {
      mapping = new LogBucketMapping(bucketsPerOctave);
      byBucketsPerOctave.set(bucketsPerOctave, mapping);
    }
    return mapping;
  }

  /**
   * The shared mapping with the fewest buckets per octave whose error bound is at most
   * `relativeAccuracy` (0.01 → 35 buckets per octave, bound 0.990%).
   * @throws RangeError unless `relativeAccuracy` is in [0.0005, 0.25]
   */
  static forRelativeAccuracy(relativeAccuracy: number): LogBucketMapping {
    if (!(relativeAccuracy >= 0.0005 && relativeAccuracy <= 0.25)) {
      throw new RangeError(`relativeAccuracy must be in [0.0005, 0.25], got ${String(relativeAccuracy)}`);
    }
    const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    let buckets = Math.max(2, Math.ceil(Math.LN2 / Math.log(gamma) - 1e-9));
    // Guard the ceiling against rounding: step up until the bound really holds.
    while ((2 ** (1 / buckets) - 1) / (2 ** (1 / buckets) + 1) > relativeAccuracy) buckets++;
    return LogBucketMapping.forBucketsPerOctave(buckets);
  }

  /** Smallest value this mapping can index (the smallest normal double). */
  static get minIndexableValue(): number {
    return MIN_NORMAL;
  }

  /**
   * Bucket index `⌈log_γ(value)⌉` of a finite value ≥ 2⁻¹⁰²² (callers check the range; other
   * inputs give meaningless indices).
   */
  key(value: number): number {
    scratchFloat[0] = value;
    const high = scratchWords[HIGH_WORD] as number;
    const biasedExponent = high >>> 20;
    let j = this.cellBucket[(high & 0xfffff) >>> (20 - CELL_BITS)] as number;
    // value > bound·2^e  ⇔  mantissa > bound (multiplying by a power of two is exact).
    if (value > (this.octaveBounds[j] as number) * (POWERS_OF_TWO[biasedExponent] as number)) j++;
    return (biasedExponent - 1023) * this.bucketsPerOctave + j;
  }

  /** Representative value of bucket `key`: 2γ^key / (1 + γ). */
  value(key: number): number {
    return 2 ** (key / this.bucketsPerOctave) * this.representativeFactor;
  }

  /** Exclusive lower bound γ^(key−1) of bucket `key`. */
  lowerBound(key: number): number {
    return 2 ** ((key - 1) / this.bucketsPerOctave);
  }

  /** Inclusive upper bound γ^key of bucket `key`. */
  upperBound(key: number): number {
    return 2 ** (key / this.bucketsPerOctave);
  }
}
