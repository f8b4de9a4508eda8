import { LogBucketSketch } from './log-bucket-sketch.js';
import { SystemClock } from './system-clock.js';
import type { Clock, LogBucketSketchOptions, SeriesSample, SeriesSummary, SlidingWindowStatsOptions, WindowSummary } from './types.js';
import { WindowSlot } from './window-slot.js';

/** The sliding windows kept when none are configured: 1 m, 5 m, 15 m. */
export const DEFAULT_WINDOWS_SECONDS: readonly number[] = [60, 300, 900];
const DEFAULT_SHORT_SLOT_SECONDS = 5;
const DEFAULT_LONG_SLOT_SECONDS = 60;
/** Most slots per ring: keeps a misconfiguration from allocating thousands of slots per series. */
const MAX_RING_SLOTS = 1000;
const SUMMARY_QUANTILES: readonly number[] = [0.5, 0.9, 0.95, 0.99, 0.999];
/** Estimated bytes of the series object and of one slot object, without sketches. */
const SERIES_BYTES = 400;
const SLOT_BYTES = 96;
/**
 * Scratch sketches for summaries, one per bucket layout, shared by every series: a summary merges
 * into it, reads it and leaves it (synchronously), so reads allocate no bucket storage.
 */
const summaryScratch = new Map<string, LogBucketSketch>();

/**
 * Sliding-window statistics of ONE series (a query name, a stage, a source, …): per window
 * (default 1 m, 5 m, 15 m) and since creation, the operation count, errors, latency sum/mean/max
 * and percentiles (a {@link LogBucketSketch}, 0.99% relative error), rows returned, and cache
 * hits/lookups. Latencies are in milliseconds.
 *
 * **Design.** Two rings of time slots aligned on multiples of their width (so slots line up across
 * series and processes):
 * - a fine ring of `shortSlotSeconds` slots (default 5 s × 12) covering the shortest window;
 * - a coarse ring of `longSlotSeconds` slots (default 60 s × 15) covering the longest window.
 *
 * {@link SlidingWindowStats.record} touches only the current fine slot: a few counters and one
 * sketch `add`. When the time passes into the next fine slot, the finished slot is merged once
 * into its coarse slot and into the since-start totals (one sketch merge each, every 5 s at
 * most). Reads merge slots: the shortest window from the fine ring, the longer ones from the
 * coarse ring plus the current fine slot.
 *
 * **Window edges.** A window of W seconds holds the current (partial) slot and the slots before it
 * up to W: it covers between W − slot and W seconds of history (1 m: 55–60 s; 5 m: 4–5 min;
 * 15 m: 14–15 min with the defaults). Throughput divides by the time actually covered, so rates
 * are not biased by the edge.
 *
 * **Memory.** Sketches are created on the first latency of a slot; finished slots are compacted
 * (no storage headroom); when a slot expires its sketch is dropped, except that one cleared sketch
 * is kept as a spare for the next slot. After a whole shortest window without traffic the spare is
 * dropped too, so an idle series holds only its since-start sketch and 28 slot objects (about
 * 3–5 KB). A busy series holds up to 12 + 15 + 1 sketches (+1 spare) of at most `maxBuckets`
 * buckets each: with lognormal latencies spanning six decades about 26 KB at 100 spans/s and
 * 39 KB at 1,000 spans/s ({@link SlidingWindowStats.byteSize} estimates it). Wider slots trade
 * edge granularity for memory (10 s fine slots: 6 instead of 12 sketches). Owners expire idle
 * series with {@link SlidingWindowStats.lastUpdateMs} / {@link SlidingWindowStats.idleMs}.
 *
 * **Reads** merge the slots into a scratch sketch shared by all series (no bucket storage is
 * allocated per read): tens of µs for a busy series, so read on scrape/snapshot, not per span.
 *
 * **Clock.** Time comes from the {@link Clock} or, cheaper, from the `nowMs` the caller passes
 * (read the clock once per span, not once per series). A clock that steps back by less than one
 * fine slot is treated as standing still; a bigger step back restarts the windows at the new time
 * (since-start figures are kept, elapsed time stays continuous).
 */
export class SlidingWindowStats {
  /** Configured windows in seconds, shortest first. */
  readonly windowsSeconds: readonly number[];
  /** Fine slot width in ms: the edge granularity of the shortest window. */
  readonly shortSlotMs: number;
  /** Coarse slot width in ms: the edge granularity of the longer windows. */
  readonly longSlotMs: number;
  /** Clock time (ms) at which the series was created. */
  readonly createdAtMs: number;

