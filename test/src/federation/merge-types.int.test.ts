// Type fidelity of the SQL merge on real servers: PostgreSQL and MariaDB parts with int8/BIGINT
// (beyond 2^53 too), numeric(12,2)/DECIMAL(12,2), date, timestamptz/datetime, bool, text and a NULL
// in each column, merged in DuckDB; every result is compared row for row with the same SQL run in
// PostgreSQL itself over the same data. The process runs in a zone east of UTC (UTC+9), so a DATE read
// back in the wrong zone shifts a day and shows.
process.env['TZ'] = 'Asia/Tokyo';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { Federation, MysqlSource, PostgresSource } from '../../../src/federation/index.js';
import { dateText } from '../../../src/federation/typed-append.js';
import { mysqlConfig, needsMariaDB, needsPostgres, postgresConfig } from '../../support/real-servers.js';

const postgres = await needsPostgres();
const mariadb = await needsMariaDB();
const suffix = `${process.pid}_${Date.now().toString(36)}`;
/** The PostgreSQL part's table. */
const pgTable = `merge_types_pg_${suffix}`;
/** The MariaDB part's table. */
const myTable = `merge_types_my_${suffix}`;
/** A PostgreSQL copy of the MariaDB table, for the reference results. */
const myCopy = `merge_types_mycopy_${suffix}`;

interface TestRow {
  id: number;
  big: string | null;
  price: string | null;
  d: string | null;
  ts: string | null;
  flag: boolean | null;
  label: string | null;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 40 rows; `prime` spreads `big` so that text order and number order differ; every fifth `big` is beyond 2^53. */
function dataset(firstId: number, prime: number): TestRow[] {
  return Array.from({ length: 40 }, (_, k) => {
    const i = k + 1;
    const big =
      i % 5 === 0
        ? (9007199254740993n + BigInt(i) * 1000n).toString()
        : String((i % 7 === 0 ? -1 : 1) * i * prime * (i % 3 === 0 ? 1000 : 1));
    return {
      id: firstId + i,
      big: i === 13 ? null : big,
      price: i === 17 ? null : `${(i * 379) % 3000}.${pad((i * 7) % 100)}`,
      d: i === 19 ? null : `2024-03-${pad(1 + (i % 5))}`,
      ts:
        i === 23
          ? null
          : `2024-03-${pad(1 + (i % 5))} ${pad(i % 24)}:${pad((i * 7) % 60)}:${pad((i * 11) % 60)}.${pad((i * 13) % 1000, 3)}`,
      flag: i === 29 ? null : i % 3 === 0,
      label: i === 31 ? null : `l${pad(firstId + i, 3)}`,
    };
  });
}

const pgRows = dataset(0, 7919);
const myRows = dataset(100, 104729);

/** How a result column is compared: its value reduced to a canonical form on each side. */
type Kind = 'int' | 'dec' | 'count' | 'date' | 'tstz' | 'ts' | 'plain';
type Side = 'postgres' | 'merge';

/** pg hands over int8/numeric as text and date/timestamp as local-time Dates; the merge returns numbers/bigints and UTC wall-clock Dates. */
function canonical(kind: Kind, value: unknown, side: Side): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int':
      return BigInt(value as string | number | bigint).toString();
    case 'dec':
      return Math.round(Number(value) * 100);
    case 'count':
      return Number(value);
    case 'date':
      return dateText(value as Date, side === 'postgres' ? 'local' : 'utc');
    case 'tstz':
      return (value as Date).toISOString();
    case 'ts': {
      const date = value as Date;
      // pg builds timestamp Dates in local time; DuckDB's node-api in UTC.
      const shifted = side === 'postgres' ? new Date(date.getTime() - date.getTimezoneOffset() * 60_000) : date;
      return shifted.toISOString();
    }
    default:
      return value;
  }
}

