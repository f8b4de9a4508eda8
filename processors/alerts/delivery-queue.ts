import type { Clock } from '../../src/stats/types.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import { PermanentDeliveryError, type AlertChannel } from './channels/types.js';
import type { AlertNotification } from './types.js';

/** Options of an {@link AlertDeliveryQueue}. */
export interface AlertDeliveryQueueOptions {
  /** Most notifications held (queued and in flight). @default 1000 */
  capacity?: number;
  /** Most notifications per `send`. @default 64 */
  maxBatch?: number;
  /** First retry delay; doubles per failed attempt. @default 500 */
  initialBackoffMs?: number;
  /** Longest retry delay. @default 30000 */
  maxBackoffMs?: number;
  /** Time source for `holdResolvedMs` (timers are real). @default the system clock */
  clock?: Clock;
  /** Told about each failed attempt (e.g. to log it); must not throw. @default nothing */
  onFailure?: (channel: string, error: unknown) => void;
}

/** Counters of a delivery queue. */
export interface DeliveryStats {
  /** Channel name. */
  readonly channel: string;
  /** Notifications waiting (including in flight). */
  readonly queued: number;
  /** Notifications delivered. */
  readonly delivered: number;
  /** Failed `send` attempts (each is retried unless permanent). */
  readonly failedAttempts: number;
  /** Notifications dropped because the queue was full. */
  readonly dropped: number;
  /** Notifications dropped after a permanent failure. */
  readonly rejected: number;
  /** Notifications still undelivered when the queue was closed (at shutdown), discarded. */
  readonly discarded: number;
  /** Notifications still undelivered when the queue was closed, spooled for the next start instead. */
  readonly spooled: number;
  /** Notifications a previous run spooled, queued again at this start. */
  readonly replayed: number;
}

interface Entry {
  readonly notification: AlertNotification;
  inFlight: boolean;
}

/**
 * Delivers notifications to one channel: bounded, ordered per alert (identity = label set),
 * retried with exponential backoff until delivered. Nothing is lost while the channel is down
 * unless the queue fills up; then the oldest notification that a newer one of the same alert
 * supersedes is dropped first (its news is stale), else the oldest of all; drops are counted, as
 * are the notifications still queued when {@link AlertDeliveryQueue.close} gives up (`discarded`).
 *
 * One `send` is in flight at a time, carrying at most one notification per alert, so a
 * "resolved" can never overtake its "firing". Timers are unref'd: a pending retry never keeps the
 * process alive.
 */
export class AlertDeliveryQueue {
  private readonly entries: Entry[] = [];
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly clock: Clock;
  private readonly onFailure: (channel: string, error: unknown) => void;
  /** When a firing notification of an alert was last delivered (for `holdResolvedMs`); bounded by the alerts queued. */
  private readonly firingDeliveredAt = new Map<string, number>();
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private counts = { delivered: 0, failedAttempts: 0, dropped: 0, rejected: 0, discarded: 0, spooled: 0, replayed: 0 };

