import { describe, expect, it } from 'vitest';
import { traceKeyHash, TraceIdTable } from '../../../processors/trace-analysis/trace-id-table.js';

/** A deterministic xorshift32 stream, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const id = (i: number) => `4bf92f3577b34da6a3ce929d${i.toString(16).padStart(8, '0')}`;

describe('traceKeyHash', () => {
  it("is a 32-bit unsigned number of the id's length and last 16 characters", () => {
    const a = traceKeyHash('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(Number.isInteger(a) && a >= 0 && a < 2 ** 32).toBe(true);
    expect(traceKeyHash('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(a);
    expect(traceKeyHash('4bf92f3577b34da6a3ce929d0e0e4737')).not.toBe(a);
    expect(traceKeyHash('4bf92f3577b34da6b3ce929d0e0e4736')).not.toBe(a);
    // Only the random part is read: ids that differ before it share a hash (the table compares ids).
    expect(traceKeyHash('5bf92f3577b34da6a3ce929d0e0e4736')).toBe(a);
    expect(traceKeyHash('a3ce929d0e0e4736')).not.toBe(a);
    expect(traceKeyHash('')).toBe(traceKeyHash(''));
  });
});

describe('TraceIdTable', () => {
  it('answers as a Map does through a long mix of sets, updates and deletes (growing on the way)', () => {
    const table = new TraceIdTable<number>(5000);
    const reference = new Map<string, number>();
    const next = random(12345);
    for (let step = 0; step < 200_000; step++) {
      const key = id(Math.floor(next() * 8000));
      const hash = traceKeyHash(key);
      const action = next();
      if (action < 0.45) {
        const added = table.set(key, hash, step);
        const fits = reference.has(key) || reference.size < 5000;
        expect(added).toBe(fits);
        if (fits) reference.set(key, step);
      } else if (action < 0.8) {
        expect(table.delete(key, hash)).toBe(reference.delete(key));
      } else {
        expect(table.get(key, hash)).toBe(reference.get(key));
      }
      expect(table.size).toBe(reference.size);
    }
    for (const [key, value] of reference) expect(table.get(key, traceKeyHash(key))).toBe(value);
  });

  it('keeps every entry findable when ids collide on their slots, deleting from the middle of a run', () => {
    // Every id under one hash: one run, resolved by comparing the ids.
    const table = new TraceIdTable<string>(16);
    for (let i = 0; i < 10; i++) expect(table.set(id(i), 7, `v${i}`)).toBe(true);
    expect(table.delete(id(3), 7)).toBe(true);
    expect(table.delete(id(0), 7)).toBe(true);
    for (let i = 0; i < 10; i++) expect(table.get(id(i), 7)).toBe(i === 3 || i === 0 ? undefined : `v${i}`);
    expect(table.size).toBe(8);
  });

  it('tells apart ids that share their last 16 characters (and so their hash)', () => {
    const table = new TraceIdTable<number>(100);
    const sharing = Array.from({ length: 20 }, (_, i) => `${i.toString(16).padStart(16, '0')}a3ce929d0e0e4736`);
    for (const [i, traceId] of sharing.entries()) expect(table.set(traceId, traceKeyHash(traceId), i)).toBe(true);
    for (const [i, traceId] of sharing.entries()) expect(table.get(traceId, traceKeyHash(traceId))).toBe(i);
    expect(table.delete(sharing[7]!, traceKeyHash(sharing[7]!))).toBe(true);
    expect(sharing.map((traceId) => table.get(traceId, traceKeyHash(traceId)) ?? -1)).toEqual(sharing.map((_, i) => (i === 7 ? -1 : i)));
  });

  it('refuses an id that would sit too far from its home slot, and a new id when full', () => {
    const crowded = new TraceIdTable<number>(100);
    let refused = 0;
    for (let i = 0; i < 70; i++) if (!crowded.set(id(i), 0, i)) refused++;
    expect(refused).toBe(6);
    expect(crowded.size).toBe(64);
    const full = new TraceIdTable<number>(3);
    for (let i = 0; i < 3; i++) expect(full.set(id(i), traceKeyHash(id(i)), i)).toBe(true);
    expect(full.set(id(9), traceKeyHash(id(9)), 9)).toBe(false);
    expect(full.set(id(1), traceKeyHash(id(1)), 10)).toBe(true);
    expect(full.get(id(1), traceKeyHash(id(1)))).toBe(10);
    full.clear();
    expect(full.size).toBe(0);
    expect(full.get(id(1), traceKeyHash(id(1)))).toBeUndefined();
  });
});
