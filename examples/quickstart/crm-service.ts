import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CUSTOMER_COUNT, REGIONS } from './warehouse.js';

/** A customer as the CRM service returns it. */
export interface Customer {
  customer_id: number;
  name: string;
  tier: 'gold' | 'silver' | 'bronze';
  /** Last day the customer was active (YYYY-MM-DD). */
  last_active: string;
}

/**
 * The faults the simulated CRM injects, as a flaky upstream API shows them:
 * - `bursts`: 503s that come in runs (one request in `burstChance` starts a run, and each next
 *   request stays in it with `burstStay`), plus slow spells (for `slowSpellMs` every `slowEveryMs`
 *   on average, answers take `slowFactor` times longer) and blips (for `blipMs` every `blipEveryMs`
 *   on average, every request gets a 503). Retries absorb them; the breaker stays closed.
 * - `outages`: `bursts` plus outages (for `outageMs` every `outageEveryMs` on average, every
 *   request gets a 503) long enough to open the breaker.
 * - `none`: a well-behaved API.
 */
export type CrmFaultProfile = 'bursts' | 'outages' | 'none';

/** Options of the simulated CRM. */
export interface CrmOptions {
  /** Median response delay in milliseconds. */
  medianDelayMs?: number;
  /** Which faults to inject. */
  faults?: CrmFaultProfile;
}

/** Fault figures per profile (see {@link CrmFaultProfile}). */
const FAULTS = {
  burstChance: 0.06,
  burstStay: 0.5,
  slowEveryMs: 45_000,
  slowSpellMs: 3_000,
  slowFactor: 5,
  blipEveryMs: 20_000,
  blipMs: 300,
  outageEveryMs: 90_000,
  outageMs: 8_000,
} as const;

/** What the CRM has injected so far (the quickstart prints it). */
export interface CrmFaultCounts {
  requests: number;
  errors503: number;
  slowSpells: number;
  blips: number;
  outages: number;
}

/**
 * A loopback HTTP JSON service standing in for a CRM API:
 * `GET /customers?region=emea&active_since=2026-02-01` returns that region's customers active since
 * the day, after a lognormal delay, with the faults of its profile.
 */
export async function startCrmService(options: CrmOptions = {}): Promise<{ url: string; faults: CrmFaultCounts; close(): Promise<void> }> {
  const median = options.medianDelayMs ?? 6;
  const profile = options.faults ?? 'bursts';
  const byRegion = new Map<string, Customer[]>();
  for (let id = 0; id < CUSTOMER_COUNT; id++) {
    const region = REGIONS[id % REGIONS.length]!;
    const tier = id % 10 === 0 ? 'gold' : id % 3 === 0 ? 'silver' : 'bronze';
    const lastActive = new Date(Date.UTC(2026, 0, 1 + ((id * 37) % 90))).toISOString().slice(0, 10);
    const list = byRegion.get(region) ?? [];
    list.push({ customer_id: id, name: `customer-${id}`, tier, last_active: lastActive });
    byRegion.set(region, list);
  }

  const counts: CrmFaultCounts = { requests: 0, errors503: 0, slowSpells: 0, blips: 0, outages: 0 };
  const state = { inBurst: false, slow: false, down: 0 };
  const timers = new Set<NodeJS.Timeout>();
  // Blips and outages may overlap, hence a count of what keeps the service down. A spell starts after an exponential wait (a Poisson process, so spells do not line up with
  // the alert windows) and lasts a fixed time; timers are unref'd so they never hold the process.
  const spells = (everyMs: number, lastsMs: number, on: () => void, off: () => void): void => {
    const schedule = (): void => {
      const start = setTimeout(
        () => {
          timers.delete(start);
          on();
          const end = setTimeout(() => {
            timers.delete(end);
            off();
            schedule();
          }, lastsMs);
          end.unref();
          timers.add(end);
        },
        -Math.log(1 - Math.random()) * everyMs,
      );
      start.unref();
      timers.add(start);
    };
    schedule();
  };
  if (profile !== 'none') {
    spells(
      FAULTS.slowEveryMs,
      FAULTS.slowSpellMs,
      () => ((state.slow = true), counts.slowSpells++),
      () => (state.slow = false),
    );
    spells(
      FAULTS.blipEveryMs,
      FAULTS.blipMs,
      () => (state.down++, counts.blips++),
      () => state.down--,
    );
  }
  if (profile === 'outages')
    spells(
      FAULTS.outageEveryMs,
      FAULTS.outageMs,
      () => (state.down++, counts.outages++),
      () => state.down--,
    );

  /** Whether this request gets a 503: during a blip or outage, or in a run of them. */
  const fails = (): boolean => {
    if (profile === 'none') return false;
    state.inBurst = state.inBurst ? Math.random() < FAULTS.burstStay : Math.random() < FAULTS.burstChance;
    return state.down > 0 || state.inBurst;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/customers') {
      res.writeHead(404).end();
      return;
    }
    counts.requests++;
    if (fails()) {
      // An overloaded or restarting upstream answers at once.
      counts.errors503++;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
      return;
    }
    // Lognormal delay: most answers near the median, a long tail like a real API.
    const normal = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    const delay = median * (state.slow ? FAULTS.slowFactor : 1) * Math.exp(0.6 * normal);
    const since = url.searchParams.get('active_since') ?? '';
    setTimeout(() => {
      const customers = (byRegion.get(url.searchParams.get('region') ?? '') ?? []).filter((c) => c.last_active >= since);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(customers));
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults: counts,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
