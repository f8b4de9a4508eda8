import { describe, expect, it } from 'vitest';
import { BoundedKeyRing } from '../../../processors/trace-analysis/bounded-key-ring.js';

describe('BoundedKeyRing', () => {
  it('keeps at most its capacity, forgetting the oldest key first', () => {
    const ring = new BoundedKeyRing<number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) ring.set(key, i);
    expect(ring.size).toBe(3);
    expect([ring.get('a'), ring.get('b'), ring.get('c'), ring.get('d'), ring.get('e')]).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it('updates a held key in place without using a slot', () => {
    const ring = new BoundedKeyRing<string>(2);
    ring.set('a', 'first');
    ring.set('a', 'second');
    ring.set('b', 'b');
    expect(ring.get('a')).toBe('second');
    expect(ring.size).toBe(2);
  });
});