  private readonly clock: Clock;
  private readonly sketchOptions: LogBucketSketchOptions;
  private readonly shortRing: WindowSlot[];
  private readonly longRing: WindowSlot[];
  /** Coarse slots in each longer window, ascending. */
  private readonly longWindowSlots: number[];
  private readonly shortPerLong: number;
  private readonly totals = new WindowSlot();
  private current: WindowSlot;
  private currentStartMs = 0;
  private currentEndMs = 0;
  private longIndex = 0;
  private spare: LogBucketSketch | null = null;
  private lastUpdate = Number.NaN;
  private latestMs: number;
  /** Since-start elapsed time is `latestMs − elapsedBaseMs` (shifted when the clock steps back). */
  private elapsedBaseMs: number;
  /** Windows cover nothing before this time (creation, or the last restart after a clock step back). */
  private windowBaseMs: number;
  private readonly takeSketch = (): LogBucketSketch => {
    const spare = this.spare;
    if (spare !== null) {
      this.spare = null;
      return spare;
    }
    return new LogBucketSketch(this.sketchOptions);
  };

  /**
   * @param options windows, slot widths, clock and sketch options (see
   *   {@link SlidingWindowStatsOptions}).
   * @throws RangeError naming the option when the windows and slot widths do not fit together
   */
  constructor(options: SlidingWindowStatsOptions = {}) {
    const windows = [...new Set(options.windowsSeconds ?? DEFAULT_WINDOWS_SECONDS)].sort((a, b) => a - b);
    if (windows.length === 0) throw new RangeError('windowsSeconds must name at least one window');
    for (const w of windows) {
      if (!(w > 0 && Number.isFinite(w))) throw new RangeError(`windowsSeconds must hold positive numbers, got ${String(w)}`);
    }
    const shortSlotMs = toWholeMs(options.shortSlotSeconds ?? DEFAULT_SHORT_SLOT_SECONDS, 'shortSlotSeconds');
    const longSlotMs = toWholeMs(options.longSlotSeconds ?? DEFAULT_LONG_SLOT_SECONDS, 'longSlotSeconds');
    const shortestMs = toWholeMs(windows[0] as number, 'windowsSeconds');
    if (shortestMs % shortSlotMs !== 0) {
      throw new RangeError(`the shortest window (${windows[0]} s) must be a multiple of shortSlotSeconds (${shortSlotMs / 1000} s)`);
    }
    const shortSlots = shortestMs / shortSlotMs;
    if (shortSlots > MAX_RING_SLOTS) {
      throw new RangeError(`the shortest window needs ${shortSlots} slots of shortSlotSeconds; at most ${MAX_RING_SLOTS} are allowed`);
    }
    const longWindowSlots: number[] = [];
    if (windows.length > 1) {
      if (longSlotMs % shortSlotMs !== 0) {
        throw new RangeError(`longSlotSeconds (${longSlotMs / 1000} s) must be a multiple of shortSlotSeconds (${shortSlotMs / 1000} s)`);
      }
      for (const w of windows.slice(1)) {
        const ms = toWholeMs(w, 'windowsSeconds');
        if (ms % longSlotMs !== 0) {
          throw new RangeError(`window ${w} s must be a multiple of longSlotSeconds (${longSlotMs / 1000} s)`);
        }
        longWindowSlots.push(ms / longSlotMs);
      }
      const longest = longWindowSlots[longWindowSlots.length - 1] as number;
      if (longest > MAX_RING_SLOTS) {
        throw new RangeError(`the longest window needs ${longest} slots of longSlotSeconds; at most ${MAX_RING_SLOTS} are allowed`);
      }
    }
    this.windowsSeconds = windows;
    this.shortSlotMs = shortSlotMs;
    this.longSlotMs = longSlotMs;
    this.shortPerLong = longSlotMs / shortSlotMs;
    this.longWindowSlots = longWindowSlots;
    this.clock = options.clock ?? SystemClock.instance;
    // Validate the sketch options once, here, rather than on the first latency.
    const probe = new LogBucketSketch(options.sketch ?? {});
    this.sketchOptions = {
      bucketsPerOctave: probe.mapping.bucketsPerOctave,
      maxBuckets: probe.maxBuckets,
      minIndexedValue: probe.minIndexedValue,
    };
    this.shortRing = Array.from({ length: shortSlots }, () => new WindowSlot());
    this.longRing = Array.from({ length: longWindowSlots[longWindowSlots.length - 1] ?? 0 }, () => new WindowSlot());

    const now = this.clock.now();
    this.createdAtMs = now;
    this.latestMs = now;
    this.elapsedBaseMs = now;
    this.windowBaseMs = now;
    this.current = this.shortRing[0] as WindowSlot;
    this.restartAt(now);
  }

