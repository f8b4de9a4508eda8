import type { DuckDBConnection } from '@duckdb/node-api';
import type Database from 'better-sqlite3';
import { DuckDBSource, Federation, HttpSource, SqliteSource, type Row } from 'fedscope';
import { REGIONS } from './warehouse.js';

/**
 * The quickstart's federation: the DuckDB warehouse, the SQLite catalog and the CRM HTTP API as
 * registered sources. The driver instrumentations make the source spans; the runtime makes the
 * query and stage spans and names each call's source.
 */
export function createFederation(connection: DuckDBConnection, catalog: Database.Database, crmUrl: string): Federation {
  return (
    // A short TTL keeps traffic flowing to the sources (a demo of nothing but cache hits is dull).
    new Federation({ cache: { ttlMs: 2_000 } })
      // One DuckDB connection runs one statement at a time.
      .source('warehouse', new DuckDBSource(connection), { concurrency: 1, timeoutMs: 5_000, metadata: { kind: 'analytics' } })
      .source('catalog', new SqliteSource(catalog), { concurrency: 1, metadata: { kind: 'reference data' } })
      // The CRM answers 503 now and then: retried with backoff, and its breaker watches it.
      .source('crm', new HttpSource({ baseUrl: crmUrl }), { concurrency: 4, timeoutMs: 2_000, retry: { maxAttempts: 3, baseDelayMs: 20 } })
  );
}

/** Revenue per customer tier in a region: orders from DuckDB joined with tiers from the CRM, merged in SQL. */
export async function revenueByTier(federation: Federation, region: string): Promise<Row[]> {
  const { rows } = await federation.query({
    name: 'revenue_by_tier',
    parts: {
      orders: { source: 'warehouse', sql: 'SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = ? GROUP BY customer_id', params: [region] },
      customers: { source: 'crm', request: { path: '/customers', query: { region } } },
    },
    merge: {
      sql: `SELECT coalesce(c.tier, 'unknown') AS tier, count(*) AS customers, sum(o.revenue) AS revenue
            FROM orders o LEFT JOIN customers c USING (customer_id) GROUP BY 1 ORDER BY revenue DESC`,
    },
  });
  return rows;
}

/** The ten best customers of a region with their CRM names and the region's name from the catalog. */
export async function topCustomers(federation: Federation, region: string): Promise<Row[]> {
  const { rows } = await federation.query({
    name: 'top_customers',
    parts: {
      top: {
        source: 'warehouse',
        sql: 'SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = ? GROUP BY customer_id ORDER BY revenue DESC LIMIT 10',
        params: [region],
      },
      customers: { source: 'crm', request: { path: '/customers', query: { region } } },
      region: { source: 'catalog', sql: 'SELECT name AS region_name, currency FROM regions WHERE code = ?', params: [region] },
    },
    merge: {
      sql: `SELECT c.name, t.revenue, r.region_name, r.currency
            FROM top t LEFT JOIN customers c USING (customer_id) CROSS JOIN region r ORDER BY t.revenue DESC`,
    },
  });
  return rows;
}

/** Orders per day over the last weeks of data: one source only. */
export async function dailyOrders(federation: Federation): Promise<number> {
  const { rows } = await federation.query({
    name: 'daily_orders',
    parts: {
      days: {
        source: 'warehouse',
        sql: `SELECT date_trunc('day', ordered_at) AS day, count(*) AS orders FROM orders WHERE ordered_at > TIMESTAMP '2026-03-01' GROUP BY 1 ORDER BY 1`,
      },
    },
  });
  return rows.length;
}

/** Picks the next query of the mixed workload. */
export function runOneQuery(federation: Federation, n: number): Promise<unknown> {
  const region = REGIONS[n % REGIONS.length]!;
  switch (n % 5) {
    case 0:
    case 1:
    case 2:
      return revenueByTier(federation, region);
    case 3:
      return topCustomers(federation, region);
    default:
      return dailyOrders(federation);
  }
}
