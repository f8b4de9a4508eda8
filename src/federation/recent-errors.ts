import type { RecentError } from './types.js';

/**
 * A bounded ring of the most recent failures: old ones are overwritten, never accumulated. The
 * messages pushed are the redacted ones telemetry records (the federation passes
 * `redactedMessageOf(error)`), never a driver's raw text.
 */
export class RecentErrors {
  private readonly ring: RecentError[] = [];
  private next = 0;

  /** @param capacity - failures kept */
  constructor(private readonly capacity: number) {}

  /** Keeps one failure (messages are cut at 500 characters so a huge driver message cannot bloat status()). */
  push(error: RecentError): void {
    if (this.capacity <= 0) return;
    const entry = { ...error, message: error.message.length > 500 ? `${error.message.slice(0, 497)}...` : error.message };
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The kept failures, oldest first. */
  list(): RecentError[] {
    if (this.ring.length < this.capacity) return this.ring.map((e) => ({ ...e }));
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)].map((e) => ({ ...e }));
  }
}
