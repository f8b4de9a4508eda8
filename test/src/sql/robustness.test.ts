/**
 * Robustness of the SQL text handling: it runs in the user's query path, so it must never throw,
 * never leak literal or comment text (even when the text is cut anywhere), and stay linear on
 * pathological input.
 */
import { describe, expect, it } from 'vitest';
import { fingerprintSql, normalizeSql } from '../../../src/sql/fingerprint.js';
import { summarizeSql } from '../../../src/sql/query-summary.js';
import { sanitizeSql } from '../../../src/sql/sanitize.js';
import { leadingSqlText, MAX_SQL_TEXT_LENGTH } from '../../../src/sql/sql-input-bound.js';
import { SQL_DIALECTS, type SqlDialect } from '../../../src/sql/sql-dialect.js';
import { tokenizeSql } from '../../../src/sql/sql-lexer.js';
import { StatementAnalyzer } from '../../../src/sql/statement-analyzer.js';
import { pick, randomInt, seededRandom } from '../../support/seeded-random.js';

const SQL_CHARS = '\'"`$()[]{};,.-+*/\\#?:@=<>!|&%^~_ \n\t\r0123456789aAeEbBxXnNuUzZ$€é🎉\u0000\u00a0';

function randomText(random: () => number, maxLength: number): string {
  const length = randomInt(random, maxLength + 1);
  let text = '';
  for (let i = 0; i < length; i++) {
    const r = random();
    if (r < 0.8) text += SQL_CHARS[randomInt(random, SQL_CHARS.length)];
    else if (r < 0.95) text += String.fromCharCode(randomInt(random, 128));
    else text += String.fromCharCode(randomInt(random, 0x10000)); // includes lone surrogates
  }
  return text;
}

