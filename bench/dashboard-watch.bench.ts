/**
 * What watching costs the watched: the CPU time of a service running fedscope (bench/watched-service.ts,
 * 100 federated queries/s, Prometheus on and scraped every 5 s) with the dashboard open in headless
 * Chromium at its default refresh, against the same service with no page open — in one run, the
 * two alternating round by round (the order flipping each round), the service's own CPU time read
 * from the service process. The difference is what one open page costs; the goal is ≤ 1 %
 * of a core. Chromium's own CPU is the viewer's, not the service's, and is not counted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { round } from './measure.js';
import type { BenchEntry } from './types.js';

const ROUNDS = 10;
/** Seconds each variant is measured per round, after the page has loaded and settled. */
const MEASURE_SECONDS = 12;
const SETTLE_MS = 2_000;
const SCRAPE_INTERVAL_MS = 5_000;
const CHROMIUM = process.env['FEDSCOPE_CHROMIUM'] ?? '/usr/bin/chromium';

interface CpuReply {
  cpu: NodeJS.CpuUsage;
  at: string;
}

/** The service process: its metrics URL, and its CPU time on request. */
async function startService(): Promise<{ url: string; cpu(): Promise<CpuReply>; stop(): Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./watched-service.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the watched service exited (${code ?? 'signal'}) before it started`)));
  });
  return {
    url,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as CpuReply));
        child.send('cpu');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/** Share of one core the service used between two readings. */
function coreShare(before: CpuReply, after: CpuReply): number {
  const cpuMicros = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  const wallMicros = Number(BigInt(after.at) - BigInt(before.at)) / 1000;
  return cpuMicros / wallMicros;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const pct = (share: number) => `${round(share * 100, 3)} %`;

const entry: BenchEntry = {
  id: 'dashboard',
  async run() {
    const service = await startService();
    const profileDir = mkdtempSync(join(tmpdir(), 'fedscope-bench-chromium-'));
    let browser: Browser | undefined;
    // Prometheus, as users run it, in both variants alike.
    const scraper = setInterval(() => void fetch(`${service.url}/metrics`).then((r) => r.text()), SCRAPE_INTERVAL_MS);
    try {
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profileDir}`],
      });
      const page: Page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 800 });
      const measure = async (open: boolean): Promise<number> => {
        if (open) {
          const response = await page.goto(`${service.url}/fedscope/`, { waitUntil: 'networkidle2' });
          // A reload may be answered 304 (the page is revalidated by its ETag).
          if (!response?.ok() && response?.status() !== 304)
            throw new Error(`the dashboard did not load: HTTP ${response?.status() ?? 'no response'}`);
        } else await page.goto('about:blank');
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const before = await service.cpu();
        await new Promise((resolve) => setTimeout(resolve, MEASURE_SECONDS * 1000));
        return coreShare(before, await service.cpu());
      };
      // Warm-up: the service's JIT and the page's first load.
      await measure(true);
      await measure(false);
      const without: number[] = [];
      const withPage: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        if (r % 2 === 0) {
          without.push(await measure(false));
          withPage.push(await measure(true));
        } else {
          withPage.push(await measure(true));
          without.push(await measure(false));
        }
      }
      const cost = withPage.map((w, i) => w - without[i]!);
      return [
        {
          title: 'dashboard: what one open page costs the watched service',
          columns: ['variant', 'service CPU (share of one core), median', 'min – max'],
          rows: [
            ['no page open', pct(median(without)), `${pct(Math.min(...without))} – ${pct(Math.max(...without))}`],
            ['dashboard open (default refresh)', pct(median(withPage)), `${pct(Math.min(...withPage))} – ${pct(Math.max(...withPage))}`],
            ['cost of the page (paired by round)', pct(median(cost)), `${pct(Math.min(...cost))} – ${pct(Math.max(...cost))}`],
          ],
          notes: [
            `${ROUNDS} rounds of ${MEASURE_SECONDS} s per variant, alternating (order flipped each round); the service runs 100 federated queries/s with Prometheus on (scraped every ${SCRAPE_INTERVAL_MS / 1000} s) and default alerts, host and runtime metrics.`,
            'Goal (issue 15): one open page costs the service ≤ 1 % of a core at the default refresh.',
          ],
        },
      ];
    } finally {
      clearInterval(scraper);
      await browser?.close();
      await service.stop();
      rmSync(profileDir, { recursive: true, force: true });
    }
  },
};

export default entry;
