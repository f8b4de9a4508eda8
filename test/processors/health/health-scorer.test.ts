import { describe, expect, it } from 'vitest';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import { HealthMetricProducer } from '../../../src/output/metrics/health-metric-producer.js';
import { HealthScorer } from '../../../processors/health/health-scorer.js';
import type { HealthInputs } from '../../../processors/health/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { syntheticTrace } from '../../support/synthetic-trace.js';

const healthy: HealthInputs = {
  p95Ms: 20,
  errorRate: 0,
  cacheHitRatio: 0.9,
  cpuUtilization: 0.3,
  memoryUtilization: 0.5,
  eventLoopDelayP99Ms: 10,
  breakers: [],
};
// The seed judged the mean against 50 ms; here the p95 against an objective set to 50 ms.
const seedRules = new HealthScorer({ objectives: { latencyP95Ms: 50 } });
const deduction = (inputs: Partial<HealthInputs>, component: string) =>
  seedRules.score('query', 'q', { ...healthy, ...inputs }).components.find((c) => c.name === component)!.deduction;

describe('HealthScorer — the seed’s calculate_health_score rules', () => {
  it('scores 100 with no reasons when every input meets its objective', () => {
    expect(seedRules.score('query', 'q', healthy)).toMatchObject({ score: 100, reasons: [] });
  });

  it('slow queries cost 20 points (seed: average > 50 ms → −20)', () => {
    expect(deduction({ p95Ms: 45 }, 'latency')).toBe(0);
    expect(deduction({ p95Ms: 100 }, 'latency')).toBe(20);
    expect(deduction({ p95Ms: 75 }, 'latency')).toBe(10); // gradual between the objective and twice it
  });

  it('errors cost 30 points (seed: error rate > 5 % → −30)', () => {
    expect(deduction({ errorRate: 0.005 }, 'errors')).toBe(0);
    expect(deduction({ errorRate: 0.06 }, 'errors')).toBe(30);
  });

  it('CPU costs 15 points (seed: > 80 % → −15) and memory 25 (seed: > 90 % → −25)', () => {
    expect(deduction({ cpuUtilization: 0.5 }, 'cpu')).toBe(0);
    expect(deduction({ cpuUtilization: 0.85 }, 'cpu')).toBe(15);
    expect(deduction({ memoryUtilization: 0.7 }, 'memory')).toBe(0);
    expect(deduction({ memoryUtilization: 0.95 }, 'memory')).toBe(25);
  });

  it('a poor cache costs 10 points (seed: hit rate < 70 % → −10)', () => {
    expect(deduction({ cacheHitRatio: 0.8 }, 'cache')).toBe(0);
    expect(deduction({ cacheHitRatio: 0.3 }, 'cache')).toBe(10);
  });

  it('never goes below 0 (seed: score.max(0))', () => {
    const s = seedRules.score('query', 'q', {
      p95Ms: 500,
      errorRate: 0.5,
      cacheHitRatio: 0.1,
      cpuUtilization: 0.99,
      memoryUtilization: 0.99,
      eventLoopDelayP99Ms: 500,
      breakers: [{ name: 'pg', state: 'open' }],
    });
    expect(s.score).toBe(0);
    expect(s.reasons).toHaveLength(7);
  });
});

