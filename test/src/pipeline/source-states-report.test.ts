// /fedscope/sources.json's report: breaker states and transitions from the breaker board (a real
// federation runtime tripping a breaker), pool gauges from the pools the gauges observe.
import { emptyResource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { observePgPool } from '../../../instrumentations/contrib/observe-pg-pool.js';
import { observedPoolGauges } from '../../../instrumentations/contrib/pool-gauges.js';
import { MAX_KEPT_BREAKER_TRANSITIONS } from '../../../src/federation/breaker-metrics.js';
import { Federation, FunctionSource } from '../../../src/federation/index.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';
import { FedscopePipeline } from '../../../src/pipeline/fedscope-pipeline.js';
import { publishedBreakerTransitions } from '../../../src/span-model/breaker-states.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';

const closing: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** A federation whose `flaky` source fails while `failing.now` holds, its breaker opening after 2 failures. */
function flakyFederation(clock: { now: number }, failing: { now: boolean }): Federation {
  const federation = new Federation({ cache: false, now: () => clock.now }).source(
    'flaky',
    new FunctionSource(() => {
      if (failing.now) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      return [{ ok: 1 }];
    }),
    { breaker: { consecutiveFailures: 2, coolDownMs: 1000 }, retry: false },
  );
  closing.push(() => federation.close());
  return federation;
}

const call = (federation: Federation) =>
  federation.query({ name: 'q', parts: { p: { source: 'flaky', sql: 'SELECT 1' } } }).catch(() => undefined);

describe('sourceStatesReport', () => {
  it('lists the breakers and their transitions (open, half-open, closed) with times, oldest first', async () => {
    const clock = { now: Date.parse('2026-01-01T12:00:00Z') };
    const failing = { now: true };
    const federation = flakyFederation(clock, failing);
    const pipeline = new FedscopePipeline(resolveConfig({ prometheus: false, otlp: false, hostMetrics: false, alerts: false }, {}), {
      resource: emptyResource(),
    });
    closing.push(() => pipeline.shutdown());

    await call(federation);
    await call(federation); // the second failure opens the breaker
    let report = pipeline.sourceStatesReport();
    expect(report.breakers).toContainEqual({ name: 'flaky', state: 'open' });
    expect(report.breakerTransitions.filter((t) => t.breaker === 'flaky')).toEqual([
      { breaker: 'flaky', state: 'open', time: '2026-01-01T12:00:00.000Z' },
    ]);

    clock.now += 1000; // cool-down over: the next call is the half-open probe, which succeeds
    failing.now = false;
    await call(federation);
    report = pipeline.sourceStatesReport();
    expect(report.breakers).toContainEqual({ name: 'flaky', state: 'closed' });
    expect(report.breakerTransitions.filter((t) => t.breaker === 'flaky').map((t) => [t.state, t.time])).toEqual([
      ['open', '2026-01-01T12:00:00.000Z'],
      ['half_open', '2026-01-01T12:00:01.000Z'],
      ['closed', '2026-01-01T12:00:01.000Z'],
    ]);
  });

  it('keeps a bounded number of transitions per federation, the latest', async () => {
    const clock = { now: 0 };
    const failing = { now: true };
    const federation = flakyFederation(clock, failing);
    // Each cycle: two failures open it, the cool-down passes, the probe fails (half-open → open).
    await call(federation);
    await call(federation);
    for (let i = 0; i < MAX_KEPT_BREAKER_TRANSITIONS; i++) {
      clock.now += 1000;
      await call(federation);
    }
    const mine = publishedBreakerTransitions(10_000).filter((t) => t.breaker === 'flaky');
    expect(mine).toHaveLength(MAX_KEPT_BREAKER_TRANSITIONS);
    expect(mine.at(-1)).toEqual({ breaker: 'flaky', state: 'open', timeMs: clock.now });
  });
});

describe('observedPoolGauges', () => {
  it('lists an observed pool with its gauges, reads it without consuming the metrics’ last report of an ended pool, and forgets it on stop', async () => {
    const pool = {
      totalCount: 3,
      idleCount: 1,
      waitingCount: 2,
      ended: false,
      options: { max: 5, host: 'db', port: 5432, database: 'shop' },
    };
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const observer = observePgPool(pool, { source: 'catalog', meterProvider });
    closing.push(() => observer.stop());

    const listed = () => observedPoolGauges().filter((p) => p.source === 'catalog');
    expect(listed()).toEqual([{ source: 'catalog', pool: 'db:5432/shop', system: 'postgresql', idle: 1, used: 2, pending: 2, max: 5 }]);

    // An ended pool leaves the list, yet the next collection still reports its zeros once.
    Object.assign(pool, { ended: true, totalCount: 0, idleCount: 0, waitingCount: 0 });
    expect(listed()).toEqual([]);
    const { resourceMetrics } = await reader.collect();
    const maxPoints = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === 'db.client.connection.max')
      .flatMap((metric) => metric.dataPoints.map((point) => point.value));
    expect(maxPoints).toEqual([0]);
  });

  it('forgets a live pool once its observer stops', () => {
    const pool = { totalCount: 1, idleCount: 1, waitingCount: 0, options: { max: 2 } };
    const observer = observePgPool(pool, { source: 'orders', meterProvider: new MeterProvider() });
    expect(observedPoolGauges().filter((p) => p.source === 'orders')).toHaveLength(1);
    observer.stop();
    expect(observedPoolGauges().filter((p) => p.source === 'orders')).toEqual([]);
  });
});
