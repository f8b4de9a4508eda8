// The mapping from driver column metadata to merge types, and the merge engine loading typed
// tables: real DuckDB (source and merge engine) and real better-sqlite3; the PostgreSQL and MariaDB
// metadata are checked against the real servers in merge-types.test.ts.
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decimalType,
  duckdbColumnType,
  mysqlColumnType,
  pgColumnType,
  sqliteColumnType,
  UNSIZED_DECIMAL,
} from '../../../src/federation/column-types.js';
import { DuckDBMergeEngine } from '../../../src/federation/duckdb-merge-engine.js';
import { DuckDBSource } from '../../../src/federation/duckdb-source.js';
import { inferType, mergeColumnsOf, sizedDecimal } from '../../../src/federation/merge-table-columns.js';
import { SqliteSource } from '../../../src/federation/sqlite-source.js';

/** numeric(p,s)'s type modifier as PostgreSQL computes it. */
const numericTypmod = (precision: number, scale: number): number => ((precision << 16) | (scale & 0x7ff)) + 4;

describe('PostgreSQL type OIDs', () => {
  it('maps the scalar types and reads numeric precision and scale from the type modifier', () => {
    expect(pgColumnType(20, -1)).toBe('BIGINT');
    expect(pgColumnType(21, -1)).toBe('SMALLINT');
    expect(pgColumnType(23, -1)).toBe('INTEGER');
    expect(pgColumnType(700, -1)).toBe('FLOAT');
    expect(pgColumnType(701, -1)).toBe('DOUBLE');
    expect(pgColumnType(16, -1)).toBe('BOOLEAN');
    expect(pgColumnType(1043, 104)).toBe('VARCHAR');
    expect(pgColumnType(1042, 14)).toBe('VARCHAR');
    expect(pgColumnType(1082, -1)).toBe('DATE');
    expect(pgColumnType(1114, -1)).toBe('TIMESTAMP');
    expect(pgColumnType(1184, -1)).toBe('TIMESTAMP WITH TIME ZONE');
    expect(pgColumnType(1083, -1)).toBe('TIME');
    expect(pgColumnType(2950, -1)).toBe('UUID');
    expect(pgColumnType(3802, -1)).toBe('VARCHAR');
    expect(pgColumnType(17, -1)).toBe('BLOB');
    expect(pgColumnType(1700, numericTypmod(12, 2))).toBe('DECIMAL(12,2)');
    expect(pgColumnType(1700, 786438)).toBe('DECIMAL(12,2)'); // what pg reported for numeric(12,2)
    expect(pgColumnType(1700, numericTypmod(38, 0))).toBe('DECIMAL(38,0)');
  });

  it('marks numerics DuckDB cannot size, and leaves arrays, interval and unknown types to inference', () => {
    expect(pgColumnType(1700, -1)).toBe(UNSIZED_DECIMAL);
    expect(pgColumnType(1700, numericTypmod(39, 2))).toBe(UNSIZED_DECIMAL);
    expect(pgColumnType(1700, numericTypmod(5, -2))).toBe(UNSIZED_DECIMAL);
    expect(pgColumnType(1007, -1)).toBeUndefined(); // int4[]
    expect(pgColumnType(1186, -1)).toBeUndefined(); // interval
    expect(pgColumnType(999_999, -1)).toBeUndefined();
  });
});

