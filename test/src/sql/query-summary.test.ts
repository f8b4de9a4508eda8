import { describe, expect, it } from 'vitest';
import { MAX_QUERY_SUMMARY_LENGTH, summarizeSql } from '../../../src/sql/query-summary.js';
import type { SqlDialect } from '../../../src/sql/sql-dialect.js';

/** `[summary, operationName, collectionName]` for compact tables. */
function triple(sql: string, dialect?: SqlDialect): [string | undefined, string | undefined, string | undefined] {
  const result = summarizeSql(sql, { dialect });
  return [result.summary, result.operationName, result.collectionName];
}

describe('summarizeSql: the examples of the OpenTelemetry conventions', () => {
  it('single operation', () => {
    expect(triple('SELECT *\nFROM wuser_table\nWHERE username = ?')).toEqual(['SELECT wuser_table', 'SELECT', 'wuser_table']);
  });

  it('several operations', () => {
    const sql = 'INSERT INTO shipping_details\n (order_id,\n address)\nSELECT order_id,\n address\nFROM orders\nWHERE order_id = ?';
    expect(triple(sql)).toEqual(['INSERT shipping_details SELECT orders', 'INSERT', undefined]);
  });

  it('one operation on several collections', () => {
    expect(triple('SELECT *\nFROM songs,\n artists\nWHERE songs.artist_id == artists.id')).toEqual([
      'SELECT songs artists',
      'SELECT',
      undefined,
    ]);
  });

  it('an anonymous table', () => {
    const sql = 'SELECT order_date\nFROM (SELECT *\n FROM orders o\n JOIN customers c\n ON o.customer_id = c.customer_id)';
    expect(triple(sql)).toEqual(['SELECT SELECT orders customers', 'SELECT', undefined]);
  });

  it('quoted names keep their quotes; string literals are never targets (deliberate deviation)', () => {
    expect(triple(`SELECT *\nFROM "song list",\n 'artists'`)).toEqual([`SELECT "song list"`, 'SELECT', undefined]);
    expect(triple('SELECT *\nFROM "song list",\n `artists`')).toEqual(['SELECT "song list" `artists`', 'SELECT', undefined]);
  });

  it('a stored procedure call', () => {
    expect(triple('call some_stored_procedure')).toEqual(['call some_stored_procedure', 'call', 'some_stored_procedure']);
    expect(triple('CALL app.refresh_stats(1, 2)')).toEqual(['CALL app.refresh_stats', 'CALL', 'app.refresh_stats']);
    expect(triple('EXEC dbo.get_customer @id')).toEqual(['EXEC dbo.get_customer', 'EXEC', 'dbo.get_customer']);
  });
});

