import { describe, expect, it } from 'vitest';
import { fingerprintSql, normalizeSql } from '../../../src/sql/fingerprint.js';
import { LruCache } from '../../../src/sql/lru-cache.js';
import { summarizeSql } from '../../../src/sql/query-summary.js';
import { sanitizeSql } from '../../../src/sql/sanitize.js';
import { configureSharedStatementAnalyzer, sharedStatementAnalyzer } from '../../../src/sql/shared-statement-analyzer.js';
import { dialectForSystem } from '../../../src/sql/sql-dialect.js';
import { StatementAnalyzer } from '../../../src/sql/statement-analyzer.js';

const SQL = "SELECT o.id, o.total FROM orders o WHERE o.customer_id = 42 AND o.status IN ('open', 'paid') -- web";

describe('StatementAnalyzer.analyze', () => {
  it('gives what the individual functions give', () => {
    const analysis = new StatementAnalyzer().analyze(SQL);
    expect(analysis).toEqual({
      sanitized: 'SELECT o.id, o.total FROM orders o WHERE o.customer_id = ? AND o.status IN (?, ?)',
      normalized: 'SELECT o.id, o.total FROM orders o WHERE o.customer_id = ? AND o.status IN (?)',
      fingerprint: fingerprintSql(SQL),
      operationName: 'SELECT',
      collectionName: 'orders',
      summary: 'SELECT orders',
    });
    expect(analysis.sanitized).toBe(sanitizeSql(SQL));
    expect(analysis.normalized).toBe(normalizeSql(SQL));
    expect(analysis.summary).toBe(summarizeSql(SQL).summary);
  });

  it('leaves out attributes it cannot tell', () => {
    const analysis = new StatementAnalyzer().analyze('BEGIN; SELECT 1; COMMIT');
    expect(analysis.summary).toBe('BEGIN SELECT COMMIT');
    expect('operationName' in analysis).toBe(false);
    expect('collectionName' in analysis).toBe(false);
    expect('summary' in new StatementAnalyzer().analyze('')).toBe(false);
  });

  it('lexes per dialect', () => {
    const analyzer = new StatementAnalyzer();
    const sql = 'SELECT * FROM t WHERE a = "secret" OR b = "x"';
    expect(analyzer.analyze(sql, 'mysql').sanitized).toBe('SELECT * FROM t WHERE a = ? OR b = ?');
    expect(analyzer.analyze(sql, 'postgresql').sanitized).toBe(sql);
    expect(analyzer.analyze(sql, dialectForSystem('mariadb')).sanitized).toBe('SELECT * FROM t WHERE a = ? OR b = ?');
  });

  it('returns frozen results', () => {
    const analysis = new StatementAnalyzer().analyze(SQL);
    expect(Object.isFrozen(analysis)).toBe(true);
  });

  it('treats non-string input as empty text', () => {
    const analysis = new StatementAnalyzer().analyze(undefined as unknown as string);
    expect(analysis.sanitized).toBe('');
    expect(analysis.fingerprint).toBe(fingerprintSql(''));
  });
});

