import { GAMMA_ESCAPE, RICE_ESCAPE } from './bit-writer.js';
import { BucketCountModel, type CountArray, unfold } from './bucket-count-model.js';
import { POWERS_OF_TWO } from './powers-of-two.js';

const WORD = 0x100000000;
const scratchDouble = new Float64Array(1);
const scratchDoubleWords = new Uint32Array(scratchDouble.buffer);

/**
 * Reads back, in order, what a {@link BitWriter} wrote: bits, unsigned integers, doubles and Rice
 * codes, from a word array at a given start. One reader is reused for every stream (`reset`).
 */
export class BitReader {
  private words: Uint32Array = new Uint32Array(0);
  private at = 0;
  /** Bits of `words[at]` already read (0–31). */
  private used = 0;

  /** Starts reading `words` at word `start`. Returns this reader. */
  reset(words: Uint32Array, start: number): this {
    this.words = words;
    this.at = start;
    this.used = 0;
    return this;
  }

  /** Reads `bits` (0–32) bits as an unsigned integer. */
  readBits(bits: number): number {
    if (bits === 0) return 0;
    const used = this.used;
    const word = (this.words[this.at] as number) << used; // the unread bits, left-aligned
    const available = 32 - used;
    if (bits < available) {
      this.used = used + bits;
      return word >>> (32 - bits);
    }
    this.at++;
    this.used = 0;
    const high = word >>> used; // the `available` unread bits
    const rest = bits - available;
    if (rest === 0) return high;
    this.used = rest;
    return ((high << rest) | ((this.words[this.at] as number) >>> (32 - rest))) >>> 0;
  }

  /** Reads what {@link BitWriter.writeUnsigned} wrote. */
  readUnsigned(): number {
    return this.readWide(this.readBits(6));
  }

  /** Reads what {@link BitWriter.writeNumber} wrote. */
  readNumber(): number {
    if (this.readBits(1) === 1) return this.readDouble();
    const folded = this.readUnsigned();
    return folded % 2 === 0 ? folded / 2 : -(folded + 1) / 2;
  }

  /** Reads what {@link BitWriter.writeGamma} wrote. */
  readGamma(): number {
    let zeros = 0;
    for (;;) {
      const available = 32 - this.used;
      // Leading zeros of the unread bits (the shifted-in zeros make a word's end count as zeros).
      const lead = Math.clz32((this.words[this.at] as number) << this.used);
      if (lead < available) {
        zeros += lead;
        this.skip(lead);
        break;
      }
      zeros += available;
      this.at++;
      this.used = 0;
      if (zeros >= 32) return 1; // not a code this stream can hold (read past its end): stop
    }
    return this.readBits(zeros + 1);
  }

  /** Reads what {@link BitWriter.writeDouble} wrote. */
  readDouble(): number {
    scratchDoubleWords[0] = this.readBits(32);
    scratchDoubleWords[1] = this.readBits(32);
    return scratchDouble[0] as number;
  }

  /** Reads what {@link BitWriter.writeRice} wrote with the same `k`. */
  readRice(k: number): number {
    const used = this.used;
    const word = (this.words[this.at] as number) << used; // the unread bits, left-aligned
    const ones = Math.clz32(~word);
    const bits = ones + 1 + k;
    if (ones < RICE_ESCAPE && bits <= 32 - used) {
      // The whole code is in this word.
      const next = used + bits;
      if (next === 32) {
        this.at++;
        this.used = 0;
      } else {
        this.used = next;
      }
      return k === 0 ? ones : (ones << k) | ((word << (ones + 1)) >>> (32 - k));
    }
    return this.readLongRice(k);
  }

  /** {@link BitReader.readRice} of a code that spans words, or is escaped. */
  private readLongRice(k: number): number {
    let quotient = 0;
    for (;;) {
      const used = this.used;
      const available = 32 - used;
      // Leading ones of the unread bits (the shifted-in zeros stop the count at the word's end).
      const ones = Math.clz32(~((this.words[this.at] as number) << used));
      if (quotient + ones >= RICE_ESCAPE) {
        this.skip(RICE_ESCAPE - quotient);
        return this.readUnsigned();
      }
      if (ones < available) {
        quotient += ones;
        this.skip(ones + 1);
        break;
      }
      quotient += available;
      this.at++;
      this.used = 0;
    }
    if (k === 0) return quotient;
    // quotient < 2^5: shifts stay below 2^31 up to k = 26
    return k <= 26 ? (quotient << k) + this.readBits(k) : quotient * (POWERS_OF_TWO[k] as number) + this.readWide(k);
  }

  /**
   * Reads `length` counts written by {@link BitWriter.writeBucketCounts} and adds count `i` to
   * `target[i + shift]` (to `target[0]` where `i + shift ≤ 0`). The caller makes sure that the
   * target's type holds the results.
   */
  addBucketCounts(length: number, target: CountArray, shift: number): void {
    const words = this.words;
    let at = this.at;
    let used = this.used;
    const model = new BucketCountModel();
    for (let i = 0; i < length; i++) {
      let k = model.riceBits();
      if (k === 0 && model.predicted() === 0) {
        // Run mode: a run of zeros (see BitWriter.writeBucketCounts).
        this.at = at;
        this.used = used;
        const run = this.readGamma() - 1;
        at = this.at;
        used = this.used;
        model.skipZeros(run);
        i += run;
        if (i >= length) break;
        k = model.riceBits();
      }
      // readRice inlined for a code within the current word
      const word = (words[at] as number) << used;
      const ones = Math.clz32(~word);
      const bits = ones + 1 + k;
      let folded: number;
      if (ones < RICE_ESCAPE && bits <= 32 - used) {
        folded = k === 0 ? ones : (ones << k) | ((word << (ones + 1)) >>> (32 - k));
        used += bits;
        if (used === 32) {
          at++;
          used = 0;
        }
      } else {
        this.at = at;
        this.used = used;
        folded = this.readLongRice(k);
        at = this.at;
        used = this.used;
      }
      const count = model.predicted() + unfold(folded);
      if (count !== 0) {
        const index = i + shift > 0 ? i + shift : 0;
        target[index] = (target[index] as number) + count;
      }
      model.update(count, folded);
    }
    this.at = at;
    this.used = used;
  }

  /**
   * Reads the occupied buckets written by {@link BitWriter.writeOccupiedCounts}, `indexed` values
   * in all in a range of `length` buckets, and adds the count of bucket `i` (from the range's first) to `target[i + shift]` (to
   * `target[0]` where `i + shift ≤ 0`). The caller makes sure that the target's type holds the results.
   */
  addOccupiedCounts(indexed: number, length: number, target: CountArray, shift: number): void {
    let i = -1;
    for (let left = indexed; left > 0 && i < length;) {
      i += this.readGamma();
      let count = this.readGamma();
      if (count === GAMMA_ESCAPE) count = this.readUnsigned();
      const index = i + shift > 0 ? i + shift : 0;
      target[index] = (target[index] as number) + count;
      left -= count;
    }
  }

  private readWide(bits: number): number {
    if (bits <= 32) return this.readBits(bits);
    const high = this.readBits(bits - 32);
    return high * WORD + this.readBits(32);
  }

  private skip(bits: number): void {
    const used = this.used + bits;
    this.at += used >>> 5;
    this.used = used & 31;
  }
}
