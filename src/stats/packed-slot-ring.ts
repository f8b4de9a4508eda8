import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { LogBucketSketch } from './log-bucket-sketch.js';
import { WindowSlot } from './window-slot.js';

/** Words of the directory per position: where its record starts, and how many words it has. */
const DIRECTORY_WORDS = 2;
/** Estimated bytes of the ring object, and of a typed array with its buffer, on a 64-bit heap. */
const OBJECT_BYTES = 56;
const TYPED_ARRAY_BYTES = 200;

/** Shared by every ring: records are written and read synchronously. */
const writer = new BitWriter();
const reader = new BitReader();
/** Where {@link PackedSlotRing.put} lays out a ring's records before copying them. */
let layout = new Uint32Array(1024);
/** Counters read along with latencies that nobody needs. */
const ignoredCounters = new WindowSlot();

/**
 * Finished time slots of one series in packed form, one per ring position, all in ONE word array
 * (a typed array costs about 200 bytes of its own, more than a small record): what
 * {@link SlidingWindowStats} keeps of every slot that is only read from now on.
 *
 * A record holds the slot number, its counters and, when it has latencies, its sketch as
 * {@link LogBucketSketch.writePacked} writes it (bucket counts entropy-coded): a busy 5 s slot
 * takes a fifth to a third of its dense sketch. Reads add a record into a {@link WindowSlot} and a
 * sketch exactly as merging the slot would.
 *
 * Every {@link PackedSlotRing.put} lays the records out anew, in the array the ring has when they
 * fit (with at most twice the slack it was given to spare), else in a new one of their size plus
 * the slack; records dropped with {@link PackedSlotRing.drop} leave it then (or on
 * {@link PackedSlotRing.compact}). With no record left there is no array.
 */
export class PackedSlotRing {
  /** Positions in the ring. */
  readonly length: number;
  /** Directory (start word and word count per position; 0 words = empty), then the records. */
  private words: Uint32Array | null = null;
  /** Words of `words` in use (directory and records, dropped ones included). */
  private usedWords = 0;
  /** Words of dropped records still in `words`. */
  private deadWords = 0;
  /** Spare words a new array gets, so that the next records of about the same size fit in it. */
  private readonly slackWords: number;

  /**
   * @param length positions in the ring
   * @param slackWords spare words to allocate with a new array (for a ring rewritten often, so
   *   that it is mostly rewritten in place)
   */
  constructor(length: number, slackWords = 0) {
    this.length = length;
    this.slackWords = slackWords;
  }

  /** Slot number held at `position`, or `-Infinity` when it holds none. */
  indexAt(position: number): number {
    const words = this.words;
    if (words === null || words[DIRECTORY_WORDS * position + 1] === 0) return Number.NEGATIVE_INFINITY;
    return reader.reset(words, words[DIRECTORY_WORDS * position] as number).readNumber();
  }

  /**
   * Stores slot `slot` (its number, counters and `sketch`, which may be `null`) at `position`,
   * replacing what was there, and drops the words of records dropped before. `latencySum`
   * replaces the sketch's sum (see {@link LogBucketSketch.writePacked}).
   */
  put(position: number, slot: WindowSlot, sketch: LogBucketSketch | null, latencySum?: number): void {
    writer.reset();
    writer.writeNumber(slot.index);
    writer.writeUnsigned(slot.count);
    writer.writeUnsigned(slot.errors);
    writer.writeUnsigned(slot.cacheHits);
    writer.writeUnsigned(slot.cacheLookups);
    writer.writeNumber(slot.rowsReturned);
    const hasLatencies = sketch !== null && sketch.count > 0;
    writer.writeBits(hasLatencies ? 1 : 0, 1);
    if (hasLatencies) sketch.writePacked(writer, latencySum);
    const recordWords = writer.wordLength;

    const old = this.words;
    const n = this.length;
    let needed = DIRECTORY_WORDS * n + recordWords;
    if (old !== null) for (let p = 0; p < n; p++) if (p !== position) needed += old[DIRECTORY_WORDS * p + 1] as number;
    // Lay the records out in the shared scratch, then copy them into the ring's own array: the
    // one it has when it fits (within the slack), else a new one.
    if (layout.length < needed) layout = new Uint32Array(Math.max(needed, 2 * layout.length));
    layout.fill(0, 0, DIRECTORY_WORDS * n);
    let at = DIRECTORY_WORDS * n;
    for (let p = 0; p < n; p++) {
      let length = 0;
      if (p === position) {
        writer.copyTo(layout, at);
        length = recordWords;
      } else if (old !== null) {
        length = old[DIRECTORY_WORDS * p + 1] as number;
        const start = old[DIRECTORY_WORDS * p] as number;
        for (let i = 0; i < length; i++) layout[at + i] = old[start + i] as number;
      }
      if (length > 0) {
        layout[DIRECTORY_WORDS * p] = at;
        layout[DIRECTORY_WORDS * p + 1] = length;
        at += length;
      }
    }
    const fits = old !== null && old.length >= needed && old.length <= needed + 2 * this.slackWords;
    const words = fits ? old : new Uint32Array(needed + this.slackWords);
    words.set(layout.subarray(0, needed));
    this.words = words;
    this.usedWords = needed;
    this.deadWords = 0;
  }

