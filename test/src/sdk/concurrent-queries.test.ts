import { afterEach, describe, expect, it } from 'vitest';
import { instrumentAdapter } from '../../../instrumentations/adapter.js';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';

let handle: FedscopeHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

describe('100 concurrent federated queries (the seed concurrency test)', () => {
  it('counts every query, source call and error exactly and sees all 100 running at once', async () => {
    handle = startFedscope({ prometheus: false, otlp: false });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = 0;
    const db = instrumentAdapter(
      {
        query: async (sql: string) => {
          waiting++;
          if (waiting === 100) release();
          await gate; // every query is in flight before any finishes
          if (sql.includes('missing')) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
          return { rows: [{ ok: 1 }] };
        },
      },
      { source: 'pg', system: 'postgresql' },
    );
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        federatedQuery(i % 10 === 0 ? 'failing' : 'ok', () =>
          stage('fetch', () => db.query(i % 10 === 0 ? `SELECT * FROM missing WHERE id = ${i}` : `SELECT ${i}`)),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(10);
    const snap = handle.snapshot();
    expect(snap.overall.sinceStart.count).toBe(100);
    expect(snap.overall.sinceStart.errors).toBe(10);
    expect(snap.overall.concurrency).toEqual({ now: 0, peak: 100 });
    expect(snap.queries.find((q) => q.labels['query'] === 'ok')?.concurrency.peak).toBe(90);
    expect(snap.sources[0]?.sinceStart).toMatchObject({ count: 100, errors: 10, rowsReturned: 90 });
    // Literals differ between calls, statements do not: two fingerprints.
    expect(snap.statements.map((s) => [s.statement, s.sinceStart.count, s.sinceStart.errors]).sort()).toEqual([
      ['SELECT * FROM missing WHERE id = ?', 10, 10],
      ['SELECT ?', 90, 0],
    ]);
  });
});