describe.skipIf(postgres.skip || mariadb.skip)('SQL merge column types on real servers', () => {
  let pool: pg.Pool;
  let myPool: mysql.Pool;
  let fed: Federation;

  beforeAll(async () => {
    pool = new pg.Pool({ ...postgresConfig(), max: 2 });
    // supportBigNumbers: BIGINT values beyond 2^53 arrive as exact strings (mysql2 rounds them otherwise).
    myPool = mysql.createPool({ ...mysqlConfig(), connectionLimit: 2, supportBigNumbers: true });
    await pool.query(`CREATE TABLE ${pgTable} (id int, big int8, price numeric(12,2), d date, ts timestamptz, flag bool, label text)`);
    await pool.query(`CREATE TABLE ${myCopy} (id int, big int8, price numeric(12,2), d date, ts timestamp, flag bool, label text)`);
    await myPool.query(
      `CREATE TABLE ${myTable} (id INT, big BIGINT, price DECIMAL(12,2), d DATE, ts DATETIME(3), flag BOOLEAN, label TEXT)`,
    );
    const values = (row: TestRow, tz: boolean): unknown[] => [
      row.id,
      row.big,
      row.price,
      row.d,
      row.ts === null ? null : tz ? `${row.ts}+00` : row.ts,
      row.flag,
      row.label,
    ];
    for (const row of pgRows) await pool.query(`INSERT INTO ${pgTable} VALUES ($1, $2, $3, $4, $5, $6, $7)`, values(row, true));
    for (const row of myRows) {
      await pool.query(`INSERT INTO ${myCopy} VALUES ($1, $2, $3, $4, $5, $6, $7)`, values(row, false));
      await myPool.query(`INSERT INTO ${myTable} VALUES (?, ?, ?, ?, ?, ?, ?)`, values(row, false));
    }
    fed = new Federation({ cache: false })
      .source('pg', new PostgresSource(pool), { retry: false })
      .source('maria', new MysqlSource(myPool, 'mariadb'), { retry: false });
  });

  afterAll(async () => {
    await fed?.close();
    await pool?.query(`DROP TABLE IF EXISTS ${pgTable}`);
    await pool?.query(`DROP TABLE IF EXISTS ${myCopy}`);
    await myPool?.query(`DROP TABLE IF EXISTS ${myTable}`);
    await pool?.end();
    await myPool?.end();
  });

  /**
   * Runs `sql` (tables written `{a}` for the PostgreSQL part, `{b}` for the MariaDB part) as a
   * merge over the two parts and in PostgreSQL over its own table and the copy, and returns both
   * results reduced to canonical values.
   */
  async function both(sql: string, kinds: Readonly<Record<string, Kind>>): Promise<{ merged: unknown[]; reference: unknown[] }> {
    const result = await fed.query({
      name: 'merge_types',
      parts: {
        a: { source: 'pg', sql: `SELECT id, big, price, d, ts, flag, label FROM ${pgTable}` },
        b: { source: 'maria', sql: `SELECT id, big, price, d, ts, flag, label FROM ${myTable}` },
      },
      merge: { sql: sql.replaceAll('{a}', 'a').replaceAll('{b}', 'b') },
    });
    const reference = await pool.query(sql.replaceAll('{a}', pgTable).replaceAll('{b}', myCopy));
    const reduce = (rows: readonly Record<string, unknown>[], side: Side): unknown[] =>
      rows.map((row) => Object.fromEntries(Object.keys(kinds).map((name) => [name, canonical(kinds[name] ?? 'plain', row[name], side)])));
    return { merged: reduce(result.rows, 'merge'), reference: reduce(reference.rows, 'postgres') };
  }

  const UNION = `(SELECT id, big, price, d, flag, label FROM {a} UNION ALL SELECT id, big, price, d, flag, label FROM {b}) u`;

  it('orders by a BIGINT column as numbers, values beyond 2^53 exact', async () => {
    const { merged, reference } = await both(`SELECT id, big FROM ${UNION} ORDER BY big NULLS LAST, id`, { id: 'plain', big: 'int' });
    expect(merged).toHaveLength(80);
    expect(merged).toEqual(reference);
    // Beyond 2^53: exact, not rounded to a double.
    expect(merged).toContainEqual({ id: 5, big: '9007199254745993' });
  });

  it('filters and sums a DECIMAL(12,2) column like PostgreSQL', async () => {
    const filtered = await both(`SELECT id, price FROM ${UNION} WHERE price > 1000 ORDER BY id`, { id: 'plain', price: 'dec' });
    expect(filtered.merged.length).toBeGreaterThan(0);
    expect(filtered.merged.length).toBeLessThan(78);
    expect(filtered.merged).toEqual(filtered.reference);
    const totals = await both(
      `SELECT sum(price) AS total, count(price) AS n, sum(big) AS big_total, min(big) AS big_min, max(big) AS big_max FROM ${UNION}`,
      {
        total: 'dec',
        n: 'count',
        big_total: 'int',
        big_min: 'int',
        big_max: 'int',
      },
    );
    expect(totals.merged).toEqual(totals.reference);
  });

  it('groups by DATE without shifting days by the time zone', async () => {
    const { merged, reference } = await both(
      `SELECT d, count(*) AS n, sum(price) AS total FROM ${UNION} GROUP BY d ORDER BY d NULLS LAST`,
      { d: 'date', n: 'count', total: 'dec' },
    );
    expect(merged).toHaveLength(6);
    expect(merged).toEqual(reference);
    expect(merged[0]).toMatchObject({ d: '2024-03-01' });
  });

  it('takes min/max of timestamptz and datetime columns like PostgreSQL', async () => {
    const { merged, reference } = await both(
      'SELECT (SELECT min(ts) FROM {a}) AS a_min, (SELECT max(ts) FROM {a}) AS a_max, (SELECT min(ts) FROM {b}) AS b_min, (SELECT max(ts) FROM {b}) AS b_max',
      { a_min: 'tstz', a_max: 'tstz', b_min: 'ts', b_max: 'ts' },
    );
    expect(merged).toEqual(reference);
    expect(merged[0]).toMatchObject({ b_min: '2024-03-01T01:55:35.325Z' });
  });

  it('reports the column types PostgreSQL and MariaDB describe', async () => {
    const fromPg = await new PostgresSource(pool).execute({
      kind: 'sql',
      sql: `SELECT big, price, d, ts, flag, label, 1.5::numeric AS free, 2::int2 AS small, 3.5::float4 AS f4, '10:00'::time AS t, gen_random_uuid() AS u, ARRAY[1] AS arr FROM ${pgTable} LIMIT 1`,
      params: [],
    });
    expect(fromPg.columnTypes).toEqual([
      { name: 'big', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(12,2)' },
      { name: 'd', type: 'DATE' },
      { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'label', type: 'VARCHAR' },
      { name: 'free', type: 'DECIMAL(*)' },
      { name: 'small', type: 'SMALLINT' },
      { name: 'f4', type: 'FLOAT' },
      { name: 't', type: 'TIME' },
      { name: 'u', type: 'UUID' },
    ]);
    const fromMaria = await new MysqlSource(myPool, 'mariadb').execute({
      kind: 'sql',
      sql: `SELECT big, price, d, ts, flag, label, CAST(18446744073709551615 AS UNSIGNED) AS u, CAST(2.5 AS DECIMAL(65,30)) AS wide, CAST('ab' AS BINARY) AS bin, CAST('10:00' AS TIME) AS t FROM ${myTable} LIMIT 1`,
      params: [],
    });
    expect(fromMaria.columnTypes).toEqual([
      { name: 'big', type: 'BIGINT' },
      { name: 'price', type: 'DECIMAL(12,2)' },
      { name: 'd', type: 'DATE', dateZone: 'local' },
      { name: 'ts', type: 'TIMESTAMP', dateZone: 'local' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'label', type: 'VARCHAR' },
      { name: 'u', type: 'UBIGINT' },
      { name: 'wide', type: 'DECIMAL(*)' },
      { name: 'bin', type: 'BLOB' },
    ]);
  });

  it('groups by bool and orders text, NULLs included, like PostgreSQL', async () => {
    const { merged, reference } = await both(
      `SELECT flag, count(*) AS n, min(label) AS first_label, max(label) AS last_label FROM ${UNION} GROUP BY flag ORDER BY flag NULLS LAST`,
      {
        flag: 'plain',
        n: 'count',
        first_label: 'plain',
        last_label: 'plain',
      },
    );
    expect(merged).toHaveLength(3);
    expect(merged).toEqual(reference);
  });
});
