import { abortableDelay } from './http-retry.js';

/** How long shutdown waits for aborted attempts to settle after its deadline. */
const ABORT_SETTLE_MS = 1000;

/** What a {@link DeliveryShutdown} asks of its sender when it shuts down. */
export interface DeliveryShutdownSteps {
  /** At the deadline, before the attempts in flight are aborted: drop (and count) what still waits. */
  giveUpWaiting(): void;
  /** Reports a failure of shutdown's own steps (never expected). */
  onError(error: unknown): void;
}

/**
 * The bounded shutdown of a sender that queues work and retries it (the collector's trace
 * forwarder, the InfluxDB push): once begun, it keeps delivering until nothing is held or the
 * deadline passes; then what waits is given up, the attempts in flight are aborted
 * ({@link DeliveryShutdown.abandoned}) and settle. A retry that could not start before the
 * deadline is known as soon as shutdown begins, so a long `Retry-After` does not hold it up.
 */
export class DeliveryShutdown {
  private readonly begunController = new AbortController();
  private readonly abandonController = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private closing: { readonly deadline: number; readonly done: Promise<void> } | undefined;

  /** @param isIdle - true when the sender holds nothing (queued, in flight or waiting to retry) */
  constructor(private readonly isIdle: () => boolean) {}

  /** True once shutdown has begun: new work is refused. */
  get begun(): boolean {
    return this.closing !== undefined;
  }

  /** Aborted at the deadline: pass it to each attempt, so what is in flight ends at once. */
  get abandoned(): AbortSignal {
    return this.abandonController.signal;
  }

  /**
   * Begins shutdown (once; a later call returns the same promise): resolves when nothing is held,
   * or by `timeoutMs` plus a second for aborted attempts to settle. Never rejects.
   */
  shutdown(timeoutMs: number, steps: DeliveryShutdownSteps): Promise<void> {
    if (this.closing === undefined) {
      const budget = Number.isFinite(timeoutMs) ? Math.max(0, timeoutMs) : 0;
      this.closing = { deadline: Date.now() + budget, done: this.drain(budget, steps) };
      this.begunController.abort();
    }
    return this.closing.done;
  }

  /** Waits until `retryAt`; false when the retry cannot start before shutdown's deadline. */
  async waitToRetry(retryAt: number): Promise<boolean> {
    if (this.closing === undefined && (await abortableDelay(retryAt - Date.now(), this.begunController.signal))) return true;
    if (this.closing !== undefined && retryAt > this.closing.deadline) return false;
    return abortableDelay(Math.max(0, retryAt - Date.now()), this.abandonController.signal);
  }

  /** Call whenever the sender finishes a piece of work: wakes shutdown once it holds nothing. */
  notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async drain(budgetMs: number, steps: DeliveryShutdownSteps): Promise<void> {
    try {
      if (!(await this.idle(budgetMs))) {
        steps.giveUpWaiting();
        this.abandonController.abort();
        await this.idle(ABORT_SETTLE_MS);
      }
    } catch (error) {
      steps.onError(error);
    }
  }

  /** Resolves true once nothing is held, or false after `timeoutMs`. */
  private idle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