describe('summarizeSql: DML', () => {
  it.each([
    ['select id from users where id = $1', 'select users', 'select', 'users'],
    ['SELECT * FROM public.users u WHERE u.id = 1', 'SELECT public.users', 'SELECT', 'public.users'],
    ['SELECT * FROM "Sales"."Order Items"', 'SELECT "Sales"."Order Items"', 'SELECT', '"Sales"."Order Items"'],
    ['SELECT * FROM `shop`.`orders`', 'SELECT `shop`.`orders`', 'SELECT', '`shop`.`orders`'],
    ['SELECT * FROM a JOIN b ON a.id = b.id LEFT OUTER JOIN c USING (id)', 'SELECT a b c', 'SELECT', undefined],
    ['SELECT * FROM a x, b AS y, c WHERE x.id = y.id ORDER BY x.a, y.b', 'SELECT a b c', 'SELECT', undefined],
    ['SELECT a FROM t UNION ALL SELECT b FROM u', 'SELECT t SELECT u', 'SELECT', undefined],
    ['SELECT * FROM t WHERE id IN (SELECT id FROM t WHERE x > 1)', 'SELECT t SELECT t', 'SELECT', 't'],
    ['SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)', 'SELECT t SELECT u', 'SELECT', undefined],
    ['SELECT 1', 'SELECT', 'SELECT', undefined],
    ['SELECT now()', 'SELECT', 'SELECT', undefined],
    ['SELECT EXTRACT(YEAR FROM created_at) FROM orders', 'SELECT orders', 'SELECT', 'orders'],
    ['SELECT a IS DISTINCT FROM b FROM t', 'SELECT t', 'SELECT', 't'],
    ['SELECT * FROM ONLY parent', 'SELECT parent', 'SELECT', 'parent'],
    ['SELECT * FROM t FOR UPDATE', 'SELECT t', 'SELECT', 't'],
    ['SELECT * FROM generate_series(1, 10) g', 'SELECT', 'SELECT', undefined],
    ['SELECT * FROM a JOIN LATERAL (SELECT * FROM b WHERE b.a = a.id) x ON true', 'SELECT a SELECT b', 'SELECT', undefined],
    ['INSERT INTO orders (id, total) VALUES ($1, $2)', 'INSERT orders', 'INSERT', 'orders'],
    ['insert into orders values (1, 2), (3, 4)', 'insert orders', 'insert', 'orders'],
    ['INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = EXCLUDED.a RETURNING *', 'INSERT t', 'INSERT', 't'],
    ['INSERT IGNORE INTO t SET a = 1', 'INSERT t', 'INSERT', 't'],
    ['INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)', 'INSERT kv', 'INSERT', 'kv'],
    ['REPLACE INTO kv VALUES (1, 2)', 'REPLACE kv', 'REPLACE', 'kv'],
    ['INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)', 'INSERT t', 'INSERT', 't'],
    ['UPDATE accounts SET balance = balance - 1 WHERE id = 2', 'UPDATE accounts', 'UPDATE', 'accounts'],
    ['UPDATE t SET a = u.a FROM u WHERE t.id = u.id', 'UPDATE t u', 'UPDATE', undefined],
    ['UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.a', 'UPDATE t1 t2', 'UPDATE', undefined],
    ['UPDATE t SET a = (SELECT max(b) FROM u)', 'UPDATE t SELECT u', 'UPDATE', undefined],
    ['DELETE FROM sessions WHERE expires_at < now()', 'DELETE sessions', 'DELETE', 'sessions'],
    ['DELETE FROM t USING u WHERE t.id = u.id', 'DELETE t u', 'DELETE', undefined],
    ['DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id', 'DELETE t1 t1 t2', 'DELETE', undefined],
    [
      'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)',
      'MERGE t s',
      'MERGE',
      undefined,
    ],
    ["SELECT * FROM t1 INTO OUTFILE '/tmp/x'", 'SELECT t1', 'SELECT', 't1'],
    ['SELECT a INTO new_table FROM t', 'SELECT new_table t', 'SELECT', undefined],
  ])('%s', (sql, summary, operation, collection) => {
    expect(triple(sql)).toEqual([summary, operation, collection]);
  });
});

describe('summarizeSql: WITH', () => {
  it('takes the main statement verb and leaves CTE names out', () => {
    expect(triple('WITH x AS (SELECT * FROM orders) SELECT * FROM x')).toEqual(['SELECT orders SELECT', 'SELECT', undefined]);
  });

  it('handles several CTEs, column lists and RECURSIVE', () => {
    const sql =
      'WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a), b AS MATERIALIZED (SELECT * FROM t) SELECT * FROM a JOIN b ON true';
    expect(triple(sql)).toEqual(['SELECT SELECT SELECT t SELECT', 'SELECT', undefined]);
  });

  it('finds INSERT, UPDATE and DELETE after WITH', () => {
    expect(triple('WITH src AS (SELECT * FROM staging) INSERT INTO target SELECT * FROM src')).toEqual([
      'SELECT staging INSERT target SELECT',
      'INSERT',
      undefined,
    ]);
    expect(triple('WITH d AS (DELETE FROM q RETURNING *) INSERT INTO log SELECT * FROM d')).toEqual([
      'DELETE q INSERT log SELECT',
      'INSERT',
      undefined,
    ]);
    expect(triple('with ids as (select id from t) update t set x = 1 where id in (select id from ids)')).toEqual([
      'select t update t select',
      'update',
      undefined,
    ]);
  });

  it('matches quoted CTE names exactly', () => {
    expect(triple('WITH "X" AS (SELECT 1) SELECT * FROM "X", x')).toEqual(['SELECT SELECT x', 'SELECT', undefined]);
  });
});

