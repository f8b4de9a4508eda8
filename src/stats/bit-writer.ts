import { BucketCountModel, type CountArray, fold } from './bucket-count-model.js';
import { POWERS_OF_TWO } from './powers-of-two.js';

/** 2^32, the span of one word. */
const WORD = 0x100000000;
/** A gamma-coded count this large or larger is followed by the count written in full. */
export const GAMMA_ESCAPE = 0xffffffff;
/** Unary run length past which a Rice code escapes to a plain number. */
export const RICE_ESCAPE = 24;

/** Integers below this magnitude are written by {@link BitWriter.writeNumber} in their zigzag code. */
export const SMALL_INTEGER_LIMIT = 2 ** 51;

/** A double's two words. */
const scratchDouble = new Float64Array(1);
const scratchDoubleWords = new Uint32Array(scratchDouble.buffer);

/**
 * Writes a stream of bits (most significant first within 32-bit words) into a growable buffer
 * that is reused from one stream to the next: the packed slots of {@link SlidingWindowStats} are
 * encoded here and then copied, at their exact size, into the series' own storage. Read back with
 * {@link BitReader}.
 */
export class BitWriter {
  private words = new Uint32Array(256);
  private full = 0;
  /** Bits waiting for the next word, right-aligned. */
  private pending = 0;
  private pendingBits = 0;

  /** Starts a new stream (keeps the buffer). */
  reset(): void {
    this.full = 0;
    this.pending = 0;
    this.pendingBits = 0;
  }

  /** Words the stream needs, the last partial one included. */
  get wordLength(): number {
    return this.full + (this.pendingBits > 0 ? 1 : 0);
  }

  /**
   * Writes the low `bits` (0–32) bits of `value`: an unsigned integer below 2^bits, or for 32 bits
   * also its int32 bit pattern.
   */
  writeBits(value: number, bits: number): void {
    const pendingBits = this.pendingBits;
    if (pendingBits + bits < 32) {
      this.pending = (this.pending << bits) | value; // < 2^31
      this.pendingBits = pendingBits + bits;
      return;
    }
    // Fill the word with the top `32 − pendingBits` bits of value, keep the rest pending.
    const rest = bits - (32 - pendingBits);
    // (int32 bit patterns throughout: a word above 2^31 − 1 would be boxed as a heap number)
    this.pushWord(pendingBits === 0 ? (rest === 0 ? value | 0 : value >>> rest) : (this.pending << (32 - pendingBits)) | (value >>> rest));
    this.pending = rest === 0 ? 0 : value & ((1 << rest) - 1);
    this.pendingBits = rest;
  }

  /** Writes an unsigned integer below 2^53: its bit length in 6 bits, then its bits. */
  writeUnsigned(value: number): void {
    const bits = value === 0 ? 0 : value < WORD ? 32 - Math.clz32(value) : 33 + 31 - Math.clz32(Math.floor(value / WORD));
    this.writeBits(bits, 6);
    this.writeWide(value, bits);
  }

