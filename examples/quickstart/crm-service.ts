import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REGIONS } from './warehouse.js';

/** A customer as the CRM service returns it. */
export interface Customer {
  customer_id: number;
  name: string;
  tier: 'gold' | 'silver' | 'bronze';
}

/** Options of the simulated CRM: its latency and failure rate. */
export interface CrmOptions {
  /** Median response delay in milliseconds. */
  medianDelayMs?: number;
  /** Share of requests answered with 503. */
  errorRate?: number;
}

/**
 * A loopback HTTP JSON service standing in for a CRM API: `GET /customers?region=emea` returns that
 * region's customers after a lognormal delay, and fails with 503 at the configured rate.
 */
export async function startCrmService(options: CrmOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const median = options.medianDelayMs ?? 6;
  const errorRate = options.errorRate ?? 0.01;
  const byRegion = new Map<string, Customer[]>();
  for (let id = 0; id < 5000; id++) {
    const region = REGIONS[id % REGIONS.length]!;
    const tier = id % 10 === 0 ? 'gold' : id % 3 === 0 ? 'silver' : 'bronze';
    const list = byRegion.get(region) ?? [];
    list.push({ customer_id: id, name: `customer-${id}`, tier });
    byRegion.set(region, list);
  }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/customers') {
      res.writeHead(404).end();
      return;
    }
    // Lognormal delay: most answers near the median, a long tail like a real API.
    const normal = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    const delay = median * Math.exp(0.6 * normal);
    setTimeout(() => {
      if (Math.random() < errorRate) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
        return;
      }
      const customers = byRegion.get(url.searchParams.get('region') ?? '') ?? [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(customers));
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