describe('HealthScorer', () => {
  it('explains every point taken off, and the reasons change as inputs cross their objectives', () => {
    const scorer = new HealthScorer();
    const ok = scorer.score('query', 'orders', { ...healthy, p95Ms: 90 });
    expect(ok.reasons).toEqual([]);
    const slow = scorer.score('query', 'orders', { ...healthy, p95Ms: 150 });
    expect(slow.score).toBe(90);
    expect(slow.reasons).toEqual(['p95 latency 150 ms is 1.5× the 100 ms objective (full deduction at 200 ms): −10 of 20']);
    const loaded = scorer.score('query', 'orders', { ...healthy, p95Ms: 150, eventLoopDelayP99Ms: 125 });
    expect(loaded.score).toBe(82.5);
    expect(loaded.reasons[1]).toBe('event-loop delay p99 125 ms is above 50 ms (full deduction at 200 ms): −7.5 of 15');
    expect(scorer.score('query', 'orders', { ...healthy, p95Ms: null }).components.find((c) => c.name === 'latency')).toMatchObject({
      status: 'no_data',
      deduction: 0,
    });
  });

  it('charges open and half-open breakers to their source, the queries using it, and overall', () => {
    const scorer = new HealthScorer();
    const source = scorer.score('source', 'pg', { ...healthy, breakers: [{ name: 'pg', state: 'open' }] });
    expect(source).toMatchObject({ score: 70, reasons: ['1 of 1 circuit breakers not closed (open: pg): −30 of 30'] });
    // saturation is a property of the process: not charged to a source
    expect(source.components.map((c) => c.name)).toEqual(['latency', 'errors', 'breakers', 'availability']);
    const overall = scorer.score('overall', 'overall', {
      ...healthy,
      breakers: [
        { name: 'pg', state: 'half_open' },
        { name: 'my', state: 'closed' },
      ],
    });
    expect(overall.score).toBe(92.5);
  });

  it('scores queries, sources and overall from the analysis state, saturation and breakers', async () => {
    const clock = new ManualClock(1_000_000);
    const analysis = new AnalysisState({ clock });
    for (let i = 0; i < 50; i++) {
      const spans = syntheticTrace(`t${i}`, [
        { id: 'root', role: 'query', start: 0, end: i < 45 ? 40 : 400, error: i % 10 === 0 },
        { id: 's', parent: 'root', role: 'source', source: 'pg', start: 0, end: 30 },
      ]);
      for (const span of spans) analysis.record(span);
    }
    const scorer = new HealthScorer({
      analysis,
      saturation: () => ({ cpuUtilization: 0.75, memoryUtilization: 0.5, eventLoopDelayP99Ms: 12 }),
      breakers: () => ({ pg: 'open' }),
      sourcesOfQuery: () => ['pg'],
      latencyObjectivesMs: { sources: { pg: 20 } },
    });
    const snapshot = scorer.snapshot();
    const orders = snapshot.queries.find((q) => q.name === 'orders')!;
    expect(orders.reasons.join('\n')).toMatch(/p95 latency \d+(\.\d)? ms is 4× the 100 ms objective/);
    expect(orders.reasons.join('\n')).toContain('error rate 10%');
    expect(orders.reasons.join('\n')).toContain('host CPU at 75%');
    expect(orders.reasons.join('\n')).toContain('open: pg');
    const pg = snapshot.sources.find((s) => s.name === 'pg')!;
    expect(pg.components.find((c) => c.name === 'latency')).toMatchObject({ objective: 20, deduction: 10 });
    expect(snapshot.overall.score).toBeLessThan(100);

    const result = await new HealthMetricProducer(scorer).collect();
    const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
    const score = metrics.find((m) => m.descriptor.name === 'federation.health.score')!;
    expect(score.dataPoints.map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        { scope: 'overall', name: 'overall' },
        { 'service.name': 'unknown_service', scope: 'query', name: 'orders' },
        { 'service.name': 'unknown_service', scope: 'source', name: 'pg' },
      ]),
    );
    expect(metrics.find((m) => m.descriptor.name === 'federation.health.deduction')!.dataPoints).toContainEqual(
      expect.objectContaining({
        attributes: { 'service.name': 'unknown_service', scope: 'source', name: 'pg', component: 'breakers' },
        value: 30,
      }),
    );
  });

  it('scores a query or source name per service, asks for the sources of a query with its service, and labels each score', async () => {
    const analysis = new AnalysisState({ clock: new ManualClock(1_000_000) });
    for (let i = 0; i < 20; i++) {
      // In 'api' orders calls pg itself; in 'billing' orders is slow and fails, its pg calls made by 'ledger'.
      const api = syntheticTrace(`a${i}`, [
        { id: 'root', role: 'query', start: 0, end: 20, service: 'api' },
        { id: 's', parent: 'root', role: 'source', source: 'pg', start: 0, end: 10, service: 'api' },
      ]);
      const billing = syntheticTrace(`b${i}`, [
        { id: 'root', role: 'query', start: 0, end: 400, error: true, service: 'billing' },
        { id: 's', parent: 'root', role: 'source', source: 'pg', start: 0, end: 300, service: 'ledger' },
      ]);
      for (const span of [...api, ...billing]) analysis.record(span);
    }
    const asked: string[] = [];
    const scorer = new HealthScorer({
      analysis,
      breakers: () => ({ crm: 'open' }),
      sourcesOfQuery: (query, service) => {
        asked.push(`${service}/${query}`);
        return service === 'billing' ? ['pg', 'crm'] : ['pg'];
      },
    });
    const snapshot = scorer.snapshot();
    expect(asked).toEqual(['api/orders', 'billing/orders']);
    expect(snapshot.overall.labels).toEqual({});
    expect(snapshot.queries.map((q) => [Object.keys(q.labels), q.labels, q.score])).toEqual([
      [['service', 'query'], { service: 'api', query: 'orders' }, 100],
      [['service', 'query'], { service: 'billing', query: 'orders' }, 0],
    ]);
    // billing's orders is charged for crm's open breaker, api's is not.
    expect(snapshot.queries.map((q) => q.components.find((c) => c.name === 'breakers')!.deduction)).toEqual([0, 30]);
    expect(snapshot.sources.map((s) => [Object.keys(s.labels), s.labels, s.score < 100])).toEqual([
      [['service', 'source'], { service: 'api', source: 'pg' }, false],
      [['service', 'source'], { service: 'ledger', source: 'pg' }, true],
      // Known only through its breaker: no service.
      [['source'], { source: 'crm' }, true],
    ]);

    const result = await new HealthMetricProducer(scorer).collect();
    const score = result.resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'federation.health.score')!;
    expect(score.dataPoints.map((p) => p.attributes)).toEqual([
      { scope: 'overall', name: 'overall' },
      { 'service.name': 'api', scope: 'query', name: 'orders' },
      { 'service.name': 'billing', scope: 'query', name: 'orders' },
      { 'service.name': 'api', scope: 'source', name: 'pg' },
      { 'service.name': 'ledger', scope: 'source', name: 'pg' },
      { scope: 'source', name: 'crm' },
    ]);
  });
});

