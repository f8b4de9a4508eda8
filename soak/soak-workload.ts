import { DuckDBSource, Federation, HttpSource, MysqlSource, PostgresSource, type Row } from 'fedscope';

/** Each part's rows by part name, as a custom merge receives them. */
type PartResults = Readonly<Record<string, readonly Row[]>>;

/** What each source adapter is built on, as its public constructor takes it. */
type PgPoolLike = ConstructorParameters<typeof PostgresSource>[0];
type MysqlPoolLike = ConstructorParameters<typeof MysqlSource>[0];
type DuckDBConnectionLike = ConstructorParameters<typeof DuckDBSource>[0];

/** The regions every source knows. */
export const SOAK_REGIONS = ['emea', 'amer', 'apac', 'latam'] as const;

/** Customers per run; customer `n` lives in region `n % 4`. */
export const SOAK_CUSTOMER_COUNT = 1000;

/** Orders per run, spread over 90 days from 2026-01-01. */
export const SOAK_ORDER_COUNT = 20_000;

/** Days a query may look back from. */
const SINCE_DAYS = ['2026-01-01', '2026-01-15', '2026-02-01', '2026-02-15', '2026-03-01', '2026-03-15'] as const;

/** Customer tiers. */
const TIERS = ['gold', 'silver', 'bronze'] as const;

/**
 * The cache's TTL is this many seconds over the arrival rate, so the hit ratio stays the same
 * whatever the rate (the quickstart's reasoning: λ·TTL stays constant per cache key).
 */
const CACHE_TTL_RATE_SECONDS = 60;

/** What the soak's federation runs on. */
export interface SoakSources {
  /** A pg `Pool` (instrumented by fedscope's pg instrumentation), through the parent's TCP proxy. */
  readonly postgres: PgPoolLike;
  /** A mysql2/promise pool (instrumented), through the parent's TCP proxy. */
  readonly mariadb: MysqlPoolLike;
  /** A connection of an embedded DuckDB holding the `products` table. */
  readonly duckdb: DuckDBConnectionLike;
  /** Base URL of the parent's HTTP source. */
  readonly httpSourceUrl: string;
  /** PostgreSQL's table of orders. */
  readonly ordersTable: string;
  /** MariaDB's table of customers. */
  readonly customersTable: string;
  /** Target queries per second (sets the cache's TTL). */
  readonly rate: number;
}

/** The DuckDB statement that fills the embedded `products` table (2,000 products, 500 per region). */
export const PRODUCTS_DDL = `
  CREATE TABLE products AS
  SELECT i AS product_id,
         (['emea', 'amer', 'apac', 'latam'])[1 + (i % 4)] AS region,
         (['tools', 'garden', 'kitchen', 'toys', 'books'])[1 + (i % 5)] AS category,
         round(5 + ((i * 7919) % 20000) / 100.0, 2)::DOUBLE AS price
  FROM range(2000) t(i)`;

/**
 * Every source's circuit breaker: it opens on 20 failures in a row or half of the last 40 calls,
 * and tries again after 2 s. The runtime's default (5 in a row, 10 s) suits a remote service that
 * is down; here it would turn a second-long stall of a busy machine into 10 s of refused calls.
 */
const BREAKER = { consecutiveFailures: 20, failureRate: 0.5, windowSize: 40, coolDownMs: 2_000 };

/** One retry after a short jittered wait, for the sources reached over the network. */
const RETRY = { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 200 };

/**
 * A federation over the four kinds of source the soak exercises: PostgreSQL (`orders`), MariaDB
 * (`customers`), embedded DuckDB (`catalog`) and an HTTP JSON API (`regions`). The networked
 * sources retry once, and every source has a circuit breaker, as a production service would: when
 * the proxy cuts the databases, their breakers open and queries fail fast instead of piling up.
 */
export function createSoakFederation(sources: SoakSources): Federation {
  const database = { concurrency: 8, timeoutMs: 2_000, retry: RETRY, breaker: BREAKER };
  return new Federation({ cache: { ttlMs: (CACHE_TTL_RATE_SECONDS / sources.rate) * 1000 } })
    .source('orders', new PostgresSource(sources.postgres), database)
    .source('customers', new MysqlSource(sources.mariadb, 'mariadb'), database)
    .source('catalog', new DuckDBSource(sources.duckdb), { concurrency: 1, timeoutMs: 2_000, breaker: BREAKER })
    .source('regions', new HttpSource({ baseUrl: sources.httpSourceUrl }), {
      concurrency: 16,
      timeoutMs: 2_000,
      retry: RETRY,
      breaker: BREAKER,
    });
}

