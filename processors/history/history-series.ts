/** Where one tier's points sit in a {@link HistorySeries}' arrays. */
export interface TierLayout {
  /** Point width, seconds. */
  readonly stepSeconds: number;
  /** Points kept. */
  readonly capacity: number;
  /** Index of the tier's first point in the series' arrays. */
  readonly offset: number;
}

/** What one tick adds to a series. */
export interface SeriesTick {
  /** Operations ended since the previous tick. */
  count: number;
  /** Failed ones among them. */
  errors: number;
  /** Seconds the tick covers (since the previous tick). */
  coveredSeconds: number;
  /** Percentiles read at the tick (ms), `NaN` when unknown. */
  p50: number;
  p95: number;
  p99: number;
  /** Health score, `NaN` when not recorded for this series. */
  score: number;
}

/**
 * The arrays of one series, one entry per slot of every tier (the tiers' rings one after
 * another): what the history file holds of a series.
 */
export interface HistorySeriesColumns {
  /** Id of the point a slot holds (`floor(unix seconds / step)`), -1 for none. */
  readonly pointId: Int32Array;
  /** Operations. */
  readonly count: Float64Array;
  /** Failed operations. */
  readonly errors: Float64Array;
  /** Seconds the slot's ticks covered. */
  readonly covered: Float32Array;
  /** Percentiles, ms (`NaN` for none). */
  readonly p50: Float32Array;
  readonly p95: Float32Array;
  readonly p99: Float32Array;
  /** Lowest health score (`NaN` for none); only the series that keep one. */
  readonly score: Float32Array | undefined;
}

/** Bytes of one point: point id (4), count and errors (8 + 8), covered seconds and three percentiles (4 × 4). */
const BYTES_PER_POINT = 36;
/** Bytes of the health score of one point, for the series that keep it. */
const BYTES_PER_SCORE = 4;
/** Estimated bytes of the series object, its array headers, key and labels. */
const SERIES_OVERHEAD_BYTES = 600;

/**
 * The points of one history series in every tier, in preallocated typed arrays (one ring per
 * tier, laid out one after another): a point is a slot, no object per point. A slot holds the
 * id of its point (`floor(unix seconds / step)`): a slot whose id is not the one asked is a gap.
 */
export class HistorySeries {
  /** Operations recorded into the series before the latest tick (the analysis' since-start count). */
  lastCount = 0;
  /** Failed ones, likewise. */
  lastErrors = 0;
  /** Unix seconds of the latest tick that saw this series. */
  lastSeenSeconds: number;
  private readonly pointId: Int32Array;
  private readonly count: Float64Array;
  private readonly errors: Float64Array;
  private readonly covered: Float32Array;
  private readonly p50: Float32Array;
  private readonly p95: Float32Array;
  private readonly p99: Float32Array;
  private readonly score: Float32Array | undefined;

  /**
   * @param labels - what the series is about (`service` first)
   * @param slots - the points of every tier together
   * @param withScore - keep a health score per point (the overall series)
   * @param nowSeconds - unix seconds at creation
   */
  constructor(
    readonly labels: Readonly<Record<string, string>>,
    slots: number,
    withScore: boolean,
    nowSeconds: number,
  ) {
    this.lastSeenSeconds = nowSeconds;
    this.pointId = new Int32Array(slots).fill(-1);
    this.count = new Float64Array(slots);
    this.errors = new Float64Array(slots);
    this.covered = new Float32Array(slots);
    this.p50 = new Float32Array(slots);
    this.p95 = new Float32Array(slots);
    this.p99 = new Float32Array(slots);
    this.score = withScore ? new Float32Array(slots) : undefined;
  }

  /** Estimated bytes of a series of `slots` points. */
  static byteSize(slots: number, withScore: boolean): number {
    return SERIES_OVERHEAD_BYTES + slots * (BYTES_PER_POINT + (withScore ? BYTES_PER_SCORE : 0));
  }

  /**
   * Adds a tick to the point of `pointId` in one tier, starting the point afresh when its slot
   * held an older one. Counts add up; percentiles and the score keep the highest and lowest seen.
   */
  add(tier: TierLayout, pointId: number, tick: SeriesTick): void {
    const slot = tier.offset + (pointId % tier.capacity);
    if (this.pointId[slot] !== pointId) {
      this.pointId[slot] = pointId;
      this.count[slot] = 0;
      this.errors[slot] = 0;
      this.covered[slot] = 0;
      this.p50[slot] = NaN;
      this.p95[slot] = NaN;
      this.p99[slot] = NaN;
      if (this.score) this.score[slot] = NaN;
    }
    this.count[slot]! += tick.count;
    this.errors[slot]! += tick.errors;
    this.covered[slot]! += tick.coveredSeconds;
    // Percentiles only where operations ended: an idle point has none (the window still shows older ones).
    if (tick.count > 0) {
      this.p50[slot] = highest(this.p50[slot]!, tick.p50);
      this.p95[slot] = highest(this.p95[slot]!, tick.p95);
      this.p99[slot] = highest(this.p99[slot]!, tick.p99);
    }
    if (this.score && !Number.isNaN(tick.score)) {
      const previous = this.score[slot]!;
      this.score[slot] = Number.isNaN(previous) ? tick.score : Math.min(previous, tick.score);
    }
  }

  /** Slot of the point `pointId` in a tier, or -1 when that point is not held (a gap). */
  slotOf(tier: TierLayout, pointId: number): number {
    const slot = tier.offset + (pointId % tier.capacity);
    return this.pointId[slot] === pointId ? slot : -1;
  }

  /** Operations of a slot. */
  countAt(slot: number): number {
    return this.count[slot]!;
  }

  /** Failed operations of a slot. */
  errorsAt(slot: number): number {
    return this.errors[slot]!;
  }

  /** Seconds the ticks of a slot covered. */
  coveredAt(slot: number): number {
    return this.covered[slot]!;
  }

  /** A percentile of a slot (0.5, 0.95 or 0.99), `null` when none. */
  percentileAt(slot: number, which: 'p50' | 'p95' | 'p99'): number | null {
    return orNull(this[which][slot]!);
  }

  /** The lowest health score of a slot, `null` when none or not kept. */
  scoreAt(slot: number): number | null {
    return this.score ? orNull(this.score[slot]!) : null;
  }

  /** The series' arrays as they are (not copies): for encoding at once, before the next tick changes them. */
  columns(): HistorySeriesColumns {
    const { pointId, count, errors, covered, p50, p95, p99, score } = this;
    return { pointId, count, errors, covered, p50, p95, p99, score };
  }

  /**
   * Copies saved arrays into the series (same slot count; a saved score is ignored by a series
   * that keeps none, and a series that keeps one without a saved one has no score).
   */
  restore(columns: HistorySeriesColumns): void {
    this.pointId.set(columns.pointId);
    this.count.set(columns.count);
    this.errors.set(columns.errors);
    this.covered.set(columns.covered);
    this.p50.set(columns.p50);
    this.p95.set(columns.p95);
    this.p99.set(columns.p99);
    if (this.score) {
      if (columns.score) this.score.set(columns.score);
      else this.score.fill(NaN);
    }
  }

  /** Whether the series keeps a health score. */
  get keepsScore(): boolean {
    return this.score !== undefined;
  }
}

function highest(previous: number, value: number): number {
  if (Number.isNaN(value)) return previous;
  return Number.isNaN(previous) || value > previous ? value : previous;
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
