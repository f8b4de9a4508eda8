import { describe, expect, it } from 'vitest';
import { BitReader } from '../../../src/stats/bit-reader.js';
import { BitWriter, RICE_ESCAPE } from '../../../src/stats/bit-writer.js';
import { seededRandom } from '../../support/seeded-random.js';

/** One item written to the stream. */
interface Written {
  kind: 'bits' | 'unsigned' | 'number' | 'double' | 'rice';
  value: number;
  /** Bits of a `bits` item, Rice parameter of a `rice` item. */
  width: number;
}

/** Writes `items` in order, then reads them back with a fresh reader. */
function roundTrip(items: Written[], offsetWords = 0): number[] {
  const writer = new BitWriter();
  for (const item of items) {
    if (item.kind === 'bits') writer.writeBits(item.value, item.width);
    else if (item.kind === 'unsigned') writer.writeUnsigned(item.value);
    else if (item.kind === 'number') writer.writeNumber(item.value);
    else if (item.kind === 'double') writer.writeDouble(item.value);
    else writer.writeRice(item.value, item.width);
  }
  const words = new Uint32Array(offsetWords + writer.wordLength);
  writer.copyTo(words, offsetWords);
  const reader = new BitReader().reset(words, offsetWords);
  return items.map((item) => {
    if (item.kind === 'bits') return reader.readBits(item.width);
    if (item.kind === 'unsigned') return reader.readUnsigned();
    if (item.kind === 'number') return reader.readNumber();
    if (item.kind === 'double') return reader.readDouble();
    return reader.readRice(item.width);
  });
}

describe('BitWriter and BitReader', () => {
  it('read back every kind of item at every bit alignment, exactly', () => {
    const random = seededRandom(7);
    const specials = [0, -0, 1, -1, 0.5, 2 ** 51 - 1, -(2 ** 51) + 1, 2 ** 51, 2 ** 53, 1e300, 5e-324, Number.NaN, Infinity, -Infinity];
    const items: Written[] = [];
    for (let i = 0; i < 20_000; i++) {
      const u = random();
      if (u < 0.3) {
        const bits = Math.floor(random() * 33);
        items.push({ kind: 'bits', width: bits, value: bits === 0 ? 0 : Math.floor(random() * 2 ** bits) });
      } else if (u < 0.45) {
        items.push({ kind: 'unsigned', width: 0, value: Math.floor(random() ** 4 * 2 ** 53) });
      } else if (u < 0.6) {
        const special = specials[Math.floor(random() * specials.length)] as number;
        items.push({
          kind: 'number',
          width: 0,
          value: random() < 0.5 ? special : Math.round((random() - 0.5) * 2 ** Math.floor(random() * 60)),
        });
      } else if (u < 0.65) {
        items.push({ kind: 'double', width: 0, value: (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20) });
      } else {
        // Rice codes: short ones, ones longer than a word, escapes, and wide parameters.
        const k = random() < 0.8 ? Math.floor(random() * 8) : Math.floor(random() * 53);
        const quotient = random() < 0.9 ? Math.floor(random() * 6) : Math.floor(random() * 3 * RICE_ESCAPE);
        const value = Math.min(2 ** 53 - 1, quotient * 2 ** k + Math.floor(random() * 2 ** k));
        items.push({ kind: 'rice', value, width: k });
      }
    }
    for (const offset of [0, 3]) {
      const read = roundTrip(items, offset);
      const wrong = items.filter((item, i) => !Object.is(read[i], item.value));
      expect(wrong).toEqual([]);
    }
  });

  it('writes small integers in few bits and escapes long Rice codes', () => {
    const writer = new BitWriter();
    writer.writeNumber(3); // flag, 6-bit length, 3 bits
    expect(writer.wordLength).toBe(1);
    writer.reset();
    for (let i = 0; i < 64; i++) writer.writeRice(0, 0); // one bit each
    expect(writer.wordLength).toBe(2);
    writer.reset();
    writer.writeRice(2 ** 40, 0); // would be 2^40 ones in unary
    expect(writer.wordLength).toBeLessThanOrEqual(3);
  });
});
