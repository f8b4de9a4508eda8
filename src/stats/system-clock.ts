import type { Clock } from './types.js';

/**
 * Wall-clock time, `Date.now()`: epoch milliseconds, so window slots line up across processes.
 * It can step backwards (NTP, VM resume); {@link SlidingWindowStats} copes with that.
 * A read costs about 40 ns: on hot paths read it once per span and pass the time along.
 */
export class SystemClock implements Clock {
  /** A shared instance; the clock has no state. */
  static readonly instance: SystemClock = new SystemClock();

  /** Current epoch milliseconds. */
  now(): number {
    return Date.now();
  }
}
