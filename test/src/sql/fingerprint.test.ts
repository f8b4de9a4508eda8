import { describe, expect, it } from 'vitest';
import { fingerprintOfNormalized, fingerprintSql, normalizeSql, SqlFingerprinter, SqlNormalizer } from '../../../src/sql/fingerprint.js';
import { Fnv1a64, fnv1a64Hex } from '../../../src/sql/fnv1a64.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind } from '../../../src/sql/sql-lexer.js';
import type { SqlDialect } from '../../../src/sql/sql-dialect.js';
import { randomInt, seededRandom } from '../../support/seeded-random.js';

/** Straightforward FNV-1a 64 with BigInt and TextEncoder, as an independent reference. */
function referenceFnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fnv1a64Hex', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });

  it('matches a BigInt reference on random text, including non-ASCII and lone surrogates', () => {
    const random = seededRandom(7);
    const alphabet = ['a', 'Z', ' ', '?', 'é', 'ß', '€', '中', '🎉', '\ud800', '\udc00', '\u0000', '\u07ff', '\uffff'];
    for (let i = 0; i < 300; i++) {
      let text = '';
      const length = randomInt(random, 40);
      for (let j = 0; j < length; j++) text += alphabet[randomInt(random, alphabet.length)];
      expect(fnv1a64Hex(text)).toBe(referenceFnv1a64(text));
    }
  });

  it('always gives 16 lower-case hex digits', () => {
    for (const text of ['x', 'SELECT ?', '\u0000', 'a'.repeat(1000)]) expect(fnv1a64Hex(text)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('Fnv1a64 (piece by piece)', () => {
  const alphabet = ['a', 'Z', ' ', '?', 'é', '€', '中', '🎉', '\ud800', '\udc00', '\u07ff', '\uffff'];
  const randomText = (random: () => number, max: number) => {
    let text = '';
    const length = randomInt(random, max);
    for (let j = 0; j < length; j++) text += alphabet[randomInt(random, alphabet.length)];
    return text;
  };

  it('hashes pieces as their concatenation, surrogate pairs split between pieces included', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 500; i++) {
      const text = randomText(random, 30);
      const hash = new Fnv1a64();
      let at = 0;
      while (at < text.length) {
        const end = Math.min(text.length, at + 1 + randomInt(random, 4));
        hash.update(text, at, end);
        at = end;
      }
      expect(hash.hex()).toBe(referenceFnv1a64(text));
    }
    const split = new Fnv1a64();
    split.update('x\ud83c');
    expect(split.hex()).toBe(referenceFnv1a64('x\ud83c')); // a held high surrogate alone is U+FFFD
    split.update('\udf89');
    expect(split.hex()).toBe(referenceFnv1a64('x🎉'));
    const held = new Fnv1a64();
    held.update('x\ud83c');
    held.ascii(32); // a character after a held high surrogate: the surrogate stands alone
    expect(held.hex()).toBe(referenceFnv1a64('x\ud83c '));
  });

  it('goes back to a saved state, a held surrogate included', () => {
    const random = seededRandom(12);
    for (let i = 0; i < 200; i++) {
      const [head, dropped, tail] = [
        randomText(random, 10) + (i % 2 === 0 ? '\ud83c' : ''),
        randomText(random, 10),
        randomText(random, 10),
      ];
      const hash = new Fnv1a64();
      const states: number[] = [];
      hash.update(head);
      hash.save(states, 5);
      hash.update(dropped);
      hash.restore(states, 5);
      hash.update(tail);
      expect(hash.hex()).toBe(referenceFnv1a64(head + tail));
    }
  });
});

describe('SqlFingerprinter', () => {
  const pieces = [
    'SELECT',
    'select',
    'a',
    'Tbl',
    '"Q"',
    '`b`',
    ',',
    '(',
    ')',
    '[',
    ']',
    '.',
    '::',
    '=',
    '<>',
    '+',
    '-',
    ';',
    '1',
    '2.5',
    "'s'",
    "'unterminated",
    '$1',
    '?',
    ':n',
    '@v',
    'NULL',
    'TRUE',
    'IN',
    'IN',
    'VALUES',
    'VALUES',
    'CAST',
    'count',
    '/* c */',
    '-- c\n',
    'é',
    '中',
    '\ud83c',
    '\udf89',
    '🎉',
    'x\ud800',
  ];
  const byTokens = (
    sql: string,
    make: (text: string) => { token(kind: SqlTokenKind, start: number, end: number): void; result(): string },
  ) => {
    const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, 'postgresql'));
    const consumer = make(sql);
    for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) consumer.token(kind, lexer.start, lexer.end);
    return consumer.result();
  };

  it('gives fnv1a64Hex of the normalised text without building it (random token soups, IN lists, VALUES rows, unicode)', () => {
    const random = seededRandom(13);
    const texts = [
      "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')",
      'WHERE a IN (1, 2) AND b IN (3, (4, 5), 6) AND c IN ($1, $2)',
      'SELECT * FROM (VALUES (1), (2), (3)) v(x); SELECT 2;',
      "SELECT \"é中🎉\" FROM t WHERE a IN ('x', 'y')",
    ];
    for (let i = 0; i < 1000; i++) {
      let text = '';
      const length = randomInt(random, 40);
      for (let j = 0; j < length; j++) text += (random() < 0.7 ? ' ' : '') + pieces[randomInt(random, pieces.length)];
      texts.push(text);
    }
    for (const text of texts) {
      expect(
        byTokens(text, (t) => new SqlFingerprinter(t)),
        text,
      ).toBe(fnv1a64Hex(byTokens(text, (t) => new SqlNormalizer(t))));
    }
  });
});

