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

/**
 * The FNV-1a 64-bit hash of `text` (UTF-8), as 16 lower-case hex digits.
 *
 * @param text - the text to hash
 * @returns e.g. `cbf29ce484222325` for the empty string
 */
export function fnv1a64Hex(text: string): string {
  // Hash state as four 16-bit limbs, h0 least significant (small integers: no heap numbers).
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const n = text.length;
  const bytes = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      // One byte, inlined: the common case.
      h0 ^= c;
      const t0 = h0 * 0x1b3;
      const t1 = h1 * 0x1b3 + (t0 >>> 16);
      const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
      h3 = (h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16)) & 0xffff;
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
      continue;
    }
    let count = 2;
    if (c < 0x800) {
      bytes[0] = 0xc0 | (c >> 6);
      bytes[1] = 0x80 | (c & 0x3f);
    } else {
      const low = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
        bytes[0] = 0xf0 | (point >> 18);
        bytes[1] = 0x80 | ((point >> 12) & 0x3f);
        bytes[2] = 0x80 | ((point >> 6) & 0x3f);
        bytes[3] = 0x80 | (point & 0x3f);
        count = 4;
      } else {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
        bytes[0] = 0xe0 | (c >> 12);
        bytes[1] = 0x80 | ((c >> 6) & 0x3f);
        bytes[2] = 0x80 | (c & 0x3f);
        count = 3;
      }
    }
    for (let k = 0; k < count; k++) {
      h0 ^= bytes[k]!;
      // Multiply by the prime 2^40 + 0x1b3, modulo 2^64.
      const t0 = h0 * 0x1b3;
      const t1 = h1 * 0x1b3 + (t0 >>> 16);
      const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
      h3 = (h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16)) & 0xffff;
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
    }
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
