import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBMergeEngine } from '../../../src/federation/duckdb-merge-engine.js';
import { DUCKDB_CELLS_PER_SLICE } from '../../../src/federation/duckdb-result-rows.js';

describe('DuckDBMergeEngine', () => {
  const engine = new DuckDBMergeEngine();
  afterAll(() => engine.close());

  it('loads a large part in slices, the event loop turning between them, and merges every row', async () => {
    const rowCount = 200_000;
    // A ticker that only advances when the event loop turns, and the tick each row was last read at
    // (the append is the last read of a row).
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const readAt = new Int32Array(rowCount);
    const rows = Array.from({ length: rowCount }, (_, i) => ({
      get a(): number {
        readAt[i] = turns;
        return i;
      },
      b: `r${i % 7}`,
    }));
    setImmediate(tick);
    const merged = await engine.merge([{ name: 'p', rows }], 'SELECT count(*) AS n, sum(a) AS s, count(DISTINCT b) AS kinds FROM p', []);
    ticking = false;
    expect(merged).toEqual([{ n: rowCount, s: (rowCount * (rowCount - 1)) / 2, kinds: 7 }]);
    // Rows appended within one turn of the loop share a tick: one per slice of cells (two columns here).
    const rowsPerSlice = DUCKDB_CELLS_PER_SLICE / 2;
    expect(new Set(readAt).size).toBe(rowCount / rowsPerSlice);
    for (let start = 0; start < rowCount; start += rowsPerSlice) {
      expect(readAt[start + rowsPerSlice - 1]).toBe(readAt[start]);
      if (start > 0) expect(readAt[start]).toBeGreaterThan(readAt[start - 1]!);
    }
  });

  it('reads a result of many chunks back whole and in order, the types converted as for one chunk', async () => {
    const rowCount = 100_000;
    const rows = Array.from({ length: rowCount }, (_, i) => ({ a: i, b: `r${i}`, big: BigInt(i) * 1_000_000_000_000n }));
    const merged = await engine.merge([{ name: 'p', rows }], 'SELECT a, b, big, a / 2 AS half FROM p ORDER BY a DESC', []);
    expect(merged).toHaveLength(rowCount);
    expect(merged[0]).toEqual({
      a: rowCount - 1,
      b: `r${rowCount - 1}`,
      big: BigInt(rowCount - 1) * 1_000_000_000_000n,
      half: (rowCount - 1) / 2,
    });
    expect(merged[rowCount - 1]).toEqual({ a: 0, b: 'r0', big: 0, half: 0 });
    expect(merged.every((row, i) => row.a === rowCount - 1 - i)).toBe(true);
  });
});