  /**
   * Records one operation at `nowMs` (default: the clock's time): count, error, rows, cache
   * outcome, and its latency in ms into the current slot's sketch. O(1), allocation-free except
   * for a slot's first latency; never throws.
   */
  record(sample: SeriesSample, nowMs: number = this.clock.now()): void {
    if (nowMs >= this.currentEndMs || nowMs < this.currentStartMs) this.moveTo(nowMs);
    const slot = this.current;
    slot.count++;
    if (sample.error === true) slot.errors++;
    const rows = sample.rowsReturned;
    if (rows !== undefined && rows > 0) slot.rowsReturned += rows;
    const hit = sample.cacheHit;
    if (hit !== undefined) {
      slot.cacheLookups++;
      if (hit) slot.cacheHits++;
    }
    const latency = sample.latencyMs;
    if (latency >= 0) {
      let sketch = slot.sketch;
      if (sketch === null) sketch = slot.sketch = this.takeSketch();
      sketch.add(latency);
    }
    this.lastUpdate = nowMs;
  }

  /** Clock time (ms) of the latest record, `null` if nothing was recorded yet. */
  get lastUpdateMs(): number | null {
    return Number.isNaN(this.lastUpdate) ? null : this.lastUpdate;
  }

  /** Milliseconds since the latest record (since creation if none), never negative. */
  idleMs(nowMs: number = this.clock.now()): number {
    const since = Number.isNaN(this.lastUpdate) ? this.createdAtMs : this.lastUpdate;
    return Math.max(0, nowMs - since);
  }

  /**
   * Reads every window and the since-start figures at `nowMs` (default: the clock's time).
   * Merges slot sketches: meant for scrapes and snapshots (every few seconds), not per span.
   */
  summary(nowMs: number = this.clock.now()): SeriesSummary {
    const at = this.readAt(nowMs);
    const windows: WindowSummary[] = [
      this.summarize(
        this.shortWindowSlots(),
        this.windowsSeconds[0] as number,
        at,
        (this.current.index - this.shortRing.length + 1) * this.shortSlotMs,
      ),
    ];
    this.longWindowSlots.forEach((slots, w) => {
      const windowStart = (this.longIndex - slots + 1) * this.longSlotMs;
      windows.push(this.summarize(this.longWindowSlotList(slots), this.windowsSeconds[w + 1] as number, at, windowStart));
    });
    return {
      createdAtMs: this.createdAtMs,
      lastUpdateMs: this.lastUpdateMs,
      windows,
      sinceStart: this.summarize([this.totals, this.current], (at - this.elapsedBaseMs) / 1000, at, this.elapsedBaseMs, this.elapsedBaseMs),
    };
  }

  /**
   * A merged copy of the latency sketch of one configured window, or since start when
   * `windowSeconds` is omitted: to export or merge across series and processes.
   * @throws RangeError when `windowSeconds` is not a configured window
   */
  latencySketch(windowSeconds?: number, nowMs: number = this.clock.now()): LogBucketSketch {
    this.readAt(nowMs);
    let slots: WindowSlot[];
    if (windowSeconds === undefined) {
      slots = [this.totals, this.current];
    } else {
      const w = this.windowsSeconds.indexOf(windowSeconds);
      if (w < 0) throw new RangeError(`${windowSeconds} s is not a configured window (${this.windowsSeconds.join(', ')})`);
      slots = w === 0 ? this.shortWindowSlots() : this.longWindowSlotList(this.longWindowSlots[w - 1] as number);
    }
    return LogBucketSketch.mergeAll(this.sketchesOf(slots), this.sketchOptions);
  }

