import { FederationError } from './federation-error.js';

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: unknown) => void;
}

/**
 * At most `limit` holders at once; the rest wait first-come first-served in a queue bounded by
 * `maxQueue`, so a slow source builds up visible waiting (`queued`) instead of unbounded work.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiters: Waiter[] = [];
  private rejectedCount = 0;

  /**
   * @param limit - holders at once
   * @param maxQueue - waiters at once; one more is refused with `QUEUE_FULL`
   */
  constructor(
    private readonly limit: number,
    private readonly maxQueue: number,
  ) {}

  /** Holders now. */
  get inFlight(): number {
    return this.running;
  }

  /** Waiters now. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Acquisitions refused because the queue was full. */
  get rejected(): number {
    return this.rejectedCount;
  }

  /**
   * Waits for a slot; resolves with the function that gives it back (call it exactly once).
   * Rejects with `QUEUE_FULL` when the queue is full, or with the signal's reason when `signal`
   * aborts while waiting (the waiter leaves the queue).
   */
  acquire(signal: AbortSignal, source: string): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxQueue) {
      this.rejectedCount++;
      return Promise.reject(
        new FederationError('QUEUE_FULL', `source '${source}' has ${this.waiters.length} calls waiting (maxQueue)`, { source }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `running` stays the same.
      if (next) next.resolve(this.releaser());
      else this.running--;
    };
  }
}