  /** Empties `position`; its words stay until the next {@link PackedSlotRing.put} or compaction. */
  drop(position: number): void {
    const words = this.words;
    if (words === null) return;
    const length = words[DIRECTORY_WORDS * position + 1] as number;
    if (length === 0) return;
    words[DIRECTORY_WORDS * position + 1] = 0;
    this.deadWords += length;
    if (this.deadWords + DIRECTORY_WORDS * this.length === this.usedWords) this.clear();
  }

  /** Releases the words of dropped records. */
  compact(): void {
    const words = this.words;
    if (words === null || this.deadWords === 0) return;
    const n = this.length;
    const compacted = new Uint32Array(this.usedWords - this.deadWords);
    let at = DIRECTORY_WORDS * n;
    for (let p = 0; p < n; p++) {
      const length = words[DIRECTORY_WORDS * p + 1] as number;
      if (length === 0) continue;
      const start = words[DIRECTORY_WORDS * p] as number;
      compacted.set(words.subarray(start, start + length), at);
      compacted[DIRECTORY_WORDS * p] = at;
      compacted[DIRECTORY_WORDS * p + 1] = length;
      at += length;
    }
    this.words = compacted;
    this.usedWords = compacted.length;
    this.deadWords = 0;
  }

  /** Empties every position and releases the storage. */
  clear(): void {
    this.words = null;
    this.usedWords = 0;
    this.deadWords = 0;
  }

  /**
   * Adds the record at `position` to `into` (counters) and, when `sketch` is given, its latencies
   * to `sketch` (exactly as merging the slot's sketch). Returns `false`, adding nothing, when the
   * position holds no record.
   */
  addTo(position: number, into: WindowSlot, sketch: LogBucketSketch | null): boolean {
    if (!this.readCounters(position, into)) return false;
    if (sketch !== null && reader.readBits(1) === 1) sketch.addPacked(reader);
    return true;
  }

  /** Adds the latencies of the record at `position` (if any) to `sketch`. */
  addLatencies(position: number, sketch: LogBucketSketch): void {
    if (this.readCounters(position, ignoredCounters) && reader.readBits(1) === 1) sketch.addPacked(reader);
  }

  /**
   * Adds the counters of the record at `position` (if any) to `into` and returns its latency sum
   * (0 when it holds none), without unpacking its buckets.
   */
  addCounters(position: number, into: WindowSlot): number {
    if (!this.readCounters(position, into) || reader.readBits(1) === 0) return 0;
    return LogBucketSketch.packedSum(reader);
  }

  /** Reads the record's slot number and adds its counters to `into`; `false` when there is no record. */
  private readCounters(position: number, into: WindowSlot): boolean {
    const words = this.words;
    if (words === null || words[DIRECTORY_WORDS * position + 1] === 0) return false;
    reader.reset(words, words[DIRECTORY_WORDS * position] as number);
    reader.readNumber(); // the slot number
    into.count += reader.readUnsigned();
    into.errors += reader.readUnsigned();
    into.cacheHits += reader.readUnsigned();
    into.cacheLookups += reader.readUnsigned();
    into.rowsReturned += reader.readNumber();
    return true;
  }

  /** Records holding latencies (a sketch). */
  get recordsWithLatencies(): number {
    let n = 0;
    for (let p = 0; p < this.length; p++) if (this.readCounters(p, ignoredCounters) && reader.readBits(1) === 1) n++;
    return n;
  }

  /** Estimated bytes retained: the word array and the object. */
  byteSize(): number {
    return OBJECT_BYTES + (this.words === null ? 0 : TYPED_ARRAY_BYTES + this.words.byteLength);
  }
}
