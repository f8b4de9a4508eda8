import { describe, expect, it } from 'vitest';
import { AlertEngine, AlertmanagerChannel } from '../../../processors/alerts/index.js';
import { AlertMetricProducer } from '../../../src/output/metrics/alert-metric-producer.js';
import { AlertDeliveryQueue } from '../../../processors/alerts/delivery-queue.js';
import type { AlertNotification } from '../../../processors/alerts/types.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { freePort } from '../../support/free-port.js';
import { FakeFigures } from '../../support/fake-figures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('notifications still queued at shutdown', () => {
  it('are counted and told in one message when Alertmanager is unreachable', async () => {
    const port = await freePort(); // nothing listens: every delivery is refused
    const messages: { message: string; error: unknown }[] = [];
    const figures = new FakeFigures();
    figures.set('fake.v', 5);
    const engine = new AlertEngine({
      clock: new ManualClock(0),
      providers: [figures],
      rules: [
        { alert: 'Now', figure: 'fake.v', op: '>', threshold: 1, severity: 'critical' },
        { alert: 'AlsoNow', figure: 'fake.v', op: '>', threshold: 2, severity: 'warning' },
      ],
      channels: [new AlertmanagerChannel({ url: `http://127.0.0.1:${port}` })],
      delivery: { initialBackoffMs: 20, maxBackoffMs: 50 },
      onError: (message, error) => messages.push({ message, error }),
    });
    engine.evaluate();
    for (let i = 0; i < 200 && (engine.deliveryStats()[0]?.failedAttempts ?? 0) < 2; i++) await sleep(10);
    expect(engine.deliveryStats()[0]?.failedAttempts).toBeGreaterThanOrEqual(2);

    await engine.shutdown(200);

    expect(engine.deliveryStats()[0]).toMatchObject({
      channel: 'alertmanager',
      queued: 0,
      delivered: 0,
      discarded: 2,
      dropped: 0,
      rejected: 0,
    });
    const shutdownMessages = messages.filter((m) => m.message.includes('shutdown'));
    expect(shutdownMessages).toEqual([
      { message: '2 alert notifications still undelivered 0.2 s into shutdown, dropped (alertmanager: 2)', error: undefined },
    ]);
    expect(messages.some((m) => m.message === 'alert delivery to alertmanager failed')).toBe(true);

    const result = await new AlertMetricProducer(engine).collect();
    const dropped = result.resourceMetrics.scopeMetrics[0]!.metrics.find(
      (m) => m.descriptor.name === 'fedscope.alerts.notifications.dropped',
    )!;
    expect(dropped.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ channel: 'alertmanager', reason: 'queue_full' }, 0],
      [{ channel: 'alertmanager', reason: 'rejected' }, 0],
      [{ channel: 'alertmanager', reason: 'shutdown' }, 2],
    ]);
  });

  it('says nothing when everything was delivered', async () => {
    const messages: string[] = [];
    const figures = new FakeFigures();
    figures.set('fake.v', 5);
    const sent: AlertNotification[] = [];
    const engine = new AlertEngine({
      clock: new ManualClock(0),
      providers: [figures],
      rules: [{ alert: 'Now', figure: 'fake.v', op: '>', threshold: 1 }],
      channels: [{ name: 'memory', send: async (batch) => void sent.push(...batch) }],
      onError: (message) => messages.push(message),
    });
    engine.evaluate();
    await engine.shutdown(1000);
    expect(sent).toHaveLength(1);
    expect(engine.deliveryStats()[0]).toMatchObject({ delivered: 1, discarded: 0 });
    expect(messages).toEqual([]);
  });

  it('a batch in flight at close is counted once: delivered if it arrives', async () => {
    let release: (() => void) | undefined;
    const queue = new AlertDeliveryQueue({ name: 'slow', send: () => new Promise<void>((resolve) => (release = resolve)) });
    const n: AlertNotification = {
      status: 'firing',
      labels: { alertname: 'A' },
      annotations: {},
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: undefined,
      value: 1,
      key: 'a',
      resend: false,
    };
    queue.enqueue(n);
    queue.enqueue({ ...n, labels: { alertname: 'B' }, key: 'b' });
    for (let i = 0; i < 100 && release === undefined; i++) await sleep(5);
    expect(queue.close()).toBe(2); // both in flight
    expect(queue.stats().discarded).toBe(2);
    release!();
    await sleep(10);
    expect(queue.stats()).toMatchObject({ delivered: 2, discarded: 0, queued: 0 });
  });
});
