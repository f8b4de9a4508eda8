/** Counts of a {@link PacedLoad}. */
export interface PacedLoadCounts {
  /** Arrivals started. */
  started: number;
  /** Arrivals that failed (the error is on their spans). */
  failed: number;
  /** Arrivals dropped because `maxInFlight` were still running. */
  shed: number;
}

/**
 * An open-loop load: arrivals at `ratePerSecond` on average with exponential gaps (a Poisson
 * process, the way independent users arrive), each started whether or not the earlier ones have
 * finished. Unlike closed-loop workers, a slow source does not slow the arrivals down, so latency
 * is measured as a user would see it. At most `maxInFlight` run at once; arrivals past that are
 * shed and counted, which keeps memory bounded when the sources stall.
 */
export class PacedLoad {
  /** Counts so far. */
  readonly counts: PacedLoadCounts = { started: 0, failed: 0, shed: 0 };
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * @param ratePerSecond - mean arrivals per second (> 0)
   * @param run - one arrival's work
   * @param maxInFlight - most arrivals running at once
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly run: () => Promise<unknown>,
    private readonly maxInFlight = 64,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new RangeError(`the arrival rate must be a positive number, got ${ratePerSecond}`);
  }

  /** Starts the arrivals. */
  start(): void {
    this.scheduleNext();
  }

  /** Stops new arrivals and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.running);
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    const gapMs = (-Math.log(1 - Math.random()) / this.ratePerSecond) * 1000;
    this.timer = setTimeout(() => {
      this.arrive();
      this.scheduleNext();
    }, gapMs);
  }

  private arrive(): void {
    if (this.running.size >= this.maxInFlight) {
      this.counts.shed++;
      return;
    }
    this.counts.started++;
    const done: Promise<void> = this.run().then(
      () => undefined,
      () => {
        this.counts.failed++;
      },
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }
}
