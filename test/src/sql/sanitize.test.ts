import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUNCATION_MARKER, sanitizeSql, SqlSanitizer, truncateWithMarker } from '../../../src/sql/sanitize.js';
import type { SqlDialect } from '../../../src/sql/sql-dialect.js';

describe('sanitizeSql: literals', () => {
  it.each([
    ['SELECT * FROM users WHERE id = 42', 'SELECT * FROM users WHERE id = ?'],
    ["SELECT * FROM users WHERE name = 'alice'", 'SELECT * FROM users WHERE name = ?'],
    ["SELECT * FROM users WHERE name = 'O''Brien'", 'SELECT * FROM users WHERE name = ?'],
    ["SELECT 'a', 'b''c', ''", 'SELECT ?, ?, ?'],
    ['WHERE x = 3.14 AND y = .5 AND z = 1e-3 AND h = 0xFF AND b = 0b11', 'WHERE x = ? AND y = ? AND z = ? AND h = ? AND b = ?'],
    ['WHERE x = -5 AND y > -0.5', 'WHERE x = ? AND y > ?'],
    ['SELECT a - 5, a-5, a -5 FROM t', 'SELECT a - ?, a-?, a -? FROM t'],
    ['WHERE a IN (1, 2, 3)', 'WHERE a IN (?, ?, ?)'],
    ["WHERE a IN ('x','y')", 'WHERE a IN (?,?)'],
    ['WHERE active = TRUE OR deleted = false', 'WHERE active = ? OR deleted = ?'],
    ['WHERE deleted_at IS NULL AND x = NULL', 'WHERE deleted_at IS NULL AND x = NULL'],
    ["WHERE d > DATE '2024-01-01' AND i < INTERVAL '1 day'", 'WHERE d > DATE ? AND i < INTERVAL ?'],
    ["SELECT '5'::int, 7::text", 'SELECT ?::int, ?::text'],
    ["SELECT X'DEADBEEF', B'1010', N'text'", 'SELECT ?, ?, ?'],
    ["SELECT 'héllo 🎉' FROM tbl_ü", 'SELECT ? FROM tbl_ü'],
    ['UPDATE t SET n = n + 1 WHERE id = 7', 'UPDATE t SET n = n + ? WHERE id = ?'],
    ['SELECT 1abc', 'SELECT ?'],
  ])('%s', (sql, expected) => {
    expect(sanitizeSql(sql)).toBe(expected);
  });

  it('replaces PostgreSQL E-strings and dollar-quoted strings', () => {
    expect(sanitizeSql("SELECT E'it\\'s \\n secret'", { dialect: 'postgresql' })).toBe('SELECT ?');
    expect(sanitizeSql('SELECT $$secret$$, $tag$ also $$ secret $tag$ AS x', { dialect: 'postgresql' })).toBe('SELECT ?, ? AS x');
    expect(sanitizeSql("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 'pw' $body$ LANGUAGE sql", { dialect: 'postgresql' })).toBe(
      'CREATE FUNCTION f() RETURNS int AS ? LANGUAGE sql',
    );
  });

  it('reads strings per dialect: backslash escapes in MySQL only', () => {
    expect(sanitizeSql("SELECT 'it\\'s secret' FROM t", { dialect: 'mysql' })).toBe('SELECT ? FROM t');
    expect(sanitizeSql("SELECT 'C:\\', path FROM t WHERE x = 'pw'", { dialect: 'postgresql' })).toBe('SELECT ?, path FROM t WHERE x = ?');
    expect(sanitizeSql("SELECT 'C:\\', path FROM t WHERE x = 'pw'", { dialect: 'sqlite' })).toBe('SELECT ?, path FROM t WHERE x = ?');
  });

  it('hides the rest of generic text from a string with a backslash before a quote (either reading may be right)', () => {
    expect(sanitizeSql("SELECT a, 'it\\'s secret' FROM t")).toBe('SELECT a, ?');
    expect(sanitizeSql("SELECT a, 'C:\\', path FROM t WHERE x = 'pw'")).toBe('SELECT a, ?');
    expect(sanitizeSql("SELECT 'a\\\\', b FROM t")).toBe('SELECT ?, b FROM t');
  });

  it('replaces MySQL double-quoted strings and keeps backtick identifiers', () => {
    expect(sanitizeSql('SELECT `name` FROM `users` WHERE `name` = "alice"', { dialect: 'mysql' })).toBe(
      'SELECT `name` FROM `users` WHERE `name` = ?',
    );
  });

  it('keeps PostgreSQL quoted identifiers', () => {
    expect(sanitizeSql('SELECT "Name" FROM "Users" WHERE "Id" = 5', { dialect: 'postgresql' })).toBe(
      'SELECT "Name" FROM "Users" WHERE "Id" = ?',
    );
  });

  it('replaces "…" in value positions in generic and SQLite text', () => {
    expect(sanitizeSql('SELECT "c" FROM t WHERE "c" = "secret"')).toBe('SELECT "c" FROM t WHERE "c" = ?');
    expect(sanitizeSql('INSERT INTO t VALUES ("a", "b")', { dialect: 'sqlite' })).toBe('INSERT INTO t VALUES (?, ?)');
  });

  it('keeps JSON operators and replaces their operands', () => {
    expect(sanitizeSql("SELECT data->>'key' FROM t WHERE data @> '{\"a\":1}'", { dialect: 'postgresql' })).toBe(
      'SELECT data->>? FROM t WHERE data @> ?',
    );
    expect(sanitizeSql("SELECT data #>> '{a,b}' FROM t")).toBe('SELECT data #>> ? FROM t');
  });
});

