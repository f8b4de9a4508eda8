import { alertIdentity } from './alert-notification-log.js';
import type { AlertmanagerProcess } from './alertmanager-process.js';

/** An alert as Alertmanager listed it. */
export interface SeenAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
  /** When a poll first and last listed it (ms since the epoch). */
  readonly firstSeenMs: number;
  lastSeenMs: number;
}

/** The key of one start of one alert: its identity and its `startsAt` instant. */
export function alertStartKey(labels: Readonly<Record<string, string>>, startsAt: string): string {
  return `${alertIdentity(labels)}@${Date.parse(startsAt)}`;
}

/**
 * Reads Alertmanager's `GET /api/v2/alerts` every `intervalMs` and remembers every alert start it
 * listed. Alertmanager never lists an alert once it is resolved, so this is how the soak learns
 * that a firing notification arrived; fedscope holds a resolved notification back long enough after
 * its firing one (`holdResolvedMs` > `intervalMs`) for a poll to see the alert. Polls that fail
 * (Alertmanager stopped) are counted, not fatal.
 */
export class AlertmanagerWatch {
  private readonly seen = new Map<string, SeenAlert>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private polls = 0;

  /**
   * @param alertmanager - the Alertmanager to read
   * @param intervalMs - time between polls
   */
  constructor(
    private readonly alertmanager: AlertmanagerProcess,
    private readonly intervalMs = 1_000,
  ) {}

  /** Starts polling. */
  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
  }

  /** Stops polling (after the poll in progress). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  /** Polls now, after any poll in progress; resolves with what is listed now, or undefined when the poll failed. */
  poll(): Promise<SeenAlert[] | undefined> {
    const next = this.chain.then(() => this.pollOnce());
    this.chain = next.then(() => undefined);
    return next;
  }

  private async pollOnce(): Promise<SeenAlert[] | undefined> {
    this.polls++;
    try {
      const now = Date.now();
      const listed: SeenAlert[] = [];
      for (const alert of await this.alertmanager.alerts()) {
        const key = alertStartKey(alert.labels, alert.startsAt);
        let seen = this.seen.get(key);
        if (seen === undefined) {
          seen = { labels: alert.labels, startsAt: alert.startsAt, firstSeenMs: now, lastSeenMs: now };
          this.seen.set(key, seen);
        } else seen.lastSeenMs = now;
        listed.push(seen);
      }
      return listed;
    } catch {
      this.failures++;
      return undefined;
    }
  }

  /** Whether a poll ever listed this start of this alert. */
  hasSeen(labels: Readonly<Record<string, string>>, startsAt: string): boolean {
    return this.seen.has(alertStartKey(labels, startsAt));
  }

  /** Every alert start listed so far. */
  all(): SeenAlert[] {
    return [...this.seen.values()];
  }

  /** Polls made and polls that failed. */
  stats(): { polls: number; failures: number } {
    return { polls: this.polls, failures: this.failures };
  }
}
