import { classifyDbError } from '../span-model/error-class.js';
import { FederationError } from './federation-error.js';
import type { BreakerOptions, BreakerState, BreakerStatus } from './types.js';

/** Called on every state change (metrics, status). */
export type BreakerListener = (breaker: string, state: BreakerState) => void;

/**
 * A circuit breaker: `closed` lets calls through and counts failures; too many (in a row, or as a
 * share of the last calls) open it; `open` refuses calls until the cool-down has passed; then
 * `half_open` lets exactly one probe through — its success closes the breaker, its failure
 * opens it again for another cool-down.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private enteredAt: number;
  private consecutive = 0;
  private transitionCount = 0;
  private probeRunning = false;
  /** Outcomes of the last calls (true = failure), a ring of `windowSize`. */
  private readonly window: boolean[] = [];
  private windowNext = 0;
  private readonly consecutiveLimit: number;
  private readonly rateLimit: number | undefined;
  private readonly windowSize: number;
  private readonly coolDownMs: number;
  private readonly counts: (error: unknown) => boolean;

  /**
   * @param name - the breaker's name (the source's name) for metrics
   * @param options - thresholds and cool-down
   * @param now - clock in milliseconds
   * @param onTransition - told of every state change
   */
  constructor(
    readonly name: string,
    options: BreakerOptions,
    private readonly now: () => number,
    private readonly onTransition: BreakerListener = () => undefined,
  ) {
    this.consecutiveLimit = Math.max(1, Math.floor(options.consecutiveFailures ?? 5));
    this.rateLimit = 'failureRate' in options && options.failureRate === undefined ? undefined : (options.failureRate ?? 0.5);
    this.windowSize = Math.max(1, Math.floor(options.windowSize ?? 20));
    this.coolDownMs = Math.max(0, options.coolDownMs ?? 10_000);
    this.counts = options.countsAsFailure ?? countsAgainstSource;
    this.enteredAt = now();
  }

  /** The state now (an open breaker whose cool-down has passed reads as half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.enteredAt >= this.coolDownMs) this.moveTo('half_open');
    return this.current;
  }

  /**
   * Asks to make a call. Returns true when it may go ahead (the caller must then report its
   * outcome with {@link success} or {@link failure}); false when the breaker refuses it.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probeRunning) return false;
    this.probeRunning = true;
    return true;
  }

  /** Reports a successful call. */
  success(): void {
    this.record(false);
    this.consecutive = 0;
    if (this.current === 'half_open') {
      this.probeRunning = false;
      this.window.length = 0;
      this.windowNext = 0;
      this.moveTo('closed');
    }
  }

  /** Reports a failed call; failures that do not count against the source (bad SQL) only end a probe. */
  failure(error: unknown): void {
    let counted: boolean;
    try {
      counted = this.counts(error);
    } catch {
      counted = true;
    }
    if (this.current === 'half_open') {
      this.probeRunning = false;
      // A probe that failed for the caller's own reason tells nothing about the source: probe again.
      if (counted) this.moveTo('open');
      return;
    }
    if (!counted) return;
    this.record(true);
    this.consecutive++;
    if (this.current === 'closed' && this.tripped()) this.moveTo('open');
  }

  /** Releases a probe slot taken by {@link tryAcquire} whose call never ran (queue full, aborted). */
  cancel(): void {
    if (this.current === 'half_open') this.probeRunning = false;
  }

  /** The breaker as `status()` reports it. */
  status(): BreakerStatus {
    const state = this.state;
    const failures = this.window.filter(Boolean).length;
    return {
      state,
      since: this.enteredAt,
      consecutiveFailures: this.consecutive,
      failureRate: this.window.length === 0 ? null : failures / this.window.length,
      transitions: this.transitionCount,
    };
  }

  private tripped(): boolean {
    if (this.consecutive >= this.consecutiveLimit) return true;
    if (this.rateLimit === undefined || this.window.length < this.windowSize) return false;
    return this.window.filter(Boolean).length / this.window.length >= this.rateLimit;
  }

  private record(failed: boolean): void {
    if (this.window.length < this.windowSize) this.window.push(failed);
    else this.window[this.windowNext] = failed;
    this.windowNext = (this.windowNext + 1) % this.windowSize;
  }

  private moveTo(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.enteredAt = this.now();
    this.transitionCount++;
    if (state === 'open') this.consecutive = 0;
    try {
      this.onTransition(this.name, state);
    } catch {
      // Telemetry of a transition must not change the breaker's behaviour.
    }
  }
}

/**
 * The default rule for what counts against a source: everything except errors in the statement
 * the caller sent (syntax, constraint violations), a refusal by the breaker itself, and a call
 * the query abandoned.
 */
export function countsAgainstSource(error: unknown): boolean {
  if (error instanceof FederationError) return error.code === 'TIMEOUT';
  const { errorClass } = classifyDbError(error);
  return errorClass !== 'syntax_error' && errorClass !== 'constraint_violation';
}