describe('sanitizeSql: placeholders stay', () => {
  it.each([
    ['SELECT * FROM t WHERE a = $1 AND b = $2', 'postgresql'],
    ['SELECT * FROM t WHERE a = ? AND b IN (?, ?)', 'mysql'],
    ['SELECT * FROM t WHERE a = :name AND b = ?1', 'sqlite'],
    ['SELECT * FROM t WHERE a = @var AND b = $name', 'generic'],
    ['SET @x = @@session.sql_mode', 'mysql'],
  ] as Array<[string, SqlDialect]>)('%s', (sql, dialect) => {
    expect(sanitizeSql(sql, { dialect })).toBe(sql);
  });
});

describe('sanitizeSql: comments', () => {
  it.each([
    ['SELECT 1 -- password=hunter2', 'SELECT ?'],
    ['SELECT /* key=abc */ a FROM t', 'SELECT a FROM t'],
    ['/* app:checkout */ SELECT a FROM t', 'SELECT a FROM t'],
    ['SELECT a/*x*/FROM t', 'SELECT a FROM t'],
    ['SELECT a\n-- note\nFROM t', 'SELECT a\nFROM t'],
    ['SELECT a -- one\n -- two\n FROM t', 'SELECT a\nFROM t'],
    ['SELECT a /* x */ /* y */ b', 'SELECT a b'],
    ['SELECT a /* x */', 'SELECT a'],
    ['-- only a comment', ''],
  ])('%j', (sql, expected) => {
    expect(sanitizeSql(sql)).toBe(expected);
  });

  it('drops nested PostgreSQL comments whole', () => {
    expect(sanitizeSql('SELECT a /* x /* secret */ secret */ FROM t', { dialect: 'postgresql' })).toBe('SELECT a FROM t');
  });

  it('drops MySQL # comments and executable comments', () => {
    expect(sanitizeSql('SELECT a # secret\nFROM t', { dialect: 'mysql' })).toBe('SELECT a\nFROM t');
    expect(sanitizeSql('SELECT /*!40001 SQL_NO_CACHE */ a FROM t', { dialect: 'mysql' })).toBe('SELECT a FROM t');
  });
});

describe('sanitizeSql: statements and whitespace', () => {
  it('handles several statements', () => {
    expect(sanitizeSql("INSERT INTO t VALUES (1); SELECT 'x' FROM t;")).toBe('INSERT INTO t VALUES (?); SELECT ? FROM t;');
  });

  it('keeps inner whitespace as written and trims the ends', () => {
    expect(sanitizeSql('  SELECT  a,\n\tb\nFROM t  \n')).toBe('SELECT  a,\n\tb\nFROM t');
  });

  it('returns an empty string for empty, blank or non-string input', () => {
    expect(sanitizeSql('')).toBe('');
    expect(sanitizeSql('   \n ')).toBe('');
    expect(sanitizeSql(undefined as unknown as string)).toBe('');
    expect(sanitizeSql({} as unknown as string)).toBe('');
  });
});

