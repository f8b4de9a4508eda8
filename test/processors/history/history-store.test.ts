import { describe, expect, it } from 'vitest';
import type { AlertTransition } from '../../../processors/alerts/types.js';
import type { FedscopeSnapshot, QuerySeriesSnapshot, SeriesSnapshot, WindowSummary } from '../../../processors/analysis/snapshot-types.js';
import { HistoryStore, keyOf } from '../../../processors/history/history-store.js';
import type { HistoryQueryError, HistoryReport } from '../../../processors/history/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';

/** 2026-01-01T00:00:00Z: a multiple of every step. */
const T0 = 1_767_225_600;

function summary(count: number, errors: number, p95: number | null): WindowSummary {
  return {
    windowSeconds: 60,
    count,
    errors,
    errorRate: count > 0 ? errors / count : null,
    throughputPerSecond: 0,
    mean: p95,
    max: p95,
    p50: p95 === null ? null : p95 / 2,
    p90: p95,
    p95,
    p99: p95 === null ? null : p95 * 2,
    p999: p95,
    rowsReturned: 0,
    cacheHitRatio: null,
  };
}

/** A series with since-start `count`/`errors` and a shortest-window p95. */
function series(labels: Record<string, string>, count: number, errors = 0, p95: number | null = 10): QuerySeriesSnapshot {
  return {
    labels,
    windows: [summary(0, 0, p95)],
    sinceStart: summary(count, errors, p95),
    lastUpdate: '',
    concurrency: { now: 0, peak: 0 },
  };
}

function snapshot(
  overall: QuerySeriesSnapshot,
  more: { services?: QuerySeriesSnapshot[]; queries?: QuerySeriesSnapshot[]; stages?: SeriesSnapshot[]; sources?: SeriesSnapshot[] } = {},
): FedscopeSnapshot {
  return {
    generatedAt: '',
    windowsSeconds: [60, 300, 900],
    overall,
    services: more.services ?? [],
    queries: more.queries ?? [],
    stages: more.stages ?? [],
    sources: more.sources ?? [],
    statements: [],
    topStatements: { slowestP95: [], mostTotalTime: [], mostErrors: [] },
    limits: [],
  };
}

function report(result: HistoryReport | HistoryQueryError): HistoryReport {
  if ('parameter' in result) throw new Error(`unexpected error: ${result.parameter}: ${result.reason}`);
  return result;
}

/** A store on a manual clock at T0 + 10 s, ticking every 10 s. */
function fixture(options: ConstructorParameters<typeof HistoryStore>[0] = {}) {
  const clock = new ManualClock((T0 + 10) * 1000);
  const store = new HistoryStore({ clock, ...options });
  return { clock, store };
}

