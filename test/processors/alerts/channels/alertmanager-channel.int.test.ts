/**
 * Delivery to a REAL Alertmanager 0.25 (Debian's `prometheus-alertmanager`), started by the test on
 * loopback with a webhook receiver served by the test. Asserts what arrives, never how fast.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AlertEngine, AlertmanagerChannel, type WebhookPayload } from '../../../../processors/alerts/index.js';
import { ManualClock } from '../../../../src/stats/manual-clock.js';
import { startWatched, type WatchedProcess } from '../../../support/child-process.js';
import { freePort } from '../../../support/free-port.js';
import { requirementGate, START_HINT } from '../../../support/real-servers.js';
import { FakeFigures } from '../../../support/fake-figures.js';

const BINARY = process.env['ALERTMANAGER'] || 'prometheus-alertmanager';
const probe = spawnSync(BINARY, ['--version'], { stdio: 'ignore', timeout: 10_000 });
const gate = requirementGate(
  'Alertmanager',
  probe.error === undefined && probe.status === 0
    ? undefined
    : `${BINARY} is not installed or not runnable. ${START_HINT} (it installs Debian's prometheus-alertmanager), or set ALERTMANAGER to its path.`,
);

const ARRIVAL_TIMEOUT_MS = 30_000;

/**
 * The engines' clocks start this far behind the wall clock. The tests move them on by up to 30 s,
 * and every startsAt/endsAt must still be in Alertmanager's past: an endsAt in its future keeps
 * the alert firing until then, and the resolved notification would wait for the wall clock.
 */
const CLOCK_LAG_MS = 60_000;

gate.describe('AlertmanagerChannel against a real Alertmanager 0.25', () => {
  let dir: string;
  let amPort: number;
  let am: WatchedProcess | undefined;
  let webhook: Server;
  const received: { status: string; alertname: string; phase: string }[] = [];

  async function startAlertmanager(): Promise<void> {
    am = startWatched(
      BINARY,
      [
        `--config.file=${join(dir, 'am.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
        '--log.level=info',
      ],
      {},
      dir,
    );
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${amPort}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`Alertmanager did not become ready:\n${am.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stopAlertmanager(): Promise<void> {
    if (am === undefined) return;
    // SIGTERM: Alertmanager writes its notification log to the storage path, so after the restart it
    // still knows which firing alerts it notified (and thus sends their "resolved").
    am.child.kill('SIGTERM');
    await am.exited;
    am = undefined;
  }

  async function waitFor(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; received: ${JSON.stringify(received)}${am ? `\nalertmanager:\n${am.output().slice(-3000)}` : ''}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const arrived = (alertname: string, status: string) => received.some((r) => r.alertname === alertname && r.status === status);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fedscope-am-'));
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload;
        for (const alert of payload.alerts)
          received.push({ status: alert.status, alertname: alert.labels['alertname'] ?? '', phase: alert.labels['phase'] ?? '' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const address = webhook.address();
    const hookPort = typeof address === 'object' && address !== null ? address.port : 0;
    amPort = await freePort();
    writeFileSync(
      join(dir, 'am.yml'),
      [
        'route:',
        '  receiver: test',
        "  group_by: ['...']", // every alert its own group: independent notifications
        // Short waits keep the test quick (alerts start in Alertmanager's past, so a new group is
        // flushed at once; group_interval paces the later ones, resolved included).
        '  group_wait: 250ms',
        '  group_interval: 250ms',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: test',
        '    webhook_configs:',
        `      - url: http://127.0.0.1:${hookPort}/hook`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    await startAlertmanager();
  }, 60_000);

  afterAll(async () => {
    await stopAlertmanager();
    await new Promise<void>((resolve) => webhook?.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function engineFor(figures: FakeFigures, clock: ManualClock): AlertEngine {
    return new AlertEngine({
      clock,
      providers: [figures],
      // holdResolvedMs > group_wait (with 1 s to spare): a short-lived alert is notified as firing before it resolves.
      channels: [new AlertmanagerChannel({ url: `http://127.0.0.1:${amPort}`, holdResolvedMs: 1250, resendIntervalMs: 60_000 })],
      delivery: { initialBackoffMs: 200, maxBackoffMs: 1000 },
      rules: ['A', 'B', 'C'].map((name) => ({
        alert: `Fedscope${name}`,
        figure: `fake.${name}`,
        op: '>' as const,
        threshold: 0,
        labels: { phase: 'test' },
      })),
    });
  }

  test('firing then resolved arrive at the webhook', async () => {
    const clock = new ManualClock(Date.now() - CLOCK_LAG_MS);
    const figures = new FakeFigures();
    const engine = engineFor(figures, clock);
    figures.set('fake.A', 1);
    engine.evaluate();
    await waitFor('FedscopeA firing', () => arrived('FedscopeA', 'firing'));
    clock.advance(15_000);
    figures.set('fake.A', 0);
    engine.evaluate();
    await waitFor('FedscopeA resolved', () => arrived('FedscopeA', 'resolved'));
    expect(engine.deliveryStats()[0]).toMatchObject({ delivered: 2, dropped: 0, rejected: 0 });
    await engine.shutdown(1000);
  }, 90_000);

  test('with Alertmanager down, firing and resolving alerts are all delivered once it is back', async () => {
    received.length = 0;
    const clock = new ManualClock(Date.now() - CLOCK_LAG_MS);
    const figures = new FakeFigures();
    const engine = engineFor(figures, clock);
    // B fires while Alertmanager is up and is notified.
    figures.set('fake.B', 1);
    engine.evaluate();
    await waitFor('FedscopeB firing', () => arrived('FedscopeB', 'firing'));

    await stopAlertmanager();
    // Meanwhile: B resolves; C fires; then C resolves; A fires (and stays firing).
    clock.advance(15_000);
    figures.set('fake.B', 0);
    figures.set('fake.C', 1);
    engine.evaluate();
    clock.advance(15_000);
    figures.set('fake.C', 0);
    figures.set('fake.A', 1);
    engine.evaluate();
    // Let a few delivery attempts fail against the stopped Alertmanager.
    await waitFor('failed attempts', () => (engine.deliveryStats()[0]?.failedAttempts ?? 0) >= 2);
    expect(engine.deliveryStats()[0]!.queued).toBe(4); // B resolved, C firing, C resolved, A firing

    await startAlertmanager();
    await waitFor(
      'FedscopeB resolved, FedscopeC firing and resolved, FedscopeA firing',
      () =>
        arrived('FedscopeB', 'resolved') &&
        arrived('FedscopeC', 'firing') &&
        arrived('FedscopeC', 'resolved') &&
        arrived('FedscopeA', 'firing'),
    );
    const stats = engine.deliveryStats()[0]!;
    expect(stats).toMatchObject({ queued: 0, dropped: 0, rejected: 0 });
    expect(stats.failedAttempts).toBeGreaterThanOrEqual(2);
    // Alertmanager lists A as active (it was re-sent from the queue after the restart).
    const active = (await (await fetch(`http://127.0.0.1:${amPort}/api/v2/alerts?active=true`)).json()) as {
      labels: Record<string, string>;
    }[];
    expect(active.map((a) => a.labels['alertname'])).toContain('FedscopeA');
    await engine.shutdown(1000);
  }, 120_000);
});
