import type { LogBucketSketch } from './log-bucket-sketch.js';

/**
 * Counters of one time slot of a series (or of a sum of slots): what {@link SlidingWindowStats}
 * keeps of the slot being recorded, and adds up on reads (finished slots are kept packed, see
 * {@link PackedSlotRing}). The latency sketch is created only when a latency arrives, so an empty
 * slot holds no bucket storage.
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

  /** Adds `other`'s counters (not its sketch) to this slot's. */
  addCounters(other: WindowSlot): void {
    this.count += other.count;
    this.errors += other.errors;
    this.rowsReturned += other.rowsReturned;
    this.cacheHits += other.cacheHits;
    this.cacheLookups += other.cacheLookups;
  }

  /** Empties the counters and gives the slot number `index`; the sketch is left to the caller. */
  reset(index: number): void {
    this.index = index;
    this.count = 0;
    this.errors = 0;
    this.rowsReturned = 0;
    this.cacheHits = 0;
    this.cacheLookups = 0;
  }
}