describe('StatementAnalyzer cache', () => {
  it('answers a repeated text from the cache with the same object', () => {
    const analyzer = new StatementAnalyzer();
    const first = analyzer.analyze(SQL);
    const second = analyzer.analyze(SQL);
    expect(second).toBe(first);
    expect(analyzer.stats()).toEqual({ hits: 1, misses: 1, evictions: 0, uncached: 0, errors: 0, entries: 1, maxEntries: 1000 });
  });

  it('keeps one entry per text with a slot per dialect', () => {
    const analyzer = new StatementAnalyzer();
    const generic = analyzer.analyze(SQL);
    const mysql = analyzer.analyze(SQL, 'mysql');
    expect(mysql).not.toBe(generic);
    expect(analyzer.analyze(SQL, 'mysql')).toBe(mysql);
    expect(analyzer.analyze(SQL)).toBe(generic);
    expect(analyzer.stats()).toMatchObject({ hits: 2, misses: 2, entries: 1 });
  });

  it('evicts the least recently used text beyond maxEntries and counts it', () => {
    const analyzer = new StatementAnalyzer({ maxEntries: 2 });
    analyzer.analyze('SELECT a');
    analyzer.analyze('SELECT b');
    analyzer.analyze('SELECT c'); // evicts a
    expect(analyzer.stats()).toMatchObject({ hits: 0, misses: 3, evictions: 1, entries: 2 });
    analyzer.clear(); // forgets the recent texts too: every lookup below reaches the cache
    analyzer.analyze('SELECT a');
    analyzer.analyze('SELECT b');
    analyzer.analyze(['SELECT ', 'a'].join('')); // hit (an equal text, another string): a is now the most recent
    analyzer.analyze('SELECT c'); // evicts b
    expect(analyzer.stats()).toMatchObject({ hits: 1, misses: 6, evictions: 2, entries: 2 });
  });

  it('answers the texts met last from a few slots, without touching the cache', () => {
    const analyzer = new StatementAnalyzer({ maxEntries: 1 });
    const a = analyzer.analyze('SELECT a');
    analyzer.analyze('SELECT b'); // evicts a from the cache; a keeps its recent slot
    expect(analyzer.analyze(['SELECT', ' a'].join(''))).toBe(a);
    expect(analyzer.fingerprint('SELECT a')).toBe(a.fingerprint);
    expect(analyzer.stats()).toMatchObject({ hits: 2, misses: 2, evictions: 1, entries: 1 });
    // Per dialect: the same text under another dialect is not the recent answer.
    expect(analyzer.analyze('SELECT a', 'mysql')).not.toBe(a);
  });

  it('never holds more than maxEntries texts', () => {
    const analyzer = new StatementAnalyzer({ maxEntries: 10 });
    for (let i = 0; i < 1000; i++) analyzer.analyze(`SELECT * FROM t${i}`);
    expect(analyzer.stats()).toMatchObject({ misses: 1000, evictions: 990, entries: 10, maxEntries: 10 });
  });

  it('does not cache texts longer than maxCachedTextLength', () => {
    const analyzer = new StatementAnalyzer({ maxCachedTextLength: 20 });
    const long = 'SELECT * FROM a_rather_long_table_name';
    const first = analyzer.analyze(long);
    const second = analyzer.analyze(long);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(analyzer.stats()).toMatchObject({ hits: 0, misses: 0, uncached: 2, entries: 0 });
  });

  it('with maxEntries 0 analyses every call', () => {
    const analyzer = new StatementAnalyzer({ maxEntries: 0 });
    analyzer.analyze(SQL);
    analyzer.analyze(SQL);
    expect(analyzer.stats()).toMatchObject({ hits: 0, uncached: 2, entries: 0, maxEntries: 0 });
  });

  it('clear() empties the cache and keeps the counters', () => {
    const analyzer = new StatementAnalyzer();
    analyzer.analyze(SQL);
    analyzer.clear();
    expect(analyzer.stats()).toMatchObject({ misses: 1, entries: 0 });
    analyzer.analyze(SQL);
    expect(analyzer.stats()).toMatchObject({ misses: 2, entries: 1 });
  });
});