describe('summarizeSql: DDL and other commands', () => {
  it.each([
    ['CREATE TABLE orders (id int PRIMARY KEY, total numeric(10, 2))', 'CREATE TABLE orders', 'CREATE TABLE', 'orders'],
    ['create temporary table if not exists tmp (a int)', 'create table tmp', 'create table', 'tmp'],
    ['CREATE TABLE t2 AS SELECT * FROM t1', 'CREATE TABLE t2 SELECT t1', 'CREATE TABLE', undefined],
    ['CREATE OR REPLACE VIEW v AS SELECT a FROM t', 'CREATE VIEW v SELECT t', 'CREATE VIEW', undefined],
    ['CREATE MATERIALIZED VIEW mv AS SELECT 1', 'CREATE MATERIALIZED VIEW mv SELECT', 'CREATE MATERIALIZED VIEW', 'mv'],
    [
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON ONLY public.t USING btree (x)',
      'CREATE INDEX idx public.t',
      'CREATE INDEX',
      undefined,
    ],
    ['CREATE INDEX ON t (x)', 'CREATE INDEX t', 'CREATE INDEX', 't'],
    ['CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()', 'CREATE TRIGGER trg t', 'CREATE TRIGGER', undefined],
    ['CREATE FUNCTION add(a int, b int) RETURNS int AS $$ SELECT a + b $$ LANGUAGE sql', 'CREATE FUNCTION add', 'CREATE FUNCTION', 'add'],
    ['CREATE EXTENSION IF NOT EXISTS pg_trgm', 'CREATE EXTENSION pg_trgm', 'CREATE EXTENSION', 'pg_trgm'],
    ['CREATE VIRTUAL TABLE docs USING fts5(body)', 'CREATE TABLE docs', 'CREATE TABLE', 'docs'],
    ['ALTER TABLE orders ADD COLUMN note text, ADD COLUMN flag bool', 'ALTER TABLE orders', 'ALTER TABLE', 'orders'],
    ['DROP TABLE IF EXISTS a, b CASCADE', 'DROP TABLE a b', 'DROP TABLE', undefined],
    ['DROP INDEX idx_orders', 'DROP INDEX idx_orders', 'DROP INDEX', 'idx_orders'],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', 'REFRESH MATERIALIZED VIEW mv', 'REFRESH MATERIALIZED VIEW', 'mv'],
    ['ALTER SYSTEM SET work_mem = 1', 'ALTER', 'ALTER', undefined],
    ['TRUNCATE TABLE logs', 'TRUNCATE logs', 'TRUNCATE', 'logs'],
    ['BEGIN', 'BEGIN', 'BEGIN', undefined],
    ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION', 'START TRANSACTION', undefined],
    ['COMMIT', 'COMMIT', 'COMMIT', undefined],
    ['ROLLBACK TO SAVEPOINT s1', 'ROLLBACK', 'ROLLBACK', undefined],
    ["SET search_path TO 'app'", 'SET', 'SET', undefined],
    ['SHOW TABLES FROM shop', 'SHOW', 'SHOW', undefined],
    ['USE shop', 'USE shop', 'USE', 'shop'],
    ['DESCRIBE orders', 'DESCRIBE orders', 'DESCRIBE', 'orders'],
    ['EXPLAIN ANALYZE SELECT * FROM t', 'EXPLAIN SELECT t', 'EXPLAIN', 't'],
    ['EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM t', 'EXPLAIN DELETE t', 'EXPLAIN', 't'],
    ['EXPLAIN QUERY PLAN SELECT * FROM t', 'EXPLAIN SELECT t', 'EXPLAIN', 't'],
    ['VACUUM FULL ANALYZE orders', 'VACUUM orders', 'VACUUM', 'orders'],
    ['ANALYZE', 'ANALYZE', 'ANALYZE', undefined],
    ['COPY orders (id, total) FROM STDIN', 'COPY orders', 'COPY', 'orders'],
    ['COPY (SELECT * FROM orders) TO STDOUT', 'COPY SELECT orders', 'COPY', undefined],
    ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE', 'LOCK orders', 'LOCK', 'orders'],
    ['PRAGMA table_info(orders)', 'PRAGMA', 'PRAGMA', undefined],
    ['GRANT SELECT, INSERT ON orders TO app', 'GRANT', 'GRANT', undefined],
    ["ATTACH 'other.db' AS other", 'ATTACH', 'ATTACH', undefined],
  ])('%s', (sql, summary, operation, collection) => {
    expect(triple(sql)).toEqual([summary, operation, collection]);
  });
});

