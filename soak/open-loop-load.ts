import { LogBucketSketch } from 'fedscope';
import type { LatencySummary, LoadCounts } from './soak-protocol.js';

/** Options of an {@link OpenLoopLoad}. */
export interface OpenLoopLoadOptions {
  /** Most queries running at once; arrivals beyond are shed and counted. @default 512 */
  maxInFlight?: number;
  /** Milliseconds between two ticks of the arrival clock. @default 5 */
  tickMs?: number;
  /** An arrival overdue by more than this is shed (the service fell behind), ms. @default 1000 */
  maxLagMs?: number;
  /** Names the kind of a failure, to count failures by kind. @default the error's name */
  classify?: (error: unknown) => string;
}

/** Most kinds of failure counted apart; the rest are counted as `_OTHER`. */
const MAX_FAILURE_KINDS = 32;

/**
 * An open-loop load at a fixed rate: arrival `i` is due at `start + i / rate`, and each tick starts
 * every arrival that has fallen due, whether or not earlier ones have finished, so a slow or
 * failing source does not slow the arrivals down. Node's timers cannot fire every millisecond
 * (a `setTimeout` per arrival tops out well under 1,000/s), hence the ticking clock.
 *
 * Latency is measured from each arrival's due time, not from when a busy event loop got round to
 * starting it, so a service that falls behind shows it in its percentiles. Arrivals overdue by
 * more than `maxLagMs`, or beyond `maxInFlight` running queries, are shed and counted: memory stays
 * bounded when everything stalls.
 */
export class OpenLoopLoad {
  private readonly counts = { started: 0, succeeded: 0, failed: 0, shed: 0 };
  private readonly all = new LogBucketSketch();
  private readonly succeeded = new LogBucketSketch();
  private readonly maxInFlight: number;
  private readonly tickMs: number;
  private readonly maxLagMs: number;
  private readonly classify: (error: unknown) => string;
  private readonly failureKinds = new Map<string, number>();
  private running = 0;
  private due = 0;
  private startedAt = 0;
  private stoppedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  /**
   * @param ratePerSecond - arrivals per second (> 0)
   * @param run - one arrival's work; a rejection counts as a failed query
   * @param options - bounds and the tick
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly run: () => Promise<unknown>,
    options: OpenLoopLoadOptions = {},
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new RangeError(`the rate must be a positive number, got ${ratePerSecond}`);
    this.maxInFlight = options.maxInFlight ?? 512;
    this.tickMs = options.tickMs ?? 5;
    this.maxLagMs = options.maxLagMs ?? 1000;
    this.classify = options.classify ?? ((error) => (error instanceof Error ? error.name : typeof error));
  }

  /** Starts the arrivals. */
  start(): void {
    if (this.timer !== undefined) return;
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  /** Stops new arrivals and waits for the running queries. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.stoppedAt ??= performance.now();
    if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  /** Counts so far. */
  snapshot(): LoadCounts {
    return { ...this.counts };
  }

  /** Failed queries by kind (see {@link OpenLoopLoadOptions.classify}). */
  failures(): Record<string, number> {
    return Object.fromEntries([...this.failureKinds].sort((a, b) => b[1] - a[1]));
  }

  /** Milliseconds the arrivals ran (until now while running). */
  durationMs(): number {
    return this.startedAt === 0 ? 0 : (this.stoppedAt ?? performance.now()) - this.startedAt;
  }

  /** Percentiles of every finished query, or of those that returned. */
  latency(which: 'all' | 'succeeded'): LatencySummary {
    const sketch = which === 'all' ? this.all : this.succeeded;
    const empty = sketch.count === 0;
    const [p50, p95, p99, p999] = empty ? [] : sketch.quantiles([0.5, 0.95, 0.99, 0.999]);
    return {
      count: sketch.count,
      p50: p50 ?? null,
      p95: p95 ?? null,
      p99: p99 ?? null,
      p999: p999 ?? null,
      max: empty ? null : sketch.max,
      relativeAccuracy: sketch.relativeAccuracy,
    };
  }

  private tick(): void {
    const now = performance.now();
    const dueNow = Math.floor(((now - this.startedAt) * this.ratePerSecond) / 1000);
    while (this.due < dueNow) {
      const dueAt = this.startedAt + (this.due * 1000) / this.ratePerSecond;
      this.due++;
      if (now - dueAt > this.maxLagMs || this.running >= this.maxInFlight) this.counts.shed++;
      else this.launch(dueAt);
    }
  }

  private launch(dueAt: number): void {
    this.counts.started++;
    this.running++;
    const settle = (ok: boolean, error?: unknown): void => {
      const latencyMs = performance.now() - dueAt;
      this.all.add(latencyMs);
      if (ok) {
        this.counts.succeeded++;
        this.succeeded.add(latencyMs);
      } else {
        this.counts.failed++;
        this.countFailure(error);
      }
      this.running--;
      if (this.running === 0 && this.idle !== undefined) {
        this.idle();
        this.idle = undefined;
      }
    };
    let work: Promise<unknown>;
    try {
      work = this.run();
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(
      () => settle(true),
      (error: unknown) => settle(false, error),
    );
  }

  private countFailure(error: unknown): void {
    let kind: string;
    try {
      kind = this.classify(error);
    } catch {
      kind = '_UNCLASSIFIED';
    }
    if (!this.failureKinds.has(kind) && this.failureKinds.size >= MAX_FAILURE_KINDS - 1) kind = '_OTHER';
    this.failureKinds.set(kind, (this.failureKinds.get(kind) ?? 0) + 1);
  }
}
