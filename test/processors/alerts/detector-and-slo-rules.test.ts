import { describe, expect, test } from 'vitest';
import { AlertEngine, LogChannel, WebhookChannel, type AlertNotification } from '../../../processors/alerts/index.js';
import { AlertMetricProducer } from '../../../src/output/metrics/alert-metric-producer.js';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { FakeFigures } from '../../support/fake-figures.js';

function sourceSpan(now: number, durationMs: number, error = false): ClassifiedSpan {
  return { role: 'source', durationMs, endTimeMs: now, error, queryName: 'orders', source: 'pg', scopeName: 'test' } as ClassifiedSpan;
}

describe('anomaly rules', () => {
  test('a series fed per evaluation into the online detector fires on a collapse and keeps firing for keep_firing_for', () => {
    const clock = new ManualClock(0);
    const figures = new FakeFigures();
    const engine = new AlertEngine({
      clock,
      providers: [figures],
      rules: [
        {
          alert: 'Collapse',
          kind: 'anomaly',
          figure: 'fake.throughput',
          detector: { direction: 'down', warmupPoints: 50 },
          keepFiringFor: '1m',
        },
      ],
    });
    let seed = 7;
    const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    for (let i = 0; i < 200; i++) {
      clock.advance(15_000);
      figures.set('fake.throughput', 100 + 5 * noise());
      engine.evaluate();
    }
    expect(engine.snapshot().history).toEqual([]);
    clock.advance(15_000);
    figures.set('fake.throughput', 5);
    engine.evaluate();
    expect(engine.alerts().map((a) => [a.labels['alertname'], a.state, a.value])).toEqual([['Collapse', 'firing', 5]]);
    for (let i = 0; i < 3; i++) {
      clock.advance(15_000);
      figures.set('fake.throughput', 100);
      engine.evaluate();
    }
    clock.advance(15_000);
    engine.evaluate();
    expect(engine.alerts()[0]?.state).toBe('firing'); // cleared 45 s ago < keep_firing_for (1m)
    clock.advance(15_000);
    engine.evaluate();
    expect(engine.alerts()).toEqual([]); // 60 s: resolved
  });
});

describe('regression rules', () => {
  test('span latencies per source feed the regression detector; a sustained p95 rise fires, its end resolves', () => {
    const clock = new ManualClock(0);
    const engine = new AlertEngine({
      clock,
      rules: [
        {
          alert: 'SourceSlower',
          kind: 'regression',
          scope: 'source',
          detector: { slotMs: 10_000, recentSlots: 3, baselineSlots: 10, consecutive: 2, minSamples: 100 },
        },
      ],
    });
    let seed = 3;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const run = (seconds: number, scale: number) => {
      for (let s = 0; s < seconds; s++) {
        for (let i = 0; i < 20; i++) engine.spanSink.record(sourceSpan(clock.now() + i * 50, scale * (10 + 20 * random())));
        clock.advance(1000);
        if (s % 10 === 9) engine.evaluate();
      }
    };
    run(200, 1);
    expect(engine.alerts()).toEqual([]);
    run(80, 2);
    const alert = engine.alerts()[0];
    // Hand-built spans name no service: the series is the unknown service's.
    expect(alert?.labels).toEqual({ alertname: 'SourceSlower', severity: 'warning', service: 'unknown_service', source: 'pg' });
    expect(alert?.state).toBe('firing');
    expect(alert!.value!).toBeGreaterThan(1.5);
  });

  test('a permanent p95 rise fires once and resolves once the detector has re-learnt it as the baseline (relearnSlots)', () => {
    const clock = new ManualClock(0);
    const detector = { slotMs: 10_000, recentSlots: 3, baselineSlots: 10, consecutive: 2, minSamples: 100, relearnSlots: 30 };
    const engine = new AlertEngine({ clock, rules: [{ alert: 'SourceSlower', kind: 'regression', scope: 'source', detector }] });
    let seed = 5;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const run = (seconds: number, scale: number) => {
      for (let s = 0; s < seconds; s++) {
        for (let i = 0; i < 20; i++) engine.spanSink.record(sourceSpan(clock.now() + i * 50, scale * (10 + 20 * random())));
        clock.advance(1000);
        if (s % 10 === 9) engine.evaluate();
      }
    };
    run(200, 1);
    run(1200, 1.5); // 20 minutes at the new level: 120 slots, four times relearnSlots
    const transitions = engine.snapshot().history.map((t) => [t.alertname, t.from, t.to]);
    expect(transitions).toEqual([
      ['SourceSlower', 'inactive', 'pending'],
      ['SourceSlower', 'pending', 'firing'],
      ['SourceSlower', 'firing', 'resolved'],
    ]);
    expect(engine.alerts()).toEqual([]);
  });
});

