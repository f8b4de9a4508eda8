// StatementAnalyzer.fingerprint: the same fingerprint as analyze() for every text and dialect, a
// text seen the first time only normalised and hashed (not cached), one seen again analysed in
// full and cached, and never a throw.
import { describe, expect, it } from 'vitest';
import { SQL_DIALECTS } from '../../../src/sql/sql-dialect.js';
import { StatementAnalyzer } from '../../../src/sql/statement-analyzer.js';

const TEXTS = [
  "SELECT o.id, o.total FROM orders o WHERE o.customer_id = 42 AND o.status IN ('open', 'paid') -- web",
  'SELECT * FROM t WHERE a = "secret" OR b = "x"',
  'INSERT INTO log VALUES (1, 2), (3, 4), (5, 6);',
  "select  a from b where x in (1,2,3) /* c */ and y = E'it''s'",
  'SELECT $$dollar$$, # not a comment in pg\n1',
  "UPDATE s SET v = v + 1 WHERE k = 'résumé 😀'",
  '',
  'BEGIN; SELECT 1; COMMIT',
];

describe('StatementAnalyzer.fingerprint', () => {
  it('gives analyze().fingerprint for every text and dialect, first sighting or cached', () => {
    const reference = new StatementAnalyzer();
    const analyzer = new StatementAnalyzer();
    for (let pass = 0; pass < 3; pass++) {
      for (const text of TEXTS) {
        for (const dialect of SQL_DIALECTS) expect(analyzer.fingerprint(text, dialect)).toBe(reference.analyze(text, dialect).fingerprint);
      }
    }
  });

  it('caches a text only when it comes back, and then answers from the cache', () => {
    const analyzer = new StatementAnalyzer();
    const text = 'SELECT id FROM orders WHERE id = $1';
    analyzer.fingerprint(text, 'postgresql');
    expect(analyzer.stats()).toMatchObject({ hits: 0, misses: 1, entries: 0 });
    analyzer.fingerprint(text, 'postgresql');
    expect(analyzer.stats()).toMatchObject({ hits: 0, misses: 2, entries: 1 });
    analyzer.fingerprint(text, 'postgresql');
    expect(analyzer.stats()).toMatchObject({ hits: 1, misses: 2, entries: 1 });
    // The cached analysis is analyze()'s own.
    expect(analyzer.analyze(text, 'postgresql').fingerprint).toBe(analyzer.fingerprint(text, 'postgresql'));
  });

  it('answers a text analyze() cached from the cache', () => {
    const analyzer = new StatementAnalyzer();
    const fingerprint = analyzer.analyze('SELECT 1').fingerprint;
    expect(analyzer.fingerprint('SELECT 1')).toBe(fingerprint);
    expect(analyzer.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('leaves a flood of one-off texts out of the cache, so the texts that come back stay cached', () => {
    const analyzer = new StatementAnalyzer({ maxEntries: 100 });
    const hot = 'SELECT * FROM hot WHERE id = $1';
    analyzer.fingerprint(hot);
    analyzer.fingerprint(hot);
    for (let i = 0; i < 5000; i++) analyzer.fingerprint(`SELECT * FROM cold_${i}`);
    // Only the filter's rare false positives are cached: far fewer than the 5,000, no eviction.
    const { entries, evictions } = analyzer.stats();
    expect(entries).toBeLessThan(100);
    expect(evictions).toBe(0);
    const hitsBefore = analyzer.stats().hits;
    analyzer.fingerprint(hot);
    expect(analyzer.stats().hits).toBe(hitsBefore + 1);
  });

  it('fingerprints texts too long to cache without caching them, and non-strings as the empty text', () => {
    const analyzer = new StatementAnalyzer({ maxCachedTextLength: 10 });
    const long = 'SELECT id, name FROM customers WHERE id = 7';
    expect(analyzer.fingerprint(long)).toBe(new StatementAnalyzer().analyze(long).fingerprint);
    expect(analyzer.stats()).toMatchObject({ uncached: 1, entries: 0 });
    expect(analyzer.fingerprint(undefined as unknown as string)).toBe(new StatementAnalyzer().analyze('').fingerprint);
  });

  it('reads only maxTextLength leading characters, as analyze() does', () => {
    const options = { maxTextLength: 40, maxCachedTextLength: 0 };
    const text = `SELECT a FROM t WHERE x = 1 AND y IN (${'1, '.repeat(50)}2)`;
    expect(new StatementAnalyzer(options).fingerprint(text)).toBe(new StatementAnalyzer(options).analyze(text).fingerprint);
  });
});
