import { describe, expect, test } from 'vitest';
import { AlertEngine, type AlertChannel, type AlertNotification, type AlertRuleDefinition } from '../../../processors/alerts/index.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { FakeFigures } from '../../support/fake-figures.js';

class RecordingChannel implements AlertChannel {
  readonly name = 'recording';
  readonly sent: AlertNotification[] = [];
  async send(batch: readonly AlertNotification[]): Promise<void> {
    this.sent.push(...batch);
  }
}

function setup(rule: Partial<AlertRuleDefinition> & { alert?: string }) {
  const clock = new ManualClock(1_700_000_000_000);
  const figures = new FakeFigures();
  const channel = new RecordingChannel();
  const engine = new AlertEngine({
    clock,
    providers: [figures],
    channels: [channel],
    rules: [{ alert: 'CpuHigh', figure: 'system.cpuPercent', op: '>', threshold: 80, ...rule } as AlertRuleDefinition],
  });
  /** Sets the value, evaluates, returns the alert's state. */
  const step = (value: number | null | undefined, advanceMs = 10_000) => {
    clock.advance(advanceMs);
    if (value === undefined) figures.clear('system.cpuPercent');
    else figures.set('system.cpuPercent', value);
    engine.evaluate();
    return engine.alerts()[0]?.state ?? 'inactive';
  };
  return { clock, figures, channel, engine, step };
}

