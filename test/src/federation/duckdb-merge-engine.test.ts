import { afterAll, describe, expect, it } from 'vitest';
import { totalmem } from 'node:os';
import { defaultMergeMemoryLimit, DuckDBMergeEngine } from '../../../src/federation/duckdb-merge-engine.js';
import { Federation } from '../../../src/federation/federation.js';
import { FederationError } from '../../../src/federation/federation-error.js';
import { FunctionSource } from '../../../src/federation/function-source.js';
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

describe('DuckDBMergeEngine memory limit', () => {
  it('lets DuckDB use only mergeMemoryLimit: a larger merge fails with an error naming the option, and the engine goes on', async () => {
    const federation = new Federation({ mergeMemoryLimit: '24MB', cache: false, maxRowsPerPart: 200_000 });
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ id: i, pad: `${'x'.repeat(120)}${i}` }));
    federation.source('wide', new FunctionSource(() => rows));
    federation.source('one', new FunctionSource(() => [{ id: 1 }]));
    try {
      const failure = await federation
        .query({ name: 'big_sort', parts: { w: { source: 'wide', sql: 'S' } }, merge: { sql: 'SELECT id, pad FROM w ORDER BY pad DESC' } })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(FederationError);
      expect((failure as FederationError).code).toBe('MERGE_FAILED');
      expect((failure as Error).message).toMatch(/Out of Memory/i);
      expect((failure as Error).message).toContain('option mergeMemoryLimit: 24MB');
      const small = await federation.query({
        name: 'small',
        parts: { o: { source: 'one', sql: 'S' } },
        merge: { sql: 'SELECT id * 2 AS d FROM o' },
      });
      expect(small.rows).toEqual([{ d: 2 }]);
    } finally {
      await federation.close();
    }
  });

  it('defaults to 1 GiB, or 80 % of the memory of a smaller machine', () => {
    const constrained = process.constrainedMemory?.() ?? 0;
    const bytes = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
    const expected = bytes * 0.8 >= 2 ** 30 ? '1024MiB' : `${Math.floor((bytes * 0.8) / 2 ** 20)}MiB`;
    expect(defaultMergeMemoryLimit()).toBe(expected);
    expect(new DuckDBMergeEngine().memoryLimit).toBe(expected);
  });

  it('sets DuckDB memory_limit to the option, 1 GiB by default on this machine', async () => {
    const engine = new DuckDBMergeEngine();
    const limited = new DuckDBMergeEngine('300MB');
    try {
      const setting = "SELECT current_setting('memory_limit') AS m";
      expect(await engine.merge([], setting, [])).toEqual([{ m: '1.0 GiB' }]);
      expect(await limited.merge([], setting, [])).toEqual([{ m: '286.1 MiB' }]);
    } finally {
      await engine.close();
      await limited.close();
    }
  });

  it('rejects a limit DuckDB would not read, naming the option', () => {
    for (const bad of ['lots', '12', '1 GiBs', '', '-5MB']) {
      expect(() => new DuckDBMergeEngine(bad)).toThrow(/mergeMemoryLimit must be a size/);
      expect(() => new Federation({ mergeMemoryLimit: bad })).toThrow(/mergeMemoryLimit/);
    }
  });
});