describe('sanitizeSql: failing safe', () => {
  it.each([
    ["SELECT * FROM t WHERE pw = 'hunter2", 'SELECT * FROM t WHERE pw = ?'],
    ["SELECT 'a', 'hunter2 FROM t WHERE x = 1", 'SELECT ?, ?'],
    ['SELECT a /* hunter2', 'SELECT a'],
    ['SELECT "hunter2 FROM t', 'SELECT ?'],
    ['SELECT `hunter2 FROM t', 'SELECT ?'],
  ])('%s', (sql, expected) => {
    expect(sanitizeSql(sql)).toBe(expected);
  });

  it('turns an unterminated dollar quote into ?', () => {
    expect(sanitizeSql('SELECT $$ hunter2', { dialect: 'postgresql' })).toBe('SELECT ?');
    expect(sanitizeSql("SELECT E'hunter2\\'", { dialect: 'postgresql' })).toBe('SELECT ?');
  });
});

describe('sanitizeSql: length bound', () => {
  const long = `SELECT ${Array.from({ length: 200 }, (_, i) => `col${i}`).join(', ')} FROM t WHERE x = 'secret'`;

  it('cuts long output and ends it with the marker', () => {
    const out = sanitizeSql(long, { maxLength: 40 });
    expect(out).toHaveLength(40);
    expect(out.endsWith(DEFAULT_TRUNCATION_MARKER)).toBe(true);
    expect(out).toBe(`${long.slice(0, 39)}…`);
  });

  it('never shows a literal when the cut falls in it', () => {
    const sql = "SELECT 'secret-secret-secret-secret' FROM t";
    for (let max = 1; max <= sql.length + 2; max++) {
      const out = sanitizeSql(sql, { maxLength: max });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toContain('secret');
    }
  });

  it('leaves text that fits untouched', () => {
    expect(sanitizeSql('SELECT 1', { maxLength: 8 })).toBe('SELECT ?');
    expect(sanitizeSql('SELECT a', { maxLength: 8 })).toBe('SELECT a');
    expect(sanitizeSql('SELECT ab', { maxLength: 8 })).toBe('SELECT …');
  });

  it('uses a custom marker, and copes with a bound shorter than the marker', () => {
    expect(sanitizeSql(long, { maxLength: 20, truncationMarker: ' [cut]' })).toBe('SELECT col0, c [cut]');
    expect(sanitizeSql(long, { maxLength: 3, truncationMarker: ' [cut]' })).toBe(' [c');
    expect(sanitizeSql(long, { maxLength: 0 })).toBe('');
  });

  it('ignores a bound that is not a non-negative finite number', () => {
    expect(sanitizeSql('SELECT a', { maxLength: Number.NaN })).toBe('SELECT a');
    expect(sanitizeSql('SELECT a', { maxLength: -1 })).toBe('SELECT a');
  });

  it('never splits a surrogate pair', () => {
    const out = sanitizeSql('SELECT 🎉🎉🎉 FROM t', { maxLength: 10 });
    expect(out).toBe('SELECT 🎉…');
  });
});

describe('truncateWithMarker', () => {
  it('cuts only when needed', () => {
    expect(truncateWithMarker('abcdef', 6)).toBe('abcdef');
    expect(truncateWithMarker('abcdefg', 6)).toBe('abcde…');
    expect(truncateWithMarker('abcdefg', 6, '...')).toBe('abc...');
  });
});

describe('SqlSanitizer', () => {
  it('reports when its bound is reached', () => {
    const sanitizer = new SqlSanitizer('SELECT abc', { maxLength: 5 });
    expect(sanitizer.full).toBe(false);
    sanitizer.token(1, 0, 6);
    expect(sanitizer.full).toBe(true);
    expect(sanitizer.result()).toBe('SELE…');
  });
});