describe('normalizeSql', () => {
  it.each([
    ["select id , total from orders where id=42 and status='open'", 'SELECT id, total FROM orders WHERE id = ? AND status = ?'],
    ['SELECT  *\n\tFROM t  -- comment\n WHERE a = /* x */ 1', 'SELECT * FROM t WHERE a = ?'],
    ['SELECT count ( * ) FROM t', 'SELECT count(*) FROM t'],
    ['SELECT CAST(x AS int), coalesce(a, b), x::text FROM t', 'SELECT CAST(x AS INT), COALESCE(a, b), x::TEXT FROM t'],
    ['SELECT "Name", `id` FROM "Users"', 'SELECT "Name", `id` FROM "Users"'],
    ['SELECT a.b, t.* FROM s . t', 'SELECT a.b, t.* FROM s.t'],
    ['WHERE a IN (1, 2, 3)', 'WHERE a IN (?)'],
    ["WHERE a NOT IN ('x', 'y')", 'WHERE a NOT IN (?)'],
    ['WHERE a IN ($1, $2, $3)', 'WHERE a IN ($1)'],
    ['WHERE a IN (?, ?)', 'WHERE a IN (?)'],
    ['WHERE a IN (1)', 'WHERE a IN (?)'],
    ['WHERE a IN (b, c)', 'WHERE a IN (b, c)'],
    ['WHERE a IN (1, b)', 'WHERE a IN (?, b)'],
    ['WHERE a IN (SELECT id FROM u)', 'WHERE a IN (SELECT id FROM u)'],
    ['WHERE (a, b) IN ((1, 2), (3, 4))', 'WHERE (a, b) IN ((?, ?), (?, ?))'],
    ['WHERE a IN (1, 2) AND b IN (3, 4, 5)', 'WHERE a IN (?) AND b IN (?)'],
    ["INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'INSERT INTO t(a, b) VALUES (?, ?)'],
    ['INSERT INTO t VALUES ($1, $2), ($3, $4) RETURNING id', 'INSERT INTO t VALUES ($1, $2) RETURNING id'],
    ["INSERT INTO t VALUES (1, 'a') ON CONFLICT (a) DO NOTHING", 'INSERT INTO t VALUES (?, ?) ON CONFLICT (a) DO NOTHING'],
    ['SELECT * FROM (VALUES (1), (2), (3)) v(x)', 'SELECT * FROM (VALUES (?)) v(x)'],
    ['INSERT INTO t VALUES (1, now()), (2, now())', 'INSERT INTO t VALUES (?, now())'],
    ['SELECT 1; SELECT 2;', 'SELECT ?; SELECT ?'],
    [';;SELECT 1;;', 'SELECT ?'],
    ['SELECT TRUE, NULL, -5, +5, x - 5', 'SELECT ?, NULL, ?, + ?, x - ?'],
    ['SELECT a[1], ARRAY[1, 2] FROM t', 'SELECT a[?], ARRAY[?, ?] FROM t'],
    ['SELECT $1::int, :name, @v', 'SELECT $1::INT, :name, @v'],
    ["SELECT 'unterminated", 'SELECT ?'],
    ['', ''],
    ['  -- only a comment', ''],
  ])('%j', (sql, expected) => {
    expect(normalizeSql(sql)).toBe(expected);
  });

  it('reads strings per dialect', () => {
    expect(normalizeSql('SELECT * FROM t WHERE a = "x"', { dialect: 'mysql' })).toBe('SELECT * FROM t WHERE a = ?');
    expect(normalizeSql('SELECT * FROM "t" WHERE "a" = 1', { dialect: 'postgresql' })).toBe('SELECT * FROM "t" WHERE "a" = ?');
    expect(normalizeSql("SELECT 'a\\'b' FROM t", { dialect: 'mysql' })).toBe('SELECT ? FROM t');
  });

  it('returns an empty string for non-string input', () => {
    expect(normalizeSql(7 as unknown as string)).toBe('');
  });
});

describe('fingerprintSql: equivalences', () => {
  const same: Array<[string, string, SqlDialect?]> = [
    ['SELECT * FROM t WHERE id = 1', 'SELECT * FROM t WHERE id = 99999'],
    ["SELECT * FROM t WHERE name = 'a'", "SELECT * FROM t WHERE name = 'a much longer value'"],
    ['SELECT * FROM t WHERE x = 1.5', 'SELECT * FROM t WHERE x = -2e10'],
    ['SELECT * FROM t WHERE id = 1', 'select   *\nfrom t\n\twhere ID = 2'.replace('ID', 'id')],
    ['SELECT * FROM t WHERE id = 1', '/* app=web */ SELECT * FROM t -- trailing\n WHERE id = 1;'],
    ['SELECT * FROM t WHERE id IN (1, 2)', 'SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5, 6, 7)'],
    ['SELECT * FROM t WHERE id IN ($1, $2)', 'SELECT * FROM t WHERE id IN ($1, $2, $3)'],
    ['INSERT INTO t (a) VALUES (1)', 'INSERT INTO t (a) VALUES (1), (2), (3)'],
    ['SELECT * FROM t WHERE a = TRUE', 'SELECT * FROM t WHERE a = false'],
    ["SELECT $$x$$, E'y'", "SELECT 'a', 'b'", 'postgresql'],
    ['SELECT a,b FROM t', 'SELECT a , b FROM t'],
    ['SELECT count(*) FROM t', 'SELECT count (*) FROM t'],
  ];
  it.each(same)('%j ≡ %j', (a, b, dialect) => {
    expect(fingerprintSql(a, { dialect })).toBe(fingerprintSql(b, { dialect }));
  });

  const different: Array<[string, string]> = [
    ['SELECT * FROM orders WHERE id = 1', 'SELECT * FROM customers WHERE id = 1'],
    ['SELECT a FROM t', 'SELECT b FROM t'],
    ['SELECT * FROM t WHERE a = 1', 'SELECT * FROM t WHERE a > 1'],
    ['SELECT * FROM t WHERE a = $1', 'SELECT * FROM t WHERE a = $2'],
    ['SELECT * FROM t WHERE a = ?', 'SELECT * FROM t WHERE a = :a'],
    ['SELECT * FROM t WHERE a IS NULL', 'SELECT * FROM t WHERE a IS NOT NULL'],
    ['SELECT * FROM "Users"', 'SELECT * FROM "users"'],
    ['SELECT * FROM t WHERE a IN (1, 2)', 'SELECT * FROM t WHERE a IN (b, c)'],
    ['SELECT 1', 'SELECT 1; SELECT 2'],
  ];
  it.each(different)('%j ≠ %j', (a, b) => {
    expect(fingerprintSql(a)).not.toBe(fingerprintSql(b));
  });

  it('is the hash of the normalised text', () => {
    const sql = "SELECT * FROM t WHERE a = 'x'";
    expect(fingerprintSql(sql)).toBe(fnv1a64Hex(normalizeSql(sql)));
    expect(fingerprintOfNormalized(normalizeSql(sql))).toBe(fingerprintSql(sql));
  });

  it('is stable across releases (pinned values)', () => {
    // If one of these changes, every stored fingerprint changes: only on purpose, with a release note.
    expect(normalizeSql("SELECT * FROM orders WHERE id = 42 AND status IN ('a', 'b')")).toBe(
      'SELECT * FROM orders WHERE id = ? AND status IN (?)',
    );
    expect(fingerprintSql("SELECT * FROM orders WHERE id = 42 AND status IN ('a', 'b')")).toBe(
      referenceFnv1a64('SELECT * FROM orders WHERE id = ? AND status IN (?)'),
    );
    expect(fingerprintSql('SELECT 1')).toBe('199e7dca63ea8858');
  });
});
