import { describe, expect, it } from 'vitest';
import { RecentTextMemo } from '../../../src/sql/recent-text-memo.js';

/** The same characters in a string built at run time (not the literal's object). */
const copy = (text: string): string => [...text].join('');

describe('RecentTextMemo', () => {
  it('answers an equal text, whichever string holds it, under the same key only', () => {
    const memo = new RecentTextMemo<number>();
    memo.set('SELECT * FROM orders WHERE id = $1', 2, 7);
    expect(memo.get(copy('SELECT * FROM orders WHERE id = $1'), 2)).toBe(7);
    expect(memo.get('SELECT * FROM orders WHERE id = $1', 3)).toBeUndefined();
    expect(memo.get('SELECT * FROM orders WHERE id = $2', 2)).toBeUndefined();
    expect(memo.get('', 2)).toBeUndefined();
  });

  it('holds many texts at once, never more than its slots, and never answers a wrong one', () => {
    const memo = new RecentTextMemo<string>();
    const texts = Array.from({ length: 1000 }, (_, i) => `SELECT name FROM t${i % 37} WHERE k = ${i}`);
    for (const text of texts) memo.set(text, 0, text.toUpperCase());
    let held = 0;
    for (const text of texts) {
      const value = memo.get(copy(text), 0);
      if (value === undefined) continue;
      held++;
      expect(value).toBe(text.toUpperCase());
    }
    expect(held).toBeGreaterThan(16);
    expect(held).toBeLessThanOrEqual(64);
    // The last text set is always held.
    expect(memo.get(texts[999]!, 0)).toBe(texts[999]!.toUpperCase());
  });

  it('forgets everything on clear, and holds the empty text', () => {
    const memo = new RecentTextMemo<number>();
    memo.set('', 1, 5);
    memo.set('SELECT 1', 1, 6);
    expect(memo.get('', 1)).toBe(5);
    memo.clear();
    expect(memo.get('', 1)).toBeUndefined();
    expect(memo.get('SELECT 1', 1)).toBeUndefined();
  });
});