  /** Estimated bytes retained by the series: slots, sketches and the spare. */
  byteSize(): number {
    let bytes = SERIES_BYTES + SLOT_BYTES * (this.shortRing.length + this.longRing.length + 1);
    for (const slot of this.shortRing) bytes += slot.sketch?.byteSize() ?? 0;
    for (const slot of this.longRing) bytes += slot.sketch?.byteSize() ?? 0;
    bytes += this.totals.sketch?.byteSize() ?? 0;
    bytes += this.spare?.byteSize() ?? 0;
    return bytes;
  }

  /** Number of latency sketches currently held (slots, totals, spare): for memory accounting. */
  get sketchCount(): number {
    let n = this.spare === null ? 0 : 1;
    if (this.totals.sketch !== null) n++;
    for (const slot of this.shortRing) if (slot.sketch !== null) n++;
    for (const slot of this.longRing) if (slot.sketch !== null) n++;
    return n;
  }

  /** Brings the slots up to `nowMs` for a read and returns the time the read is taken at. */
  private readAt(nowMs: number): number {
    if (nowMs >= this.currentEndMs || nowMs < this.currentStartMs) this.moveTo(nowMs);
    if (nowMs > this.latestMs) this.latestMs = nowMs;
    // A small step back is "standing still": read at the latest time seen.
    return Math.max(nowMs, this.latestMs, this.currentStartMs);
  }

  /** Leaves the current slot for the one holding `nowMs` (or copes with a clock step back). */
  private moveTo(nowMs: number): void {
    if (nowMs >= this.currentEndMs) {
      this.rotate(nowMs);
    } else if (nowMs < this.currentStartMs - this.shortSlotMs) {
      // The clock went back by more than a slot: restart the windows at the new time.
      this.fold(this.current);
      for (const slot of this.shortRing) this.recycle(slot, Number.NEGATIVE_INFINITY);
      for (const slot of this.longRing) this.recycle(slot, Number.NEGATIVE_INFINITY);
      const latest = Math.max(this.latestMs, Number.isNaN(this.lastUpdate) ? this.latestMs : this.lastUpdate, this.currentStartMs);
      this.elapsedBaseMs += nowMs - latest;
      this.latestMs = nowMs;
      this.windowBaseMs = nowMs;
      this.restartAt(nowMs);
    }
    // Otherwise a step back within one slot: keep using the current slot.
  }

  private rotate(nowMs: number): void {
    const old = this.current;
    const oldIndex = old.index;
    this.fold(old);
    const newIndex = Math.floor(nowMs / this.shortSlotMs);
    const n = this.shortRing.length;
    // Recycles the slots passed over (the old one's object too, once it falls out of the ring).
    for (let k = Math.max(oldIndex + 1, newIndex - n + 1); k <= newIndex; k++)
      this.recycle(this.shortRing[ringPosition(k, n)] as WindowSlot, k);
    this.setCurrent(newIndex);
    if (this.longRing.length > 0) this.advanceLong(Math.floor(newIndex / this.shortPerLong));
    // Idle for a whole shortest window: keep nothing beyond what the data needs.
    if (newIndex - oldIndex > n) {
      this.spare = null;
      this.totals.sketch?.compact();
    }
    if (nowMs > this.latestMs) this.latestMs = nowMs;
  }

  /** Starts the rings afresh with the slot holding `nowMs` as the current one. */
  private restartAt(nowMs: number): void {
    const index = Math.floor(nowMs / this.shortSlotMs);
    this.recycle(this.shortRing[ringPosition(index, this.shortRing.length)] as WindowSlot, index);
    this.setCurrent(index);
    this.longIndex = Math.floor(index / this.shortPerLong);
    if (this.longRing.length > 0)
      this.recycle(this.longRing[ringPosition(this.longIndex, this.longRing.length)] as WindowSlot, this.longIndex);
  }

  private setCurrent(index: number): void {
    this.current = this.shortRing[ringPosition(index, this.shortRing.length)] as WindowSlot;
    this.currentStartMs = index * this.shortSlotMs;
    this.currentEndMs = this.currentStartMs + this.shortSlotMs;
  }

  private advanceLong(longIndex: number): void {
    if (longIndex <= this.longIndex) return;
    const n = this.longRing.length;
    // The coarse slot just finished is only read from now on: drop its storage headroom.
    (this.longRing[ringPosition(this.longIndex, n)] as WindowSlot).sketch?.compact();
    for (let k = Math.max(this.longIndex + 1, longIndex - n + 1); k <= longIndex; k++)
      this.recycle(this.longRing[ringPosition(k, n)] as WindowSlot, k);
    this.longIndex = longIndex;
  }

