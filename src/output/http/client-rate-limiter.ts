/** The token bucket of each client: its steady rate, its burst and how many clients are remembered. */
export interface ClientRateLimits {
  /** Requests per second a client may make in the long run (the bucket's refill rate). */
  readonly requestsPerSecond: number;
  /** Requests a client may make at once after a pause (the bucket's size). */
  readonly burst: number;
  /** Clients remembered at once; the least recently seen is forgotten beyond (it starts again with a full bucket). */
  readonly maxClients: number;
}

/** What a {@link ClientRateLimiter} counted, for `/metrics`. */
export interface ClientRateLimiterStats {
  /** Requests refused (429) so far. */
  readonly limited: number;
  /** Clients forgotten to keep the map within `maxClients`. */
  readonly evicted: number;
  /** Clients remembered now. */
  readonly clients: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in milliseconds of `now()`. */
  at: number;
}

/**
 * A token bucket per client (remote address), in a map bounded to `maxClients` that forgets the
 * least recently seen client first (a Map keeps insertion order; a client seen again is moved to
 * the end), so a flood of addresses cannot grow memory.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private limitedCount = 0;
  private evictedCount = 0;

  /**
   * @param limits - rate, burst and the most clients remembered
   * @param now - a monotonic clock in milliseconds (tests pass their own)
   * @throws RangeError when a limit is not positive (or `burst`, `maxClients` not an integer)
   */
  constructor(
    private readonly limits: ClientRateLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limits.requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be positive, got ${limits.requestsPerSecond}`);
    if (!Number.isInteger(limits.burst) || limits.burst < 1) throw new RangeError(`burst must be an integer ≥ 1, got ${limits.burst}`);
    if (!Number.isInteger(limits.maxClients) || limits.maxClients < 1)
      throw new RangeError(`maxClients must be an integer ≥ 1, got ${limits.maxClients}`);
  }

  /**
   * Takes one request from the client's bucket: `undefined` when it may go on, else the whole
   * seconds until a request will be admitted again (the `Retry-After` value, at least 1).
   */
  take(client: string): number | undefined {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= this.limits.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
        this.evictedCount++;
      }
      bucket = { tokens: this.limits.burst, at: now };
    } else {
      this.buckets.delete(client);
      bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.requestsPerSecond);
      bucket.at = now;
    }
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    this.limitedCount++;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limits.requestsPerSecond));
  }

  /** What was counted so far. */
  stats(): ClientRateLimiterStats {
    return { limited: this.limitedCount, evicted: this.evictedCount, clients: this.buckets.size };
  }
}
