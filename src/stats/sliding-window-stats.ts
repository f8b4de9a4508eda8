import { LogBucketSketch } from './log-bucket-sketch.js';
import { PackedSlotRing } from './packed-slot-ring.js';
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
/**
 * Spare words of the fine ring's array (rewritten every fine slot): the next slot's record, of
 * about the same size as the one it replaces, mostly fits in place.
 */
const FINE_RING_SLACK_WORDS = 16;
/** Estimated bytes of the series object and of one slot object, without sketches. */
const SERIES_BYTES = 540;
const SLOT_BYTES = 120;
/**
 * Scratch sketches, two per bucket layout, shared by every series: a read or a period's fold
 * merges into them, reads them and leaves them (synchronously), so neither allocates bucket
 * storage. The first takes a window (or the totals), the second the period in progress.
 */
const scratchSketches = new Map<string, [LogBucketSketch, LogBucketSketch]>();

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
 * Only the slot being recorded is a plain {@link WindowSlot} with a {@link LogBucketSketch}:
 * {@link SlidingWindowStats.record} touches a few counters and makes one sketch `add`. A finished
 * slot is only read from then on, so it is kept packed (see {@link PackedSlotRing}): counters and
 * sum/min/max exactly, the occupied buckets entropy-coded ({@link BucketCountModel}), all of a ring
 * in one word array. When the time passes into the next fine slot, the finished one is packed
 * (every 5 s at most); when it passes into the next coarse slot, the fine slots of the minute
 * that ended (all still in the fine ring) become one packed coarse slot and join the packed
 * since-start latencies. The coarse slot in progress is those fine slots: it is not stored twice.
 *
 * Reads unpack the slots into a scratch sketch shared by all series, merging exactly what the
 * plain sketches would have merged: the same bucket counts, so the same percentiles to the bit,
 * and sums added in the same order. The shortest window is read from the fine ring, the longer
 * ones from the current fine slot, the coarse slot in progress and the coarse ring.
 *
 * **Window edges.** A window of W seconds holds the current (partial) slot and the slots before it
 * up to W: it covers between W − slot and W seconds of history (1 m: 55–60 s; 5 m: 4–5 min;
 * 15 m: 14–15 min with the defaults). Throughput divides by the time actually covered, so rates
 * are not biased by the edge.
 *
 * **Memory.** The sketch of the slot being recorded is created on the series' first latency and
 * reused from slot to slot; it is dropped after a whole shortest window without traffic, so an
 * idle series holds its packed since-start latencies and a few objects (about 1–2 KB). A busy
 * series holds that sketch, 11 packed fine slots, 14 packed coarse slots and the packed totals.
 * Measured after 20 minutes (heap plus array buffers after full GCs, over hundreds of series;
 * lognormal latencies, median 5 ms): σ 1.5 (six decades) 9.2–9.8 KB at 100 spans/s and
 * 12.2–12.4 KB at 1,000 spans/s, σ 0.8 5.6 KB at 20 spans/s — against 27–30, 36 and 21 KB with
 * a plain sketch per slot. At 1,000 spans/s the exact counts of 26 slots of 5,000–60,000 values
 * do not pack below about 9 KB even at their entropy, so 10 KB is out of reach there without
 * losing exactness. {@link SlidingWindowStats.byteSize} estimates the total within about 5%.
 * Owners expire idle series with {@link SlidingWindowStats.lastUpdateMs} /
 * {@link SlidingWindowStats.idleMs}.
 *
 * **Costs.** Packing a finished fine slot and, once a minute, building the coarse slot and the
 * totals take a few µs to tens of µs per busy series; they fall in the `record` that crosses a
 * slot's end. Amortised over the records, measured against plain sketches (CPU time, rounds
 * alternating, medians): 1.22× at 20 spans/s per series (+11 ns per record), 1.15× at 100/s
 * (+7 ns), 0.88× at 1,000/s. Reads unpack up to 26 slots: about 0.3–0.5 ms of CPU per busy
 * series (plain sketches: 0.05–0.2 ms), so read on scrape/snapshot, not per span.
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
  /** Fine slots in the shortest window. */
  private readonly shortSlots: number;
  /**
   * Fine slots per period: a coarse slot (the shortest window when there is no other). At a
   * period's end its fine slots become a coarse slot and are folded into the totals' latencies.
   */
  private readonly periodSlots: number;
  /** Finished fine slots, packed: the shortest window, and the period in progress. */
  private readonly fineRing: PackedSlotRing;
  /** Finished coarse slots, packed (the position of the one in progress stays empty). */
  private readonly coarseRing: PackedSlotRing | null;
  /** Coarse slots in each longer window, ascending. */
  private readonly longWindowSlots: number[];
  /** The fine slot being recorded: counters and a plain sketch (kept, cleared, for the next one). */
  private readonly current = new WindowSlot();
  /** Counters of the finished fine slots of the period in progress; `index` is the period number. */
  private readonly period = new WindowSlot();
  /** Since-start counters of the finished fine slots. */
  private readonly totals = new WindowSlot();
  /** Since-start latency sum of the finished fine slots, added slot by slot (as reads add it). */
  private totalsLatencySum = 0;
  /** Since-start latencies of the finished periods, packed. */
  private readonly totalsRing = new PackedSlotRing(1);
  private currentStartMs = 0;
  private currentEndMs = 0;
  private lastUpdate = Number.NaN;
  private latestMs: number;
  /** Since-start elapsed time is `latestMs − elapsedBaseMs` (shifted when the clock steps back). */
  private elapsedBaseMs: number;
  /** Windows cover nothing before this time (creation, or the last restart after a clock step back). */
  private windowBaseMs: number;

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
    const periodSlots = longWindowSlots.length > 0 ? longSlotMs / shortSlotMs : shortSlots;
    if (periodSlots > MAX_RING_SLOTS) {
      throw new RangeError(`longSlotSeconds holds ${periodSlots} slots of shortSlotSeconds; at most ${MAX_RING_SLOTS} are allowed`);
    }
    this.windowsSeconds = windows;
    this.shortSlotMs = shortSlotMs;
    this.longSlotMs = longSlotMs;
    this.shortSlots = shortSlots;
    this.periodSlots = periodSlots;
    this.longWindowSlots = longWindowSlots;
    this.clock = options.clock ?? SystemClock.instance;
    // Validate the sketch options once, here, rather than on the first latency.
    const probe = new LogBucketSketch(options.sketch ?? {});
    this.sketchOptions = {
      bucketsPerOctave: probe.mapping.bucketsPerOctave,
      maxBuckets: probe.maxBuckets,
      minIndexedValue: probe.minIndexedValue,
    };
    // The fine ring also holds every finished fine slot of the period in progress.
    this.fineRing = new PackedSlotRing(Math.max(shortSlots, periodSlots), FINE_RING_SLACK_WORDS);
    const longest = longWindowSlots[longWindowSlots.length - 1];
    this.coarseRing = longest === undefined ? null : new PackedSlotRing(longest);

    const now = this.clock.now();
    this.createdAtMs = now;
    this.latestMs = now;
    this.elapsedBaseMs = now;
    this.windowBaseMs = now;
    this.restartAt(now);
  }

  /**
   * Records one operation at `nowMs` (default: the clock's time): count, error, rows, cache
   * outcome, and its latency in ms into the current slot's sketch. O(1), allocation-free except
   * for the series' first latency (and once every 5 s, packing the finished slot); never throws.
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
      if (sketch === null) sketch = slot.sketch = new LogBucketSketch(this.sketchOptions);
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
   * Unpacks and merges slot sketches: meant for scrapes and snapshots (every few seconds), not per span.
   */
  summary(nowMs: number = this.clock.now()): SeriesSummary {
    const at = this.readAt(nowMs);
    const [sketch, periodScratch] = this.scratchSketches();
    // The finished fine slots of the period in progress, unpacked once for every window.
    const period = this.periodLatencies(periodScratch, null);
    const counters = new WindowSlot();
    sketch.clear();
    this.addShortWindow(counters, sketch, period);
    const windows: WindowSummary[] = [
      this.summarize(counters, sketch, this.windowsSeconds[0] as number, at, (this.current.index - this.shortSlots + 1) * this.shortSlotMs),
    ];
    if (this.longWindowSlots.length > 0) {
      // The longer windows share their newest slots: add them once, read each window on the way.
      counters.reset(0);
      sketch.clear();
      let added = this.addCurrentAndPeriod(counters, sketch, period);
      this.longWindowSlots.forEach((slots, w) => {
        added = this.addCoarseSlots(counters, sketch, added, slots);
        const windowStart = (this.period.index - slots + 1) * this.longSlotMs;
        windows.push(this.summarize(counters, sketch, this.windowsSeconds[w + 1] as number, at, windowStart));
      });
    }
    counters.reset(0);
    sketch.clear();
    this.addSinceStart(counters, sketch, period);
    return {
      createdAtMs: this.createdAtMs,
      lastUpdateMs: this.lastUpdateMs,
      windows,
      sinceStart: this.summarize(counters, sketch, (at - this.elapsedBaseMs) / 1000, at, this.elapsedBaseMs, this.elapsedBaseMs),
    };
  }

  /**
   * A merged copy of the latency sketch of one configured window, or since start when
   * `windowSeconds` is omitted: to export or merge across series and processes.
   * @throws RangeError when `windowSeconds` is not a configured window
   */
  latencySketch(windowSeconds?: number, nowMs: number = this.clock.now()): LogBucketSketch {
    this.readAt(nowMs);
    const merged = new LogBucketSketch(this.sketchOptions);
    const counters = new WindowSlot();
    const w = windowSeconds === undefined ? -1 : this.windowsSeconds.indexOf(windowSeconds);
    if (windowSeconds !== undefined && w < 0) {
      throw new RangeError(`${windowSeconds} s is not a configured window (${this.windowsSeconds.join(', ')})`);
    }
    const period = this.periodLatencies(this.scratchSketches()[1], null);
    if (w < 0) this.addSinceStart(counters, merged, period);
    else if (w === 0) this.addShortWindow(counters, merged, period);
    else this.addCoarseSlots(counters, merged, this.addCurrentAndPeriod(counters, merged, period), this.longWindowSlots[w - 1] as number);
    return merged;
  }

  /** Estimated bytes retained by the series: slots, packed slots and the sketch being recorded. */
  byteSize(): number {
    return (
      SERIES_BYTES +
      3 * SLOT_BYTES +
      (this.current.sketch?.byteSize() ?? 0) +
      this.fineRing.byteSize() +
      (this.coarseRing?.byteSize() ?? 0) +
      this.totalsRing.byteSize()
    );
  }

  /**
   * Number of latency sketches currently held, plain or packed (slots, totals): for memory
   * accounting.
   */
  get sketchCount(): number {
    return (
      (this.current.sketch === null ? 0 : 1) +
      this.fineRing.recordsWithLatencies +
      (this.coarseRing?.recordsWithLatencies ?? 0) +
      this.totalsRing.recordsWithLatencies
    );
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
      const current = this.current;
      this.addToTotals(current);
      const [, periodScratch] = this.scratchSketches();
      this.foldIntoTotals(this.periodLatencies(periodScratch, current));
      this.fineRing.clear();
      this.coarseRing?.clear();
      current.sketch?.clear();
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
    const newIndex = Math.floor(nowMs / this.shortSlotMs);
    const fine = this.fineRing;
    const n = fine.length;
    this.addToTotals(old);
    this.period.addCounters(old);
    const newPeriod = Math.floor(newIndex / this.periodSlots);
    if (newPeriod > this.period.index) this.closePeriod(newPeriod);
    // Drop the fine slots passed over, then keep the finished one packed (one rebuild of the ring).
    for (let k = Math.max(oldIndex + 1, newIndex - n + 1); k <= newIndex; k++) fine.drop(ringPosition(k, n));
    if (old.count > 0 && newIndex - oldIndex < n) fine.put(ringPosition(oldIndex, n), old, old.sketch);
    else fine.compact();
    // Idle for a whole shortest window: keep nothing beyond what the data needs.
    if (newIndex - oldIndex > this.shortSlots) old.sketch = null;
    else old.sketch?.clear();
    this.setCurrent(newIndex);
    if (nowMs > this.latestMs) this.latestMs = nowMs;
  }

  /** Adds a finished fine slot's counters and latency sum to the since-start figures. */
  private addToTotals(slot: WindowSlot): void {
    if (slot.count === 0) return;
    this.totals.addCounters(slot);
    const sketch = slot.sketch;
    if (sketch !== null && sketch.count > 0) this.totalsLatencySum += sketch.sum;
  }

  /**
   * Ends the period in progress, whose last fine slot (the current one) has just finished: its
   * fine slots become one packed coarse slot and join the totals' latencies; the coarse ring
   * moves on to period `newPeriod`.
   */
  private closePeriod(newPeriod: number): void {
    const period = this.period;
    const [, periodScratch] = this.scratchSketches();
    const latencies = period.count > 0 ? this.periodLatencies(periodScratch, this.current) : null;
    const coarse = this.coarseRing;
    if (coarse !== null) {
      const m = coarse.length;
      for (let k = Math.max(period.index + 1, newPeriod - m + 1); k <= newPeriod; k++) coarse.drop(ringPosition(k, m));
      if (period.count > 0 && newPeriod - period.index < m) coarse.put(ringPosition(period.index, m), period, latencies);
      else coarse.compact();
    }
    if (latencies !== null) this.foldIntoTotals(latencies);
    period.reset(newPeriod);
  }

  /**
   * The latencies of the period in progress into `into`: its finished fine slots, oldest first,
   * and then `last` when given (a slot that has finished but is not packed yet).
   */
  private periodLatencies(into: LogBucketSketch, last: WindowSlot | null): LogBucketSketch {
    into.clear();
    const fine = this.fineRing;
    const n = fine.length;
    const end = this.current.index;
    for (let k = this.period.index * this.periodSlots; k < end; k++) {
      const position = ringPosition(k, n);
      if (fine.indexAt(position) === k) fine.addLatencies(position, into);
    }
    const sketch = last?.sketch;
    if (sketch != null && sketch.count > 0) into.merge(sketch);
    return into;
  }

  /** Adds latencies to the packed since-start sketch (its sum stays the one added slot by slot). */
  private foldIntoTotals(latencies: LogBucketSketch): void {
    if (latencies.count === 0) return;
    const [totals] = this.scratchSketches();
    totals.clear();
    this.totalsRing.addLatencies(0, totals);
    totals.merge(latencies);
    this.totalsRing.put(0, this.totals, totals, this.totalsLatencySum);
  }

  /** Starts the rings afresh with the slot holding `nowMs` as the current one. */
  private restartAt(nowMs: number): void {
    const index = Math.floor(nowMs / this.shortSlotMs);
    this.setCurrent(index);
    this.period.reset(Math.floor(index / this.periodSlots));
  }

  private setCurrent(index: number): void {
    this.current.reset(index);
    this.currentStartMs = index * this.shortSlotMs;
    this.currentEndMs = this.currentStartMs + this.shortSlotMs;
  }

  /**
   * Adds the fine slots of the shortest window (the current one included). `period` holds the
   * latencies of the finished fine slots of the period in progress (see
   * {@link SlidingWindowStats.periodLatencies}): when they all lie in the window it is merged
   * instead of unpacking them again. Counters and the latency sum are added slot by slot in the
   * order of the slots' ring positions, as reads always added them (floating-point sums depend on
   * the order).
   */
  private addShortWindow(counters: WindowSlot, sketch: LogBucketSketch, period: LogBucketSketch): void {
    const s = this.shortSlots;
    const current = this.current.index;
    const oldest = current - s + 1;
    const periodStart = this.period.index * this.periodSlots;
    const periodMerged = periodStart >= oldest;
    if (periodMerged && period.count > 0) sketch.merge(period);
    const fine = this.fineRing;
    let latencySum = 0;
    for (let q = 0; q < s; q++) {
      const k = oldest + ringPosition(q - oldest, s);
      if (k === current) {
        counters.addCounters(this.current);
        const live = this.current.sketch;
        if (live !== null && live.count > 0) {
          sketch.merge(live);
          latencySum += live.sum;
        }
        continue;
      }
      const position = ringPosition(k, fine.length);
      if (fine.indexAt(position) !== k) continue;
      latencySum += fine.addCounters(position, counters);
      if (!(periodMerged && k >= periodStart)) fine.addLatencies(position, sketch);
    }
    sketch.replaceSum(latencySum);
  }

  /** Adds the current slot. */
  private addCurrent(counters: WindowSlot, sketch: LogBucketSketch): void {
    const current = this.current;
    counters.addCounters(current);
    if (current.sketch !== null && current.sketch.count > 0) sketch.merge(current.sketch);
  }

  /**
   * Adds the current fine slot and the coarse slot in progress (whose latencies, its finished fine
   * slots merged oldest first, are `period`). Returns the coarse slots added (1: the one in progress).
   */
  private addCurrentAndPeriod(counters: WindowSlot, sketch: LogBucketSketch, period: LogBucketSketch): number {
    this.addCurrent(counters, sketch);
    if (this.period.count > 0) {
      counters.addCounters(this.period);
      if (period.count > 0) sketch.merge(period);
    }
    return 1;
  }

  /** Adds finished coarse slots, newest first, from the `added`-th newest up to `count`; returns `count`. */
  private addCoarseSlots(counters: WindowSlot, sketch: LogBucketSketch, added: number, count: number): number {
    const coarse = this.coarseRing as PackedSlotRing;
    for (let i = added; i < count; i++) {
      const index = this.period.index - i;
      const position = ringPosition(index, coarse.length);
      if (coarse.indexAt(position) === index) coarse.addTo(position, counters, sketch);
    }
    return Math.max(added, count);
  }

  /**
   * Adds the since-start figures: the totals (their packed latencies, then `period`, the finished
   * fine slots since), and the current slot.
   */
  private addSinceStart(counters: WindowSlot, sketch: LogBucketSketch, period: LogBucketSketch): void {
    counters.addCounters(this.totals);
    counters.addCounters(this.current);
    this.totalsRing.addLatencies(0, sketch);
    if (period.count > 0) sketch.merge(period);
    // The sum as the totals added it, slot by slot, then the current slot's.
    let latencySum = this.totalsLatencySum;
    const live = this.current.sketch;
    if (live !== null && live.count > 0) {
      sketch.merge(live);
      latencySum += live.sum;
    }
    sketch.replaceSum(latencySum);
  }

  private scratchSketches(): [LogBucketSketch, LogBucketSketch] {
    const { bucketsPerOctave, maxBuckets, minIndexedValue } = this.sketchOptions;
    const key = `${bucketsPerOctave}/${maxBuckets}/${minIndexedValue}`;
    let scratch = scratchSketches.get(key);
    if (scratch === undefined) {
      scratch = [new LogBucketSketch(this.sketchOptions), new LogBucketSketch(this.sketchOptions)];
      scratchSketches.set(key, scratch);
    }
    return scratch;
  }

  private summarize(
    counters: WindowSlot,
    sketch: LogBucketSketch,
    windowSeconds: number,
    atMs: number,
    windowStartMs: number,
    baseMs = this.windowBaseMs,
  ): WindowSummary {
    const { count, errors, rowsReturned, cacheHits, cacheLookups } = counters;
    const coveredSeconds = Math.max(1, (atMs - Math.max(windowStartMs, baseMs)) / 1000);
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