  /** Merges a finished fine slot into the since-start totals and its coarse slot, once. */
  private fold(slot: WindowSlot): void {
    if (slot.count === 0) return;
    this.totals.absorb(slot, this.takeSketch);
    if (this.longRing.length > 0) {
      const longSlot = this.longRing[ringPosition(this.longIndex, this.longRing.length)] as WindowSlot;
      longSlot.absorb(slot, this.takeSketch);
    }
    // The finished fine slot is only read from now on.
    slot.sketch?.compact();
  }

  private recycle(slot: WindowSlot, index: number): void {
    const sketch = slot.reset(index);
    if (sketch !== null && this.spare === null) {
      sketch.clear();
      this.spare = sketch;
    }
  }

  /** The fine slots of the shortest window (the current one included). */
  private shortWindowSlots(): WindowSlot[] {
    const oldest = this.current.index - this.shortRing.length + 1;
    return this.shortRing.filter((slot) => slot.index >= oldest && slot.count > 0);
  }

  /** The current fine slot and the newest `count` coarse slots. */
  private longWindowSlotList(count: number): WindowSlot[] {
    const slots = [this.current];
    for (let i = 0; i < count; i++) {
      const index = this.longIndex - i;
      const slot = this.longRing[ringPosition(index, this.longRing.length)] as WindowSlot;
      if (slot.index === index && slot.count > 0) slots.push(slot);
    }
    return slots;
  }

  private sketchesOf(slots: readonly WindowSlot[]): LogBucketSketch[] {
    const sketches: LogBucketSketch[] = [];
    for (const slot of slots) if (slot.sketch !== null && slot.sketch.count > 0) sketches.push(slot.sketch);
    return sketches;
  }

  private scratchSketch(): LogBucketSketch {
    const { bucketsPerOctave, maxBuckets, minIndexedValue } = this.sketchOptions;
    const key = `${bucketsPerOctave}/${maxBuckets}/${minIndexedValue}`;
    let scratch = summaryScratch.get(key);
    if (scratch === undefined) {
      scratch = new LogBucketSketch(this.sketchOptions);
      summaryScratch.set(key, scratch);
    }
    return scratch;
  }

  private summarize(
    slots: readonly WindowSlot[],
    windowSeconds: number,
    atMs: number,
    windowStartMs: number,
    baseMs = this.windowBaseMs,
  ): WindowSummary {
    let count = 0;
    let errors = 0;
    let rowsReturned = 0;
    let cacheHits = 0;
    let cacheLookups = 0;
    for (const slot of slots) {
      count += slot.count;
      errors += slot.errors;
      rowsReturned += slot.rowsReturned;
      cacheHits += slot.cacheHits;
      cacheLookups += slot.cacheLookups;
    }
    const coveredSeconds = Math.max(1, (atMs - Math.max(windowStartMs, baseMs)) / 1000);
    const sketch = this.scratchSketch().assignMerged(this.sketchesOf(slots));
    const latencies = sketch.count;
    const [p50, p90, p95, p99, p999] = latencies > 0 ? sketch.quantiles(SUMMARY_QUANTILES) : [];
    return {
      windowSeconds,
      count,
      errors,
      errorRate: count > 0 ? errors / count : null,
      throughputPerSecond: count / coveredSeconds,
      mean: latencies > 0 ? sketch.sum / latencies : null,
      max: latencies > 0 ? sketch.max : null,
      p50: p50 ?? null,
      p90: p90 ?? null,
      p95: p95 ?? null,
      p99: p99 ?? null,
      p999: p999 ?? null,
      rowsReturned,
      cacheHitRatio: cacheLookups > 0 ? cacheHits / cacheLookups : null,
    };
  }
}

function ringPosition(index: number, length: number): number {
  const position = index % length;
  return position < 0 ? position + length : position;
}

function toWholeMs(seconds: number, option: string): number {
  const ms = Math.round(seconds * 1000);
  if (!(seconds > 0 && Number.isFinite(seconds)) || Math.abs(ms - seconds * 1000) > 1e-6 || ms < 1) {
    throw new RangeError(`${option} must be a positive number of whole milliseconds, got ${String(seconds)}`);
  }
  return ms;
}
