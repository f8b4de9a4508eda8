import type { LogBucketSketch } from './log-bucket-sketch.js';

/**
 * Counters of one time slot of a series (or of a merge of slots): what
 * {@link SlidingWindowStats} keeps per slot and adds up on reads. The latency sketch is created
 * only when a latency arrives, so an empty slot holds no bucket storage.
 */
export class WindowSlot {
  /** Slot number: ⌊time / slot width⌋; `-Infinity` when the slot holds nothing. */
  index = Number.NEGATIVE_INFINITY;
  /** Operations recorded. */
  count = 0;
  /** Failed operations. */
  errors = 0;
  /** Sum of rows returned. */
  rowsReturned = 0;
  /** Cache hits. */
  cacheHits = 0;
  /** Cache lookups (hits and misses). */
  cacheLookups = 0;
  /** Latencies in ms, or `null` while none was recorded. */
  sketch: LogBucketSketch | null = null;

  /**
   * Adds `other`'s figures to this slot; its sketch is merged into ours, which `newSketch`
   * supplies when this slot has none yet.
   */
  absorb(other: WindowSlot, newSketch: () => LogBucketSketch): void {
    this.count += other.count;
    this.errors += other.errors;
    this.rowsReturned += other.rowsReturned;
    this.cacheHits += other.cacheHits;
    this.cacheLookups += other.cacheLookups;
    const sketch = other.sketch;
    if (sketch !== null && sketch.count > 0) {
      if (this.sketch === null) this.sketch = newSketch();
      this.sketch.merge(sketch);
    }
  }

  /**
   * Empties the slot and gives it slot number `index`. Returns the sketch it held (or `null`),
   * which the caller may clear and reuse or drop.
   */
  reset(index: number): LogBucketSketch | null {
    const sketch = this.sketch;
    this.index = index;
    this.count = 0;
    this.errors = 0;
    this.rowsReturned = 0;
    this.cacheHits = 0;
    this.cacheLookups = 0;
    this.sketch = null;
    return sketch;
  }
}