describe('StatementAnalyzer bounds', () => {
  it('bounds sanitized and normalized, with the marker', () => {
    const sql = `SELECT ${Array.from({ length: 100 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const analysis = new StatementAnalyzer({ maxQueryTextLength: 50 }).analyze(sql);
    expect(analysis.sanitized).toHaveLength(50);
    expect(analysis.sanitized.endsWith('…')).toBe(true);
    expect(analysis.normalized).toHaveLength(50);
    expect(analysis.normalized.endsWith('…')).toBe(true);
    expect(analysis.fingerprint).toBe(fingerprintSql(sql)); // from the full normalised text
    expect(analysis.summary).toBe('SELECT t');
  });

  it('analyses only maxTextLength leading characters and marks the cut', () => {
    const sql = `SELECT * FROM t WHERE a = 'x' /* ${'z'.repeat(100)} */ AND b = 1`;
    const analysis = new StatementAnalyzer({ maxTextLength: 30, truncationMarker: '[…]' }).analyze(sql);
    expect(analysis.sanitized).toBe('SELECT * FROM t WHERE a = ?[…]');
    expect(analysis.normalized).toBe('SELECT * FROM t WHERE a = ?[…]');
  });

  it('marks a cut inside a literal without showing it', () => {
    const analysis = new StatementAnalyzer({ maxTextLength: 28 }).analyze("SELECT * FROM t WHERE a = 'secret'");
    expect(analysis.sanitized).toBe('SELECT * FROM t WHERE a = ?…');
  });

  it.each([
    [{ maxEntries: -1 }, /maxEntries/],
    [{ maxEntries: 1.5 }, /maxEntries/],
    [{ maxCachedTextLength: -5 }, /maxCachedTextLength/],
    [{ maxTextLength: 0 }, /maxTextLength/],
    [{ maxQueryTextLength: Number.NaN }, /maxQueryTextLength/],
    [{ maxQueryTextLength: 3, truncationMarker: '[cut]' }, /truncationMarker/],
  ])('rejects bad options %j', (options, message) => {
    expect(() => new StatementAnalyzer(options)).toThrow(message);
  });
});

describe('sharedStatementAnalyzer', () => {
  it('is one instance until reconfigured', () => {
    const shared = sharedStatementAnalyzer();
    expect(sharedStatementAnalyzer()).toBe(shared);
    const configured = configureSharedStatementAnalyzer({ maxEntries: 5 });
    expect(configured).not.toBe(shared);
    expect(sharedStatementAnalyzer()).toBe(configured);
    expect(configured.stats().maxEntries).toBe(5);
  });

  it('keeps the previous instance when the options are bad', () => {
    const before = sharedStatementAnalyzer();
    expect(() => configureSharedStatementAnalyzer({ maxEntries: -1 })).toThrow(RangeError);
    expect(sharedStatementAnalyzer()).toBe(before);
  });
});

describe('dialectForSystem', () => {
  it.each([
    ['postgresql', 'postgresql'],
    ['cockroachdb', 'postgresql'],
    ['mysql', 'mysql'],
    ['mariadb', 'mysql'],
    ['sqlite', 'sqlite'],
    ['duckdb', 'duckdb'],
    ['other_sql', 'generic'],
    [undefined, 'generic'],
  ])('%s → %s', (system, dialect) => {
    expect(dialectForSystem(system)).toBe(dialect);
  });
});

describe('LruCache', () => {
  it('keeps the most recently used entries', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4); // evicts b
    expect(cache.keys()).toEqual(['c', 'a', 'd']);
    expect(cache.has('b')).toBe(false);
    expect(cache.evictions).toBe(1);
    expect(cache.size).toBe(3);
  });

  it('updates an existing key without evicting', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    expect(cache.keys()).toEqual(['b', 'a']);
    expect(cache.get('a')).toBe(10);
    expect(cache.evictions).toBe(0);
  });

  it('has() does not change recency', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.has('a')).toBe(true);
    cache.set('c', 3);
    expect(cache.keys()).toEqual(['b', 'c']);
  });

  it('works with one entry, and with none', () => {
    const one = new LruCache<string, number>(1);
    one.set('a', 1);
    one.set('b', 2);
    expect(one.keys()).toEqual(['b']);
    expect(one.get('a')).toBeUndefined();
    const none = new LruCache<string, number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
  });

  it('clear() empties it and it stays usable', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.clear();
    expect(cache.size).toBe(0);
    cache.set('b', 2);
    expect(cache.keys()).toEqual(['b']);
  });

  it('rejects a bad bound', () => {
    expect(() => new LruCache(-1)).toThrow(RangeError);
    expect(() => new LruCache(2.5)).toThrow(RangeError);
  });
});
