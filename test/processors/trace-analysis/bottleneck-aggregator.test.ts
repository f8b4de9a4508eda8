import { describe, expect, it } from 'vitest';
import { BottleneckAggregator } from '../../../processors/trace-analysis/bottleneck-aggregator.js';
import { BottleneckMetricProducer } from '../../../src/output/metrics/bottleneck-metric-producer.js';
import { TraceAssembler } from '../../../processors/trace-analysis/trace-assembler.js';
import type { StatementSeriesSnapshot } from '../../../processors/analysis/snapshot-types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { seededRandom } from '../../support/seeded-random.js';
import { endOrder, syntheticTrace, type SpanSpec } from '../../support/synthetic-trace.js';

const SOURCES = ['orders-pg', 'crm-mysql', 'events-duck', 'geo-http'];

/** A federated query fanning out to four sources; `slow` is slower by `extraMs`. `sequential` runs them one after another. */
function fanOut(
  rand: () => number,
  opts: { slow?: string; extraMs?: number; sequential?: boolean },
): { specs: SpanSpec[]; truth: Map<string, number>; duration: number } {
  const specs: SpanSpec[] = [];
  const plan = 1 + rand() * 2;
  let cursor = plan;
  let fetchEnd = plan;
  const durations = SOURCES.map((s) => 10 + rand() * 10 + (s === opts.slow ? (opts.extraMs ?? 0) : 0));
  const truth = new Map<string, number>();
  SOURCES.forEach((source, i) => {
    const start = opts.sequential ? cursor : plan + rand();
    const end = start + durations[i]!;
    specs.push({ id: source, parent: 'fetch', role: 'source', source, start, end });
    cursor = end;
    fetchEnd = Math.max(fetchEnd, end);
  });
  const merge = 2 + rand() * 3;
  const duration = fetchEnd + merge;
  specs.unshift(
    { id: 'root', role: 'query', start: 0, end: duration },
    { id: 'plan', parent: 'root', role: 'stage', stage: 'plan', start: 0, end: plan },
    { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: plan, end: fetchEnd },
    { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: fetchEnd, end: duration },
  );
  if (opts.slow !== undefined) {
    const slow = specs.find((s) => s.id === opts.slow)!;
    // Known truth: the slow source determines the fetch stage's end, so it is on the path from its start.
    truth.set(opts.slow, (slow.end - slow.start) / duration);
  }
  return { specs, truth, duration };
}

function setup(statements: StatementSeriesSnapshot[] = []) {
  const clock = new ManualClock(1_000_000);
  const aggregator = new BottleneckAggregator({ clock, statements: () => statements });
  const assembler = new TraceAssembler([aggregator], { graceMs: 0 }, clock);
  const feed = (specs: SpanSpec[], id: string) => {
    for (const span of endOrder(syntheticTrace(id, specs))) assembler.record(span);
    clock.advance(10);
    assembler.flush();
  };
  return { clock, aggregator, assembler, feed };
}

