import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseSettings } from './soak-protocol.js';
import { SOAK_CUSTOMER_COUNT, SOAK_ORDER_COUNT, SOAK_REGIONS } from './soak-workload.js';

/**
 * The soak's data, in tables of its own named after the run (so two runs, or the test suites
 * sharing the servers, never meet): PostgreSQL `fedscope_soak_orders_<run>` (20,000 orders over 90
 * days, indexed by region and day) and MariaDB `fedscope_soak_customers_<run>` (1,000 customers with
 * a region and a tier). Created before the service starts, dropped at the end.
 */
export class SoakTables {
  /** PostgreSQL's table of orders. */
  readonly ordersTable: string;
  /** MariaDB's table of customers. */
  readonly customersTable: string;

  /**
   * @param postgres - where the orders go (the server itself, not the proxy)
   * @param mariadb - where the customers go
   * @param runId - a word that tells this run's tables apart (letters, digits, `_`)
   */
  constructor(
    private readonly postgres: DatabaseSettings,
    private readonly mariadb: DatabaseSettings,
    runId: string,
  ) {
    if (!/^\w+$/.test(runId)) throw new Error(`a run id is letters, digits and _, got ${JSON.stringify(runId)}`);
    this.ordersTable = `fedscope_soak_orders_${runId}`;
    this.customersTable = `fedscope_soak_customers_${runId}`;
  }

  /** Creates and fills both tables (replacing leftovers of a run with the same id). */
  async create(): Promise<void> {
    const client = new pg.Client({ ...this.postgres });
    await client.connect();
    try {
      const regions = SOAK_REGIONS.map((r) => `'${r}'`).join(', ');
      await client.query(`DROP TABLE IF EXISTS ${this.ordersTable}`);
      await client.query(`
        CREATE TABLE ${this.ordersTable} AS
        SELECT i AS order_id,
               (ARRAY[${regions}])[1 + i % ${SOAK_REGIONS.length}] AS region,
               -- a customer of the order's region: customer n lives in region n % ${SOAK_REGIONS.length}
               ${SOAK_REGIONS.length} * ((i * 7919) % ${SOAK_CUSTOMER_COUNT / SOAK_REGIONS.length}) + i % ${SOAK_REGIONS.length} AS customer_id,
               round((10 + ((i * 104729) % 100000) / 100.0)::numeric, 2)::float8 AS amount,
               DATE '2026-01-01' + (i % 90) AS day
        FROM generate_series(0, ${SOAK_ORDER_COUNT - 1}) AS i`);
      await client.query(`CREATE INDEX ON ${this.ordersTable} (region, day)`);
      await client.query(`ANALYZE ${this.ordersTable}`);
    } finally {
      await client.end();
    }
    const connection = await mysql.createConnection({ ...this.mariadb });
    try {
      await connection.query(`DROP TABLE IF EXISTS ${this.customersTable}`);
      await connection.query(
        `CREATE TABLE ${this.customersTable} (customer_id INT PRIMARY KEY, region VARCHAR(8) NOT NULL, tier VARCHAR(8) NOT NULL, name VARCHAR(32) NOT NULL, INDEX (region, tier))`,
      );
      const rows = Array.from({ length: SOAK_CUSTOMER_COUNT }, (_, id) => [
        id,
        SOAK_REGIONS[id % SOAK_REGIONS.length]!,
        id % 10 === 0 ? 'gold' : id % 3 === 0 ? 'silver' : 'bronze',
        `customer-${id}`,
      ]);
      await connection.query(`INSERT INTO ${this.customersTable} (customer_id, region, tier, name) VALUES ?`, [rows]);
    } finally {
      await connection.end();
    }
  }

  /** Drops both tables; a failure is returned, not thrown (the soak's verdict does not depend on it). */
  async drop(): Promise<string | undefined> {
    const problems: string[] = [];
    try {
      const client = new pg.Client({ ...this.postgres });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS ${this.ordersTable}`).finally(() => client.end());
    } catch (error) {
      problems.push(`PostgreSQL: ${String(error)}`);
    }
    try {
      const connection = await mysql.createConnection({ ...this.mariadb });
      await connection.query(`DROP TABLE IF EXISTS ${this.customersTable}`).finally(() => connection.end());
    } catch (error) {
      problems.push(`MariaDB: ${String(error)}`);
    }
    return problems.length > 0 ? `could not drop the soak tables (${problems.join('; ')})` : undefined;
  }
}
