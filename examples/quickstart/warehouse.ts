import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** The regions the generated data and the HTTP service share. */
export const REGIONS = ['emea', 'amer', 'apac', 'latam'] as const;

/** Customers the orders and the CRM share (250 per region keeps every merge small). */
export const CUSTOMER_COUNT = 1000;

/**
 * An in-memory DuckDB "warehouse" with generated orders: `orders(order_id, region, customer_id,
 * amount, ordered_at)`, deterministic so every run sees the same data.
 */
export async function openWarehouse(orderCount = 200_000): Promise<{ connection: DuckDBConnection; close(): void }> {
  // One thread: the demo shares a small machine with whatever else runs on it.
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const regions = REGIONS.map((r) => `'${r}'`).join(', ');
  await connection.run(`
    CREATE TABLE orders AS
    SELECT i AS order_id,
           ([${regions}])[1 + (i % ${REGIONS.length})] AS region,
           -- a customer of the order's region: the CRM puts customer n in region n % ${REGIONS.length}
           ${REGIONS.length} * ((i * 7919) % ${CUSTOMER_COUNT / REGIONS.length}) + i % ${REGIONS.length} AS customer_id,
           round(10 + ((i * 104729) % 100000) / 100.0, 2) AS amount,
           TIMESTAMP '2026-01-01' + to_seconds(i * 37) AS ordered_at
    FROM range(${orderCount}) t(i)`);
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