  /** @param channel - where to deliver */
  constructor(
    readonly channel: AlertChannel,
    options: AlertDeliveryQueueOptions = {},
  ) {
    this.capacity = options.capacity ?? 1000;
    this.maxBatch = options.maxBatch ?? 64;
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.clock = options.clock ?? SystemClock.instance;
    this.onFailure = options.onFailure ?? (() => {});
    if (!(this.capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${this.capacity}`);
  }

  /**
   * Queues a notification. A re-send (`resend: true`) is skipped when the alert already has a
   * notification queued, and so is one identical to a queued one (same alert, status, start and
   * end): that one carries the same news.
   */
  enqueue(notification: AlertNotification): void {
    if (this.closed) return;
    if (notification.resend && this.entries.some((e) => e.notification.key === notification.key)) return;
    // The same news already waiting (e.g. replayed from the spool, then raised again by the rule).
    if (this.entries.some((e) => sameNews(e.notification, notification))) return;
    while (this.entries.length >= this.capacity && this.dropOne()) this.counts.dropped++;
    if (this.entries.length >= this.capacity) {
      this.counts.dropped++; // everything queued is in flight: the newcomer is what gives way
      return;
    }
    this.entries.push({ notification, inFlight: false });
    this.schedule(0);
  }

  /**
   * Queues notifications a previous run could not deliver (oldest first), ahead of nothing but
   * what is already queued; one identical to a queued one (same alert, status, start and end) is
   * skipped, so a replay never sends the same news twice. Returns how many were queued.
   */
  replay(notifications: readonly AlertNotification[]): number {
    let queued = 0;
    for (const notification of notifications) {
      const before = this.entries.length;
      this.enqueue({ ...notification, resend: false });
      if (this.entries.length > before) queued++;
    }
    this.counts.replayed += queued;
    return queued;
  }

  /** The notifications not yet delivered, oldest first (to spool them at shutdown). */
  undelivered(): AlertNotification[] {
    return this.entries.map((e) => e.notification);
  }

  /** Counters. */
  stats(): DeliveryStats {
    return { channel: this.channel.name, queued: this.entries.length, ...this.counts };
  }

  /** Resolves when the queue is empty, or `false` after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.entries.length === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops retrying; queued notifications are discarded and counted (`discarded`), but for the
   * first `spooled` of them, which the caller wrote to the spool (counted as spooled). Returns how
   * many were discarded by this call.
   */
  close(spooled = 0): number {
    if (this.closed) return 0;
    this.closed = true;
    const left = this.entries.length;
    const kept = Math.min(spooled, left);
    this.counts.spooled += kept;
    this.counts.discarded += left - kept;
    const discarded = left - kept;
    this.entries.length = 0;
    this.firingDeliveredAt.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.notifyIdle();
    return discarded;
  }

  /** Drops the oldest superseded entry, else the oldest not in flight; false when all are in flight. */
  private dropOne(): boolean {
    const latest = new Map<string, number>();
    this.entries.forEach((e, i) => latest.set(e.notification.key, i));
    let index = this.entries.findIndex((e, i) => !e.inFlight && latest.get(e.notification.key) !== i);
    if (index < 0) index = this.entries.findIndex((e) => !e.inFlight);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.sending) return;
    if (this.timer !== undefined) {
      // A backoff under way is kept (new notifications must not hammer a channel that is down).
      if (delayMs > 0 || this.attempt > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendNext();
    }, delayMs);
    this.timer.unref();
  }

  private async sendNext(): Promise<void> {
    if (this.closed || this.sending) return;
    const now = this.clock.now();
    const hold = this.channel.holdResolvedMs ?? 0;
    const batch: Entry[] = [];
    const seen = new Set<string>();
    let wakeAt = Infinity;
    for (const entry of this.entries) {
      if (batch.length >= this.maxBatch) break;
      const key = entry.notification.key;
      if (seen.has(key)) continue;
      seen.add(key); // only the head of each alert's notifications may go
      const firedAt = this.firingDeliveredAt.get(key);
      if (entry.notification.status === 'resolved' && firedAt !== undefined && now < firedAt + hold) {
        wakeAt = Math.min(wakeAt, firedAt + hold);
        continue;
      }
      batch.push(entry);
    }
    if (batch.length === 0) {
      if (wakeAt < Infinity) this.schedule(Math.max(1, wakeAt - now));
      else this.notifyIdle();
      return;
    }
    this.sending = true;
    for (const entry of batch) entry.inFlight = true;
    let retryable = false;
    try {
      await this.channel.send(batch.map((e) => e.notification));
      this.counts.delivered += batch.length;
      // Sent while closing: close() counted it as discarded (or spooled), but it arrived.
      if (this.closed) this.uncountClosed(batch.length);
      this.attempt = 0;
      const deliveredAt = this.clock.now();
      for (const { notification } of batch) {
        if (notification.status === 'firing') this.firingDeliveredAt.set(notification.key, deliveredAt);
        else this.firingDeliveredAt.delete(notification.key);
      }
    } catch (error) {
      this.counts.failedAttempts++;
      this.onFailure(this.channel.name, error);
      if (error instanceof PermanentDeliveryError) {
        this.counts.rejected += batch.length;
        if (this.closed) this.uncountClosed(batch.length); // counted once, as rejected
      } else retryable = true;
    } finally {
      this.sending = false;
    }
    if (retryable && !this.closed) {
      for (const entry of batch) entry.inFlight = false;
      this.attempt++;
      this.schedule(Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (this.attempt - 1)));
      return;
    }
    for (const entry of batch) {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    }
    if (this.entries.length > 0) this.schedule(0);
    else this.notifyIdle();
  }

  /** Takes back what close() counted for a batch that settled after it. */
  private uncountClosed(n: number): void {
    const fromSpooled = Math.min(n, this.counts.spooled);
    this.counts.spooled -= fromSpooled;
    this.counts.discarded -= n - fromSpooled;
  }

  private notifyIdle(): void {
    if (this.entries.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Two notifications of the same alert with the same status, start and end: the same news. */
function sameNews(a: AlertNotification, b: AlertNotification): boolean {
  return a.key === b.key && a.status === b.status && a.startsAt === b.startsAt && a.endsAt === b.endsAt;
}
