import type { FedscopeSnapshot } from '../../../processors/analysis/snapshot-types.js';
import { HistoryStore } from '../../../processors/history/history-store.js';
import type { HistoryQueryError, HistoryReport } from '../../../processors/history/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { seriesOf, snapshotOf as snapshotWith } from '../../support/snapshot-fixtures.js';

/** 2026-01-01T00:00:00Z: a multiple of every step. */
export const T0 = 1_767_225_600;

/** An analysis snapshot of the overall series and one query, stage and source series per query name, each counting `count` since start. */
export function snapshotOf(count: number, queries: string[] = ['orders'], service = 'shop'): FedscopeSnapshot {
  return snapshotWith(seriesOf({}, count * queries.length, 1, 20), {
    queries: queries.map((query) => seriesOf({ service, query }, count, 1, 20)),
    stages: queries.map((query) => seriesOf({ service, query, stage: 'fetch' }, count, 0, 5)),
    sources: queries.map((query) => seriesOf({ service, source: `pg-${query}` }, count, 0, 3)),
  });
}

/** The report, or a thrown error naming the refused parameter. */
export function reportOf(result: HistoryReport | HistoryQueryError): HistoryReport {
  if ('parameter' in result) throw new Error(`unexpected error: ${result.parameter}: ${result.reason}`);
  return result;
}

/** A store on a manual clock at T0 + 10 s with `ticks` ticks of 10 s recorded (the count grows by 3 a tick), plus an alert transition. */
export function filledStore(ticks: number, options: ConstructorParameters<typeof HistoryStore>[0] = {}) {
  const clock = new ManualClock((T0 + 10) * 1000);
  const store = new HistoryStore({ clock, ...options });
  for (let i = 1; i <= ticks; i++) {
    store.record(snapshotOf(3 * i, ['orders', 'stock']), {
      healthScore: 90 - i,
      alertTransitions: [
        {
          at: new Date((T0 + 5) * 1000).toISOString(),
          alertname: 'Slow',
          labels: { severity: 'warning' },
          from: 'inactive',
          to: 'pending',
          value: 120,
        },
      ],
    });
    if (i < ticks) clock.advance(10_000);
  }
  return { clock, store };
}

/** Every answer of the store for its series over the finest and the coarser tiers, to compare two stores. */
export function answersOf(store: HistoryStore, from: number, to: number): unknown[] {
  return store.seriesKeys().flatMap((series) =>
    [10, 60, 600].map((step) => {
      const { stats: _stats, ...answer } = reportOf(store.query({ series, from, to, step }));
      return answer;
    }),
  );
}