describe('never throws on random input', () => {
  it('handles 3,000 seeded random texts in every dialect', () => {
    const random = seededRandom(20_240_601);
    const analyzer = new StatementAnalyzer({ maxEntries: 50 });
    for (let i = 0; i < 3_000; i++) {
      const text = randomText(random, 120);
      const dialect = SQL_DIALECTS[i % SQL_DIALECTS.length] as SqlDialect;
      const tokens = tokenizeSql(text, { dialect });
      let covered = 0;
      for (const token of tokens) {
        expect(token.start).toBeGreaterThanOrEqual(covered);
        expect(token.end).toBeGreaterThan(token.start);
        covered = token.end;
      }
      expect(covered).toBeLessThanOrEqual(text.length);
      expect(typeof sanitizeSql(text, { dialect, maxLength: 1 + (i % 50) })).toBe('string');
      expect(typeof normalizeSql(text, { dialect })).toBe('string');
      const summary = summarizeSql(text, { dialect });
      expect(summary.statementCount).toBeGreaterThanOrEqual(0);
      expect((summary.summary ?? '').length).toBeLessThanOrEqual(255);
      expect(analyzer.analyze(text, dialect).fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(analyzer.stats().errors).toBe(0);
  });

  it('handles random sequences of SQL-ish fragments', () => {
    const random = seededRandom(99);
    const fragments = [
      'SELECT',
      'FROM',
      'WHERE',
      'WITH',
      'AS',
      '(',
      ')',
      ',',
      ';',
      'INSERT INTO',
      'VALUES',
      'IN',
      'JOIN',
      'ON',
      'USING',
      'CREATE TABLE',
      'DROP',
      'INDEX',
      'UPDATE',
      'SET',
      'DELETE',
      'MERGE',
      'EXPLAIN',
      'CALL',
      't',
      '"q"',
      "'s'",
      '$1',
      '?',
      '-1',
      '.',
      '*',
      '=',
      'DISTINCT',
      'UNION',
      'RECURSIVE',
      'MATERIALIZED',
      'NOT',
      'EXISTS',
      'IF',
      'ONLY',
      'LATERAL',
      'START',
      'TRANSACTION',
      'GRANT',
      'FROM (',
      'IN (',
      'VALUES (',
      '$$x$$',
      '/*c*/',
      '--c\n',
    ];
    const analyzer = new StatementAnalyzer();
    for (let i = 0; i < 2_000; i++) {
      const count = randomInt(random, 30);
      const parts: string[] = [];
      for (let j = 0; j < count; j++) parts.push(pick(random, fragments));
      const text = parts.join(random() < 0.5 ? ' ' : '');
      const analysis = analyzer.analyze(text, pick(random, SQL_DIALECTS));
      expect((analysis.summary ?? '').length).toBeLessThanOrEqual(255);
    }
    expect(analyzer.stats().errors).toBe(0);
  });
});

describe('never leaks literal or comment text', () => {
  const SECRET = 'S3CR3T';
  const safe = [
    'SELECT',
    'a',
    'users',
    'FROM',
    'WHERE',
    'AND',
    'IN',
    'VALUES',
    'INSERT',
    'INTO',
    '=',
    '<>',
    '+',
    '-',
    '::',
    '->>',
    '(',
    ')',
    ',',
    ';',
    '.',
    '42',
    '-1',
    '3.5e2',
    '?',
    '$1',
    ':p',
    '*',
  ];
  const NUMBER = '987654321'; // a numeric secret: no output may show '98765'
  const common = [
    `'${SECRET}'`,
    `'it''s ${SECRET}'`,
    `/* ${SECRET} */`,
    `-- ${SECRET}\n`,
    `X'${SECRET}'`,
    `N'${SECRET}'`,
    `DATE '${SECRET}'`,
    NUMBER,
    `-${NUMBER}`,
    `${NUMBER}.5e3`,
    `.${NUMBER}`,
    `0x${NUMBER}ABC`,
    `= -${NUMBER}`,
    `(${NUMBER}, ${NUMBER})`,
  ];
  const secrets: Record<SqlDialect, string[]> = {
    postgresql: [
      ...common,
      `$$${SECRET}$$`,
      `$q$${SECRET} $$ $q$`,
      `E'${SECRET}\\' ${SECRET}'`,
      `/* a /* ${SECRET} */ ${SECRET} */`,
      `U&'${SECRET}'`,
    ],
    duckdb: [...common, `$$${SECRET}$$`, `$q$${SECRET}$q$`, `/* a /* ${SECRET} */ ${SECRET} */`],
    mysql: [...common, `'${SECRET}\\' ${SECRET}'`, `"${SECRET}"`, `"${SECRET}\\" ${SECRET}"`, `# ${SECRET}\n`, `/*!40001 ${SECRET} */`],
    sqlite: [...common, `= "${SECRET}"`, `IN ("${SECRET}", "${SECRET}")`],
    generic: [
      ...common,
      `$$${SECRET}$$`,
      `E'${SECRET}\\' ${SECRET}'`,
      `'${SECRET}\\' ${SECRET}'`,
      `# ${SECRET}\n`,
      `= "${SECRET}"`,
      `/* a /* ${SECRET} */ ${SECRET} */`,
    ],
  };
  const separators = [' ', '\n', '\t', '  '];

  for (const dialect of SQL_DIALECTS) {
    it(`hides every secret in ${dialect} text, whole or cut anywhere`, () => {
      const random = seededRandom(dialect.length * 1_000 + 17);
      const analyzer = new StatementAnalyzer({ maxEntries: 0 });
      for (let i = 0; i < 400; i++) {
        const parts: string[] = [];
        const count = 1 + randomInt(random, 16);
        for (let j = 0; j < count; j++) parts.push(random() < 0.3 ? pick(random, secrets[dialect]) : pick(random, safe));
        const whole = parts.join(pick(random, separators));
        for (const text of [
          whole,
          whole.slice(0, randomInt(random, whole.length + 1)),
          whole.slice(0, randomInt(random, whole.length + 1)),
        ]) {
          const analysis = analyzer.analyze(text, dialect);
          const shown = [
            sanitizeSql(text, { dialect }),
            sanitizeSql(text, { dialect, maxLength: 1 + randomInt(random, 60) }),
            normalizeSql(text, { dialect }),
            analysis.sanitized,
            analysis.normalized,
            analysis.summary ?? '',
            analysis.operationName ?? '',
            analysis.collectionName ?? '',
          ];
          for (const out of shown) {
            if (out.includes('S3CR') || out.includes('98765')) {
              throw new Error(`leak in ${dialect}: ${JSON.stringify(text)} → ${JSON.stringify(out)}`);
            }
          }
        }
      }
    });
  }
});

describe('linear on pathological 1 MB input', () => {
  const MB = 1 << 20;
  const inputs: Array<[string, string]> = [
    ['open parentheses', '('.repeat(MB)],
    ['quotes', "'".repeat(MB)],
    ['backslash-quote pairs (generic resolution)', "\\'".repeat(MB / 2)],
    ['comment openers', '/*'.repeat(MB / 2)],
    ['dollar signs', '$a'.repeat(MB / 2)],
    ['minus signs and digits', '-1'.repeat(MB / 2)],
    ['one huge IN list', `SELECT * FROM t WHERE a IN (${'1,'.repeat(MB / 2 - 20)}1)`],
    ['many IN lists', 'a IN (1,2) AND '.repeat(MB / 15)],
    ['many VALUES rows', `INSERT INTO t VALUES ${'(1,"a"),'.repeat(MB / 8 - 4)}(1,2)`],
    ['long statement', 'SELECT a FROM t JOIN u ON x = 1 WHERE '.repeat(MB / 38)],
  ];

  it.each(inputs)('%s', (_name, text) => {
    expect(text.length).toBeGreaterThan(MB * 0.95);
    expect(sanitizeSql(text).length).toBeLessThanOrEqual(text.length);
    expect(normalizeSql(text).length).toBeLessThanOrEqual(2 * text.length);
    expect((summarizeSql(text).summary ?? '').length).toBeLessThanOrEqual(255);
    const analysis = new StatementAnalyzer().analyze(text);
    expect(analysis.sanitized.length).toBeLessThanOrEqual(8192);
    expect(analysis.normalized.length).toBeLessThanOrEqual(8192);
  });
});

describe('every public SQL function reads at most 1 MiB of its input', () => {
  // 10 MB of a statement whose normal form is longer than its text (every literal becomes "?"s and spaces).
  const huge = `SELECT ${Array.from({ length: 1_100_000 }, (_, i) => `a${i % 10}=${i}`).join(',')}`;

  it('bounds normalizeSql, fingerprintSql, sanitizeSql, summarizeSql and tokenizeSql in time and output', () => {
    expect(huge.length).toBeGreaterThan(10_000_000);
    const started = performance.now();
    const normalized = normalizeSql(huge);
    const sanitized = sanitizeSql(huge);
    const summary = summarizeSql(huge);
    const tokens = tokenizeSql(huge);
    expect(fingerprintSql(huge)).toBe(fingerprintSql(leadingSqlText(huge)));
    expect(normalized.length).toBeLessThanOrEqual(2 * MAX_SQL_TEXT_LENGTH);
    expect(normalized).toBe(normalizeSql(leadingSqlText(huge)));
    expect(sanitized.length).toBeLessThanOrEqual(2 * MAX_SQL_TEXT_LENGTH);
    expect(summary.statementCount).toBe(1);
    expect(tokens.at(-1)!.end).toBeLessThanOrEqual(MAX_SQL_TEXT_LENGTH);
    // Four passes over 1 MiB each, not over 10 MB.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('never cuts a surrogate pair in half', () => {
    const text = `${'x'.repeat(MAX_SQL_TEXT_LENGTH - 1)}😀tail`;
    const cut = leadingSqlText(text);
    expect(cut.length).toBe(MAX_SQL_TEXT_LENGTH - 1);
    expect(leadingSqlText('short')).toBe('short');
  });
});
