/**
 * Interfaces of the statistics building blocks: quantile sketches, clocks, and the per-series
 * sliding-window summaries.
 */

/**
 * A mergeable quantile sketch with a relative-error guarantee: every quantile it reports is within
 * {@link QuantileSketch.relativeAccuracy} of the exact nearest-rank quantile of the values added
 * (for values above its zero threshold), also after any number of merges.
 */
export interface QuantileSketch {
  /** Guaranteed relative error bound of {@link QuantileSketch.quantile}, e.g. `0.0099`. */
  readonly relativeAccuracy: number;
  /** Number of values added (with their counts), including merged ones. */
  readonly count: number;
  /** Sum of the values added (exact floating-point sum, not estimated). */
  readonly sum: number;
  /** Smallest value added, or `NaN` when empty. */
  readonly min: number;
  /** Largest value added, or `NaN` when empty. */
  readonly max: number;
  /**
   * Adds `value` `count` times. NaN and ±Infinity are ignored, as are counts that are not positive
   * integers. O(1); never throws.
   */
  add(value: number, count?: number): void;
  /**
   * Adds every value of `other` to this sketch (other is unchanged). Exact: the result is the
   * sketch of the union of both inputs.
   * @throws TypeError when `other` is not a compatible sketch (other class or bucket layout)
   */
  merge(other: QuantileSketch): void;
  /**
   * Estimated nearest-rank `q`-quantile: the value of rank ⌈q·count⌉ (at least 1) among the
   * values added, within the relative accuracy. `NaN` when empty.
   * @throws RangeError when `q` is not in [0, 1]
   */
  quantile(q: number): number;
  /** Several quantiles in one pass, in the order asked. `NaN`s when empty. */
  quantiles(qs: readonly number[]): number[];
  /** Removes every value; the sketch stays usable. */
  clear(): void;
  /** A copy that shares no state with this sketch. */
  clone(): QuantileSketch;
  /** Estimated bytes retained by this sketch on the heap. */
  byteSize(): number;
  /** Compact JSON-serialisable form; the implementing class's `fromJSON` reads it back. */
  toJSON(): QuantileSketchJSON;
}

/** Construction options of a {@link QuantileSketch} built on logarithmic buckets. */
export interface LogBucketSketchOptions {
  /**
   * Wanted relative error bound in (0.0005, 0.25]. The sketch uses the smallest whole number of
   * buckets per power of two that meets it, so the effective bound is equal or slightly better
   * (0.01 gives 35 buckets per octave, 0.99%).
   * @default 0.01
   */
  relativeAccuracy?: number;
  /**
   * Buckets per power of two (2–1024); wins over `relativeAccuracy`. 64 makes the buckets those
   * of an OpenTelemetry exponential histogram of scale 6 (0.54%).
   */
  bucketsPerOctave?: number;
  /**
   * Most buckets kept (16–65536). When the values span more, the lowest buckets are collapsed into
   * one, so only the lowest quantiles lose accuracy. 1024 buckets at 35 per octave (1%) span 8.8
   * decades (e.g. 1 µs to 10 min), and bound the storage to 4 KB (8 KB once a bucket passes
   * 2³²−1 values). A tighter accuracy needs proportionally more buckets for the same span.
   * @default 1024
   */
  maxBuckets?: number;
  /**
   * Values at or below this go to a zero bucket (reported as 0, clamped to the minimum seen).
   * Must be at least 2⁻¹⁰²² (the smallest normal double).
   * @default 1e-6 (one nanosecond when values are milliseconds)
   */
  minIndexedValue?: number;
}

/**
 * JSON form of a log-bucket sketch: what {@link QuantileSketch.toJSON} returns and
 * `LogBucketSketch.fromJSON` accepts. Sketches of processes that agree on `bucketsPerOctave` merge
 * exactly.
 */
