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

const HEX = '0123456789abcdef';

function hex16(value: number): string {
  return HEX[(value >>> 12) & 15]! + HEX[(value >>> 8) & 15]! + HEX[(value >>> 4) & 15]! + HEX[value & 15]!;
}

/**
 * The FNV-1a 64-bit hash of `text` (UTF-8), as 16 lower-case hex digits.
 *
 * @param text - the text to hash
 * @returns e.g. `cbf29ce484222325` for the empty string
 */
export function fnv1a64Hex(text: string): string {
  // Hash state as four 16-bit limbs, h0 least significant.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const n = text.length;
  const step = (byte: number): void => {
    h0 ^= byte;
    // Multiply by 2^40 + 0x1b3.
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
  };
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      step(c);
      continue;
    }
    if (c < 0x800) {
      step(0xc0 | (c >> 6));
      step(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
        step(0xf0 | (point >> 18));
        step(0x80 | ((point >> 12) & 0x3f));
        step(0x80 | ((point >> 6) & 0x3f));
        step(0x80 | (point & 0x3f));
        continue;
      }
      c = 0xfffd; // lone surrogate
    }
    step(0xe0 | (c >> 12));
    step(0x80 | ((c >> 6) & 0x3f));
    step(0x80 | (c & 0x3f));
  }
  return hex16(h3) + hex16(h2) + hex16(h1) + hex16(h0);
}