  /**
   * Writes any number exactly: an integer below 2^51 in magnitude as a flag bit and its zigzag
   * code (a few bits for small ones), any other number (−0 included) as a flag bit and 64 bits.
   */
  writeNumber(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) < SMALL_INTEGER_LIMIT && !Object.is(value, -0)) {
      this.writeBits(0, 1);
      this.writeUnsigned(value >= 0 ? 2 * value : -2 * value - 1);
    } else {
      this.writeBits(1, 1);
      this.writeDouble(value);
    }
  }

  /** Writes `value` (1 ≤ value < 2^32) as an Elias-gamma code: ⌊log2 value⌋ zeros, then its bits. */
  writeGamma(value: number): void {
    const zeros = 31 - Math.clz32(value);
    this.writeBits(0, zeros);
    this.writeBits(value, zeros + 1);
  }

  /** Writes a double exactly (64 bits). */
  writeDouble(value: number): void {
    scratchDouble[0] = value;
    this.writeBits(scratchDoubleWords[0] as number, 32);
    this.writeBits(scratchDoubleWords[1] as number, 32);
  }

  /**
   * Writes the unsigned integer `value` (< 2^53) as a Rice code of parameter `k` (0–52): the
   * quotient ⌊value / 2^k⌋ in unary (ones, then a zero), then the low `k` bits; a quotient of
   * {@link RICE_ESCAPE} or more is written as that many ones followed by the value in full.
   */
  writeRice(value: number, k: number): void {
    if (value < 0x80000000 && k < 31) {
      const quotient = value >>> k;
      const bits = quotient + 1 + k;
      if (quotient < RICE_ESCAPE && bits <= 32) {
        // quotient ones, a zero, the low k bits: one write
        this.writeBits((((1 << quotient) - 1) << (k + 1)) | (value & ((1 << k) - 1)), bits);
        return;
      }
    }
    this.writeLongRice(value, k);
  }

  /** {@link BitWriter.writeRice} of a code longer than a word, or escaped. */
  private writeLongRice(value: number, k: number): void {
    const scale = POWERS_OF_TWO[k] as number;
    const quotient = Math.floor(value / scale);
    if (quotient >= RICE_ESCAPE) {
      this.writeBits(0xffffff, RICE_ESCAPE);
      this.writeUnsigned(value);
      return;
    }
    this.writeBits(((1 << quotient) - 1) << 1, quotient + 1);
    this.writeWide(value - quotient * scale, k);
  }

  /**
   * Writes `counts[first..last]` (non-negative integers below 2^51) in the entropy code of
   * {@link BucketCountModel}, for {@link BitReader.addBucketCounts}; the length is not written.
   */
  writeBucketCounts(counts: CountArray, first: number, last: number): void {
    // Codes of one word at most (the rest go through writeLongRice): reserve a word per count.
    this.reserve(last - first + 2);
    let words = this.words;
    let full = this.full;
    let pending = this.pending;
    let pendingBits = this.pendingBits;
    const model = new BucketCountModel();
    for (let i = first; i <= last; i++) {
      let k = model.riceBits();
      if (k === 0 && model.predicted() === 0) {
        // Run mode (sparse tails): the zeros from here as one Elias-gamma code of their number + 1.
        let run = 0;
        while (i + run <= last && counts[i + run] === 0) run++;
        this.full = full;
        this.pending = pending;
        this.pendingBits = pendingBits;
        this.writeGamma(run + 1);
        this.reserve(last - i + 2);
        words = this.words;
        full = this.full;
        pending = this.pending;
        pendingBits = this.pendingBits;
        model.skipZeros(run);
        i += run;
        if (i > last) break;
        k = model.riceBits();
      }
      const count = counts[i] as number;
      const folded = fold(count - model.predicted());
      const quotient = folded < 0x80000000 && k < 31 ? folded >>> k : RICE_ESCAPE;
      const bits = quotient + 1 + k;
      if (quotient < RICE_ESCAPE && bits <= 32) {
        // writeBits inlined: quotient ones, a zero, the low k bits
        const code = (((1 << quotient) - 1) << (k + 1)) | (folded & ((1 << k) - 1));
        if (pendingBits + bits < 32) {
          pending = (pending << bits) | code;
          pendingBits += bits;
        } else {
          const rest = bits - (32 - pendingBits);
          words[full++] = pendingBits === 0 ? (rest === 0 ? code : code >>> rest) : (pending << (32 - pendingBits)) | (code >>> rest);
          pending = rest === 0 ? 0 : code & ((1 << rest) - 1);
          pendingBits = rest;
        }
      } else {
        this.full = full;
        this.pending = pending;
        this.pendingBits = pendingBits;
        this.writeLongRice(folded, k);
        this.reserve(last - i + 1);
        words = this.words;
        full = this.full;
        pending = this.pending;
        pendingBits = this.pendingBits;
      }
      model.update(count, folded);
    }
    this.full = full;
    this.pending = pending;
    this.pendingBits = pendingBits;
  }

  /**
   * Writes the occupied buckets of `counts[first..last]` (non-negative integers below 2^53): for
   * each, the Elias-gamma codes of its distance from the previous one (from `first − 1`) and of
   * its count, for {@link BitReader.addOccupiedCounts}.
   */
  writeOccupiedCounts(counts: CountArray, first: number, last: number): void {
    let previous = first - 1;
    for (let i = first; i <= last; i++) {
      const count = counts[i] as number;
      if (count === 0) continue;
      this.writeGamma(i - previous);
      previous = i;
      if (count < GAMMA_ESCAPE) {
        this.writeGamma(count);
      } else {
        this.writeGamma(GAMMA_ESCAPE);
        this.writeUnsigned(count);
      }
    }
  }

  /** Copies the stream (its partial last word padded with zeros) into `target` from word `at`. */
  copyTo(target: Uint32Array, at: number): void {
    target.set(this.words.subarray(0, this.full), at);
    if (this.pendingBits > 0) target[at + this.full] = this.pending << (32 - this.pendingBits);
  }

  /** Writes the low `bits` (0–53) bits of `value`. */
  private writeWide(value: number, bits: number): void {
    if (bits <= 32) {
      this.writeBits(value, bits);
      return;
    }
    const high = Math.floor(value / WORD);
    this.writeBits(high, bits - 32);
    this.writeBits(value - high * WORD, 32);
  }

  /** Makes room for `words` more full words. */
  private reserve(words: number): void {
    const needed = this.full + words;
    if (needed <= this.words.length) return;
    const grown = new Uint32Array(Math.max(needed, this.words.length * 2));
    grown.set(this.words.subarray(0, this.full));
    this.words = grown;
  }

  private pushWord(word: number): void {
    if (this.full === this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.full++] = word;
  }
}
