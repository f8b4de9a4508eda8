import { classifyDbError } from '../span-model/error-class.js';
import { FederationError } from './federation-error.js';
import { HttpStatusError } from './http-status-error.js';
import type { RetryOptions } from './types.js';

/** HTTP statuses that say "try again later" rather than "your request is wrong". */
const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);

/**
 * The default retry rule: connection errors, deadlocks and serialisation failures (classified by
 * `classifyDbError`), and HTTP 429/502/503/504. Timeouts are not retried: a source that is slow
 * now would get the same load again while the first call may still run.
 */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof FederationError) return false;
  if (error instanceof HttpStatusError) return RETRYABLE_HTTP.has(error.status);
  const { errorClass } = classifyDbError(error);
  return errorClass === 'connection_error' || errorClass === 'transaction_rollback';
}

/** Retries with exponential backoff and full jitter ("Exponential Backoff and Jitter", AWS). */
export class RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly retryable: (error: unknown) => boolean;

  /**
   * @param options - attempts, backoff and the retryable-error rule; `false` allows one attempt
   * @param random - uniform [0, 1) source (injectable so tests can pin the jitter)
   */
  constructor(
    options: RetryOptions | false | undefined,
    private readonly random: () => number = Math.random,
  ) {
    const o = options === false ? { maxAttempts: 1 } : (options ?? {});
    this.maxAttempts = Math.max(1, Math.floor(o.maxAttempts ?? 3));
    this.baseDelayMs = Math.max(0, o.baseDelayMs ?? 50);
    this.maxDelayMs = Math.max(0, o.maxDelayMs ?? 2000);
    this.retryable = o.retryable ?? isRetryableError;
  }

  /** Whether attempt `attempt` (1-based) that failed with `error` should be followed by another. */
  shouldRetry(attempt: number, error: unknown): boolean {
    if (attempt >= this.maxAttempts) return false;
    try {
      return this.retryable(error);
    } catch {
      return false;
    }
  }

  /** Milliseconds to wait after failed attempt `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]. */
  delayMs(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }
}
