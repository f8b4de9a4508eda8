import { expect, test } from 'vitest';
import { AlertDeliveryQueue, PermanentDeliveryError, type AlertChannel, type AlertNotification } from '../../../processors/alerts/index.js';

const note = (key: string, status: 'firing' | 'resolved'): AlertNotification => ({
  status,
  labels: { alertname: key },
  annotations: {},
  startsAt: 't',
  endsAt: status === 'resolved' ? 'u' : undefined,
  value: 1,
  key,
  resend: false,
});

class FlakyChannel implements AlertChannel {
  readonly name = 'flaky';
  down = true;
  permanent = false;
  readonly batches: string[][] = [];
  async send(batch: readonly AlertNotification[]): Promise<void> {
    if (this.permanent) throw new PermanentDeliveryError('422');
    if (this.down) throw new Error('ECONNREFUSED');
    this.batches.push(batch.map((n) => `${n.key}:${n.status}`));
  }
}

test('retries with backoff until the channel is back; per-alert order holds; nothing lost', async () => {
  const channel = new FlakyChannel();
  const queue = new AlertDeliveryQueue(channel, { initialBackoffMs: 5, maxBackoffMs: 20 });
  queue.enqueue(note('a', 'firing'));
  queue.enqueue(note('b', 'firing'));
  queue.enqueue(note('a', 'resolved'));
  await new Promise((r) => setTimeout(r, 60));
  expect(queue.stats().failedAttempts).toBeGreaterThanOrEqual(2);
  channel.down = false;
  expect(await queue.drain(2000)).toBe(true);
  // a's resolved never travels with (or before) its firing.
  expect(channel.batches).toEqual([['a:firing', 'b:firing'], ['a:resolved']]);
  expect(queue.stats()).toMatchObject({ delivered: 3, dropped: 0, queued: 0 });
});

test('a full queue drops the oldest superseded update first, and counts it', async () => {
  const channel = new FlakyChannel();
  const queue = new AlertDeliveryQueue(channel, { capacity: 3, initialBackoffMs: 10_000 });
  queue.enqueue(note('a', 'firing'));
  await new Promise((r) => setTimeout(r, 10)); // a:firing is now in flight and failed once
  queue.enqueue(note('b', 'firing'));
  queue.enqueue(note('b', 'resolved'));
  queue.enqueue(note('c', 'firing')); // full: b:firing is superseded by b:resolved
  expect(queue.stats()).toMatchObject({ dropped: 1, queued: 3 });
  queue.close();
});

test('a permanent failure drops the batch and counts it as rejected', async () => {
  const channel = new FlakyChannel();
  channel.permanent = true;
  const queue = new AlertDeliveryQueue(channel);
  queue.enqueue(note('a', 'firing'));
  expect(await queue.drain(1000)).toBe(true);
  expect(queue.stats()).toMatchObject({ rejected: 1, delivered: 0, queued: 0 });
});
