import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBSource, type DuckDBConnectionLike } from '../../../src/federation/duckdb-source.js';
import { DUCKDB_CELLS_PER_SLICE } from '../../../src/federation/duckdb-result-rows.js';

type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;

/** A connection whose result hands out `chunks` chunks of `rows` two-column rows, each ready at once (no I/O between them). */
function readyChunks(chunks: number, rows: number, requestedAt: number[], turns: () => number): DuckDBConnectionLike {
  return {
    run: () =>
      Promise.resolve({
        columnCount: 2,
        columnNames: () => ['a', 'b'],
        async *yieldRowObjectJs() {
          for (let c = 0; c < chunks; c++) {
            requestedAt.push(turns());
            yield Array.from({ length: rows }, (_, i) => ({ a: BigInt(c * rows + i), b: 'x' }));
          }
        },
      }),
    interrupt: () => undefined,
  };
}

describe('DuckDBSource', () => {
  let instance: DuckDBInstance;
  let connection: Connection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('reads a result of many chunks whole and in order, safe bigints as numbers', async () => {
    const source = new DuckDBSource(connection);
    const result = await source.execute(
      { kind: 'sql', sql: 'SELECT range AS a, range * 10000000000000 AS big FROM range(100000) ORDER BY a', params: [] },
      new AbortController().signal,
    );
    expect(result.columns).toEqual(['a', 'big']);
    expect(result.rows).toHaveLength(100_000);
    expect(result.rows[99_999]).toEqual({ a: 99_999, big: 999_990_000_000_000_000n });
    expect(result.rows[1]).toEqual({ a: 1, big: 10_000_000_000_000 });
    expect(result.rows.every((row, i) => row['a'] === i)).toBe(true);
  });

  it('turns the event loop after every slice of cells while converting, even when the chunks are ready at once', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const requestedAt: number[] = [];
    const rowsPerChunk = 2_048;
    const source = new DuckDBSource(readyChunks(100, rowsPerChunk, requestedAt, () => turns));
    const result = await source.execute({ kind: 'sql', sql: 'SELECT 1', params: [] }, new AbortController().signal);
    ticking = false;
    expect(result.rows).toHaveLength(100 * rowsPerChunk);
    expect(result.rows[5]).toEqual({ a: 5, b: 'x' });
    // Two columns: a slice is 25,000 rows, so the loop turns after every 13th chunk of 2,048 rows.
    const chunksPerSlice = Math.ceil(DUCKDB_CELLS_PER_SLICE / 2 / rowsPerChunk);
    expect(new Set(requestedAt).size).toBe(Math.ceil(100 / chunksPerSlice));
    expect(requestedAt[chunksPerSlice - 1]).toBe(requestedAt[0]);
    expect(requestedAt[chunksPerSlice]).toBeGreaterThan(requestedAt[0]!);
  });

  it('stops reading when the call is aborted, with the abort reason', async () => {
    const requestedAt: number[] = [];
    const controller = new AbortController();
    const source = new DuckDBSource(readyChunks(100, 2_048, requestedAt, () => 0));
    const reason = new Error('source timed out');
    const pending = source.execute({ kind: 'sql', sql: 'SELECT 1', params: [] }, controller.signal);
    setImmediate(() => controller.abort(reason));
    await expect(pending).rejects.toBe(reason);
    expect(requestedAt.length).toBeLessThan(100);
  });
});
