import { describe, expect, it } from 'vitest';
import { statementHash, TotalTimeSketch } from '../../../processors/analysis/total-time-sketch.js';

describe('TotalTimeSketch', () => {
  it('says whether a statement was seen before: its first appearance marks the doorkeeper, later ones add their time', () => {
    const sketch = new TotalTimeSketch(16);
    const hash = statementHash('svc\u0000pg', '0123456789abcdef');
    expect(sketch.add(hash, 5)).toBe(false);
    expect(sketch.estimate(hash)).toBe(0);
    expect(sketch.add(hash, 5)).toBe(true);
    expect(sketch.estimate(hash)).toBe(5);
    expect(sketch.add(hash, 7)).toBe(true);
    expect(sketch.estimate(hash)).toBe(12);
  });

  it('forgets who was seen and halves the times every ten additions per counter', () => {
    // Width 16: a reset every 160 additions.
    const sketch = new TotalTimeSketch(16);
    const hash = statementHash('svc\u0000pg', 'fedcba9876543210');
    sketch.add(hash, 1);
    for (let i = 0; i < 158; i++) expect(sketch.add(hash, 1)).toBe(true);
    expect(sketch.estimate(hash)).toBe(158);
    // The 160th addition resets first: the statement is new to the doorkeeper again, its time halved.
    expect(sketch.add(hash, 1)).toBe(false);
    expect(sketch.estimate(hash)).toBe(79);
    expect(sketch.add(hash, 1)).toBe(true);
    expect(sketch.estimate(hash)).toBe(80);
  });
});