describe('burn-rate rules', () => {
  test('multi-window multi-burn-rate: a bad burst pages on the fast pair; a slow leak only tickets on the slow pair', () => {
    const clock = new ManualClock(0);
    const engine = new AlertEngine({
      clock,
      rules: [{ alert: 'ErrorBudgetBurn', kind: 'burn_rate', scope: 'source', sli: 'errors', objective: 0.99, windowScale: 1 / 60 }], // 1h/5m → 60s/5s …
    });
    const step = (errorShare: number) => {
      for (let i = 0; i < 100; i++) engine.spanSink.record(sourceSpan(clock.now(), 5, i < errorShare * 100));
      clock.advance(1000);
      engine.evaluate();
    };
    for (let i = 0; i < 4000; i++) step(0.001); // 0.1 % errors: burn 0.1 — nothing
    expect(engine.snapshot().history).toEqual([]);
    for (let i = 0; i < 120; i++) step(0.5); // 50 %: burn 50 — both paging pairs
    const pages = engine
      .alerts()
      .filter((a) => a.state === 'firing')
      .map((a) => [a.labels['slo_window'], a.labels['severity']]);
    expect(pages).toContainEqual(['1h/5m', 'critical']);
    expect(pages).toContainEqual(['6h/30m', 'critical']);
    for (let i = 0; i < 4400; i++) step(0.001); // recovers: everything resolves
    expect(engine.alerts()).toEqual([]);
    for (let i = 0; i < 4400; i++) step(0.02); // 2 %: burn 2 — only the 3d/6h ticket
    expect(engine.alerts().map((a) => [a.labels['slo_window'], a.labels['severity'], a.state])).toEqual([['3d/6h', 'warning', 'firing']]);
  });

  test('latency objective counts spans slower than the threshold as bad', () => {
    const clock = new ManualClock(0);
    const engine = new AlertEngine({
      clock,
      rules: [
        {
          alert: 'LatencyBudget',
          kind: 'burn_rate',
          scope: 'source',
          sli: 'latency',
          objective: 0.9,
          latencyThresholdMs: 100,
          windows: [{ long: '60s', short: '10s', factor: 5, severity: 'critical' }],
        },
      ],
    });
    for (let t = 0; t < 120; t++) {
      for (let i = 0; i < 10; i++) engine.spanSink.record(sourceSpan(clock.now(), i < 6 ? 500 : 5));
      clock.advance(1000);
      engine.evaluate();
    }
    expect(engine.alerts()[0]?.labels).toMatchObject({ alertname: 'LatencyBudget', slo_window: '60s/10s', source: 'pg' });
    expect(engine.alerts()[0]?.value).toBeCloseTo(6, 5);
  });
});

describe('channels and alert metrics', () => {
  const notification: AlertNotification = {
    status: 'firing',
    labels: { alertname: 'X', severity: 'critical', source: 'pg' },
    annotations: { summary: 'pg is slow' },
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: undefined,
    value: 0.25,
    key: 'k',
    resend: false,
  };

  test('webhook payload is Alertmanager webhook v4', () => {
    const payload = new WebhookChannel({ url: 'http://127.0.0.1:1/' }).payload([
      notification,
      {
        ...notification,
        status: 'resolved',
        labels: { ...notification.labels, source: 'my' },
        endsAt: '2026-01-01T00:01:00.000Z',
        key: 'k2',
      },
    ]);
    expect(payload).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'fedscope',
      commonLabels: { alertname: 'X', severity: 'critical' },
      commonAnnotations: { summary: 'pg is slow' },
      truncatedAlerts: 0,
    });
    expect(payload.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', labels: notification.labels });
    expect(payload.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(payload.alerts[1]).toMatchObject({ status: 'resolved', endsAt: '2026-01-01T00:01:00.000Z' });
  });

  test('log channel writes one line per change, skipping re-sends', async () => {
    const lines: string[] = [];
    const channel = new LogChannel({ write: (l) => lines.push(l) });
    await channel.send([notification, { ...notification, resend: true }]);
    expect(lines).toEqual([
      'time=2026-01-01T00:00:00.000Z alertname=X state=firing severity=critical label_source=pg value=0.25 summary="pg is slow"',
    ]);
  });

  test('AlertMetricProducer exports fedscope.alerts{alertname,severity,alertstate} = 1', async () => {
    const clock = new ManualClock(0);
    const figures = new FakeFigures();
    figures.set('fake.v', 5);
    const engine = new AlertEngine({
      clock,
      providers: [figures],
      rules: [
        { alert: 'Now', figure: 'fake.v', op: '>', threshold: 1, severity: 'critical' },
        { alert: 'Later', figure: 'fake.v', op: '>', threshold: 1, for: '1m' },
      ],
    });
    engine.evaluate();
    const result = await new AlertMetricProducer(engine).collect();
    const alerts = result.resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'fedscope.alerts')!;
    expect(alerts.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ alertname: 'Now', severity: 'critical', alertstate: 'firing' }, 1],
      [{ alertname: 'Later', severity: 'warning', alertstate: 'pending' }, 1],
    ]);
  });
});
