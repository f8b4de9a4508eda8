import { describe, expect, it } from 'vitest';
import { PairKeys } from '../../../processors/analysis/pair-keys.js';

describe('PairKeys', () => {
  it('hands out one combined key per pair, keeps distinct pairs apart, and stays right past its bound', () => {
    const keys = new PairKeys(3);
    const ab = keys.key('q', 'fetch');
    expect(ab).toBe('q\u0000fetch');
    expect(keys.key('q', 'fetch')).toBe(ab);
    // Pairs whose plain concatenation would collide stay apart.
    expect(keys.key('a', 'bc')).not.toBe(keys.key('ab', 'c'));
    for (let i = 0; i < 10; i++) expect(keys.key(`q${i}`, 'merge')).toBe(`q${i}\u0000merge`);
    expect(keys.key('q', 'fetch')).toBe('q\u0000fetch');
  });
});
