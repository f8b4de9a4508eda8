import { describe, expect, it } from 'vitest';
import { lookupKeyword, SQL_KEYWORDS } from '../../../src/sql/sql-keywords.js';
import { randomInt, seededRandom } from '../../support/seeded-random.js';

/** What the lookup must answer, from the keyword set alone: the upper-case form of an ASCII word in it. */
function referenceKeyword(word: string): string | undefined {
  const upper = word.replace(/[a-z]/g, (c) => c.toUpperCase());
  return SQL_KEYWORDS.has(upper) ? upper : undefined;
}

describe('lookupKeyword', () => {
  it('finds every keyword in any case, at any position in the text', () => {
    for (const keyword of SQL_KEYWORDS) {
      const mixed = [...keyword].map((c, i) => (i % 2 === 0 ? c.toLowerCase() : c)).join('');
      for (const spelling of [keyword, keyword.toLowerCase(), mixed]) {
        const text = `x ${spelling}(`;
        expect(lookupKeyword(text, 2, 2 + spelling.length)).toBe(keyword);
      }
    }
  });

  it('refuses near misses: a character more, less or changed, at either end or inside', () => {
    for (const keyword of SQL_KEYWORDS) {
      const middle = keyword.length >> 1;
      const changed = keyword.slice(0, middle) + (keyword[middle] === 'Q' ? 'Z' : 'Q') + keyword.slice(middle + 1);
      for (const word of [`${keyword}S`, `_${keyword}`, keyword.slice(1), keyword.slice(0, -1), changed, `${keyword.slice(0, -1)}1`]) {
        expect(lookupKeyword(word, 0, word.length)).toBe(referenceKeyword(word));
      }
    }
  });

  it('agrees with the keyword set on random words of letters, digits, `_`, `$` and non-ASCII', () => {
    const random = seededRandom(11);
    // Digits and `_` fold onto letters' codes in the lookup's buckets: words made of them must still be refused.
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789$éÄ';
    let found = 0;
    for (let i = 0; i < 50_000; i++) {
      let word = '';
      const length = 1 + randomInt(random, 22);
      for (let j = 0; j < length; j++) word += alphabet[randomInt(random, alphabet.length)];
      // Random words are rarely keywords: every tenth is a keyword with one character swapped for a random one.
      if (i % 10 === 0) {
        const keywords = [...SQL_KEYWORDS];
        const keyword = keywords[randomInt(random, keywords.length)]!;
        const at = randomInt(random, keyword.length);
        word = keyword.slice(0, at) + alphabet[randomInt(random, alphabet.length)] + keyword.slice(at + 1);
      }
      const expected = referenceKeyword(word);
      if (expected !== undefined) found++;
      expect(lookupKeyword(` ${word} `, 1, 1 + word.length)).toBe(expected);
    }
    expect(found).toBeGreaterThan(50);
  });

  it('answers undefined for an empty range and for words longer than any keyword', () => {
    expect(lookupKeyword('select', 3, 3)).toBeUndefined();
    expect(lookupKeyword('current_timestamp_and_more', 0, 26)).toBeUndefined();
  });
});
