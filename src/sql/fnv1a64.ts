/**
 * 64-bit FNV-1a hash (Fowler–Noll–Vo, variant 1a) of a string's UTF-8 bytes, as 16 lower-case hex
 * digits.
 *
 * Algorithm (fixed forever, so fingerprints stay comparable across processes and releases):
 * start from the 64-bit offset basis `0xcbf29ce484222325`; for each byte of the string's UTF-8
 * encoding (a lone surrogate is encoded as U+FFFD, like `TextEncoder` does), XOR the byte into the
 * low bits and multiply by the 64-bit FNV prime `0x100000001b3` modulo 2^64. The result is printed
 * as 16 hex digits, zero-padded, most significant first. The arithmetic runs on four 16-bit limbs,
 * so no BigInt and no allocation per byte. Non-cryptographic: fine for grouping, not for security.
 */

/** Character codes of the hex digits `0`–`9`, `a`–`f`. */
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** The hex digit of the low four bits of `value`, as a character code. */
function hexCode(value: number): number {
  return HEX_CODES[value & 15]!;
}

/** Numbers one saved {@link Fnv1a64} state takes in a state array (four limbs and a held surrogate). */
export const FNV1A64_STATE_SIZE = 5;

/**
 * FNV-1a 64-bit over UTF-8, fed piece by piece: hashing `a` then `b` gives the hash of `a + b`, also
 * when a surrogate pair is split between the pieces (a high surrogate at the end of a piece is held
 * until the next one). Its state can be saved and restored, so a writer that takes back what it
 * wrote (the normaliser cutting an IN list) hashes without building the text.
 */
export class Fnv1a64 {
  // Hash state as four 16-bit limbs, h0 least significant (small integers: no heap numbers).
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;
  /** A high surrogate that ended the last piece (0: none). */
  private high = 0;

  /**
   * Hashes `text[start, end)` as the continuation of what was hashed before.
   *
   * @param text - the text
   * @param start - first index (default 0)
   * @param end - index after the last (default the text's length)
   */
  update(text: string, start = 0, end = text.length): void {
    let i = start;
    // One byte per character while the text is ASCII (the common case), inlined; a held surrogate
    // or the first non-ASCII character hands the rest to updateWide.
    if (this.high === 0) {
      let h0 = this.h0;
      let h1 = this.h1;
      let h2 = this.h2;
      let h3 = this.h3;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        h0 ^= c;
        // Multiply by the prime 2^40 + 0x1b3, modulo 2^64.
        const t0 = h0 * 0x1b3;
        const t1 = h1 * 0x1b3 + (t0 >>> 16);
        const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
        h3 = (h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16)) & 0xffff;
        h0 = t0 & 0xffff;
        h1 = t1 & 0xffff;
        h2 = t2 & 0xffff;
      }
      this.h0 = h0;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
    }
    if (i < end) this.updateWide(text, i, end);
  }

  /**
   * The rest of {@link update} from the first non-ASCII character (or a held surrogate) on: a high
   * surrogate is held until the next character, which pairs with it or leaves it alone (U+FFFD).
   */
  private updateWide(text: string, start: number, end: number): void {
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      const high = this.high;
      if (high !== 0) {
        this.high = 0;
        if (c >= 0xdc00 && c <= 0xdfff) {
          this.codePoint(0x10000 + ((high - 0xd800) << 10) + (c - 0xdc00));
          continue;
        }
        this.codePoint(0xfffd);
      }
      if (c < 0x80) this.byte(c);
      else if (c >= 0xd800 && c <= 0xdbff) this.high = c;
      else this.codePoint(c >= 0xdc00 && c <= 0xdfff ? 0xfffd : c);
    }
  }

  /**
   * Writes the state at `states[at … at + FNV1A64_STATE_SIZE)`.
   *
   * @param states - where saved states are kept
   * @param at - first index to write
   */
  save(states: number[], at: number): void {
    states[at] = this.h0;
    states[at + 1] = this.h1;
    states[at + 2] = this.h2;
    states[at + 3] = this.h3;
    states[at + 4] = this.high;
  }

  /**
   * Goes back to a state written by {@link save}.
   *
   * @param states - where saved states are kept
   * @param at - first index of the state
   */
  restore(states: readonly number[], at: number): void {
    this.h0 = states[at]!;
    this.h1 = states[at + 1]!;
    this.h2 = states[at + 2]!;
    this.h3 = states[at + 3]!;
    this.high = states[at + 4]!;
  }

  /** The hash of everything fed so far (a held high surrogate counts as U+FFFD), as 16 lower-case hex digits. */
  hex(): string {
    let h0 = this.h0;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    if (this.high !== 0) {
      const saved = [0, 0, 0, 0, 0];
      this.save(saved, 0);
      this.high = 0;
      this.codePoint(0xfffd);
      h0 = this.h0;
      h1 = this.h1;
      h2 = this.h2;
      h3 = this.h3;
      this.restore(saved, 0);
    }
    // One string from 16 character codes: no intermediate strings to build and join.
    return String.fromCharCode(
      hexCode(h3 >>> 12),
      hexCode(h3 >>> 8),
      hexCode(h3 >>> 4),
      hexCode(h3),
      hexCode(h2 >>> 12),
      hexCode(h2 >>> 8),
      hexCode(h2 >>> 4),
      hexCode(h2),
      hexCode(h1 >>> 12),
      hexCode(h1 >>> 8),
      hexCode(h1 >>> 4),
      hexCode(h1),
      hexCode(h0 >>> 12),
      hexCode(h0 >>> 8),
      hexCode(h0 >>> 4),
      hexCode(h0),
    );
  }

  /** Hashes the UTF-8 bytes of a code point of at least U+0080 (the rare path). */
  private codePoint(point: number): void {
    if (point < 0x800) {
      this.byte(0xc0 | (point >> 6));
      this.byte(0x80 | (point & 0x3f));
    } else if (point < 0x10000) {
      this.byte(0xe0 | (point >> 12));
      this.byte(0x80 | ((point >> 6) & 0x3f));
      this.byte(0x80 | (point & 0x3f));
    } else {
      this.byte(0xf0 | (point >> 18));
      this.byte(0x80 | ((point >> 12) & 0x3f));
      this.byte(0x80 | ((point >> 6) & 0x3f));
      this.byte(0x80 | (point & 0x3f));
    }
  }

  /**
   * Hashes one ASCII character, as `update` of a one-character piece would.
   *
   * @param code - its character code, 0–127
   */
  ascii(code: number): void {
    if (this.high !== 0) {
      this.high = 0;
      this.codePoint(0xfffd);
    }
    this.byte(code);
  }

  private byte(value: number): void {
    const h0 = this.h0 ^ value;
    const t0 = h0 * 0x1b3;
    const t1 = this.h1 * 0x1b3 + (t0 >>> 16);
    const t2 = this.h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    this.h3 = (this.h3 * 0x1b3 + (this.h1 << 8) + (t2 >>> 16)) & 0xffff;
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
  }
}

/**
 * The FNV-1a 64-bit hash of `text` (UTF-8), as 16 lower-case hex digits.
 *
 * @param text - the text to hash
 * @returns e.g. `cbf29ce484222325` for the empty string
 */
export function fnv1a64Hex(text: string): string {
  const hash = new Fnv1a64();
  hash.update(text);
  return hash.hex();
}
