import type { DuckDBConnection } from '@duckdb/node-api';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type Database from 'better-sqlite3';
import { DuckDBSource, Federation, HttpSource, SqliteSource, type Row } from 'fedscope';
import { REGIONS } from './warehouse.js';

/** The days a query may look back from: six fortnights over the generated data (Jan–Mar 2026). */
export const SINCE_DAYS = ['2026-01-01', '2026-01-15', '2026-01-29', '2026-02-12', '2026-02-26', '2026-03-12'] as const;

/**
 * The cache's TTL is this many seconds divided by the arrival rate, which keeps the hit ratios
 * steady whatever the rate: a key asked λ times a second is a miss once per TTL + 1/λ, so its hit
 * ratio is λ·TTL / (1 + λ·TTL), and λ·TTL no longer depends on the rate. With the mix of
 * {@link runOneQuery} (24 region × day keys per warehouse query and for the CRM, 4 for the
 * catalog, 6 for the daily series) ~63 % of part lookups hit, and ~85 % of queries are helped by
 * the cache — fedscope's cache hit ratio, which counts a query with at least one cached part as
 * a hit — inside the 70–90 % a real service sees and above the 70 % the default rule alerts under.
 */
export const CACHE_TTL_RATE_SECONDS = 60;

/** Options of the quickstart's federation. */
export interface QuickstartFederationOptions {
  /** TTL of cached results, in milliseconds. */
  cacheTtlMs: number;
}

/**
 * The quickstart's federation: the DuckDB warehouse, the SQLite catalog and the CRM HTTP API as
 * registered sources. The driver instrumentations make the source spans; the runtime makes the
 * query and stage spans and names each call's source.
 */
export function createFederation(
  connection: DuckDBConnection,
  catalog: Database.Database,
  crmUrl: string,
  options: QuickstartFederationOptions,
): Federation {
  return (
    new Federation({ cache: { ttlMs: options.cacheTtlMs } })
      // One DuckDB connection runs one statement at a time.
      .source('warehouse', new DuckDBSource(connection), { concurrency: 1, timeoutMs: 5_000, metadata: { kind: 'analytics' } })
      .source('catalog', new SqliteSource(catalog), { concurrency: 1, metadata: { kind: 'reference data' } })
      // The CRM answers 503s in runs and has short blips: four attempts with backoff (up to
      // 100 + 200 + 400 ms of jittered waits) outlast them. The breaker opens only on a real outage
      // (20 failed attempts in a row, or half of the last 40): a 300 ms blip can fail all four
      // attempts of each of the 4 concurrent calls (16 in a row), which must not open it.
      .source('crm', new HttpSource({ baseUrl: crmUrl }), {
        concurrency: 4,
        timeoutMs: 2_000,
        retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
        breaker: { consecutiveFailures: 20, failureRate: 0.5, windowSize: 40, coolDownMs: 5_000 },
      })
  );
}

/** Revenue per customer tier in a region since a day: orders from DuckDB joined with tiers from the CRM, merged in SQL. */
export async function revenueByTier(federation: Federation, region: string, since: string): Promise<Row[]> {
  const { rows } = await federation.query({
    name: 'revenue_by_tier',
    parts: {
      orders: {
        source: 'warehouse',
        sql: 'SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = ? AND ordered_at >= CAST(? AS TIMESTAMP) GROUP BY customer_id',
        params: [region, since],
      },
      customers: { source: 'crm', request: { path: '/customers', query: { region, active_since: since } } },
    },
    merge: {
      sql: `SELECT coalesce(c.tier, 'unknown') AS tier, count(*) AS customers, sum(o.revenue) AS revenue
            FROM orders o LEFT JOIN customers c USING (customer_id) GROUP BY 1 ORDER BY revenue DESC`,
    },
  });
  return rows;
}

/** The ten best customers of a region since a day, with their CRM names and the region's name from the catalog. */
export async function topCustomers(federation: Federation, region: string, since: string): Promise<Row[]> {
  const { rows } = await federation.query({
    name: 'top_customers',
    parts: {
      top: {
        source: 'warehouse',
        sql: 'SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = ? AND ordered_at >= CAST(? AS TIMESTAMP) GROUP BY customer_id ORDER BY revenue DESC LIMIT 10',
        params: [region, since],
      },
      customers: { source: 'crm', request: { path: '/customers', query: { region, active_since: since } } },
      region: { source: 'catalog', sql: 'SELECT name AS region_name, currency FROM regions WHERE code = ?', params: [region] },
    },
    merge: {
      sql: `SELECT c.name, t.revenue, r.region_name, r.currency
            FROM top t LEFT JOIN customers c USING (customer_id) CROSS JOIN region r ORDER BY t.revenue DESC`,
    },
  });
  return rows;
}

/** Orders per day since a day: one source only. */
export async function dailyOrders(federation: Federation, since: string): Promise<number> {
  const { rows } = await federation.query({
    name: 'daily_orders',
    parts: {
      days: {
        source: 'warehouse',
        sql: `SELECT date_trunc('day', ordered_at) AS day, count(*) AS orders FROM orders WHERE ordered_at >= CAST(? AS TIMESTAMP) GROUP BY 1 ORDER BY 1`,
        params: [since],
      },
    },
  });
  return rows.length;
}

/** Runs the next query of the mix: revenue_by_tier 3 in 6, top_customers 2 in 6, daily_orders 1 in 6, over a random region and day. */
export function runOneQuery(federation: Federation, random: () => number = Math.random): Promise<unknown> {
  const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
  const since = SINCE_DAYS[Math.floor(random() * SINCE_DAYS.length)]!;
  const pick = Math.floor(random() * 6);
  if (pick < 3) return revenueByTier(federation, region, since);
  if (pick < 5) return topCustomers(federation, region, since);
  return dailyOrders(federation, since);
}

/**
 * Runs every query shape a few times with tracing suppressed, then empties the cache: the JIT,
 * DuckDB and the merge engine warm up before the measured load starts, as a service does before it
 * takes traffic, so that the first slow calls do not set the first minute's p95 and health score.
 */
export async function warmUp(federation: Federation, rounds = 3): Promise<void> {
  await context.with(suppressTracing(context.active()), async () => {
    for (let round = 0; round < rounds; round++) {
      for (const region of REGIONS) {
        const since = SINCE_DAYS[round % SINCE_DAYS.length]!;
        // A CRM fault during the warm-up is no reason not to start.
        await Promise.allSettled([
          revenueByTier(federation, region, since),
          topCustomers(federation, region, since),
          dailyOrders(federation, since),
        ]);
      }
    }
  });
  federation.clearCache();
}
