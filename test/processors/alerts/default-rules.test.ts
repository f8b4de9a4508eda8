import { expect, test } from 'vitest';
import { AlertEngine, DEFAULT_ALERT_RULES } from '../../../processors/alerts/index.js';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { classifiedSpan } from '../../support/classified-span-fixture.js';
import { FakeFigures } from '../../support/fake-figures.js';

function querySpan(now: number, durationMs: number, error = false): ClassifiedSpan {
  return classifiedSpan({
    role: 'query',
    durationMs,
    endTimeMs: now,
    error,
    queryName: 'orders',
    rowsReturned: 10,
    cacheHit: true,
    scopeName: 'test',
  });
}

function healthyWorld() {
  const clock = new ManualClock(1_700_000_000_000);
  const analysis = new AnalysisState({ clock });
  const figures = new FakeFigures();
  const engine = new AlertEngine({ clock, analysis, providers: [figures], rules: DEFAULT_ALERT_RULES });
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  /** 10 s of a healthy stationary workload: 20 queries/s, 20–60 ms, 0.2 % errors, 90 % cache hits, healthy host. */
  const tick = (overrides: { latencyMs?: number; errorShare?: number; hostBad?: boolean } = {}) => {
    for (let i = 0; i < 200; i++) {
      clock.advance(50);
      const span = querySpan(clock.now(), overrides.latencyMs ?? 20 + 40 * random(), random() < (overrides.errorShare ?? 0.002));
      span.cacheHit = random() < 0.9;
      analysis.record(span);
    }
    const bad = overrides.hostBad === true;
    figures.set('system.cpuPercent', bad ? 95 : 30 + 10 * random());
    figures.set('system.memoryPercent', 50 + 5 * random());
    figures.set('breaker.open', [{ labels: { source: 'pg' }, value: bad ? 1 : 0 }]);
    figures.set('health.score', bad ? 20 : 90 + 5 * random());
    engine.evaluate();
  };
  return { engine, tick };
}

test('the default pack raises nothing on a healthy stationary workload (3 hours)', () => {
  const { engine, tick } = healthyWorld();
  for (let i = 0; i < 6 * 60 * 3; i++) tick();
  expect(engine.snapshot().history).toEqual([]);
  expect(engine.snapshot().rules.every((r) => r.health === 'ok')).toBe(true);
});

test('the default pack raises its rules when the workload or the host goes bad', () => {
  const { engine, tick } = healthyWorld();
  for (let i = 0; i < 20; i++) tick();
  for (let i = 0; i < 14; i++) {
    tick({ latencyMs: 250, errorShare: 0.3, hostBad: true });
  }
  const firing = new Set(
    engine
      .alerts()
      .filter((a) => a.state === 'firing')
      .map((a) => a.labels['alertname']),
  );
  expect([...firing].sort()).toEqual([
    'FederationCircuitBreakerOpen',
    'FederationFailedQueries',
    'FederationHighErrorRate',
    'FederationHighResponseTime',
    'FederationLowHealthScore',
    'HighCpuUsage',
  ]);
  const breaker = engine.alerts().find((a) => a.labels['alertname'] === 'FederationCircuitBreakerOpen')!;
  expect(breaker.labels['source']).toBe('pg');
  expect(breaker.annotations['summary']).toBe('circuit breaker of source pg is open');
});

test('an alert on a query names its service: the same query name slow in one service only raises one alert', () => {
  const clock = new ManualClock(1_700_000_000_000);
  const analysis = new AnalysisState({ clock });
  const engine = new AlertEngine({ clock, analysis, providers: [new FakeFigures()], rules: DEFAULT_ALERT_RULES });
  for (let tick = 0; tick < 10; tick++) {
    for (let i = 0; i < 100; i++) {
      clock.advance(50);
      analysis.record({ ...querySpan(clock.now(), 20), service: 'api' });
      analysis.record({ ...querySpan(clock.now(), 250), service: 'billing' });
    }
    engine.evaluate();
  }
  const slow = engine.alerts().filter((a) => a.labels['alertname'] === 'FederationHighResponseTime');
  expect(slow.map((a) => [a.state, a.labels])).toEqual([
    ['firing', { service: 'billing', query: 'orders', alertname: 'FederationHighResponseTime', severity: 'warning' }],
  ]);
});
