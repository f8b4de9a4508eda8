import { describe, expect, it } from 'vitest';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { classifiedSpan } from '../../support/classified-span-fixture.js';

/** A source call on PostgreSQL taking 10 ms, unless `overrides` say otherwise. */
function span(overrides: Partial<ClassifiedSpan>): ClassifiedSpan {
  return classifiedSpan({ role: 'source', durationMs: 10, system: 'postgresql', operationName: 'SELECT', scopeName: 'test', ...overrides });
}

const fixedFingerprint = (text: string) => ({ fingerprint: text.replace(/\d+/g, '?'), normalized: text.replace(/\d+/g, '?') });

describe('AnalysisState', () => {
  it('keeps series per query, (query, stage), source and statement with exact counts', () => {
    const state = new AnalysisState({ clock: new ManualClock(1_000_000), fingerprint: fixedFingerprint });
    for (let i = 0; i < 10; i++) {
      state.record(span({ role: 'query', queryName: 'q1', durationMs: 20 + i, rowsReturned: 2 }));
      state.record(span({ role: 'stage', queryName: 'q1', stage: 'fetch', durationMs: 10 }));
      state.record(span({ role: 'cache', queryName: 'q1', stage: 'cache', durationMs: 1, cacheHit: i % 2 === 0 }));
      state.record(
        span({
          role: 'source',
          source: 'pg',
          queryText: `SELECT * FROM t WHERE id = ${i}`,
          error: i === 9,
          errorType: i === 9 ? '57014' : undefined,
        }),
      );
    }
    state.record(span({ role: 'other' }));
    const snap = state.snapshot();
    expect(snap.overall.sinceStart.count).toBe(10);
    expect(snap.queries).toHaveLength(1);
    // Hand-built spans name no service: their series are the unknown service's.
    expect(snap.queries[0]!.labels).toEqual({ service: 'unknown_service', query: 'q1' });
    expect(snap.queries[0]!.sinceStart.rowsReturned).toBe(20);
    expect(snap.queries[0]!.sinceStart.max).toBeCloseTo(29, 0);
    expect(snap.stages.map((s) => s.labels)).toEqual([
      { service: 'unknown_service', query: 'q1', stage: 'fetch' },
      { service: 'unknown_service', query: 'q1', stage: 'cache' },
    ]);
    expect(snap.sources[0]!.labels).toEqual({ service: 'unknown_service', source: 'pg' });
    expect(snap.stages[1]!.sinceStart.cacheHitRatio).toBe(0.5);
    expect(snap.sources[0]!.sinceStart).toMatchObject({ count: 10, errors: 1, errorRate: 0.1 });
    expect(snap.statements).toHaveLength(1);
    expect(snap.statements[0]).toMatchObject({
      labels: { service: 'unknown_service', source: 'pg', fingerprint: 'SELECT * FROM t WHERE id = ?' },
      statement: 'SELECT * FROM t WHERE id = ?',
    });
    expect(snap.topStatements.mostErrors[0]!.sinceStart.errors).toBe(1);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('moves figures out of the 1 m window after a minute while the 5 m window keeps them', () => {
    const clock = new ManualClock(0);
    const state = new AnalysisState({ clock, fingerprint: fixedFingerprint });
    for (let i = 0; i < 30; i++) state.record(span({ role: 'source', source: 'pg' }));
    clock.advance(61_000 + 5_000);
    state.record(span({ role: 'source', source: 'pg' }));
    const [oneMinute, fiveMinutes] = state.snapshot().sources[0]!.windows;
    expect(oneMinute!.count).toBe(1);
    expect(fiveMinutes!.count).toBe(31);
  });

  it('records at the time its caller read for the batch, when given one', () => {
    const clock = new ManualClock(66_000);
    const state = new AnalysisState({ clock, fingerprint: fixedFingerprint });
    // 30 recorded "at 0" by the caller's reading, one at the clock's now: the 1 m window holds the one only.
    for (let i = 0; i < 30; i++) state.record(span({ role: 'source', source: 'pg' }), 0);
    state.record(span({ role: 'source', source: 'pg' }));
    const [oneMinute, fiveMinutes] = state.snapshot().sources[0]!.windows;
    expect(oneMinute!.count).toBe(1);
    expect(fiveMinutes!.count).toBe(31);
  });

  it('tracks concurrency now and peak per query and overall', () => {
    const state = new AnalysisState({ fingerprint: fixedFingerprint });
    for (let i = 0; i < 100; i++) state.queryStarted(i % 2 ? 'a' : 'b', 'api');
    for (let i = 0; i < 60; i++) state.queryEnded(i % 2 ? 'a' : 'b', 'api');
    const snap = state.snapshot();
    expect(snap.overall.concurrency).toEqual({ now: 40, peak: 100 });
    expect(snap.queries.find((q) => q.labels['query'] === 'a')!.concurrency).toEqual({ now: 20, peak: 50 });
  });

  it('keeps the same query, stage, source and statement of two services apart, service first in the labels', () => {
    const state = new AnalysisState({ fingerprint: fixedFingerprint });
    for (const [service, calls] of [
      ['api', 3],
      ['billing', 5],
    ] as const) {
      for (let i = 0; i < calls; i++) {
        state.record(span({ role: 'query', service, queryName: 'orders' }));
        state.record(span({ role: 'stage', service, queryName: 'orders', stage: 'fetch' }));
        state.record(span({ role: 'source', service, source: 'pg', queryText: `SELECT ${i}` }));
      }
    }
    state.queryStarted('orders', 'billing');
    const snap = state.snapshot();
    const byService = (series: { labels: Record<string, string>; sinceStart: { count: number } }[]) =>
      series.map((s) => [Object.keys(s.labels), s.labels['service'], s.sinceStart.count]);
    expect(byService(snap.queries)).toEqual([
      [['service', 'query'], 'api', 3],
      [['service', 'query'], 'billing', 5],
    ]);
    expect(byService(snap.stages)).toEqual([
      [['service', 'query', 'stage'], 'api', 3],
      [['service', 'query', 'stage'], 'billing', 5],
    ]);
    expect(byService(snap.sources)).toEqual([
      [['service', 'source'], 'api', 3],
      [['service', 'source'], 'billing', 5],
    ]);
    expect(byService(snap.statements)).toEqual([
      [['service', 'source', 'fingerprint'], 'api', 3],
      [['service', 'source', 'fingerprint'], 'billing', 5],
    ]);
    expect(byService(snap.topStatements.mostTotalTime).map(([, service]) => service)).toEqual(['billing', 'api']);
    expect(snap.queries.map((q) => q.concurrency.now)).toEqual([0, 1]);
    // The overall series stays one series over every service; each service has its own total.
    expect(snap.overall.labels).toEqual({});
    expect(snap.overall.sinceStart.count).toBe(8);
    expect(byService(snap.services)).toEqual([
      [['service'], 'api', 3],
      [['service'], 'billing', 5],
    ]);
    expect(snap.services.map((s) => s.concurrency.now)).toEqual([0, 1]);
    expect(snap.overall.concurrency.now).toBe(1);
  });

  it("keeps each service's total of its queries: counts, errors, percentiles and concurrency of its own", () => {
    const state = new AnalysisState({ fingerprint: fixedFingerprint });
    for (let i = 1; i <= 100; i++) {
      state.record(span({ role: 'query', service: 'fast', queryName: `q${i % 3}`, durationMs: i, error: i % 10 === 0 }));
      state.record(span({ role: 'query', service: 'slow', queryName: 'report', durationMs: 1000 + i }));
    }
    state.queryStarted('q1', 'fast');
    state.queryStarted('report', 'slow');
    state.queryStarted('report', 'slow');
    state.queryEnded('report', 'slow');
    const snap = state.snapshot();
    const fast = snap.services.find((s) => s.labels['service'] === 'fast')!;
    const slow = snap.services.find((s) => s.labels['service'] === 'slow')!;
    expect([fast.sinceStart.count, fast.sinceStart.errors, slow.sinceStart.count, slow.sinceStart.errors]).toEqual([100, 10, 100, 0]);
    // Each from its own sketch (≤ 1 % relative error), not the mix of both.
    expect(fast.windows[0]!.p50!).toBeCloseTo(50, -0.3);
    expect(slow.windows[0]!.p50!).toBeGreaterThan(1040);
    expect(snap.overall.windows[0]!.p50!).toBeGreaterThan(95);
    expect([fast.concurrency, slow.concurrency, snap.overall.concurrency]).toEqual([
      { now: 1, peak: 1 },
      { now: 1, peak: 2 },
      { now: 2, peak: 3 },
    ]);
  });

  it('counts (service, name) pairs in the bounds: one name in three services takes three places', () => {
    const state = new AnalysisState({ maxQueries: 2, maxStages: 2, maxSources: 2, maxStatements: 2, fingerprint: fixedFingerprint });
    for (const service of ['a', 'b', 'c']) {
      state.record(span({ role: 'query', service, queryName: 'orders' }));
      state.record(span({ role: 'stage', service, queryName: 'orders', stage: 'fetch' }));
      state.record(span({ role: 'source', service, source: 'pg', fingerprint: 'SELECT ?' }));
    }
    const snap = state.snapshot();
    for (const series of [snap.queries, snap.stages, snap.sources]) {
      expect(series.map((s) => s.labels['service'] ?? s.labels['otel.metric.overflow'])).toEqual(['a', 'b', 'true']);
    }
    expect(snap.limits.map((l) => [l.name, l.current, l.overflowed, l.evicted])).toEqual([
      ['series.query', 2, 1, 0],
      ['series.stage', 2, 1, 0],
      ['series.source', 2, 1, 0],
      // The third statement took no more time than the two held: not admitted, nobody evicted.
      ['statements', 2, 1, 0],
      // Each service's total: bounded like the queries.
      ['series.service', 2, 1, 0],
    ]);
    expect(snap.services.map((s) => s.labels['service'] ?? s.labels['otel.metric.overflow'])).toEqual(['a', 'b', 'true']);
  });

  it('sends series past the bound to an overflow series and counts them', () => {
    const state = new AnalysisState({ maxSources: 3, fingerprint: fixedFingerprint });
    for (let i = 0; i < 10; i++) state.record(span({ role: 'source', source: `s${i}` }));
    const snap = state.snapshot();
    expect(snap.sources).toHaveLength(4);
    expect(snap.sources[3]!.labels).toEqual({ 'otel.metric.overflow': 'true' });
    expect(snap.sources[3]!.sinceStart.count).toBe(7);
    expect(snap.limits.find((l) => l.name === 'series.source')).toEqual({
      name: 'series.source',
      limit: 3,
      current: 3,
      overflowed: 7,
      evicted: 0,
      expired: 0,
    });
  });

  it('expires idle series after the idle expiry', () => {
    const clock = new ManualClock(0);
    const state = new AnalysisState({ clock, idleExpirySeconds: 1000, fingerprint: fixedFingerprint });
    state.record(span({ role: 'source', source: 'old' }));
    clock.advance(900_000);
    state.record(span({ role: 'source', source: 'new' }));
    clock.advance(200_000);
    const snap = state.snapshot();
    expect(snap.sources.map((s) => s.labels['source'])).toEqual(['new']);
    expect(snap.limits.find((l) => l.name === 'series.source')?.expired).toBe(1);
  });

  it('keeps statements bounded under 100,000 distinct one-off statements, admitting few of them and keeping the hot one', () => {
    const state = new AnalysisState({ maxStatements: 1000 });
    for (let i = 0; i < 50; i++) state.record(span({ role: 'source', source: 'pg', fingerprint: 'hot', queryText: 'SELECT hot' }));
    for (let i = 0; i < 100_000; i++) state.record(span({ role: 'source', source: 'pg', fingerprint: `f${i}` }));
    const snap = state.snapshot();
    expect(snap.statements).toHaveLength(1000);
    const bound = snap.limits.find((l) => l.name === 'statements')!;
    // Every one-off past the first 999 was either refused (overflowed) or admitted over a resident (evicted).
    expect(bound.overflowed + bound.evicted).toBe(100_000 - 999);
    // One-offs took no more time than those held: only sketch collisions let a few in.
    expect(bound.evicted).toBeLessThan(5_000);
    expect(snap.statements.some((s) => s.labels['fingerprint'] === 'hot')).toBe(true);
    expect(snap.sources[0]!.sinceStart.count).toBe(100_050);
  });

  it('rejects bounds that cannot work', () => {
    expect(() => new AnalysisState({ maxStatements: 0 })).toThrow(/maxStatements/);
    expect(() => new AnalysisState({ windowsSeconds: [60, 900], idleExpirySeconds: 600 })).toThrow(/idleExpirySeconds/);
  });
});
