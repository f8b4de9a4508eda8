import { describe, expect, it } from 'vitest';
import { AnalysisState } from '../../../../processors/analysis/analysis-state.js';
import { AnalysisMetricProducer } from '../../../../src/output/metrics/analysis-metric-producer.js';
import { ManualClock } from '../../../../src/stats/manual-clock.js';
import { syntheticTrace } from '../../../support/synthetic-trace.js';

/** Two services running the same query name against the same source name: `api` 3 times, `billing` 5 times. */
function twoServices(): AnalysisState {
  const analysis = new AnalysisState({ clock: new ManualClock(1_000_000), maxQueries: 2 });
  for (const [service, runs] of [
    ['api', 3],
    ['billing', 5],
  ] as const) {
    for (let i = 0; i < runs; i++) {
      const spans = syntheticTrace(`${service}${i}`, [
        { id: 'root', role: 'query', start: 0, end: 40, service },
        { id: 'fetch', parent: 'root', role: 'stage', stage: 'fetch', start: 0, end: 30, service },
        { id: 'call', parent: 'fetch', role: 'source', source: 'pg', start: 0, end: 20, service },
      ]);
      for (const span of spans) analysis.record({ ...span, queryText: 'SELECT 1', fingerprint: 'SELECT ?' });
    }
    analysis.queryStarted('orders', service);
  }
  return analysis;
}

describe('AnalysisMetricProducer', () => {
  it('puts service.name on every point of the per-service, query, stage, source and statement metrics, and none on the overall ones', async () => {
    const result = await new AnalysisMetricProducer(twoServices()).collect();
    const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
    const perSeries = metrics.filter((m) => /^federation\.(service|query|stage|source|statement)\./.test(m.descriptor.name));
    expect(new Set(perSeries.map((m) => m.descriptor.name.split('.')[1]))).toEqual(
      new Set(['service', 'query', 'stage', 'source', 'statement']),
    );
    expect(perSeries.map((m) => m.descriptor.name)).toContain('federation.query.peak_concurrency');
    for (const metric of perSeries) {
      const services = metric.dataPoints.map((p) => p.attributes['service.name']);
      // One point per service (per window, per percentile): each series keeps its own service.
      expect(new Set(services), metric.descriptor.name).toEqual(new Set(['api', 'billing']));
    }
    const overall = metrics.filter((m) => m.descriptor.name.startsWith('federation.overall.'));
    expect(overall.length).toBeGreaterThan(0);
    for (const metric of overall)
      for (const point of metric.dataPoints) expect(point.attributes, metric.descriptor.name).not.toHaveProperty('service.name');
  });

  it('keeps the figures of the same query name in two services apart', async () => {
    const result = await new AnalysisMetricProducer(twoServices()).collect();
    const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
    const pointsOf = (name: string) =>
      metrics
        .find((m) => m.descriptor.name === name)!
        .dataPoints.filter((p) => p.attributes['window'] === undefined || p.attributes['window'] === '1m');
    expect(pointsOf('federation.query.throughput').map((p) => p.attributes)).toEqual([
      { 'service.name': 'api', 'federation.query.name': 'orders', window: '1m' },
      { 'service.name': 'billing', 'federation.query.name': 'orders', window: '1m' },
    ]);
    expect(pointsOf('federation.source.throughput').map((p) => p.attributes)).toEqual([
      { 'service.name': 'api', 'federation.source': 'pg', window: '1m' },
      { 'service.name': 'billing', 'federation.source': 'pg', window: '1m' },
    ]);
    expect(pointsOf('federation.statement.throughput').map((p) => p.attributes)).toEqual([
      { 'service.name': 'api', 'federation.source': 'pg', 'federation.query.fingerprint': 'SELECT ?', window: '1m' },
      { 'service.name': 'billing', 'federation.source': 'pg', 'federation.query.fingerprint': 'SELECT ?', window: '1m' },
    ]);
    // Each service's total: all of its queries together.
    expect(pointsOf('federation.service.throughput').map((p) => p.attributes)).toEqual([
      { 'service.name': 'api', window: '1m' },
      { 'service.name': 'billing', window: '1m' },
    ]);
    expect(pointsOf('federation.query.peak_concurrency').map((p) => [p.attributes['service.name'], p.value])).toEqual([
      ['api', 1],
      ['billing', 1],
    ]);
  });

  it('counts (service, query) pairs in the query bound: a third service goes to the overflow series, which names no service', async () => {
    const analysis = twoServices();
    analysis.record(syntheticTrace('c', [{ id: 'root', role: 'query', start: 0, end: 40, service: 'crm' }])[0]!);
    const result = await new AnalysisMetricProducer(analysis).collect();
    const metrics = result.resourceMetrics.scopeMetrics[0]!.metrics;
    const throughput = metrics.find((m) => m.descriptor.name === 'federation.query.throughput')!;
    expect(throughput.dataPoints.filter((p) => p.attributes['window'] === '1m').map((p) => p.attributes)).toEqual([
      { 'service.name': 'api', 'federation.query.name': 'orders', window: '1m' },
      { 'service.name': 'billing', 'federation.query.name': 'orders', window: '1m' },
      { 'federation.query.name': '', 'otel.metric.overflow': true, window: '1m' },
    ]);
    const usage = metrics.find((m) => m.descriptor.name === 'fedscope.bound.usage')!;
    expect(usage.dataPoints.find((p) => p.attributes['fedscope.bound'] === 'series.query')?.value).toBe(2);
  });
});