describe('mysql2 column definitions', () => {
  // Field values as mysql2 reported them from MariaDB 10.11 (flags 129 = NOT_NULL|BINARY, 32 = UNSIGNED).
  it('maps integer types with their UNSIGNED flag, TINYINT(1) to BOOLEAN, and DECIMAL precision from the display length', () => {
    expect(mysqlColumnType({ name: 'b', columnType: 8, flags: 129, columnLength: 20, characterSet: 63 })).toBe('BIGINT');
    expect(mysqlColumnType({ name: 'u', columnType: 8, flags: 161, columnLength: 20, characterSet: 63 })).toBe('UBIGINT');
    expect(mysqlColumnType({ name: 'i', columnType: 3, flags: 0, columnLength: 11 })).toBe('INTEGER');
    expect(mysqlColumnType({ name: 'i', columnType: 3, flags: 32, columnLength: 10 })).toBe('UINTEGER');
    expect(mysqlColumnType({ name: 'f', columnType: 1, flags: 0, columnLength: 1 })).toBe('BOOLEAN');
    expect(mysqlColumnType({ name: 't', columnType: 1, flags: 0, columnLength: 4 })).toBe('TINYINT');
    expect(mysqlColumnType({ name: 'p', columnType: 246, flags: 129, decimals: 2, columnLength: 14 })).toBe('DECIMAL(12,2)');
    expect(mysqlColumnType({ name: 'p', columnType: 246, flags: 32, decimals: 2, columnLength: 13 })).toBe('DECIMAL(12,2)');
    expect(mysqlColumnType({ name: 'p', columnType: 246, flags: 0, decimals: 0, columnLength: 11 })).toBe('DECIMAL(10,0)');
    expect(mysqlColumnType({ name: 'w', columnType: 246, flags: 129, decimals: 30, columnLength: 67 })).toBe(UNSIZED_DECIMAL);
  });

  it('maps dates, floats, text and binary strings; leaves TIME to inference', () => {
    expect(mysqlColumnType({ name: 'd', columnType: 10 })).toBe('DATE');
    expect(mysqlColumnType({ name: 'dt', columnType: 12 })).toBe('TIMESTAMP');
    expect(mysqlColumnType({ name: 'ts', columnType: 7 })).toBe('TIMESTAMP');
    expect(mysqlColumnType({ name: 'f', columnType: 4 })).toBe('FLOAT');
    expect(mysqlColumnType({ name: 'f', columnType: 5 })).toBe('DOUBLE');
    expect(mysqlColumnType({ name: 's', columnType: 253, characterSet: 224 })).toBe('VARCHAR');
    expect(mysqlColumnType({ name: 's', columnType: 252, characterSet: 224 })).toBe('VARCHAR'); // TEXT
    expect(mysqlColumnType({ name: 's', columnType: 252, characterSet: 63 })).toBe('BLOB');
    expect(mysqlColumnType({ name: 's', columnType: 253, characterSet: 63 })).toBe('BLOB'); // VARBINARY
    expect(mysqlColumnType({ name: 't', columnType: 11 })).toBeUndefined();
  });
});

describe('DuckDB and SQLite types', () => {
  it('keeps DuckDB scalar types and leaves nested ones to inference', () => {
    expect(duckdbColumnType('DECIMAL(18,3)')).toBe('DECIMAL(18,3)');
    expect(duckdbColumnType('TIMESTAMP WITH TIME ZONE')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(duckdbColumnType('TIMESTAMP_NS')).toBe('TIMESTAMP');
    expect(duckdbColumnType('HUGEINT')).toBe('HUGEINT');
    expect(duckdbColumnType('INTEGER[]')).toBeUndefined();
    expect(duckdbColumnType('STRUCT(a INTEGER)')).toBeUndefined();
  });

  it('follows the declared SQLite affinity only when every value agrees', () => {
    expect(sqliteColumnType('INTEGER', [1, 2, null])).toBe('BIGINT');
    expect(sqliteColumnType('INTEGER', [1, 'two'])).toBeUndefined();
    expect(sqliteColumnType('VARCHAR(20)', ['a'])).toBe('VARCHAR');
    expect(sqliteColumnType('REAL', [1.5, 2])).toBe('DOUBLE');
    expect(sqliteColumnType('DECIMAL(10,2)', [1.5, 2])).toBe('DOUBLE');
    expect(sqliteColumnType('BOOLEAN', [0, 1])).toBe('BOOLEAN');
    expect(sqliteColumnType('DATE', ['2024-03-01'])).toBe('DATE');
    expect(sqliteColumnType('DATE', ['yesterday'])).toBeUndefined();
    expect(sqliteColumnType('DATETIME', ['2024-03-01 10:00:00'])).toBe('TIMESTAMP');
    expect(sqliteColumnType(null, [1])).toBeUndefined();
  });
});

describe('merge table typing', () => {
  it('sizes unconstrained decimals from the values, falling back to DOUBLE beyond 38 digits', () => {
    expect(sizedDecimal([{ n: '1.5' }, { n: '-12345.125' }, { n: null }], 'n')).toBe('DECIMAL(38,3)');
    expect(sizedDecimal([{ n: `1${'0'.repeat(38)}` }], 'n')).toBe('DOUBLE');
    expect(sizedDecimal([{ n: 'NaN' }], 'n')).toBe('DOUBLE');
    expect(sizedDecimal([], 'n')).toBe('DOUBLE');
  });

  it('infers types of undescribed columns from values', () => {
    expect(inferType([{ v: 1 }, { v: 2 ** 40 }], 'v')).toBe('BIGINT');
    expect(inferType([{ v: 1 }, { v: 1.5 }], 'v')).toBe('DOUBLE');
    expect(inferType([{ v: 2n ** 70n }], 'v')).toBe('HUGEINT');
    expect(inferType([{ v: 1 }, { v: 'x' }], 'v')).toBe('VARCHAR');
    expect(inferType([{ v: new Date(0) }, { v: null }], 'v')).toBe('TIMESTAMP');
    expect(inferType([{ v: new Uint8Array([1]) }], 'v')).toBe('BLOB');
  });

  it('prefers declared types over reported ones, and reported ones over inference', () => {
    const columns = mergeColumnsOf({
      name: 't',
      rows: [{ a: '1', b: '2', c: 3 }],
      columns: ['a', 'b', 'c'],
      types: [
        { name: 'a', type: 'BIGINT' },
        { name: 'b', type: 'BIGINT' },
      ],
      declared: { b: 'VARCHAR' },
    });
    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ['a', 'BIGINT'],
      ['b', 'VARCHAR'],
      ['c', 'INTEGER'],
    ]);
  });
});