describe('BottleneckAggregator', () => {
  it('names an injected slow source the bottleneck, with its share within 5 percentage points', () => {
    const rand = seededRandom(7);
    const statement: StatementSeriesSnapshot = {
      labels: { source: 'events-duck', fingerprint: 'fp1' },
      statement: 'SELECT * FROM events WHERE day = ?',
      windows: [
        {
          windowSeconds: 60,
          count: 40,
          errors: 0,
          errorRate: 0,
          throughputPerSecond: 1,
          mean: 60,
          max: 90,
          p50: 55,
          p90: 70,
          p95: 80,
          p99: 88,
          p999: 90,
          rowsReturned: 0,
          cacheHitRatio: null,
        },
      ],
      sinceStart: {
        windowSeconds: 60,
        count: 40,
        errors: 0,
        errorRate: 0,
        throughputPerSecond: 1,
        mean: 60,
        max: 90,
        p50: 55,
        p90: 70,
        p95: 80,
        p99: 88,
        p999: 90,
        rowsReturned: 0,
        cacheHitRatio: null,
      },
      lastUpdate: new Date().toISOString(),
    };
    const { aggregator, feed } = setup([statement]);
    let truthSum = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const { specs, truth } = fanOut(rand, { slow: 'events-duck', extraMs: 40 });
      truthSum += truth.get('events-duck')!;
      feed(specs, `q${i}`);
    }
    const snapshot = aggregator.snapshot();
    const query = snapshot.queries.find((q) => q.queryName === 'orders')!;
    // hand-built spans name no service
    expect(query.service).toBe('unknown_service');
    const window = query.windows[0]!;
    expect(window.traces).toBe(n);
    const top = window.sources[0]!;
    expect(top.name).toBe('events-duck');
    expect(top.bottleneckRatio).toBe(1);
    expect(Math.abs(top.meanShare - truthSum / n)).toBeLessThan(0.05);
    expect(window.stages[0]!.name).toBe('fetch');
    // parallel fan-out: no parallelise suggestion; the slow source dominates and its statement is cited
    expect(query.suggestions.map((s) => s.kind)).not.toContain('parallelize_parts');
    const dominates = query.suggestions.find((s) => s.kind === 'source_dominates')!;
    expect(dominates.subject).toBe('events-duck');
    expect(dominates.service).toBe('unknown_service');
    expect(dominates.evidence['slowestStatements']).toEqual([{ fingerprint: 'fp1', statement: statement.statement, p95Ms: 80, count: 40 }]);
    expect(dominates.message).toContain('events-duck');
    expect(dominates.estimatedSavingMs).toBeCloseTo(0.5 * top.meanCriticalMs, 2);
    // averaged over the root (plan → fetch → merge, ≈1) and the fetch fan-out (4 sources side by side)
    expect(window.fanOut.meanEfficiency).toBeGreaterThan(1.2);
  });

  it('suggests parallelising a sequential fan-out, ranked by the time it saves, and not a parallel one', () => {
    const rand = seededRandom(11);
    const { aggregator, feed } = setup();
    let expected = 0;
    for (let i = 0; i < 20; i++) {
      const { specs } = fanOut(rand, { sequential: true });
      const durations = specs.filter((s) => s.role === 'source').map((s) => s.end - s.start);
      expected += durations.reduce((a, b) => a + b, 0) - Math.max(...durations);
      feed(specs, `s${i}`);
    }
    const suggestions = aggregator.snapshot().suggestions;
    const parallelise = suggestions.find((s) => s.kind === 'parallelize_parts')!;
    expect(parallelise).toBeDefined();
    expect(parallelise.queryName).toBe('orders');
    expect(parallelise.subject).toBe('fetch: crm-mysql, events-duck, geo-http, orders-pg');
    expect(parallelise.estimatedSavingMs).toBeCloseTo(expected / 20, 1);
    expect(parallelise.evidence).toMatchObject({ waves: 4, occurrence: 1, traces: 20 });
    expect(suggestions[0]).toBe(parallelise); // the largest saving ranks first
    for (let i = 1; i < suggestions.length; i++)
      expect(suggestions[i - 1]!.estimatedSavingMs).toBeGreaterThanOrEqual(suggestions[i]!.estimatedSavingMs);

    const { aggregator: parallel, feed: feedParallel } = setup();
    for (let i = 0; i < 20; i++) feedParallel(fanOut(rand, {}).specs, `p${i}`);
    expect(parallel.snapshot().suggestions.map((s) => s.kind)).not.toContain('parallelize_parts');
  });

  it('suggests pushing work down when merge dominates, and flags a low cache hit ratio', () => {
    const { aggregator, feed } = setup();
    for (let i = 0; i < 10; i++) {
      feed(
        [
          { id: 'root', role: 'query', start: 0, end: 100, rows: 5 },
          { id: 'cache', parent: 'root', role: 'cache', stage: 'cache', part: 'users', cacheHit: i === 0, start: 0, end: 1 },
          { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', part: 'users', start: 1, end: 40 },
          { id: 'pg', parent: 'fetch', role: 'source', source: 'pg', start: 1, end: 40, rows: 100 },
          { id: 'merge', parent: 'root', role: 'stage', stage: 'merge', start: 40, end: 100 },
        ],
        `m${i}`,
      );
    }
    const kinds = Object.fromEntries(aggregator.snapshot().suggestions.map((s) => [s.kind, s]));
    expect(kinds['merge_dominates']).toMatchObject({
      estimatedSavingMs: 30,
      evidence: { meanShare: 0.6, meanCriticalMs: 60, bound: 'sql', meanRowsIntoMerge: 100, meanRowsReturned: 5 },
    });
    const cache = kinds['low_cache_hit_ratio']!;
    expect(cache.evidence).toMatchObject({ lookups: 10, hits: 1, hitRatio: 0.1 });
    // misses cost 39 ms of path in 9 of 10 traces; reaching 80% turns (0.8-0.1)/(0.9) of misses into hits
    expect(cache.estimatedSavingMs).toBeCloseTo(((39 * 9) / 10) * (0.7 / 0.9), 2);
  });

  it('exports shares, frequencies, savings and assembly drops as metrics', async () => {
    const rand = seededRandom(3);
    const { aggregator, assembler, feed } = setup();
    for (let i = 0; i < 6; i++) {
      const { specs } = fanOut(rand, { slow: 'orders-pg', extraMs: 50, sequential: i % 2 === 0 });
      feed(
        specs.map((spec) => ({ ...spec, service: 'shop' })),
        `x${i}`,
      );
    }
    const result = await new BottleneckMetricProducer(aggregator, assembler).collect();
    const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
    const share = metrics.find((m) => m.descriptor.name === 'federation.bottleneck.share')!;
    const pg = share.dataPoints.find((p) => p.attributes['name'] === 'orders-pg' && p.attributes['window'] === '1m')!;
    expect(pg.attributes).toEqual({
      'service.name': 'shop',
      'federation.query.name': 'orders',
      kind: 'source',
      name: 'orders-pg',
      window: '1m',
    });
    expect(pg.value).toBeGreaterThan(0.3);
    // every per-query point names the query's service; the assembler's self-metrics do not
    for (const name of ['federation.critical_path.duration', 'federation.fanout.efficiency', 'federation.suggestion.saving']) {
      const points = metrics.find((m) => m.descriptor.name === name)!.dataPoints;
      expect(points.length).toBeGreaterThan(0);
      for (const point of points) expect(point.attributes).toMatchObject({ 'service.name': 'shop', 'federation.query.name': 'orders' });
    }
    for (const point of metrics.find((m) => m.descriptor.name === 'fedscope.trace_assembly.dropped_spans')!.dataPoints)
      expect(Object.keys(point.attributes)).toEqual(['reason']);
    expect(metrics.map((m) => m.descriptor.name)).toEqual(
      expect.arrayContaining([
        'federation.bottleneck.frequency',
        'federation.suggestion.saving',
        'fedscope.trace_assembly.dropped_spans',
        'fedscope.trace_assembly.assembled',
      ]),
    );
  });

  it('bounds query names with an overflow entry', () => {
    const clock = new ManualClock(0);
    const aggregator = new BottleneckAggregator({ clock, maxQueries: 2 });
    const assembler = new TraceAssembler([aggregator], { graceMs: 0 }, clock);
    for (let i = 0; i < 5; i++) {
      for (const span of endOrder(syntheticTrace(`t${i}`, [{ id: 'root', role: 'query', start: 0, end: 5 }], 0, `q${i}`)))
        assembler.record(span);
    }
    clock.advance(1);
    assembler.flush();
    const snapshot = aggregator.snapshot();
    expect(snapshot.queries.map((q) => q.queryName)).toEqual(['q0', 'q1', '(overflow)']);
    expect(snapshot.queries.map((q) => q.service)).toEqual(['unknown_service', 'unknown_service', '']);
    expect(snapshot.overflow.queries).toBe(3);
  });

  it('keys queries by service: one query name in two services is two entries, counted in the bound', async () => {
    const clock = new ManualClock(0);
    const aggregator = new BottleneckAggregator({ clock, maxQueries: 2 });
    const assembler = new TraceAssembler([aggregator], { graceMs: 0 }, clock);
    const trace = (traceId: string, service: string, source: string, durationMs: number) =>
      syntheticTrace(traceId, [
        { id: 'root', role: 'query', start: 0, end: durationMs, service },
        { id: 'call', parent: 'root', role: 'source', source, start: 1, end: durationMs - 1, service },
      ]);
    for (const span of endOrder(trace('a', 'billing', 'billing-pg', 10))) assembler.record(span);
    for (const span of endOrder(trace('b', 'shipping', 'shipping-pg', 30))) assembler.record(span);
    // a third (service, query) pair is beyond maxQueries although its query name is known
    for (const span of endOrder(trace('c', 'returns', 'returns-pg', 50))) assembler.record(span);
    clock.advance(1);
    assembler.flush();
    const snapshot = aggregator.snapshot();
    expect(snapshot.queries.map((q) => [q.service, q.queryName, q.windows[0]!.meanDurationMs, q.sources])).toEqual([
      ['billing', 'orders', 10, ['billing-pg']],
      ['shipping', 'orders', 30, ['shipping-pg']],
      ['', '(overflow)', 50, ['returns-pg']],
    ]);
    expect(snapshot.overflow.queries).toBe(1);
    expect(aggregator.sourcesOf('orders', 'billing')).toEqual(['billing-pg']);
    expect(aggregator.sourcesOf('orders', 'shipping')).toEqual(['shipping-pg']);
    expect(aggregator.sourcesOf('orders', 'returns')).toEqual([]);
    expect(aggregator.lastAnalysis('orders', 'billing')).toMatchObject({ traceId: 'a', service: 'billing' });
    expect(aggregator.lastAnalysis('orders', 'shipping')).toMatchObject({ traceId: 'b', service: 'shipping' });

    const metrics = (await new BottleneckMetricProducer(aggregator, assembler).collect()).resourceMetrics.scopeMetrics[0]!.metrics;
    const durations = metrics.find((m) => m.descriptor.name === 'federation.critical_path.duration')!.dataPoints;
    expect(durations.filter((p) => p.attributes['window'] === '1m').map((p) => [p.attributes, p.value])).toEqual([
      [{ 'service.name': 'billing', 'federation.query.name': 'orders', window: '1m' }, 0.01],
      [{ 'service.name': 'shipping', 'federation.query.name': 'orders', window: '1m' }, 0.03],
      [{ 'federation.query.name': '', 'otel.metric.overflow': true, window: '1m' }, 0.05],
    ]);
  });

  it('analyses a trace whose source calls are in another service as one trace of its root service', () => {
    const { aggregator, feed } = setup();
    const specs: SpanSpec[] = [
      // service A: the federated query (a SERVER span) and its fetch stage, which calls service B over HTTP
      { id: 'root', role: 'query', start: 0, end: 100, service: 'gateway' },
      { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 2, end: 90, service: 'gateway' },
      // service B: its SERVER span (context propagated from A) and the CLIENT calls it makes to its database
      { id: 'server', parent: 'fetch', role: 'other', start: 5, end: 88, service: 'inventory' },
      { id: 'db1', parent: 'server', role: 'source', source: 'inventory-pg', start: 6, end: 40, service: 'inventory' },
      { id: 'db2', parent: 'server', role: 'source', source: 'inventory-pg', start: 41, end: 85, service: 'inventory' },
    ];
    feed(specs, 'cross');
    const analysis = aggregator.lastAnalysis('orders', 'gateway')!;
    expect(analysis.service).toBe('gateway');
    expect(analysis.spans).toHaveLength(5);
    // one critical path, from A's root through B's calls: 0-2 root, 2-5 fetch, 5-6 server, 6-40 db1, 40-41 server, 41-85 db2, 85-88 server, 88-90 fetch, 90-100 root
    expect(analysis.criticalPath.map((s) => [s.spanId.replace('cross-', ''), s.fromMs, s.toMs])).toEqual([
      ['root', 0, 2],
      ['fetch', 2, 5],
      ['server', 5, 6],
      ['db1', 6, 40],
      ['server', 40, 41],
      ['db2', 41, 85],
      ['server', 85, 88],
      ['fetch', 88, 90],
      ['root', 90, 100],
    ]);
    expect(analysis.sources).toEqual([{ kind: 'source', name: 'inventory-pg', ms: 78, share: 0.78 }]);
    expect(aggregator.lastAnalysis('orders', 'inventory')).toBeUndefined();
    const snapshot = aggregator.snapshot();
    expect(snapshot.queries.map((q) => [q.service, q.queryName, q.windows[0]!.traces, q.sources])).toEqual([
      ['gateway', 'orders', 1, ['inventory-pg']],
    ]);
    expect(aggregator.sourcesOf('orders', 'gateway')).toEqual(['inventory-pg']);
  });
});
