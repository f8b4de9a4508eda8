// Nothing lost across a restart: notifications a channel could not take before shutdown are spooled
// to a directory, and the next run's queues send them first, in order, an identical one once.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertEngine, AlertSpool, type AlertChannel, type AlertNotification } from '../../../processors/alerts/index.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { FakeFigures } from '../../support/fake-figures.js';

const note = (key: string, status: 'firing' | 'resolved', startsAt = '2026-12-06T10:00:00.000Z'): AlertNotification => ({
  status,
  labels: { alertname: key },
  annotations: { summary: `${key} ${status}` },
  startsAt,
  endsAt: status === 'resolved' ? '2026-12-06T10:05:00.000Z' : undefined,
  value: 1,
  key,
  resend: false,
});

class RecordingChannel implements AlertChannel {
  down = false;
  readonly received: string[] = [];
  constructor(readonly name: string) {}
  async send(batch: readonly AlertNotification[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    this.received.push(...batch.map((n) => `${n.labels['alertname']}:${n.status}`));
  }
}

/** An engine whose two rules fire at the first evaluation (`fake.v` is 5). */
function engineWith(channel: AlertChannel, spool: AlertSpool): AlertEngine {
  const figures = new FakeFigures();
  figures.set('fake.v', 5);
  return new AlertEngine({
    clock: new ManualClock(0),
    providers: [figures],
    rules: [
      { alert: 'First', figure: 'fake.v', op: '>', threshold: 1, severity: 'critical' },
      { alert: 'Second', figure: 'fake.v', op: '>', threshold: 2, severity: 'warning' },
    ],
    channels: [channel],
    spool,
    delivery: { initialBackoffMs: 5, maxBackoffMs: 10 },
    onError: () => {},
  });
}

let lines: string[] = [];
beforeEach(() => {
  lines = [];
  fedscopeLog.configure({ write: (line) => lines.push(line) });
});
afterEach(() => fedscopeLog.configure({}));

describe('the alert spool', () => {
  it('keeps what a down channel could not take at shutdown and sends it first at the next start, in order, once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fedscope-spool-')), 'spool');
    const down = new RecordingChannel('alertmanager');
    down.down = true;
    const first = engineWith(down, new AlertSpool(dir));
    first.evaluate();
    await first.shutdown(100);
    expect(first.deliveryStats()[0]).toMatchObject({ spooled: 2, discarded: 0, delivered: 0 });
    expect(readdirSync(dir)).toEqual(['0-alertmanager.spool.json']);
    expect(lines.join('\n')).toMatch(/2 alert notifications still undelivered at shutdown spooled to .*spool for the next start/);

    // The next start replays them before its own evaluation; when the same alerts fire again, the
    // identical news is not queued twice.
    const up = new RecordingChannel('alertmanager');
    const second = engineWith(up, new AlertSpool(dir));
    expect(lines.join('\n')).toMatch(/2 alert notifications undelivered at the last shutdown replayed from /);
    second.evaluate();
    expect(await second.flush(2000)).toBe(true);
    expect(up.received).toEqual(['First:firing', 'Second:firing']);
    expect(second.deliveryStats()[0]).toMatchObject({ replayed: 2, delivered: 2 });
    // Read once: the file is gone; nothing undelivered, nothing spooled at this shutdown.
    expect(existsSync(join(dir, '0-alertmanager.spool.json'))).toBe(false);
    await second.shutdown(100);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('counts what the spool could not take as discarded and says so, the rest as spooled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-spool-'));
    const down = new RecordingChannel('alertmanager');
    down.down = true;
    const engine = engineWith(down, new AlertSpool(dir, { maxPerChannel: 1 }));
    engine.evaluate();
    await engine.shutdown(100);
    expect(engine.deliveryStats()[0]).toMatchObject({ spooled: 1, discarded: 1, delivered: 0 });
    expect(lines.join('\n')).toMatch(/1 alert notifications of channel alertmanager left out of the spool .* \(bounds: 1 notifications/);
    expect(lines.join('\n')).toMatch(/1 alert notification still undelivered at shutdown spooled to /);
  });

  it('is bounded: the newest notifications per channel, the rest counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-spool-'));
    const spool = new AlertSpool(dir, { maxPerChannel: 10 });
    const many = Array.from({ length: 25 }, (_, i) => note(`k${i}`, 'firing'));
    expect(spool.put(0, 'webhook', many)).toBe(10);
    expect(spool.dropped).toBe(15);
    expect(spool.take(0, 'webhook').map((n) => n.key)).toEqual(many.slice(15).map((n) => n.key));
    const small = new AlertSpool(dir, { maxFileBytes: 2000 });
    const written = small.put(1, 'webhook', many);
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(25);
    expect(small.take(1, 'webhook')).toHaveLength(written);
  });

  it('sets a file it cannot read as a spool aside, with one line, and replays nothing from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedscope-spool-'));
    writeFileSync(join(dir, '0-alertmanager.spool.json'), '{"format":"fedscope-alert-spool/1","notifications":[{"status":"maybe"}]}');
    const spool = new AlertSpool(dir);
    expect(spool.take(0, 'alertmanager')).toEqual([]);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^0-alertmanager\.spool\.json\.corrupt-/)]);
    expect(lines.join('\n')).toMatch(
      /the alert spool .*0-alertmanager\.spool\.json is unusable \(notification 0 is not one\); it is kept as/,
    );
    // A run without anything to spool leaves no file behind.
    expect(spool.put(0, 'alertmanager', [])).toBe(0);
  });
});
