import { describe, expect, it } from 'vitest';
import { BoundedKeyRing } from '../../../processors/trace-analysis/bounded-key-ring.js';
import { traceKeyHash } from '../../../processors/trace-analysis/trace-id-table.js';

describe('BoundedKeyRing', () => {
  const get = <V>(ring: BoundedKeyRing<V>, key: string) => ring.get(key, traceKeyHash(key));
  const set = <V>(ring: BoundedKeyRing<V>, key: string, value: V) => ring.set(key, traceKeyHash(key), value);

  it('keeps at most its capacity, forgetting the oldest key first', () => {
    const ring = new BoundedKeyRing<number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) set(ring, key, i);
    expect(ring.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((key) => get(ring, key))).toEqual([undefined, undefined, 2, 3, 4]);
  });

  it('updates a held key in place without using a slot', () => {
    const ring = new BoundedKeyRing<string>(2);
    set(ring, 'a', 'first');
    set(ring, 'a', 'second');
    set(ring, 'b', 'b');
    expect(get(ring, 'a')).toBe('second');
    expect(ring.size).toBe(2);
  });

  it('holds the last `capacity` ids of a long stream, and only those', () => {
    const ring = new BoundedKeyRing<number>(1000);
    const id = (i: number) => i.toString(16).padStart(32, '0');
    for (let i = 0; i < 25_000; i++) set(ring, id(i), i);
    expect(ring.size).toBe(1000);
    expect(get(ring, id(24_999))).toBe(24_999);
    expect(get(ring, id(24_000))).toBe(24_000);
    expect(get(ring, id(23_999))).toBeUndefined();
    let held = 0;
    for (let i = 0; i < 25_000; i++) if (get(ring, id(i)) === i) held++;
    expect(held).toBe(1000);
  });
});