describe('HealthScorer — health that falls when things break', () => {
  const scorer = new HealthScorer();
  const component = (score: { components: Array<{ name: string }> }, name: string) => score.components.find((c) => c.name === name)!;

  it('caps every scope at its success ratio: a scope whose calls all fail scores 0, not 70', () => {
    const down = scorer.score('query', 'q', { ...healthy, errorRate: 1 });
    expect(down.score).toBe(0);
    expect(component(down, 'errors')).toMatchObject({ deduction: 30, status: 'bad' });
    expect(component(down, 'availability')).toMatchObject({ value: 0, deduction: 70, status: 'bad' });
    expect(down.reasons).toContain('only 0% of calls succeeded, so the score is capped at 0: −70 of 100');
    expect(scorer.score('source', 's', { ...healthy, errorRate: 0.6 }).score).toBe(40);
    // Below 30 % errors the errors component alone decides: the cap does not bind.
    const some = scorer.score('query', 'q', { ...healthy, errorRate: 0.2 });
    expect(some.score).toBe(70);
    expect(component(some, 'availability')).toMatchObject({ value: 0.8, deduction: 0, status: 'ok' });
    expect(component(scorer.score('query', 'q', { ...healthy, errorRate: null }), 'availability')).toMatchObject({
      status: 'no_data',
      deduction: 0,
    });
  });

  it('keeps score = 100 − Σ deductions with the caps in it', () => {
    for (const errorRate of [0, 0.03, 0.35, 0.7, 1]) {
      const s = scorer.score('overall', 'overall', {
        ...healthy,
        p95Ms: 150,
        errorRate,
        breakers: [{ name: 'pg', state: 'open' }],
        queries: [{ name: 'a', score: 20, count: 10 }],
      });
      const total = s.components.reduce((sum, c) => sum + c.deduction, 0);
      expect(s.score).toBeCloseTo(Math.max(0, 100 - total), 5);
    }
  });

  /** Analysis state holding `calls` runs per query name, `failing` of which failed. */
  function analysisWith(queries: Record<string, { calls: number; failing: number }>) {
    const analysis = new AnalysisState({ clock: new ManualClock(1_000_000) });
    for (const [name, { calls, failing }] of Object.entries(queries)) {
      for (let i = 0; i < calls; i++) {
        const spans = syntheticTrace(
          `${name}-${i}`,
          [{ id: 'root', role: 'query', start: 0, end: 20, error: i < failing }],
          undefined,
          name,
        );
        for (const span of spans) analysis.record(span);
      }
    }
    return analysis;
  }

  it('overall = min(direct, traffic-weighted mean of the queries, worst busy query + 60)', () => {
    const healthyRun = new HealthScorer({
      analysis: analysisWith({
        orders: { calls: 30, failing: 0 },
        customers: { calls: 30, failing: 0 },
        catalog: { calls: 30, failing: 0 },
      }),
    }).snapshot();
    expect(healthyRun.overall.score).toBe(100);

    const outage = new HealthScorer({
      analysis: analysisWith({
        orders: { calls: 30, failing: 30 },
        customers: { calls: 30, failing: 30 },
        catalog: { calls: 30, failing: 30 },
      }),
    }).snapshot();
    expect(outage.overall.score).toBeLessThan(30);
    expect(outage.queries.map((q) => q.score)).toEqual([0, 0, 0]);

    // One of three equally busy queries down: the worst query + 60 binds (the mean would be 66.7).
    const partial = new HealthScorer({
      analysis: analysisWith({
        orders: { calls: 30, failing: 30 },
        customers: { calls: 30, failing: 0 },
        catalog: { calls: 30, failing: 0 },
      }),
    }).snapshot();
    expect(partial.queries.find((q) => q.name === 'orders')!.score).toBe(0);
    expect(partial.overall.score).toBe(60);
    expect(partial.overall.reasons.at(-1)).toBe(
      "query 'orders' scores 0, and overall stays within 60 points of the worst busy query: −6.7 of 100",
    );
    expect(partial.overall.reasons).toContain('only 66.7% of calls succeeded, so the score is capped at 66.7: −3.3 of 100');
  });

  it('weights the queries by their calls, and a query with fewer calls than worstQueryMinCount does not set the worst-of', () => {
    // 'report' fails slowly (its own score 0) but carries 1 call in 101: the direct figures barely
    // see it, the traffic-weighted mean barely moves, and with 1 call it is not "busy".
    const rare = new HealthScorer({
      analysis: analysisWith({ orders: { calls: 100, failing: 0 }, report: { calls: 1, failing: 1 } }),
    }).snapshot();
    expect(rare.queries.find((q) => q.name === 'report')!.score).toBe(0);
    expect(rare.overall.score).toBeGreaterThan(95);
    const busy = new HealthScorer({
      analysis: analysisWith({ orders: { calls: 100, failing: 0 }, report: { calls: 5, failing: 5 } }),
    }).snapshot();
    expect(busy.overall.score).toBe(60);
    // Both knobs are options.
    const strict = new HealthScorer({
      objectives: { overall: { worstQueryMargin: 20, worstQueryMinCount: 1 } },
      analysis: analysisWith({ orders: { calls: 100, failing: 0 }, report: { calls: 1, failing: 1 } }),
    }).snapshot();
    expect(strict.overall.score).toBe(20);
    expect(() => new HealthScorer({ objectives: { overall: { worstQueryMinCount: 0 } } })).toThrow(RangeError);
  });

  it('the traffic-weighted mean binds when many queries are somewhat unhealthy', () => {
    // Every query at 15 % errors scores 70 by its errors component; the mean (70) is below the worst + 60.
    const s = new HealthScorer().score('overall', 'overall', {
      ...healthy,
      errorRate: 0,
      queries: [
        { name: 'a', score: 70, count: 10 },
        { name: 'b', score: 70, count: 30 },
      ],
    });
    expect(s.score).toBe(70);
    expect(s.reasons).toEqual(["the queries' scores weighted by their calls average 70: −30 of 100"]);
  });
});
