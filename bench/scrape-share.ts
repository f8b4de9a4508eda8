import { PrometheusSerializer, type PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { measureCost, type Cost } from './measure.js';
import { SCRAPE_INTERVAL_MS } from './metrics-scraper.js';

/**
 * An in-process Prometheus reader (collected and serialised as a scrape would) charged to a variant
 * at one scrape per second of the variant's own timed work, whatever the length of its rounds:
 * after each timed round the reader is scraped once, timed apart, and the round pays the share of
 * that scrape that its own wall time is of the scrape interval. A scrape taken whenever a second
 * of wall clock had passed would land in a few rounds only (the median of the rounds would leave
 * it out), and that clock would run through the other variant's rounds and untimed set-up too.
 */
export class ScrapeShare {
  private readonly serializer = new PrometheusSerializer();
  private scrapes = 0;
  private bytes = 0;

  /** @param exporter - the variant's reader (undefined until its pipeline made it: then nothing is charged) */
  constructor(
    private readonly exporter: () => PrometheusExporter | undefined,
    private readonly intervalMs = SCRAPE_INTERVAL_MS,
  ) {}

  /**
   * Scrapes once and returns `round` (per operation, over `operations` operations) with its share
   * of the scrape added to both wall and CPU time.
   */
  async charge(round: Cost, operations: number): Promise<Cost> {
    const reader = this.exporter();
    if (reader === undefined) return round;
    const scrape = await measureCost(async () => {
      this.bytes = this.serializer.serialize((await reader.collect()).resourceMetrics).length;
    }, 1);
    this.scrapes++;
    const share = (round.wallNs * operations) / 1e6 / this.intervalMs;
    return {
      wallNs: round.wallNs + (scrape.wallNs * share) / operations,
      cpuNs: round.cpuNs + (scrape.cpuNs * share) / operations,
    };
  }

  /** Scrapes taken so far. */
  get count(): number {
    return this.scrapes;
  }

  /** Bytes of the last exposition. */
  get lastBytes(): number {
    return this.bytes;
  }
}