describe('typed merge tables in DuckDB', () => {
  const engine = new DuckDBMergeEngine();
  afterAll(() => engine.close());

  it('creates the reported types and converts string integers, decimal text and local Dates', async () => {
    const rows = await engine.merge(
      [
        {
          name: 'p',
          rows: [
            { big: '9223372036854775807', price: '1234.56', d: new Date(2024, 2, 1), n: '0.1', wide: `1${'0'.repeat(40)}` },
            { big: '-5', price: '99.90', d: null, n: '123456789012345678901234567890.5', wide: '2' },
          ],
          types: [
            { name: 'big', type: 'BIGINT' },
            { name: 'price', type: 'DECIMAL(12,2)' },
            { name: 'd', type: 'DATE' },
            { name: 'n', type: UNSIZED_DECIMAL },
            { name: 'wide', type: UNSIZED_DECIMAL },
          ],
        },
      ],
      `SELECT typeof(big) AS tb, typeof(price) AS tp, typeof(d) AS td, typeof(n) AS tn, typeof(wide) AS tw,
              max(big) OVER () AS top, sum(price) OVER () AS total, CAST(d AS VARCHAR) AS day, CAST(n AS VARCHAR) AS exact
         FROM p ORDER BY big`,
      [],
    );
    expect(rows[0]).toMatchObject({ tb: 'BIGINT', tp: 'DECIMAL(12,2)', td: 'DATE', tn: 'DECIMAL(38,1)', tw: 'DOUBLE' });
    expect(rows[0]?.['top']).toBe(9223372036854775807n);
    expect(rows[0]?.['total']).toBe(1334.46);
    expect(rows.map((r) => r['day'])).toEqual([null, '2024-03-01']);
    expect(rows.map((r) => r['exact'])).toEqual(['123456789012345678901234567890.5', '0.1']);
    expect(decimalType(39, 0)).toBe(UNSIZED_DECIMAL);
  });

  it("carries a DuckDB source result's types into the merge", async () => {
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const source = new DuckDBSource(connection);
    const result = await source.execute(
      {
        kind: 'sql',
        sql: "SELECT 12.5::DECIMAL(9,2) AS price, DATE '2024-03-01' AS d, TIMESTAMP '2024-03-01 23:30:00' AS ts, [1, 2] AS list",
        params: [],
      },
      new AbortController().signal,
    );
    expect(result.columnTypes).toEqual([
      { name: 'price', type: 'DECIMAL(9,2)' },
      { name: 'd', type: 'DATE', dateZone: 'utc' },
      { name: 'ts', type: 'TIMESTAMP', dateZone: 'utc' },
    ]);
    const rows = await engine.merge(
      [{ name: 'p', rows: result.rows, columns: result.columns, types: result.columnTypes }],
      'SELECT typeof(price) AS tp, CAST(d AS VARCHAR) AS d, CAST(ts AS VARCHAR) AS ts FROM p',
      [],
    );
    expect(rows).toEqual([{ tp: 'DECIMAL(9,2)', d: '2024-03-01', ts: '2024-03-01 23:30:00' }]);
    connection.closeSync();
  });

  it('types SQLite columns from declared types where the values agree', async () => {
    const db = new Database(':memory:');
    db.exec(
      "CREATE TABLE t (id INTEGER, price DECIMAL(10,2), day DATE, note TEXT, odd INTEGER); INSERT INTO t VALUES (1, 10.5, '2024-03-01', 'a', 1), (2, 2, '2024-03-02', NULL, 'x')",
    );
    const result = await new SqliteSource(db).execute({
      kind: 'sql',
      sql: 'SELECT id, price, day, note, odd, id * 2 AS twice FROM t',
      params: [],
    });
    expect(result.columnTypes).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'price', type: 'DOUBLE' },
      { name: 'day', type: 'DATE' },
      { name: 'note', type: 'VARCHAR' },
    ]);
    const rows = await engine.merge(
      [{ name: 's', rows: result.rows, columns: result.columns, types: result.columnTypes }],
      'SELECT typeof(day) AS td, typeof(odd) AS todd, typeof(twice) AS ttwice, max(day) OVER () AS last FROM s ORDER BY id',
      [],
    );
    expect(rows[0]).toMatchObject({ td: 'DATE', todd: 'VARCHAR', ttwice: 'INTEGER' });
    db.close();
  });
});
