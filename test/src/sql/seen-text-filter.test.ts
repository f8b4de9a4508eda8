import { describe, expect, it } from 'vitest';
import { SeenTextFilter } from '../../../src/sql/seen-text-filter.js';

describe('SeenTextFilter', () => {
  it('says a text is new the first time and seen after', () => {
    const filter = new SeenTextFilter(100);
    expect(filter.seenBefore('SELECT 1', 4096)).toBe(false);
    expect(filter.seenBefore('SELECT 1', 4096)).toBe(true);
    expect(filter.seenBefore('SELECT 2', 4096)).toBe(false);
    expect(filter.seenBefore('SELECT 1', 4096)).toBe(true);
  });

  it('never forgets a text within its period, and rarely takes a new one for seen', () => {
    const filter = new SeenTextFilter(1000);
    const texts = Array.from({ length: 1000 }, (_, i) => `SELECT * FROM t WHERE k = ${i}`);
    let falsePositives = 0;
    for (const text of texts) if (filter.seenBefore(text, 4096)) falsePositives++;
    expect(falsePositives).toBeLessThan(30);
    for (const text of texts) expect(filter.seenBefore(text, 4096)).toBe(true);
  });

  it('forgets what it saw once more than its period of new texts came', () => {
    const filter = new SeenTextFilter(2);
    filter.seenBefore('a', 10);
    filter.seenBefore('b', 10);
    filter.seenBefore('c', 10); // the third new text clears the filter first
    expect(filter.seenBefore('a', 10)).toBe(false);
    expect(filter.seenBefore('c', 10)).toBe(true);
  });

  it('hashes only maxLength leading characters, and holds a fixed size', () => {
    const filter = new SeenTextFilter(100);
    expect(filter.seenBefore('SELECT 1 -- one', 8)).toBe(false);
    expect(filter.seenBefore('SELECT 1 -- two', 8)).toBe(true);
    expect(filter.bytes).toBe(256);
  });
});