export interface QuantileSketchJSON {
  /** Format tag. */
  format: 'fedscope.logbucket/1';
  /** Buckets per power of two: bucket `k` holds the values in (2^((k−1)/b), 2^(k/b)]. */
  bucketsPerOctave: number;
  /** Most buckets kept before the lowest are collapsed. */
  maxBuckets: number;
  /** Zero-bucket threshold. */
  minIndexedValue: number;
  /** Number of values. */
  count: number;
  /** Sum of the values. */
  sum: number;
  /** Smallest value, `null` when empty. */
  min: number | null;
  /** Largest value, `null` when empty. */
  max: number | null;
  /** Values in the zero bucket. */
  zeroCount: number;
  /** Bucket index of the first entry of `counts`. */
  offset: number;
  /**
   * Bucket counts from `offset` upward; a negative entry `−n` stands for `n` empty buckets in a
   * row.
   */
  counts: number[];
}

/** A source of time. */
export interface Clock {
  /** Current time in milliseconds (epoch milliseconds for the system clock). */
  now(): number;
}

/**
 * One operation recorded into a series. Build it once per span and pass the same object to every
 * series the span updates; give it all four properties (a stable shape keeps recording fast).
 */
export interface SeriesSample {
  /** Latency in milliseconds. NaN, negative or infinite latencies count the operation but stay out of latency statistics. */
  latencyMs: number;
  /** Whether the operation failed. */
  error?: boolean;
  /** Rows the operation returned; ignored unless positive. */
  rowsReturned?: number;
  /** `true` for a cache hit, `false` for a miss, `undefined` when no cache was consulted. */
  cacheHit?: boolean | undefined;
}

/** Options of a sliding-window series. */
export interface SlidingWindowStatsOptions {
  /**
   * Window lengths in seconds. The shortest is read from the fine slot ring and must be a multiple
   * of `shortSlotSeconds`; the others from the coarse ring and must be multiples of
   * `longSlotSeconds`.
   * @default [60, 300, 900]
   */
  windowsSeconds?: readonly number[];
  /**
   * Width of the fine slots, i.e. the edge granularity of the shortest window.
   * @default 5
   */
  shortSlotSeconds?: number;
  /**
   * Width of the coarse slots (a multiple of `shortSlotSeconds`), i.e. the edge granularity of the
   * longer windows.
   * @default 60
   */
  longSlotSeconds?: number;
  /** Time source. @default the system clock */
  clock?: Clock;
  /** Options of the latency sketches. @default `{ relativeAccuracy: 0.01 }` */
  sketch?: LogBucketSketchOptions;
}

/** Statistics of one series over one window (or since the series started). JSON-serialisable. */
export interface WindowSummary {
  /** Nominal window length in seconds; since start: the seconds elapsed since the series was created. */
  windowSeconds: number;
  /** Operations recorded in the window. */
  count: number;
  /** Failed operations. */
  errors: number;
  /** `errors / count`; `null` when `count` is 0. */
  errorRate: number | null;
  /**
   * `count` divided by the seconds the window covers: the window's slots up to now, or only the
   * part since the series was created when it is younger than the window (at least 1 s).
   */
  throughputPerSecond: number;
  /** Mean latency in ms; `null` without latencies. */
  mean: number | null;
  /** Largest latency in ms; `null` without latencies. */
  max: number | null;
  /** Median latency in ms (sketch estimate); `null` without latencies. */
  p50: number | null;
  /** 90th percentile latency in ms; `null` without latencies. */
  p90: number | null;
  /** 95th percentile latency in ms; `null` without latencies. */
  p95: number | null;
  /** 99th percentile latency in ms; `null` without latencies. */
  p99: number | null;
  /** 99.9th percentile latency in ms; `null` without latencies. */
  p999: number | null;
  /** Sum of rows returned. */
  rowsReturned: number;
  /** Cache hits / cache lookups; `null` without lookups. */
  cacheHitRatio: number | null;
}

/** Everything a series knows, as read by `SlidingWindowStats.summary()`. JSON-serialisable. */
export interface SeriesSummary {
  /** Clock time (ms) at which the series was created. */
  createdAtMs: number;
  /** Clock time (ms) of the latest record, `null` if nothing was recorded yet. */
  lastUpdateMs: number | null;
  /** One summary per configured window, shortest first. */
  windows: WindowSummary[];
  /** The same figures since the series was created. */
  sinceStart: WindowSummary;
}