describe('alert lifecycle (Prometheus semantics)', () => {
  test('for counts from the first matching evaluation; pending then firing then resolved', async () => {
    const { step, engine, channel } = setup({ for: '30s' });
    expect(step(50)).toBe('inactive');
    expect(step(90)).toBe('pending'); // t=20s: first match, activeAt
    expect(step(91)).toBe('pending'); // 10 s
    expect(step(92)).toBe('pending'); // 20 s
    expect(step(93)).toBe('firing'); // 30 s since activeAt: for has elapsed
    expect(step(94)).toBe('firing');
    expect(step(10)).toBe('inactive'); // resolved
    await engine.flush(1000);
    expect(channel.sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
    expect(channel.sent[0]!.labels).toEqual({ alertname: 'CpuHigh', severity: 'warning' });
    expect(channel.sent[1]!.endsAt).toBeDefined();
    const transitions = engine.snapshot().history.map((h) => `${h.from}->${h.to}`);
    expect(transitions).toEqual(['inactive->pending', 'pending->firing', 'firing->resolved']);
  });

  test('for 0 fires at the first matching evaluation', () => {
    const { step } = setup({});
    expect(step(90)).toBe('firing');
  });

  test('a pending alert whose condition clears goes back to inactive without a notification (flapping)', async () => {
    const { step, engine, channel } = setup({ for: '30s' });
    for (let i = 0; i < 6; i++) {
      expect(step(90)).toBe('pending');
      expect(step(10)).toBe('inactive');
    }
    await engine.flush(1000);
    expect(channel.sent).toEqual([]);
    // After flapping, `for` counts again from the next first match.
    expect(step(90)).toBe('pending');
    expect(step(90)).toBe('pending');
    expect(step(90)).toBe('pending');
    expect(step(90)).toBe('firing');
  });

  test('keep_firing_for keeps a firing alert up after its condition clears, and is reset by a new match', async () => {
    const { step, engine, channel } = setup({ keepFiringFor: '25s' });
    expect(step(90)).toBe('firing');
    expect(step(10)).toBe('firing'); // cleared at t: keepFiringSince
    expect(step(10)).toBe('firing'); // 10 s
    expect(step(90)).toBe('firing'); // matches again: keepFiringSince reset
    expect(step(10)).toBe('firing'); // 0 s
    expect(step(10)).toBe('firing'); // 10 s
    expect(step(10)).toBe('firing'); // 20 s
    expect(step(10)).toBe('inactive'); // 30 s ≥ 25 s: resolved
    await engine.flush(1000);
    expect(channel.sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });

  test('keep_firing_for does not hold a pending alert', () => {
    const { step } = setup({ for: '1m', keepFiringFor: '5m' });
    expect(step(90)).toBe('pending');
    expect(step(10)).toBe('inactive');
  });

  test('no data: ok resolves, keep holds the state, alert raises a nodata alert', () => {
    const ok = setup({ noData: 'ok' });
    expect(ok.step(90)).toBe('firing');
    expect(ok.step(undefined)).toBe('inactive');

    const keep = setup({ noData: 'keep', for: '20s' });
    expect(keep.step(90)).toBe('pending');
    expect(keep.step(undefined)).toBe('pending');
    expect(keep.step(null)).toBe('pending'); // a null value is no data too
    expect(keep.step(90)).toBe('firing');
    expect(keep.step(undefined)).toBe('firing');
    expect(keep.step(10)).toBe('inactive');

    const alert = setup({ noData: 'alert', for: '20s' });
    expect(alert.step(undefined)).toBe('pending');
    expect(alert.step(undefined)).toBe('pending');
    expect(alert.step(undefined)).toBe('firing');
    expect(alert.engine.alerts()[0]!.labels['nodata']).toBe('true');
    expect(alert.step(10)).toBe('inactive');
  });

  test('a figure no provider supplies is no data, reported in the rule status', () => {
    const clock = new ManualClock(0);
    const engine = new AlertEngine({ clock, rules: [{ alert: 'Health', figure: 'health.score', op: '<', threshold: 50 }] });
    engine.evaluate();
    expect(engine.alerts()).toEqual([]);
    expect(engine.snapshot().rules[0]!.health).toBe('no-data');
  });

  test('identity is the label set: one alert per series, templates rendered', () => {
    const { figures, engine, clock } = setup({
      labels: { team: 'db-{{ $labels.source }}' },
      annotations: { summary: '{{ $labels.source }} at {{ $value }} (limit {{ $threshold }})' },
    });
    figures.set('system.cpuPercent', [
      { labels: { source: 'pg' }, value: 95.5 },
      { labels: { source: 'mysql' }, value: 20 },
      { labels: { source: 'duck' }, value: 81 },
    ]);
    clock.advance(1000);
    engine.evaluate();
    const alerts = engine.alerts().sort((a, b) => a.labels['source']!.localeCompare(b.labels['source']!));
    expect(alerts.map((a) => a.labels)).toEqual([
      { alertname: 'CpuHigh', severity: 'warning', source: 'duck', team: 'db-duck' },
      { alertname: 'CpuHigh', severity: 'warning', source: 'pg', team: 'db-pg' },
    ]);
    expect(alerts[1]!.annotations['summary']).toBe('pg at 95.5 (limit 80)');
  });

  test('aggregation reduces series to one alert', () => {
    const { figures, engine, clock } = setup({ aggregate: 'max' });
    figures.set('system.cpuPercent', [
      { labels: { source: 'pg' }, value: 95 },
      { labels: { source: 'duck' }, value: 85 },
    ]);
    clock.advance(1000);
    engine.evaluate();
    expect(engine.alerts().map((a) => [a.labels, a.value])).toEqual([[{ alertname: 'CpuHigh', severity: 'warning' }, 95]]);
  });

  test('active alerts are bounded; what is refused is counted; history is bounded', () => {
    const clock = new ManualClock(0);
    const figures = new FakeFigures();
    const engine = new AlertEngine({
      clock,
      providers: [figures],
      maxActiveAlerts: 3,
      maxHistory: 4,
      rules: [{ alert: 'X', figure: 'fake.v', op: '>', threshold: 0 }],
    });
    figures.set(
      'fake.v',
      Array.from({ length: 10 }, (_, i) => ({ labels: { n: String(i) }, value: 1 })),
    );
    engine.evaluate();
    expect(engine.alerts()).toHaveLength(3);
    expect(engine.counters().droppedAlerts).toBe(7);
    expect(engine.snapshot().history).toHaveLength(4);
  });

  test("start() evaluates on an unref'd interval and shutdown() stops it", async () => {
    const figures = new FakeFigures();
    figures.set('fake.v', 1);
    const engine = new AlertEngine({
      providers: [figures],
      evaluationIntervalMs: 20,
      rules: [{ alert: 'X', figure: 'fake.v', op: '>', threshold: 0 }],
    });
    engine.start();
    await new Promise((r) => setTimeout(r, 90));
    await engine.shutdown(100);
    const evaluations = engine.counters().evaluations;
    expect(evaluations).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(engine.counters().evaluations).toBe(evaluations);
  });

  test('a throwing provider costs a rule error, never an exception', () => {
    const engine = new AlertEngine({
      providers: [
        {
          read: () => {
            throw new Error('boom');
          },
        },
      ],
      rules: [{ alert: 'X', figure: 'fake.v', op: '>', threshold: 0 }],
    });
    expect(() => engine.evaluate()).not.toThrow();
    expect(engine.counters().ruleErrors).toBe(1);
    expect(engine.snapshot().rules[0]).toMatchObject({ health: 'error', lastError: 'boom' });
  });
});