describe('HistoryStore', () => {
  it('records the per-tick growth of the since-start counts into 10 s points', () => {
    const { clock, store } = fixture();
    store.record(snapshot(series({}, 5, 1, 12)), { healthScore: 90 });
    clock.advance(10_000);
    store.record(snapshot(series({}, 25, 1, 20)), { healthScore: 80 });
    const r = report(store.query({ series: 'overall', from: T0, to: T0 + 20, step: 10 }));
    expect(r.tier).toEqual({ stepSeconds: 10, retentionSeconds: 3_600 });
    expect(r.t).toEqual([T0, T0 + 10]);
    expect(r.count).toEqual([5, 20]);
    expect(r.errors).toEqual([1, 0]);
    expect(r.errorRatio).toEqual([0.2, 0]);
    expect(r.throughputPerSecond).toEqual([0.5, 2]);
    expect(r.p95Ms).toEqual([12, 20]);
    expect(r.p50Ms).toEqual([6, 10]);
    expect(r.p99Ms).toEqual([24, 40]);
    expect(r.healthScore).toEqual([90, 80]);
    expect(r.percentileWindowSeconds).toBe(60);
  });

  it('aggregates the six 10 s points of a minute into its 1 min point: sums, recomputed ratios, highest percentile, lowest score', () => {
    const { clock, store } = fixture();
    const counts = [10, 20, 30, 40, 50, 60];
    const errors = [0, 1, 0, 3, 0, 2];
    const p95s = [5, 9, 30, 7, 8, 6];
    let count = 0;
    let failed = 0;
    for (let i = 0; i < 6; i++) {
      count += counts[i]!;
      failed += errors[i]!;
      store.record(snapshot(series({}, count, failed, p95s[i])), { healthScore: 100 - i });
      clock.advance(10_000);
    }
    const fine = report(store.query({ series: 'overall', from: T0, to: T0 + 60, step: 10 }));
    expect(fine.count).toEqual(counts);
    const minute = report(store.query({ series: 'overall', from: T0, to: T0 + 60, step: 60 }));
    expect(minute.tier).toEqual({ stepSeconds: 60, retentionSeconds: 86_400 });
    expect(minute.t).toEqual([T0]);
    expect(minute.count).toEqual([210]);
    expect(minute.errors).toEqual([6]);
    expect(minute.errorRatio).toEqual([6 / 210]);
    expect(minute.throughputPerSecond).toEqual([210 / 60]);
    expect(minute.p95Ms).toEqual([30]);
    expect(minute.healthScore).toEqual([95]);
    const tenMinutes = report(store.query({ series: 'overall', from: T0, to: T0 + 600, step: 600 }));
    expect(tenMinutes.count).toEqual([210]);
    expect(tenMinutes.throughputPerSecond).toEqual([210 / 60]); // over the 60 s its ticks covered
  });

  it('rolls a tier over: a point older than the tier retention is gone, its slot reused', () => {
    const { clock, store } = fixture();
    store.record(snapshot(series({}, 7)), { healthScore: null });
    const ticks = 3_600 / 10;
    for (let i = 1; i <= ticks; i++) {
      clock.advance(10_000);
      store.record(snapshot(series({}, 7 + i)), { healthScore: null });
    }
    const now = T0 + 10 + ticks * 10;
    const fine = report(store.query({ series: 'overall', from: now - 3_600, to: now, step: 10 }));
    expect(fine.count).toHaveLength(360);
    expect(fine.count.every((value) => value === 1)).toBe(true);
    // The first point is still in the minute tier, summed with the minute's other ticks.
    const minute = report(store.query({ series: 'overall', from: T0, to: T0 + 60, step: 60 }));
    expect(minute.count).toEqual([7 + 5]);
  });

  it('answers gaps as null, idle points as 0, and counts a restarted series from zero', () => {
    const { clock, store } = fixture();
    const q = series({ service: 'api', query: 'orders' }, 4);
    store.record(snapshot(series({}, 4), { queries: [q] }), { healthScore: null });
    clock.advance(10_000);
    store.record(snapshot(series({}, 4), { queries: [series({ service: 'api', query: 'orders' }, 4)] }), { healthScore: null });
    clock.advance(20_000); // one tick missed: a gap
    store.record(snapshot(series({}, 4), { queries: [series({ service: 'api', query: 'orders' }, 3)] }), { healthScore: null });
    clock.advance(10_000);
    store.record(snapshot(series({}, 4)), { healthScore: null }); // the query is not in the snapshot: a gap
    const r = report(store.query({ series: 'query:api/orders', from: T0, to: T0 + 50, step: 10 }));
    expect(r.labels).toEqual({ service: 'api', query: 'orders' });
    expect(r.count).toEqual([4, 0, null, 3, null]);
    expect(r.p95Ms).toEqual([10, null, null, 10, null]);
    expect(r.errorRatio).toEqual([0, null, null, 0, null]);
    expect(r.healthScore).toBeUndefined();
    // The tick after the missed one covered 20 s: its minute point's throughput divides by it.
    const minute = report(store.query({ series: 'query:api/orders', from: T0, to: T0 + 60, step: 60 }));
    expect(minute.count).toEqual([7]);
    expect(minute.throughputPerSecond).toEqual([7 / 40]);
  });

  it('keys series in a URL-safe scheme, names percent-encoded', () => {
    expect(keyOf('query', { service: 'api', query: 'orders' }, ['query'])).toBe('query:api/orders');
    expect(keyOf('stage', { service: 'api', query: 'a/b', stage: 'fetch' }, ['query', 'stage'])).toBe('stage:api/a%2Fb/fetch');
    expect(keyOf('source', { service: 'my svc', source: 'pg' }, ['source'])).toBe('source:my%20svc/pg');
    expect(keyOf('source', { 'otel.metric.overflow': 'true' }, ['source'])).toBe('source:~overflow');
    expect(keyOf('service', { service: 'my svc' }, [])).toBe('service:my%20svc');
    const { store } = fixture();
    store.record(
      snapshot(series({}, 1), {
        services: [series({ service: 'api' }, 1)],
        queries: [series({ service: 'api', query: 'orders' }, 1)],
        stages: [series({ service: 'api', query: 'orders', stage: 'fetch' }, 1)],
        sources: [series({ service: 'api', source: 'pg' }, 1)],
      }),
      { healthScore: null },
    );
    expect(store.seriesKeys()).toEqual(['overall', 'service:api', 'query:api/orders', 'stage:api/orders/fetch', 'source:api/pg']);
    expect(store.seriesIndex().map((s) => [s.key, s.kind, s.labels])).toEqual([
      ['overall', 'overall', {}],
      ['service:api', 'service', { service: 'api' }],
      ['query:api/orders', 'query', { service: 'api', query: 'orders' }],
      ['stage:api/orders/fetch', 'stage', { service: 'api', query: 'orders', stage: 'fetch' }],
      ['source:api/pg', 'source', { service: 'api', source: 'pg' }],
    ]);
    expect(report(store.query({ series: 'service:api', from: T0, to: T0 + 20, step: 10 })).count).toEqual([1, null]);
  });

  it('bounds the series: the ones beyond maxSeries are counted as dropped and memory stays flat', () => {
    const { clock, store } = fixture({ maxSeries: 10 });
    const queries = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => series({ service: 'api', query: `q${offset + i}` }, 1));
    store.record(snapshot(series({}, 1), { queries: queries(9, 0) }), { healthScore: null });
    const full = store.stats();
    expect(full.series).toBe(10);
    expect(full.droppedSeries).toBe(0);
    for (let tick = 1; tick <= 50; tick++) {
      clock.advance(10_000);
      store.record(snapshot(series({}, 1), { queries: queries(100, tick * 100) }), { healthScore: null });
    }
    const after = store.stats();
    expect(after.series).toBe(10);
    expect(after.droppedSeries).toBe(100);
    expect(after.droppedSeriesTicks).toBe(50 * 100);
    expect(after.bytes).toBe(full.bytes);
    expect(store.query({ series: 'query:api/q150', step: 10 })).toMatchObject({ parameter: 'series' });
  });

  it('removes a series with no point left in the longest retention, making room', () => {
    const { clock, store } = fixture({ maxSeries: 2, tiers: [{ stepSeconds: 10, retentionSeconds: 60 }] });
    store.record(snapshot(series({}, 1), { queries: [series({ service: 'a', query: 'old' }, 1)] }), { healthScore: null });
    clock.advance(70_000);
    store.record(snapshot(series({}, 1), { queries: [series({ service: 'a', query: 'new' }, 1)] }), { healthScore: null });
    expect(store.seriesKeys()).toEqual(['overall']);
    clock.advance(10_000);
    store.record(snapshot(series({}, 1), { queries: [series({ service: 'a', query: 'new' }, 1)] }), { healthScore: null });
    expect(store.seriesKeys()).toEqual(['overall', 'query:a/new']);
  });

  it('measures the memory with the default bounds full: 200 series of 2,808 points', () => {
    const { clock, store } = fixture();
    const queries = Array.from({ length: 199 }, (_, i) => series({ service: 'api', query: `q${i}` }, 1));
    const before = process.memoryUsage().arrayBuffers;
    store.record(snapshot(series({}, 1), { queries }), { healthScore: 100 });
    const allocated = process.memoryUsage().arrayBuffers - before;
    const stats = store.stats();
    expect(stats.series).toBe(200);
    expect(stats.bytesPerSeries).toBe(600 + 2_808 * 36);
    // Typed arrays are all the point storage: what the process allocated matches the estimate.
    expect(allocated).toBeGreaterThan(200 * 2_808 * 36 * 0.8);
    expect(allocated).toBeLessThan(stats.bytes * 1.1);
    console.log(
      `history memory, default bounds full: ${stats.bytesPerSeries} B per series, ${stats.bytes} B total (arrayBuffers +${allocated} B)`,
    );
    for (let i = 0; i < 100; i++) {
      clock.advance(10_000);
      store.record(snapshot(series({}, 1 + i), { queries }), { healthScore: 100 });
    }
    expect(store.stats().bytes).toBe(stats.bytes);
  });

  it('keeps the alert transitions not seen before, bounded, and answers those in the range', () => {
    const { clock, store } = fixture({ maxAlertTransitions: 3 });
    const at = (seconds: number) => new Date((T0 + seconds) * 1000).toISOString();
    const transition = (seconds: number, alertname: string): AlertTransition => ({
      at: at(seconds),
      alertname,
      labels: {},
      from: 'inactive',
      to: 'pending',
      value: 1,
    });
    const a = transition(1, 'A');
    const b = transition(5, 'B');
    const c = transition(5, 'C');
    store.record(snapshot(series({}, 1)), { healthScore: null, alertTransitions: [a, b] });
    clock.advance(10_000);
    store.record(snapshot(series({}, 1)), { healthScore: null, alertTransitions: [a, b, c] });
    let r = report(store.query({ series: 'overall', from: T0, to: T0 + 20, step: 10 }));
    expect(r.alertTransitions?.map((t) => t.alertname)).toEqual(['A', 'B', 'C']);
    const d = transition(12, 'D');
    clock.advance(10_000);
    store.record(snapshot(series({}, 1)), { healthScore: null, alertTransitions: [b, c, d] });
    r = report(store.query({ series: 'overall', from: T0, to: T0 + 30, step: 10 }));
    expect(r.alertTransitions?.map((t) => t.alertname)).toEqual(['B', 'C', 'D']);
    r = report(store.query({ series: 'overall', from: T0 + 10, to: T0 + 30, step: 10 }));
    expect(r.alertTransitions?.map((t) => t.alertname)).toEqual(['D']);
    expect(store.stats().alertTransitions).toBe(3);
  });

  describe('query validation', () => {
    const { clock, store } = fixture();
    store.record(snapshot(series({}, 1)), { healthScore: null });
    const now = clock.now() / 1000;

    it.each([
      ['an unknown series', { series: 'query:nope/none' }, 'series'],
      ['from after to', { series: 'overall', from: now, to: now - 10 }, 'from'],
      ['from equal to to', { series: 'overall', from: now - 10, to: now - 10 }, 'from'],
      ['a step coarser than every tier', { series: 'overall', step: 601 }, 'step'],
      ['from beyond the retention of the step asked', { series: 'overall', from: now - 7_200, step: 10 }, 'from'],
      ['from beyond every retention', { series: 'overall', from: now - 700_000 }, 'from'],
      ['to in the future', { series: 'overall', from: now - 60, to: now + 3_600, step: 10 }, 'to'],
      ['to older than the retention', { series: 'overall', to: now - 4_000, step: 10 }, 'to'],
    ])('refuses %s, naming the parameter', (_name, query, parameter) => {
      const result = store.query(query);
      expect(result).toMatchObject({ parameter });
      expect((result as HistoryQueryError).reason.length).toBeGreaterThan(5);
    });

    it('picks the finest tier whose step is at least the one asked, or that reaches back to from', () => {
      expect(report(store.query({ series: 'overall', step: 30 })).tier.stepSeconds).toBe(60);
      expect(report(store.query({ series: 'overall', from: now - 7_200 })).tier.stepSeconds).toBe(60);
      expect(report(store.query({ series: 'overall', from: now - 100_000 })).tier.stepSeconds).toBe(600);
      const defaults = report(store.query({ series: 'overall' }));
      expect(defaults.tier.stepSeconds).toBe(10);
      expect(defaults.t.length).toBeLessThanOrEqual(361);
      expect(defaults.tiers).toHaveLength(3);
    });
  });

  it('refuses invalid options', () => {
    expect(() => new HistoryStore({ tiers: [] })).toThrow(RangeError);
    expect(() => new HistoryStore({ tiers: [{ stepSeconds: 10, retentionSeconds: 15 }] })).toThrow(/retentionSeconds/);
    expect(
      () =>
        new HistoryStore({
          tiers: [
            { stepSeconds: 10, retentionSeconds: 60 },
            { stepSeconds: 15, retentionSeconds: 60 },
          ],
        }),
    ).toThrow(/multiple/);
    expect(() => new HistoryStore({ maxSeries: 0 })).toThrow(/maxSeries/);
  });
});
