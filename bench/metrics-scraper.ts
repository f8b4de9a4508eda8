/** Scrape interval of the benches, as a Prometheus server set to scrape every second would. */
export const SCRAPE_INTERVAL_MS = 1000;

/** What a {@link MetricsScraper} did. */
export interface ScrapeStats {
  /** Scrapes answered with HTTP 200. */
  scrapes: number;
  /** Scrapes that failed (HTTP error or no answer). */
  failures: number;
  /** Bytes of the last exposition read. */
  lastBytes: number;
}

/**
 * Fetches a Prometheus `/metrics` URL every second of one variant's timed rounds and reads the
 * whole body, as a Prometheus server would: the benches' "readers users run". Started and stopped
 * around each timed round, it counts only the time it ran, so a variant pays for one scrape per
 * second of its own rounds however short they are (the first when it first starts). The timer
 * fires only when the measured code yields to the event loop, so timed rounds yield regularly
 * (see `yieldToEventLoop`). A failed scrape is counted and reported with the figures.
 */
export class MetricsScraper {
  private readonly stats: ScrapeStats = { scrapes: 0, failures: 0, lastBytes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private url = '';
  /** Running time since the last scrape, over earlier start–stop spans. */
  private runningSinceScrapeMs: number;
  private resumedAtMs = 0;

  /** @param intervalMs - running time between scrapes */
  constructor(private readonly intervalMs = SCRAPE_INTERVAL_MS) {
    this.runningSinceScrapeMs = intervalMs;
  }

  /** Starts (or resumes) scraping `url`: the next scrape is due one interval of running time after the last. */
  start(url: string): this {
    if (this.timer !== undefined) return this;
    this.url = url;
    this.resumedAtMs = performance.now();
    this.schedule(this.intervalMs - this.runningSinceScrapeMs);
    return this;
  }

  /** Pauses scraping, waits for a scrape in flight, and returns what was done since the scraper was built. */
  async stop(): Promise<ScrapeStats> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.runningSinceScrapeMs += performance.now() - this.resumedAtMs;
    }
    await this.inFlight;
    return { ...this.stats };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(
      () => {
        this.runningSinceScrapeMs = 0;
        this.resumedAtMs = performance.now();
        if (this.inFlight === undefined) this.inFlight = this.scrape().finally(() => (this.inFlight = undefined));
        this.schedule(this.intervalMs);
      },
      Math.max(0, delayMs),
    );
  }

  private async scrape(): Promise<void> {
    try {
      const response = await fetch(this.url);
      const body = await response.text();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.stats.scrapes++;
      this.stats.lastBytes = body.length;
    } catch {
      this.stats.failures++;
    }
  }
}
