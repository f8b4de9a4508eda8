/** Size of the ring of recent attempts a source's health is computed over. */
const RECENT = 100;

/** Recent outcomes and latencies of one source's attempts, for `status()`. */
export class SourceHealth {
  private callCount = 0;
  private errorCount = 0;
  private readonly failed: boolean[] = [];
  private readonly latencies: number[] = [];
  private next = 0;
  private last = 0;

  /** Records one finished attempt. */
  record(durationMs: number, failed: boolean): void {
    this.callCount++;
    if (failed) this.errorCount++;
    this.last = durationMs;
    if (this.failed.length < RECENT) {
      this.failed.push(failed);
      this.latencies.push(durationMs);
    } else {
      this.failed[this.next] = failed;
      this.latencies[this.next] = durationMs;
    }
    this.next = (this.next + 1) % RECENT;
  }

  /** Attempts finished. */
  get calls(): number {
    return this.callCount;
  }

  /** Attempts failed. */
  get errors(): number {
    return this.errorCount;
  }

  /** Failure share of the recent attempts, null before the first. */
  recentErrorRate(): number | null {
    if (this.failed.length === 0) return null;
    return this.failed.filter(Boolean).length / this.failed.length;
  }

  /** Last, mean and max latency of the recent attempts (a 100-sample ring: cheap, and enough for a status page). */
  latency(): { last: number; mean: number; max: number } | null {
    if (this.latencies.length === 0) return null;
    let sum = 0;
    let max = 0;
    for (const value of this.latencies) {
      sum += value;
      if (value > max) max = value;
    }
    return { last: round(this.last), mean: round(sum / this.latencies.length), max: round(max) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
