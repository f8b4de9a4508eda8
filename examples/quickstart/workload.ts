import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { federatedQuery, instrumentAdapter, stage } from 'fedscope';
import type { Customer } from './crm-service.js';
import { REGIONS } from './warehouse.js';

/** One row of the merged answer. */
interface TierRevenue {
  tier: string;
  customers: number;
  revenue: number;
}

/** The quickstart's two sources, wrapped by fedscope: DuckDB and a loopback HTTP API. */
export function instrumentSources(connection: DuckDBConnection, crmUrl: string) {
  const warehouse = instrumentAdapter(connection, {
    source: 'warehouse',
    system: 'duckdb',
    namespace: 'memory',
    methods: ['runAndReadAll'],
    countRows: (result) => (result as DuckDBResultReader).currentRowCount,
  });
  const crm = instrumentAdapter(
    { get: (path: string) => fetch(`${crmUrl}${path}`) },
    { source: 'crm', system: 'http', methods: ['get'], describeCall: ({ args }) => ({ kind: 'http', method: 'GET', url: `${crmUrl}${String(args[0])}` }) },
  );
  return { warehouse, crm };
}

type Sources = ReturnType<typeof instrumentSources>;

async function fetchCustomers(crm: Sources['crm'], region: string): Promise<Customer[]> {
  const response = await crm.get(`/customers?region=${region}`);
  if (!response.ok) throw Object.assign(new Error(`crm answered ${response.status}`), { code: `HTTP_${response.status}` });
  return (await response.json()) as Customer[];
}

/** Revenue per customer tier in a region: orders from DuckDB joined with tiers from the CRM. */
export function revenueByTier(sources: Sources, region: string): Promise<TierRevenue[]> {
  return federatedQuery('revenue_by_tier', async () => {
    const sql = await stage('plan', () =>
      `SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = '${region}' GROUP BY customer_id`,
    );
    const [orders, customers] = await stage('dispatch', () =>
      Promise.all([
        stage('fetch', () => sources.warehouse.runAndReadAll(sql), { part: 'orders' }),
        stage('fetch', () => fetchCustomers(sources.crm, region), { part: 'customers' }),
      ]),
    );
    return stage('merge', () => {
      const tierOf = new Map(customers.map((c) => [c.customer_id, c.tier]));
      const totals = new Map<string, TierRevenue>();
      for (const row of orders.getRowObjectsJson()) {
        const tier = tierOf.get(Number(row['customer_id'])) ?? 'unknown';
        const entry = totals.get(tier) ?? { tier, customers: 0, revenue: 0 };
        entry.customers++;
        entry.revenue += Number(row['revenue']);
        totals.set(tier, entry);
      }
      return [...totals.values()].sort((a, b) => b.revenue - a.revenue);
    });
  });
}

/** The ten best customers of a region with their CRM names. */
export function topCustomers(sources: Sources, region: string): Promise<Array<{ name: string; revenue: number }>> {
  return federatedQuery('top_customers', async () => {
    const [top, customers] = await stage('dispatch', () =>
      Promise.all([
        stage(
          'fetch',
          () =>
            sources.warehouse.runAndReadAll(
              `SELECT customer_id, sum(amount) AS revenue FROM orders WHERE region = '${region}' GROUP BY customer_id ORDER BY revenue DESC LIMIT 10`,
            ),
          { part: 'top' },
        ),
        stage('fetch', () => fetchCustomers(sources.crm, region), { part: 'customers' }),
      ]),
    );
    return stage('merge', () => {
      const names = new Map(customers.map((c) => [c.customer_id, c.name]));
      return top.getRowObjectsJson().map((row) => ({ name: names.get(Number(row['customer_id'])) ?? '?', revenue: Number(row['revenue']) }));
    });
  });
}

/** Orders per day over the last weeks of data: one source only. */
export function dailyOrders(sources: Sources): Promise<number> {
  return federatedQuery('daily_orders', async () => {
    const result = await stage('fetch', () =>
      sources.warehouse.runAndReadAll(
        `SELECT date_trunc('day', ordered_at) AS day, count(*) AS orders FROM orders WHERE ordered_at > TIMESTAMP '2026-03-01' GROUP BY 1 ORDER BY 1`,
      ),
    );
    return result.currentRowCount;
  });
}

/** Picks the next query of the mixed workload. */
export function runOneQuery(sources: Sources, n: number): Promise<unknown> {
  const region = REGIONS[n % REGIONS.length]!;
  switch (n % 5) {
    case 0:
    case 1:
    case 2:
      return revenueByTier(sources, region);
    case 3:
      return topCustomers(sources, region);
    default:
      return dailyOrders(sources);
  }
}