/** Revenue per tier from the orders and customers parts (the custom merge of `revenue_by_tier`). */
function revenueByTier(results: PartResults): Row[] {
  const tierOf = new Map<unknown, string>();
  for (const customer of results['customers'] ?? []) tierOf.set(customer['customer_id'], String(customer['tier']));
  const byTier = new Map<string, { tier: string; customers: number; revenue: number }>();
  for (const order of results['orders'] ?? []) {
    const tier = tierOf.get(order['customer_id']) ?? 'unknown';
    const entry = byTier.get(tier) ?? { tier, customers: 0, revenue: 0 };
    entry.customers++;
    entry.revenue += Number(order['revenue']);
    byTier.set(tier, entry);
  }
  return [...byTier.values()].sort((a, b) => b.revenue - a.revenue);
}

/**
 * Runs the next query of the mix over a random region, day and tier: `revenue_by_tier`
 * (PostgreSQL + MariaDB, merged in code) 25 in 100, `top_products` (DuckDB + HTTP, joined) 30,
 * `tier_directory` (MariaDB + HTTP, joined) 20, `daily_orders` (PostgreSQL alone) 20, and
 * `revenue_report` (PostgreSQL + MariaDB merged in SQL by the embedded DuckDB merge engine) 5: an
 * SQL merge costs a few milliseconds of the event loop (its appender flushes synchronously), so it
 * is the rare query here, which keeps 1,000 queries/s within one process's reach.
 */
export function runSoakQuery(
  federation: Federation,
  tables: Pick<SoakSources, 'ordersTable' | 'customersTable'>,
  random: () => number = Math.random,
): Promise<Row[]> {
  const region = SOAK_REGIONS[Math.floor(random() * SOAK_REGIONS.length)]!;
  const since = SINCE_DAYS[Math.floor(random() * SINCE_DAYS.length)]!;
  const tier = TIERS[Math.floor(random() * TIERS.length)]!;
  const pick = Math.floor(random() * 100);
  const regionInfo = { source: 'regions', request: { path: `/regions/${region}` } };
  const run = (spec: Parameters<Federation['query']>[0]): Promise<Row[]> => federation.query(spec).then((result) => result.rows);
  const revenueParts = {
    orders: {
      source: 'orders',
      sql: `SELECT customer_id, sum(amount) AS revenue FROM ${tables.ordersTable} WHERE region = $1 AND day >= $2::date GROUP BY customer_id`,
      params: [region, since],
    },
    customers: { source: 'customers', sql: `SELECT customer_id, tier FROM ${tables.customersTable} WHERE region = ?`, params: [region] },
  };
  if (pick < 25) return run({ name: 'revenue_by_tier', parts: revenueParts, merge: { custom: revenueByTier } });
  if (pick < 30)
    return run({
      name: 'revenue_report',
      parts: revenueParts,
      merge: {
        sql: `SELECT c.tier, count(*) AS customers, sum(o.revenue) AS revenue
              FROM orders o JOIN customers c USING (customer_id) GROUP BY c.tier ORDER BY revenue DESC`,
      },
    });
  if (pick < 60)
    return run({
      name: 'top_products',
      parts: {
        products: {
          source: 'catalog',
          sql: 'SELECT region, product_id, category, price FROM products WHERE region = ? ORDER BY price DESC LIMIT 10',
          params: [region],
        },
        region: regionInfo,
      },
      merge: { join: { left: 'products', right: 'region', on: 'region' } },
    });
  if (pick < 80)
    return run({
      name: 'tier_directory',
      parts: {
        customers: {
          source: 'customers',
          sql: `SELECT region, customer_id, name FROM ${tables.customersTable} WHERE region = ? AND tier = ? ORDER BY customer_id LIMIT 20`,
          params: [region, tier],
        },
        region: regionInfo,
      },
      merge: { join: { left: 'customers', right: 'region', on: 'region' } },
    });
  return run({
    name: 'daily_orders',
    parts: {
      days: {
        source: 'orders',
        sql: `SELECT day, count(*) AS orders, sum(amount) AS amount FROM ${tables.ordersTable} WHERE day >= $1::date GROUP BY day ORDER BY day`,
        params: [since],
      },
    },
  });
}
