import { describe, expect, it } from 'vitest';
import { TraceAnalyzer } from '../../../processors/trace-analysis/trace-analyzer.js';
import type { AssembledTrace } from '../../../processors/trace-analysis/types.js';
import { syntheticTrace, type SpanSpec } from '../../support/synthetic-trace.js';

function analyze(specs: SpanSpec[], spanTimings = true) {
  const spans = syntheticTrace('t1', specs);
  const root = spans.find((s) => s.role === 'query')!;
  const trace: AssembledTrace = { traceId: 't1', root, spans, truncated: false };
  return new TraceAnalyzer().analyze(trace, spanTimings);
}

const timing = (a: ReturnType<typeof analyze>, id: string) => a.spans!.find((s) => s.spanId === `t1-${id}`)!;

describe('TraceAnalyzer', () => {
  it('computes self time as duration minus the union of overlapping children', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 100 },
      { id: 'a', parent: 'root', role: 'source', source: 'pg', start: 10, end: 50 },
      { id: 'b', parent: 'root', role: 'source', source: 'my', start: 30, end: 70 },
      { id: 'c', parent: 'b', role: 'other', start: 40, end: 45 },
    ]);
    expect(timing(a, 'root').selfMs).toBe(40); // covered 10..70
    expect(timing(a, 'a').selfMs).toBe(40);
    expect(timing(a, 'b').selfMs).toBe(35);
    expect(timing(a, 'c').selfMs).toBe(5);
  });

  it('leaves the span timings out when not asked for, and nothing else', () => {
    const specs: SpanSpec[] = [
      { id: 'root', role: 'query', start: 0, end: 100 },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 5, end: 90 },
      { id: 'a', parent: 'fetch', role: 'source', source: 'pg', start: 10, end: 50 },
      { id: 'b', parent: 'fetch', role: 'source', source: 'my', start: 50, end: 88 },
    ];
    const full = analyze(specs);
    const lean = analyze(specs, false);
    expect(full.spans).toHaveLength(4);
    expect(lean.spans).toBeUndefined();
    expect('spans' in lean).toBe(false);
    const { spans: _timings, ...rest } = full;
    expect(lean).toEqual(rest);
  });

  it("takes the trace's service from its query root span, unknown_service when it names none", () => {
    const specs = (rootService: string | undefined): SpanSpec[] => [
      { id: 'root', role: 'query', start: 0, end: 10, ...(rootService !== undefined ? { service: rootService } : {}) },
      { id: 'call', parent: 'root', role: 'source', source: 'pg', start: 1, end: 9, service: 'worker' },
    ];
    expect(analyze(specs('gateway')).service).toBe('gateway');
    expect(analyze(specs(undefined)).service).toBe('unknown_service');
  });

  it('follows the child that ended last through a parallel fan-out', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 120 },
      { id: 'plan', parent: 'root', role: 'stage', stage: 'plan', start: 0, end: 5 },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 5, end: 105 },
      { id: 'pg', parent: 'fetch', role: 'source', source: 'pg', start: 10, end: 100 },
      { id: 'my', parent: 'fetch', role: 'source', source: 'my', start: 10, end: 40 },
      { id: 'duck', parent: 'fetch', role: 'source', source: 'duck', start: 12, end: 30 },
      { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: 105, end: 120 },
    ]);
    expect(a.criticalPath.map((s) => s.label)).toEqual(['plan', 'fetch', 'pg', 'fetch', 'merge']);
    expect(a.criticalPath.reduce((sum, s) => sum + s.toMs - s.fromMs, 0)).toBe(120);
    expect(a.bottleneckSource).toMatchObject({ name: 'pg', ms: 90, share: 0.75 });
    expect(a.bottleneckStage).toMatchObject({ name: 'fetch', ms: 100 });
    expect(a.sources.map((s) => s.name)).toEqual(['pg']); // the others never determined the end
    expect(a.stages.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 9);
    const fetchFanOut = a.fanOuts.find((f) => f.parentLabel === 'fetch')!;
    expect(fetchFanOut).toMatchObject({ children: 3, sumChildMs: 138, wallMs: 100, efficiency: 1.38, skew: 3, maxQueueMs: 7 });
    expect(timing(a, 'duck').queueMs).toBe(7);
    expect(a.candidates.filter((c) => c.kind === 'parallelize_parts')).toEqual([]);
  });

  it('finds sequential sibling parts and the time running them together would save', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 100 },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 0, end: 95 },
      { id: 'pg', parent: 'fetch', role: 'source', source: 'pg', start: 0, end: 40 },
      { id: 'my', parent: 'fetch', role: 'source', source: 'my', start: 40, end: 70 },
      { id: 'duck', parent: 'fetch', role: 'source', source: 'duck', start: 70, end: 90 },
      { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: 95, end: 100 },
    ]);
    const c = a.candidates.find((x) => x.kind === 'parallelize_parts')!;
    expect(c.subject).toBe('fetch: duck, my, pg');
    expect(c.savingMs).toBe(50); // 90 ms wall → 40 ms (the longest) if concurrent
    expect(c.figures).toMatchObject({ waves: 3, wallMs: 90, parallelWallMs: 40 });
    // plan → fetch → merge stages are sequential by nature and carry no part: never suggested.
    expect(a.candidates.filter((x) => x.kind === 'parallelize_parts')).toHaveLength(1);
  });

  it('honours declared dependencies between parts', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 70 },
      { id: 'users', parent: 'root', role: 'stage', stage: 'fetch', part: 'users', start: 0, end: 30 },
      { id: 'orders', parent: 'root', role: 'stage', stage: 'fetch', part: 'orders', start: 30, end: 70, dependsOn: ['users'] },
    ]);
    expect(a.candidates.filter((x) => x.kind === 'parallelize_parts')).toEqual([]);
  });

  it('puts retries, timeouts and pool waits on the critical path into candidates', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 100 },
      { id: 'wait', parent: 'root', role: 'other', poolWait: true, start: 0, end: 20 },
      { id: 'try1', parent: 'root', role: 'source', source: 'pg', start: 20, end: 60, timedOut: true, error: true },
      { id: 'try2', parent: 'root', role: 'source', source: 'pg', start: 60, end: 100, retryAttempt: 1 },
    ]);
    const byKind = Object.fromEntries(a.candidates.map((c) => [c.kind, c.savingMs]));
    expect(byKind).toMatchObject({ pool_wait: 20, timeouts_dominate: 40, retries_dominate: 40 });
    // a retry depends on the attempt before it: not a parallelisation opportunity
    expect(byKind['parallelize_parts']).toBeUndefined();
  });

  it('counts failed attempts and the backoff before the last retry as retry time, not the successful retry', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 60 },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', part: 'tiers', start: 0, end: 58 },
      { id: 'try1', parent: 'fetch', role: 'source', source: 'crm', start: 1, end: 11, error: true },
      // 11..20: backoff, the fetch stage's own time
      { id: 'try2', parent: 'fetch', role: 'source', source: 'crm', start: 20, end: 30, error: true, retryAttempt: 1 },
      { id: 'try3', parent: 'fetch', role: 'source', source: 'crm', start: 45, end: 55, retryAttempt: 2 },
    ]);
    const retries = a.candidates.find((c) => c.kind === 'retries_dominate')!;
    expect(retries).toMatchObject({
      subject: 'crm',
      savingMs: 44,
      figures: { retryCriticalMs: 44, retries: 2 },
      evidence: { source: 'crm', part: 'tiers' },
    });
    // one part's calls are one member, never parallel siblings
    expect(a.candidates.filter((c) => c.kind === 'parallelize_parts')).toEqual([]);
  });

  it('treats a sibling whose start reads up to 1 ms before the previous end as sequential (Date.now() start times)', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 60 },
      { id: 'a', parent: 'root', role: 'stage', stage: 'fetch', part: 'a', start: 0, end: 20.9 },
      { id: 'b', parent: 'root', role: 'stage', stage: 'fetch', part: 'b', start: 20, end: 50 },
    ]);
    expect(a.candidates.find((x) => x.kind === 'parallelize_parts')?.figures).toMatchObject({ waves: 2, wallMs: 50, parallelWallMs: 30 });
  });

  it('keeps the hand-over gap after a declared dependency out of the parallelisation saving', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 80 },
      { id: 'users', parent: 'root', role: 'stage', stage: 'fetch', part: 'users', start: 0, end: 30 },
      { id: 'orders', parent: 'root', role: 'stage', stage: 'fetch', part: 'orders', start: 33, end: 60, dependsOn: ['users'] },
      // independent of both, yet started after them
      { id: 'geo', parent: 'root', role: 'stage', stage: 'fetch', part: 'geo', start: 60, end: 75 },
    ]);
    const c = a.candidates.find((x) => x.kind === 'parallelize_parts')!;
    // ideal: users → 3 ms hand-over → orders = 60 ms, geo beside them; wall 75 ms
    expect(c.figures).toMatchObject({ wallMs: 75, parallelWallMs: 60 });
    expect(c.savingMs).toBe(15);
  });

  it('counts rows fetched once per part: the fetch stage (cache hits too), else its source calls, never the merge', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 100, rows: 40 },
      { id: 'c1', parent: 'root', role: 'cache', stage: 'cache', part: 'cached', cacheHit: true, start: 0, end: 1 },
      { id: 'f1', parent: 'root', role: 'stage', stage: 'fetch', part: 'cached', start: 0, end: 2, rows: 25 },
      { id: 'f2', parent: 'root', role: 'stage', stage: 'fetch', part: 'live', start: 0, end: 50, rows: 10 },
      { id: 'pg', parent: 'f2', role: 'source', source: 'pg', start: 1, end: 49, rows: 10 },
      { id: 'f3', parent: 'root', role: 'stage', stage: 'fetch', part: 'bare', start: 0, end: 50 },
      { id: 'my', parent: 'f3', role: 'source', source: 'my', start: 1, end: 49, rows: 7 },
      { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: 50, end: 100 },
      { id: 'inner', parent: 'merge', role: 'source', source: 'duck', start: 51, end: 99, rows: 1000 },
    ]);
    expect(a).toMatchObject({ rowsFetched: 25 + 10 + 7, rowsReturned: 40 });
  });

  it("counts a driver's connection work as waiting for a connection", () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 50 },
      { id: 'conn', parent: 'root', role: 'connection', source: 'pg', start: 0, end: 15 },
      { id: 'q', parent: 'root', role: 'source', source: 'pg', start: 15, end: 50 },
    ]);
    expect(a.candidates.find((c) => c.kind === 'pool_wait')?.savingMs).toBe(15);
    expect(a.criticalPath.map((s) => s.label)).toEqual(['connect pg', 'pg']);
  });

  it('flags overfetching and attributes cache misses to the parts fetched after them', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 100, rows: 10 },
      { id: 'c1', parent: 'root', role: 'cache', stage: 'cache', part: 'users', cacheHit: false, start: 0, end: 2 },
      { id: 'c2', parent: 'root', role: 'cache', stage: 'cache', part: 'orders', cacheHit: true, start: 0, end: 2 },
      { id: 'f', parent: 'root', role: 'stage', stage: 'fetch', part: 'users', start: 2, end: 80 },
      { id: 'pg', parent: 'f', role: 'source', source: 'pg', start: 2, end: 80, rows: 5000 },
      { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: 80, end: 100 },
    ]);
    expect(a).toMatchObject({ rowsFetched: 5000, rowsReturned: 10, cacheLookups: 2, cacheHits: 1, cacheMissCriticalMs: 78 });
    const over = a.candidates.find((c) => c.kind === 'overfetching')!;
    expect(over.savingMs).toBeCloseTo((78 + 20) * (1 - 10 / 5000), 6);
  });

  it('attaches spans whose parent is missing to the root', () => {
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 50 },
      { id: 'pg', parent: 'gone', role: 'source', source: 'pg', start: 5, end: 45 },
    ]);
    expect(a.orphans).toBe(1);
    expect(a.bottleneckSource).toMatchObject({ name: 'pg', ms: 40 });
  });
  it('orders a wide fan-out as a narrow one: the critical path, shares and queueing of 24 parallel calls', () => {
    // More children than the few sorted by insertion: the built-in sort takes over, with the same order.
    const calls = Array.from({ length: 24 }, (_, i) => ({
      id: `c${i}`,
      parent: 'fetch',
      role: 'source' as const,
      source: `src${i}`,
      start: 1 + (i % 5),
      end: 10 + ((i * 7) % 24),
    }));
    const a = analyze([
      { id: 'root', role: 'query', start: 0, end: 40 },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 0, end: 35 },
      ...calls,
    ]);
    // src17 ends last (33, started at 3); before 3, of the calls started by then (clipped to 3),
    // the one that ends last overall comes first in end order: src10 (1 → 32).
    expect(a.criticalPath.map((s) => s.label)).toEqual(['fetch', 'src10', 'src17', 'fetch', 'orders']);
    expect(a.criticalPath.map((s) => [s.fromMs, s.toMs])).toEqual([
      [0, 1],
      [1, 3],
      [3, 33],
      [33, 35],
      [35, 40],
    ]);
    expect(a.bottleneckSource).toMatchObject({ name: 'src17', ms: 30 });
    const fanOut = a.fanOuts.find((f) => f.parentLabel === 'fetch')!;
    expect(fanOut).toMatchObject({ children: 24, wallMs: 35, maxQueueMs: 5 });
    // Durations 9 + (7i mod 24) − (i mod 5): the median of the sorted 24 is the mean of the 12th and 13th.
    const durations = calls.map((c) => c.end - c.start).sort((x, y) => x - y);
    expect(fanOut.skew).toBeCloseTo(durations[23]! / ((durations[11]! + durations[12]!) / 2), 4);
    expect(fanOut.meanQueueMs).toBeCloseTo(calls.reduce((sum, c) => sum + c.start, 0) / 24, 3);
  });
  it('tallies the critical-path time of many sources: 20 sequential calls, each its own share', () => {
    const calls = Array.from({ length: 20 }, (_, i) => ({
      id: `c${i}`,
      parent: 'root',
      role: 'source' as const,
      source: `src${i}`,
      start: i * 5,
      end: i * 5 + 1 + (i % 4),
    }));
    const a = analyze([{ id: 'root', role: 'query', start: 0, end: 100 }, ...calls]);
    expect(a.sources).toHaveLength(20);
    // Largest first; equal ones in the order the tree walk meets them (the last child first), stably.
    expect(a.sources.slice(0, 5).map((s) => [s.name, s.ms])).toEqual([
      ['src19', 4],
      ['src15', 4],
      ['src11', 4],
      ['src7', 4],
      ['src3', 4],
    ]);
    for (const share of a.sources) expect(share.ms).toBe(1 + (Number(share.name.slice(3)) % 4));
    expect(a.stages).toEqual([{ kind: 'stage', name: '(query)', ms: 100, share: 1 }]);
  });
  it('counts each of many sequential sources once as a part to run together, past the few it scans', () => {
    // 24 calls to 20 sources: the last four call sources met before, which are no new members.
    const calls = Array.from({ length: 24 }, (_, i) => ({
      id: `c${i}`,
      parent: 'root',
      role: 'source' as const,
      source: `src${i % 20}`,
      start: i * 4,
      end: i * 4 + 3,
    }));
    const a = analyze([{ id: 'root', role: 'query', start: 0, end: 100 }, ...calls]);
    const c = a.candidates.find((x) => x.kind === 'parallelize_parts')!;
    const parts = (c.evidence as { parts: Array<{ name: string }> }).parts.map((p) => p.name);
    expect(parts).toEqual(Array.from({ length: 20 }, (_, i) => `src${i}`));
    expect(c.figures).toMatchObject({ waves: 20, parallelWallMs: 3 });
  });
});