describe('summarizeSql: DuckDB', () => {
  it.each([
    ["SELECT * FROM read_parquet('s3://bucket/x.parquet')", 'SELECT', 'SELECT', undefined],
    ["SELECT count(*) FROM 'https://example.com/events.csv?token=abc'", 'SELECT', 'SELECT', undefined],
    ['FROM orders', 'orders', undefined, 'orders'],
    ['SUMMARIZE orders', 'SUMMARIZE orders', 'SUMMARIZE', 'orders'],
    ['SUMMARIZE SELECT * FROM orders', 'SUMMARIZE SELECT orders', 'SUMMARIZE', 'orders'],
    ['INSTALL httpfs', 'INSTALL', 'INSTALL', undefined],
    ['CREATE MACRO add(a, b) AS a + b', 'CREATE MACRO add', 'CREATE MACRO', 'add'],
  ])('%s', (sql, summary, operation, collection) => {
    expect(triple(sql, 'duckdb')).toEqual([summary, operation, collection]);
  });
});

describe('summarizeSql: statements and bounds', () => {
  it('lists every statement in order and gives no single operation for several', () => {
    const result = summarizeSql('BEGIN; UPDATE accounts SET b = b - 1 WHERE id = 1; COMMIT;');
    expect(result).toEqual({ statementCount: 3, summary: 'BEGIN UPDATE accounts COMMIT' });
  });

  it('ignores empty statements', () => {
    expect(summarizeSql(';; SELECT * FROM t;;')).toEqual({
      statementCount: 1,
      summary: 'SELECT t',
      operationName: 'SELECT',
      collectionName: 't',
    });
  });

  it('gives nothing for empty input, comments only, or unknown commands', () => {
    expect(summarizeSql('')).toEqual({ statementCount: 0 });
    expect(summarizeSql('-- nothing\n/* at all */')).toEqual({ statementCount: 0 });
    expect(summarizeSql('FROBNICATE the widgets')).toEqual({ statementCount: 1 });
    expect(summarizeSql(null as unknown as string)).toEqual({ statementCount: 0 });
  });

  it('ignores comments and literals', () => {
    expect(triple("/* FROM secret */ SELECT 'FROM x' FROM -- JOIN y\n t")).toEqual(['SELECT t', 'SELECT', 't']);
  });

  it('cuts the summary at 255 characters, between parts', () => {
    const sql = Array.from({ length: 60 }, (_, i) => `SELECT * FROM table_number_${i}`).join(' UNION ');
    const summary = summarizeSql(sql).summary ?? '';
    expect(summary.length).toBeLessThanOrEqual(MAX_QUERY_SUMMARY_LENGTH);
    expect(summary.length).toBeGreaterThan(MAX_QUERY_SUMMARY_LENGTH - 'table_number_10'.length - 2);
    expect(summary.endsWith('SELECT') || /table_number_\d+$/.test(summary)).toBe(true);
    for (const part of summary.split(' ')) expect(part === 'SELECT' || /^table_number_\d+$/.test(part)).toBe(true);
  });

  it('leaves out a target longer than the bound, and everything after it', () => {
    const name = `"${'n'.repeat(300)}"`;
    expect(triple(`SELECT * FROM ${name}; SELECT * FROM t`)).toEqual(['SELECT', undefined, undefined]);
    expect(summarizeSql(`SELECT * FROM ${name}`).collectionName).toBeUndefined();
  });

  it('honours a custom bound', () => {
    expect(summarizeSql('SELECT * FROM orders JOIN customers ON true', { maxSummaryLength: 13 }).summary).toBe('SELECT orders');
  });

  it('does not take a table from an unterminated string', () => {
    expect(triple("SELECT * FROM 'secret")).toEqual(['SELECT', 'SELECT', undefined]);
  });

  it('copes with unbalanced parentheses', () => {
    expect(triple('SELECT * FROM t WHERE (a = 1')).toEqual(['SELECT t', 'SELECT', 't']);
    expect(triple('SELECT * FROM t WHERE a = 1))')).toEqual(['SELECT t', 'SELECT', 't']);
  });

  it('survives very deep nesting', () => {
    const sql = `SELECT * FROM t WHERE x IN ${'('.repeat(10_000)}SELECT y FROM u${')'.repeat(10_000)}`;
    expect(summarizeSql(sql).summary).toBe('SELECT t');
  });
});
