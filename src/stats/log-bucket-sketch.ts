import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';
import type { CountArray } from './bucket-count-model.js';
import { LogBucketMapping } from './log-bucket-mapping.js';
import type { LogBucketSketchOptions, QuantileSketch, QuantileSketchJSON } from './types.js';

type Counts = CountArray;

const FORMAT = 'fedscope.logbucket/1';
const DEFAULT_RELATIVE_ACCURACY = 0.01;
const DEFAULT_MAX_BUCKETS = 1024;
const DEFAULT_MIN_INDEXED_VALUE = 1e-6;
const UINT8_LIMIT = 0xff;
const UINT16_LIMIT = 0xffff;
const UINT32_LIMIT = 0xffffffff;
/** First allocation, in buckets. */
const INITIAL_BUCKETS = 32;
/** Estimated bytes of the sketch object and of a typed array with its buffer, on a 64-bit heap. */
const OBJECT_BYTES = 136;
/**
 * Packed counts list the occupied buckets (gap and count each an Elias-gamma code) when at most
 * 4 in 5 buckets of the range are occupied and they hold 3 values each or fewer on average, else
 * entropy-code every bucket of the range. Measured on lognormal latencies: a 5 s slot at 100
 * values/s takes the same bits either way, and listing it brought the windowed statistics'
 * record cost at 100 spans/s from 1.5× to 1.15× that of plain sketches; busier slots list longer.
 */
const SPARSE_RATIO = 1.25;
const SPARSE_MEAN_COUNT = 3;
const TYPED_ARRAY_BYTES = 200;

/**
 * A DDSketch-style quantile sketch: logarithmic buckets (see {@link LogBucketMapping}), so every
 * reported quantile is within {@link LogBucketSketch.relativeAccuracy} (0.99% by default) of the
 * exact nearest-rank quantile, also after merges, whatever the distribution, for values spanning up
 * to `maxBuckets` buckets (1,024 at 0.99%: 8.8 decades); past that, the lowest values collapse.
 *
 * - `add` is O(1) and allocation-free except when the value falls outside the buckets allocated
 *   so far (a few times per sketch).
 * - Counts live in one dense typed array with an offset, widened on demand (8-bit counts, then
 *   16-bit, 32-bit, doubles), so a sketch holding 100,000 lognormal latencies spanning six decades
 *   retains about 2 KB; at most `maxBuckets` buckets are kept, the lowest ones collapsing into
 *   one beyond that, which bounds the counts to `maxBuckets × 4` bytes (× 8 past 2³²−1 values in
 *   one bucket) whatever is added.
 * - Values at or below `minIndexedValue` (and negative ones) go to a zero bucket reported as 0,
 *   clamped into [min, max].
 * - Estimates are clamped into [min, max], so p0 and p100 are exact.
 * - Merging adds bucket counts: exact and order-independent. {@link LogBucketSketch.toJSON} /
 *   {@link LogBucketSketch.fromJSON} ship a sketch between processes.
 *
 * @example
 * ```ts
 * // in each process: record, then ship the JSON form (a QuantileSketchJSON)
 * const sketch = new LogBucketSketch();
 * sketch.add(12.5);
 * const wire = JSON.stringify(sketch);
 * // where they meet: read them back and merge; the quantiles are those of all values together
 * const fleet = LogBucketSketch.mergeAll(wires.map((w) => LogBucketSketch.fromJSON(JSON.parse(w))));
 * fleet.quantile(0.99);
 * ```
 */
export class LogBucketSketch implements QuantileSketch {
  /**
   * Bucket layout, shared by every sketch with the same buckets per octave. @internal (the
   * statistics read it; `toJSON().bucketsPerOctave` says the same for users)
   */
  readonly mapping: LogBucketMapping;
  /** Most buckets kept before the lowest are collapsed. */
  readonly maxBuckets: number;
  /** Values at or below this go to the zero bucket. */
  readonly minIndexedValue: number;

  private counts: Counts | null = null;
  /** Largest count a bucket of `counts` can hold. */
  private countLimit = UINT8_LIMIT;
  /** Bucket index of `counts[0]`. */
  private offset = 0;
  private zeroCount = 0;
  private total = 0;
  private valueSum = 0;
  private lowest = Infinity;
  private highest = -Infinity;

