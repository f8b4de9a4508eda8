import { context } from '@opentelemetry/api';
import { withSourceContext } from '../../instrumentations/source-context.js';
import { CircuitBreaker, type BreakerListener } from './circuit-breaker.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { FederationError } from './federation-error.js';
import { recordRejectedCall } from './rejected-call-span.js';
import { RetryPolicy } from './retry-policy.js';
import { SourceHealth } from './source-health.js';
import type { SourceAdapter, SourceOptions, SourceRequest, SourceResult, SourceStatus } from './types.js';

/** Attempts made by one {@link RegisteredSource.call}, readable even when it fails. */
export interface AttemptTally {
  /** Attempts started so far. */
  attempts: number;
}

/**
 * A source as the federation runs it: its adapter behind a concurrency limit with a bounded queue,
 * a per-attempt timeout, retries and a circuit breaker, with health figures for `status()`.
 */
export class RegisteredSource {
  /** Resolved options. */
  readonly timeoutMs: number;
  /** Whether results may be cached. */
  readonly cacheable: boolean;
  private readonly limiter: ConcurrencyLimiter;
  private readonly retry: RetryPolicy;
  /** The breaker, if the source has one. */
  readonly breaker: CircuitBreaker | undefined;
  private readonly health = new SourceHealth();
  private readonly metadata: Record<string, string | number | boolean>;

  /**
   * @param name - registered name
   * @param adapter - the source
   * @param options - limits and resilience
   * @param now - clock in milliseconds
   * @param onTransition - told of breaker state changes
   */
  constructor(
    readonly name: string,
    readonly adapter: SourceAdapter,
    options: SourceOptions,
    now: () => number,
    onTransition: BreakerListener,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.cacheable = options.cache ?? true;
    this.limiter = new ConcurrencyLimiter(
      Math.max(1, Math.floor(options.concurrency ?? 8)),
      Math.max(0, Math.floor(options.maxQueue ?? 1000)),
    );
    this.retry = new RetryPolicy(options.retry);
    this.breaker = options.breaker === false ? undefined : new CircuitBreaker(name, options.breaker ?? {}, now, onTransition);
    this.metadata = { ...options.metadata };
  }

  /**
   * Runs `request` with retries. `signal` is the query's: when it aborts (another part failed),
   * the attempt running is abandoned and no further attempt starts.
   */
  async call(request: SourceRequest, part: string, signal: AbortSignal, tally: AttemptTally): Promise<SourceResult> {
    for (let attempt = 1; ; attempt++) {
      tally.attempts = attempt;
      try {
        return await this.attempt(request, part, signal, attempt - 1);
      } catch (error) {
        if (signal.aborted || !this.retry.shouldRetry(attempt, error)) throw error;
        await sleep(this.retry.delayMs(attempt), signal);
      }
    }
  }

  /** The source as `status()` reports it. */
  status(): SourceStatus {
    return {
      name: this.name,
      system: this.adapter.system,
      capabilities: { ...this.adapter.capabilities },
      metadata: { ...this.metadata },
      calls: this.health.calls,
      errors: this.health.errors,
      recentErrorRate: this.health.recentErrorRate(),
      latencyMs: this.health.latency(),
      inFlight: this.limiter.inFlight,
      queued: this.limiter.queued,
      rejected: this.limiter.rejected,
      breaker: this.breaker?.status() ?? null,
    };
  }

  /** @param retry - 0 for the first try, 1 for the first retry (`federation.retry.attempt` on its source span) */
  private async attempt(request: SourceRequest, part: string, querySignal: AbortSignal, retry: number): Promise<SourceResult> {
    if (querySignal.aborted) throw querySignal.reason;
    const breaker = this.breaker;
    if (breaker && !breaker.tryAcquire()) {
      // A refused call still counts as a (failed) call of the source, through its own span.
      recordRejectedCall(this.name, this.adapter.system, part, request);
      throw new FederationError('BREAKER_OPEN', `the circuit breaker of source '${this.name}' is ${breaker.state}`, {
        part,
        source: this.name,
      });
    }
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new FederationError('TIMEOUT', `source '${this.name}' did not answer within ${this.timeoutMs} ms`, { part, source: this.name }),
        ),
      this.timeoutMs,
    );
    const onQueryAbort = (): void => controller.abort(querySignal.reason);
    querySignal.addEventListener('abort', onQueryAbort, { once: true });
    const cleanUp = (): void => {
      clearTimeout(timer);
      querySignal.removeEventListener('abort', onQueryAbort);
    };

    let release: () => void;
    try {
      release = await this.limiter.acquire(controller.signal, this.name);
    } catch (error) {
      cleanUp();
      // Never called: tells nothing about the source's health, except a timeout spent waiting.
      if (error instanceof FederationError && error.code === 'TIMEOUT') breaker?.failure(error);
      else breaker?.cancel();
      throw error;
    }

    const started = performance.now();
    const ctx = withSourceContext(context.active(), { source: this.name, part, retryAttempt: retry });
    const call = context.with(ctx, async () => this.adapter.execute(request, controller.signal));
    // The slot is held until the driver call itself settles, even when we stopped waiting for it:
    // a source that cannot cancel must not get more concurrent work than its limit.
    call.then(release, release);
    const abandoned = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      else controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    abandoned.catch(() => undefined);
    try {
      const result = await Promise.race([call, abandoned]);
      this.health.record(performance.now() - started, false);
      breaker?.success();
      return result;
    } catch (error) {
      this.health.record(performance.now() - started, true);
      if (querySignal.aborted && !(error instanceof FederationError && error.code === 'TIMEOUT')) breaker?.cancel();
      else breaker?.failure(error);
      throw error;
    } finally {
      cleanUp();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
