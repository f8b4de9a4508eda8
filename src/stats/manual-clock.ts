import type { Clock } from './types.js';

/** A clock that only moves when told to: for tests and replays. */
export class ManualClock implements Clock {
  private current: number;

  /** @param startMs initial time in milliseconds @default 0 */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  /** Current time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** Sets the time; it may go backwards. */
  set(ms: number): void {
    this.current = ms;
  }

  /** Moves the time by `ms` (negative to go back) and returns the new time. */
  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }
}