  /**
   * @param options bucket layout and bounds; defaults give 0.99% relative error, 1,024 buckets at
   *   most, and a zero bucket for values ≤ 1e-6.
   * @throws RangeError on an out-of-range option
   */
  constructor(options: LogBucketSketchOptions = {}) {
    this.mapping =
      options.bucketsPerOctave !== undefined
        ? LogBucketMapping.forBucketsPerOctave(options.bucketsPerOctave)
        : LogBucketMapping.forRelativeAccuracy(options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY);
    const maxBuckets = options.maxBuckets ?? DEFAULT_MAX_BUCKETS;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 16 || maxBuckets > 65536) {
      throw new RangeError(`maxBuckets must be an integer in [16, 65536], got ${String(maxBuckets)}`);
    }
    this.maxBuckets = maxBuckets;
    const minIndexedValue = options.minIndexedValue ?? DEFAULT_MIN_INDEXED_VALUE;
    if (!(minIndexedValue >= LogBucketMapping.minIndexableValue && minIndexedValue < Infinity)) {
      throw new RangeError(`minIndexedValue must be finite and at least 2^-1022, got ${String(minIndexedValue)}`);
    }
    this.minIndexedValue = minIndexedValue;
  }

  /** Guaranteed relative error bound of the quantiles, (γ − 1)/(γ + 1). */
  get relativeAccuracy(): number {
    return this.mapping.relativeAccuracy;
  }

  /** Number of values added. */
  get count(): number {
    return this.total;
  }

  /** Sum of the values added. */
  get sum(): number {
    return this.valueSum;
  }

  /** Smallest value added, `NaN` when empty. */
  get min(): number {
    return this.total === 0 ? Number.NaN : this.lowest;
  }

  /** Largest value added, `NaN` when empty. */
  get max(): number {
    return this.total === 0 ? Number.NaN : this.highest;
  }

  /**
   * Adds `value` `count` times (default once). NaN and ±Infinity are ignored, as are counts that
   * are not positive integers; values ≤ `minIndexedValue` (negative ones too) go to the zero
   * bucket. Never throws.
   */
  add(value: number, count = 1): void {
    if (count !== 1 && !(Number.isInteger(count) && count > 0)) return;
    if (value > this.minIndexedValue) {
      if (value === Infinity) return;
      const key = this.mapping.key(value);
      const counts = this.counts;
      const index = key - this.offset;
      if (counts !== null && index >= 0 && index < counts.length) {
        const updated = (counts[index] as number) + count;
        if (updated <= this.countLimit) counts[index] = updated;
        else this.addOutOfLine(key, count);
      } else {
        this.addOutOfLine(key, count);
      }
    } else if (value > -Infinity) {
      this.zeroCount += count;
    } else {
      return; // NaN or -Infinity
    }
    this.total += count;
    this.valueSum += count === 1 ? value : value * count;
    if (value < this.lowest) this.lowest = value;
    if (value > this.highest) this.highest = value;
  }

  /**
   * Adds every value of `other` (left unchanged). Exact. The receiver keeps its own `maxBuckets`
   * and zero threshold.
   * @throws TypeError when `other` is not a LogBucketSketch with the same buckets per octave
   */
  merge(other: QuantileSketch): void {
    if (!(other instanceof LogBucketSketch)) {
      throw new TypeError('LogBucketSketch.merge: can only merge another LogBucketSketch');
    }
    if (other.mapping !== this.mapping) {
      throw new TypeError(
        `LogBucketSketch.merge: bucket layouts differ (${this.mapping.bucketsPerOctave} vs ${other.mapping.bucketsPerOctave} buckets per octave)`,
      );
    }
    if (other.total === 0 || other === this) {
      if (other === this && this.total > 0) this.merge(this.clone());
      return;
    }
    const source = other.counts;
    if (source !== null) {
      const first = firstNonZero(source);
      if (first >= 0) {
        const last = lastNonZero(source);
        this.ensureRange(other.offset + first, other.offset + last);
        this.addCounts(source, first, last, other.offset - this.offset, other.total - other.zeroCount);
      }
    }
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    this.valueSum += other.valueSum;
    if (other.lowest < this.lowest) this.lowest = other.lowest;
    if (other.highest > this.highest) this.highest = other.highest;
  }

  /**
   * Estimated nearest-rank quantile: the value of rank ⌈q·count⌉ (at least 1), within
   * {@link LogBucketSketch.relativeAccuracy}, clamped into [min, max]. `NaN` when empty. O(buckets).
   * @throws RangeError when `q` is not in [0, 1]
   */
  quantile(q: number): number {
    return this.quantiles([q])[0] as number;
  }

  /**
   * Several quantiles in one pass over the buckets, in the order asked (see
   * {@link LogBucketSketch.quantile}).
   * @throws RangeError when a `q` is not in [0, 1]
   */
  quantiles(qs: readonly number[]): number[] {
    for (const q of qs) {
      if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${String(q)}`);
    }
    const result = new Array<number>(qs.length).fill(Number.NaN);
    if (this.total === 0) return result;
    const order = qs.map((_, i) => i).sort((a, b) => (qs[a] as number) - (qs[b] as number));
    // Nearest rank ⌈q·n⌉ (at least 1) of each asked quantile, ascending.
    const ranks = order.map((i) => Math.max(1, Math.ceil((qs[i] as number) * this.total)));
    let next = 0;
    const total = this.total;
    for (; next < ranks.length && ranks[next] === 1; next++) result[order[next] as number] = this.lowest; // exact min
    let end = ranks.length;
    for (; end > next && (ranks[end - 1] as number) >= total; end--) result[order[end - 1] as number] = this.highest; // exact max
    const cumulative = this.zeroCount;
    for (; next < end && cumulative >= (ranks[next] as number); next++) result[order[next] as number] = this.clamp(0);
    const counts = this.counts;
    if (counts !== null && next < end) {
      const found = bucketsAtRanks(counts, cumulative, ranks.slice(next, end));
      for (let k = 0; k < found.length; k++, next++) {
        const index = found[k] as number;
        if (index < 0) break;
        result[order[next] as number] = this.clamp(this.mapping.value(this.offset + index));
      }
    }
    // Unreachable when the counts are consistent; keep the answer defined anyway.
    for (; next < end; next++) result[order[next] as number] = this.highest;
    return result;
  }

  /** Removes every value. Keeps the bucket storage (zeroed) for reuse: drop the sketch to free it. */
  clear(): void {
    this.counts?.fill(0);
    this.zeroCount = 0;
    this.total = 0;
    this.valueSum = 0;
    this.lowest = Infinity;
    this.highest = -Infinity;
  }

  /** A copy with its own storage. */
  clone(): LogBucketSketch {
    const copy = new LogBucketSketch({
      bucketsPerOctave: this.mapping.bucketsPerOctave,
      maxBuckets: this.maxBuckets,
      minIndexedValue: this.minIndexedValue,
    });
    copy.counts = this.counts === null ? null : this.counts.slice();
    copy.countLimit = this.countLimit;
    copy.offset = this.offset;
    copy.zeroCount = this.zeroCount;
    copy.total = this.total;
    copy.valueSum = this.valueSum;
    copy.lowest = this.lowest;
    copy.highest = this.highest;
    return copy;
  }

  /**
   * Releases storage headroom: shrinks the count array to the occupied buckets (or drops it when
   * empty). Worth calling on a sketch that will only be read or merged from now on.
   */
  compact(): void {
    const counts = this.counts;
    if (counts === null) return;
    const first = firstNonZero(counts);
    if (first < 0) {
      this.counts = null;
      return;
    }
    const last = lastNonZero(counts);
    if (last - first + 1 === counts.length) return;
    this.counts = counts.slice(first, last + 1);
    this.offset += first;
  }

  /**
   * Writes this sketch's values (not its options) in packed form: the zero bucket, sum, min and max
   * exactly, the occupied bucket range and its counts entropy-coded (see bucket-count-model.ts).
   * {@link LogBucketSketch.addPacked} on a sketch with the same bucket layout adds them back
   * exactly as {@link LogBucketSketch.merge} of this sketch would. `sum` replaces the sum written
   * (for a sum kept in another order of additions, which floating point tells apart). @internal
   * (the windowed statistics keep finished slots so)
   */
  writePacked(writer: BitWriter, sum = this.valueSum): void {
    writer.writeUnsigned(this.zeroCount);
    writer.writeNumber(sum);
    writer.writeNumber(this.lowest);
    writer.writeNumber(this.highest);
    const counts = this.counts;
    const first = counts === null ? -1 : firstNonZero(counts);
    if (counts === null || first < 0) {
      writer.writeUnsigned(0);
      return;
    }
    const last = lastNonZero(counts);
    writer.writeUnsigned(last - first + 1);
    writer.writeUnsigned(this.total - this.zeroCount);
    const firstKey = this.offset + first;
    writer.writeUnsigned(firstKey >= 0 ? 2 * firstKey : -2 * firstKey - 1);
    // Few occupied buckets in the range (few values, or sparse tails): list them, which costs
    // time and bits by occupied bucket rather than by bucket.
    let occupied = 0;
    for (let i = first; i <= last; i++) if (counts[i] !== 0) occupied++;
    const sparse = occupied * SPARSE_RATIO <= last - first + 1 && this.total - this.zeroCount <= SPARSE_MEAN_COUNT * occupied;
    writer.writeBits(sparse ? 1 : 0, 1);
    if (sparse) writer.writeOccupiedCounts(counts, first, last);
    else writer.writeBucketCounts(counts, first, last);
  }

  /**
   * The sum of the values of a sketch written by {@link LogBucketSketch.writePacked}, read from
   * `reader` without unpacking the rest. @internal
   */
  static packedSum(reader: BitReader): number {
    reader.readUnsigned(); // zero bucket
    return reader.readNumber();
  }

  /**
   * Adds the values of a sketch written by {@link LogBucketSketch.writePacked} (same bucket
   * layout), read from `reader`: the same result as merging that sketch. @internal
   */
  addPacked(reader: BitReader): void {
    const zeroCount = reader.readUnsigned();
    const sum = reader.readNumber();
    const lowest = reader.readNumber();
    const highest = reader.readNumber();
    const length = reader.readUnsigned();
    let indexed = 0;
    if (length > 0) {
      indexed = reader.readUnsigned();
      const folded = reader.readUnsigned();
      const firstKey = folded % 2 === 0 ? folded / 2 : -(folded + 1) / 2;
      this.ensureRange(firstKey, firstKey + length - 1);
      // No bucket can pass the indexed total: widen once, then add while decoding.
      this.widenFor(this.total - this.zeroCount + indexed);
      if (reader.readBits(1) === 1) reader.addOccupiedCounts(indexed, length, this.counts as Counts, firstKey - this.offset);
      else reader.addBucketCounts(length, this.counts as Counts, firstKey - this.offset);
    }
    this.zeroCount += zeroCount;
    this.total += zeroCount + indexed;
    this.valueSum += sum;
    if (lowest < this.lowest) this.lowest = lowest;
    if (highest > this.highest) this.highest = highest;
  }

  /**
   * Sets the sum of the values: for a sum that the caller added up in another order (floating-point
   * sums depend on the order of additions), so that it matches the one reported elsewhere. @internal
   */
  replaceSum(sum: number): void {
    this.valueSum = sum;
  }

  /** Buckets currently allocated (including empty ones inside the allocated range). */
  get allocatedBuckets(): number {
    return this.counts?.length ?? 0;
  }

  /** Estimated bytes retained: the count array plus object overheads. */
  byteSize(): number {
    return OBJECT_BYTES + (this.counts === null ? 0 : TYPED_ARRAY_BYTES + this.counts.byteLength);
  }

  /** Compact JSON form: only the occupied bucket range, runs of empty buckets run-length coded. */
  toJSON(): QuantileSketchJSON {
    const encoded: number[] = [];
    let offset = 0;
    const counts = this.counts;
    const first = counts === null ? -1 : firstNonZero(counts);
    if (counts !== null && first >= 0) {
      const last = lastNonZero(counts);
      offset = this.offset + first;
      let zeros = 0;
      for (let i = first; i <= last; i++) {
        const n = counts[i] as number;
        if (n === 0) {
          zeros++;
          continue;
        }
        if (zeros > 0) encoded.push(zeros === 1 ? 0 : -zeros);
        zeros = 0;
        encoded.push(n);
      }
    }
    return {
      format: FORMAT,
      bucketsPerOctave: this.mapping.bucketsPerOctave,
      maxBuckets: this.maxBuckets,
      minIndexedValue: this.minIndexedValue,
      count: this.total,
      sum: this.valueSum,
      min: this.total === 0 ? null : this.lowest,
      max: this.total === 0 ? null : this.highest,
      zeroCount: this.zeroCount,
      offset,
      counts: encoded,
    };
  }

  /**
   * Reads back what {@link LogBucketSketch.toJSON} wrote (possibly in another process, possibly
   * after `JSON.parse`).
   * @throws TypeError naming the first field that is missing or inconsistent
   */
  static fromJSON(json: unknown): LogBucketSketch {
    const fail = (what: string): never => {
      throw new TypeError(`LogBucketSketch.fromJSON: ${what}`);
    };
    if (typeof json !== 'object' || json === null) return fail('expected an object');
    const data = json as Record<string, unknown>;
    if (data['format'] !== FORMAT) fail(`format must be '${FORMAT}', got ${JSON.stringify(data['format'])}`);
    const integer = (name: string, min: number): number => {
      const value = data[name];
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
        fail(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
      }
      return value as number;
    };
    const finite = (name: string, nullable: boolean): number | null => {
      const value = data[name];
      if (nullable && value === null) return null;
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${name} must be a finite number, got ${JSON.stringify(value)}`);
      return value as number;
    };
    let sketch: LogBucketSketch;
    try {
      sketch = new LogBucketSketch({
        bucketsPerOctave: integer('bucketsPerOctave', 2),
        maxBuckets: integer('maxBuckets', 16),
        minIndexedValue: finite('minIndexedValue', false) as number,
      });
    } catch (error) {
      if (error instanceof RangeError) return fail(error.message);
      throw error;
    }
    const count = integer('count', 0);
    const zeroCount = integer('zeroCount', 0);
    const offset = integer('offset', Number.MIN_SAFE_INTEGER);
    const sum = finite('sum', false) as number;
    const min = finite('min', count === 0);
    const max = finite('max', count === 0);
    const encoded = data['counts'];
    if (!Array.isArray(encoded)) return fail('counts must be an array');
    const decoded: number[] = [];
    for (const entry of encoded as unknown[]) {
      if (typeof entry !== 'number' || !Number.isSafeInteger(entry)) fail(`counts must hold integers, got ${JSON.stringify(entry)}`);
      const n = entry as number;
      if (n >= 0) decoded.push(n);
      else if (decoded.length - n > sketch.maxBuckets) fail(`counts span more than maxBuckets (${sketch.maxBuckets})`);
      else for (let i = 0; i < -n; i++) decoded.push(0);
      if (decoded.length > sketch.maxBuckets) fail(`counts span more than maxBuckets (${sketch.maxBuckets})`);
    }
    const bucketTotal = decoded.reduce((a, b) => a + b, 0);
    if (bucketTotal + zeroCount !== count) fail(`count (${count}) is not zeroCount + the bucket counts (${zeroCount + bucketTotal})`);
    if (count > 0 && !((min as number) <= (max as number))) fail('min must not exceed max');
    if (decoded.length > 0) {
      const largest = decoded.reduce((a, b) => Math.max(a, b), 0);
      sketch.countLimit = limitFor(largest);
      const counts = allocate(sketch.countLimit, decoded.length);
      counts.set(decoded);
      sketch.counts = counts;
      sketch.offset = offset;
    }
    sketch.zeroCount = zeroCount;
    sketch.total = count;
    sketch.valueSum = sum;
    if (count > 0) {
      sketch.lowest = min as number;
      sketch.highest = max as number;
    }
    return sketch;
  }

  /**
   * A new sketch holding the values of all `sketches` (which must share one bucket layout), its
   * storage sized once for all of them: cheaper than merging them one by one into an empty sketch.
   * Takes `maxBuckets` and the zero threshold from `options`, else from the first sketch.
   * @throws TypeError when the layouts differ
   */
  static mergeAll(sketches: readonly LogBucketSketch[], options?: LogBucketSketchOptions): LogBucketSketch {
    const first = sketches[0];
    const result = new LogBucketSketch(
      options ??
        (first === undefined
          ? {}
          : { bucketsPerOctave: first.mapping.bucketsPerOctave, maxBuckets: first.maxBuckets, minIndexedValue: first.minIndexedValue }),
    );
    return result.assignMerged(sketches);
  }

  /**
   * Replaces this sketch's contents with the merge of `sketches` (same bucket layout; this sketch
   * must not be one of them), reusing its storage when it is large enough: for scratch sketches
   * that are read and thrown away, e.g. when summarising windows.
   * @throws TypeError when the layouts differ
   */
  assignMerged(sketches: readonly LogBucketSketch[]): this {
    let low = Infinity;
    let high = -Infinity;
    let indexed = 0;
    for (const sketch of sketches) {
      if (sketch.mapping !== this.mapping || sketch === this) {
        throw new TypeError(
          sketch === this
            ? 'LogBucketSketch.assignMerged: cannot merge a sketch into itself'
            : `LogBucketSketch.assignMerged: bucket layouts differ (${this.mapping.bucketsPerOctave} vs ${sketch.mapping.bucketsPerOctave} buckets per octave)`,
        );
      }
    }
    this.clear();
    const ranges: number[] = [];
    for (const sketch of sketches) {
      const counts = sketch.counts;
      const from = counts === null || sketch.total === sketch.zeroCount ? -1 : firstNonZero(counts);
      const to = from < 0 ? -1 : lastNonZero(counts as Counts);
      ranges.push(from, to);
      if (from >= 0) {
        low = Math.min(low, sketch.offset + from);
        high = Math.max(high, sketch.offset + to);
        indexed += sketch.total - sketch.zeroCount;
      }
      this.zeroCount += sketch.zeroCount;
      this.total += sketch.total;
      this.valueSum += sketch.valueSum;
      if (sketch.lowest < this.lowest) this.lowest = sketch.lowest;
      if (sketch.highest > this.highest) this.highest = sketch.highest;
    }
    if (indexed > 0) {
      this.widenFor(indexed); // no bucket can exceed the total: no widening later
      this.ensureRange(low, high);
      const target = this.counts as Counts;
      sketches.forEach((sketch, k) => {
        const from = ranges[2 * k] as number;
        if (from >= 0) addInto(target, sketch.counts as Counts, from, ranges[2 * k + 1] as number, sketch.offset - this.offset);
      });
    }
    return this;
  }

  /** Slow path of {@link LogBucketSketch.add}: grows, collapses or widens the storage first. */
  private addOutOfLine(key: number, count: number): void {
    this.ensureRange(key, key);
    const counts0 = this.counts as Counts;
    let index = key - this.offset;
    if (index < 0) index = 0; // collapsed into the lowest bucket
    this.widenFor((counts0[index] as number) + count);
    const counts = this.counts as Counts;
    counts[index] = (counts[index] as number) + count;
  }

  /** Switches to a wider count type if a bucket must hold `needed`. */
  private widenFor(needed: number): void {
    if (needed <= this.countLimit) return;
    const limit = limitFor(needed);
    const wider = allocate(limit, this.counts?.length ?? 0);
    if (this.counts !== null) wider.set(this.counts);
    this.counts = wider;
    this.countLimit = limit;
  }

  /**
   * Adds `source[first..last]` (holding `sourceTotal` values) into the counts at index + `shift`
   * (indices ≤ 0 collapse into 0), widening the count type first if a bucket could overflow.
   */
  private addCounts(source: Counts, first: number, last: number, shift: number, sourceTotal: number): void {
    if (this.total - this.zeroCount + sourceTotal > this.countLimit) {
      // Possibly too big for the current type: find the largest result, widen once.
      this.widenFor(largestAfterAdding(this.counts as Counts, source, first, last, shift));
    }
    addInto(this.counts as Counts, source, first, last, shift);
  }

  /**
   * Makes the storage cover bucket keys [low, high] (together with what it holds), growing it
   * with some headroom, or collapsing the lowest buckets when the span passes `maxBuckets`. Keys
   * below the kept range then land in index 0.
   */
  private ensureRange(low: number, high: number): void {
    const counts = this.counts;
    if (counts !== null && low >= this.offset && high < this.offset + counts.length) return;
    let occupiedLow = low;
    let occupiedHigh = high;
    if (counts !== null) {
      const first = firstNonZero(counts);
      if (first >= 0) {
        occupiedLow = Math.min(low, this.offset + first);
        occupiedHigh = Math.max(high, this.offset + lastNonZero(counts));
      }
    }
    const span = occupiedHigh - occupiedLow + 1;
    let length: number;
    let offset: number;
    if (span > this.maxBuckets) {
      length = this.maxBuckets;
      offset = occupiedHigh - this.maxBuckets + 1;
    } else {
      const wanted = counts === null ? Math.max(INITIAL_BUCKETS, span) : Math.max(span + 16, Math.ceil(span * 1.25));
      length = Math.min(this.maxBuckets, Math.ceil(wanted / 8) * 8);
      // Headroom goes on the side the range grew towards.
      if (counts === null) offset = occupiedLow - ((length - span) >> 1);
      else if (low < this.offset) offset = occupiedHigh - length + 1;
      else offset = occupiedLow;
    }
    let grown = allocate(this.countLimit, length);
    if (counts !== null) {
      const shift = this.offset - offset;
      let collapsed = 0;
      for (let i = 0; i < counts.length; i++) {
        const n = counts[i] as number;
        if (n === 0) continue;
        const at = i + shift;
        if (at <= 0) collapsed += n;
        else grown[at] = n;
      }
      if (collapsed > this.countLimit) {
        const limit = limitFor(collapsed);
        const wider = allocate(limit, length);
        wider.set(grown);
        grown = wider;
        this.countLimit = limit;
      }
      grown[0] = collapsed;
    }
    this.counts = grown;
    this.offset = offset;
  }

  private clamp(value: number): number {
    return value < this.lowest ? this.lowest : value > this.highest ? this.highest : value;
  }
}

/**
 * For each of the ascending `ranks`, the index of the bucket where the running count (starting at
 * `cumulative`) first reaches it; −1 when never reached.
 */
function bucketsAtRanks(counts: Counts, cumulative: number, ranks: number[]): Int32Array {
  const found = new Int32Array(ranks.length).fill(-1);
  let next = 0;
  let target = ranks[0] as number;
  const length = counts.length;
  for (let i = 0; i < length; i++) {
    cumulative += counts[i] as number;
    if (cumulative < target) continue;
    do {
      found[next++] = i;
      if (next === ranks.length) return found;
      target = ranks[next] as number;
    } while (cumulative >= target);
  }
  return found;
}

/** Adds `source[first..last]` into `target` at index + `shift`; indices ≤ 0 collapse into 0. */
function addInto(target: Counts, source: Counts, first: number, last: number, shift: number): void {
  let i = first;
  let collapsed = 0;
  for (; i <= last && i + shift <= 0; i++) collapsed += source[i] as number;
  if (collapsed > 0) target[0] = (target[0] as number) + collapsed;
  for (; i <= last; i++) target[i + shift] = (target[i + shift] as number) + (source[i] as number);
}

/** The largest bucket count {@link addInto} would produce. */
function largestAfterAdding(target: Counts, source: Counts, first: number, last: number, shift: number): number {
  let i = first;
  let collapsed = 0;
  for (; i <= last && i + shift <= 0; i++) collapsed += source[i] as number;
  let largest = collapsed > 0 ? (target[0] as number) + collapsed : 0;
  for (; i <= last; i++) {
    const sum = (target[i + shift] as number) + (source[i] as number);
    if (sum > largest) largest = sum;
  }
  return largest;
}

/** The smallest count limit (and so array type) that holds `largest`. */
function limitFor(largest: number): number {
  return largest <= UINT8_LIMIT ? UINT8_LIMIT : largest <= UINT16_LIMIT ? UINT16_LIMIT : largest <= UINT32_LIMIT ? UINT32_LIMIT : Infinity;
}

function allocate(limit: number, length: number): Counts {
  if (limit === UINT8_LIMIT) return new Uint8Array(length);
  if (limit === UINT16_LIMIT) return new Uint16Array(length);
  if (limit === UINT32_LIMIT) return new Uint32Array(length);
  return new Float64Array(length);
}

function firstNonZero(counts: Counts): number {
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) return i;
  return -1;
}

function lastNonZero(counts: Counts): number {
  for (let i = counts.length - 1; i >= 0; i--) if (counts[i] !== 0) return i;
  return -1;
}
