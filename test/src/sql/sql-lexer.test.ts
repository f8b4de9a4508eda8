import { describe, expect, it } from 'vitest';
import type { SqlDialect } from '../../../src/sql/sql-dialect.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind, sqlTokenKindName, tokenizeSql } from '../../../src/sql/sql-lexer.js';

/** Tokens as `Kind:text` strings. */
function lex(sql: string, dialect?: SqlDialect): string[] {
  return tokenizeSql(sql, { dialect }).map((t) => `${sqlTokenKindName(t.kind)}:${t.text}`);
}

function failed(sql: string, dialect?: SqlDialect): boolean {
  const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, dialect));
  while (lexer.next() !== SqlTokenKind.End);
  return lexer.failed;
}

describe('SqlLexer: basics', () => {
  it('splits words, punctuation and operators', () => {
    expect(lex('SELECT a, b.c FROM t WHERE x >= 1;')).toEqual([
      'Word:SELECT',
      'Word:a',
      'Comma:,',
      'Word:b',
      'Dot:.',
      'Word:c',
      'Word:FROM',
      'Word:t',
      'Word:WHERE',
      'Word:x',
      'Operator:>=',
      'Number:1',
      'Semicolon:;',
    ]);
  });

  it('reports token positions', () => {
    expect(tokenizeSql('  a  bc')).toEqual([
      { kind: SqlTokenKind.Word, text: 'a', start: 2, end: 3 },
      { kind: SqlTokenKind.Word, text: 'bc', start: 5, end: 7 },
    ]);
  });

  it('returns no tokens for empty or blank input', () => {
    expect(lex('')).toEqual([]);
    expect(lex(' \t\r\n\u00a0\ufeff')).toEqual([]);
  });

  it('keeps multi-character operators together', () => {
    expect(lex('a <> b != c || d :: e ->> f @> g')).toEqual([
      'Word:a',
      'Operator:<>',
      'Word:b',
      'Operator:!=',
      'Word:c',
      'Operator:||',
      'Word:d',
      'Operator:::',
      'Word:e',
      'Operator:->>',
      'Word:f',
      'Operator:@>',
      'Word:g',
    ]);
    expect(lex('x::int')).toEqual(['Word:x', 'Operator:::', 'Word:int']);
  });

  it('reads non-ASCII letters as identifier characters', () => {
    expect(lex('SELECT größe FROM café')).toEqual(['Word:SELECT', 'Word:größe', 'Word:FROM', 'Word:café']);
  });

  it('reads parentheses, brackets and stray characters', () => {
    expect(lex('f(a[1]) {x}')).toEqual([
      'Word:f',
      'LParen:(',
      'Word:a',
      'Punctuation:[',
      'Number:1',
      'Punctuation:]',
      'RParen:)',
      'Punctuation:{',
      'Word:x',
      'Punctuation:}',
    ]);
    expect(lex('\\ \u0001')).toEqual(['Punctuation:\\', 'Punctuation:\u0001']);
  });
});

describe('SqlLexer: strings', () => {
  it.each([
    ["'abc'", ["String:'abc'"]],
    ["'it''s'", ["String:'it''s'"]],
    ["''", ["String:''"]],
    ["E'it\\'s'", ["String:E'it\\'s'"]],
    ["e'a\\\\'", ["String:e'a\\\\'"]],
    ["X'DEADBEEF'", ["String:X'DEADBEEF'"]],
    ["b'0101'", ["String:b'0101'"]],
    ["N'text'", ["String:N'text'"]],
    ["U&'d\\0061t'", ["String:U&'d\\0061t'"]],
    ["DATE '2024-01-01'", ['Word:DATE', "String:'2024-01-01'"]],
    ["_utf8mb4'x'", ['Word:_utf8mb4', "String:'x'"]],
  ])('%s', (sql, expected) => {
    expect(lex(sql, 'postgresql')).toEqual(expected);
  });

  it('reads PostgreSQL dollar-quoted strings, with and without tags', () => {
    expect(lex("SELECT $$a 'b' $c$$", 'postgresql')).toEqual(['Word:SELECT', "String:$$a 'b' $c$$"]);
    expect(lex("$fn$ SELECT 'x'; $$ $fn$ x", 'postgresql')).toEqual(["String:$fn$ SELECT 'x'; $$ $fn$", 'Word:x']);
    expect(lex('$a$ $b$ x $b$ $a$', 'duckdb')).toEqual(['String:$a$ $b$ x $b$ $a$']);
  });

  it('reads backslash escapes only where the dialect has them', () => {
    expect(lex("'a\\'b'", 'mysql')).toEqual(["String:'a\\'b'"]);
    expect(lex("'a\\', b", 'postgresql')).toEqual(["String:'a\\'", 'Comma:,', 'Word:b']);
    expect(lex("'a\\', b", 'sqlite')).toEqual(["String:'a\\'", 'Comma:,', 'Word:b']);
    expect(lex("'a\\\\'", 'mysql')).toEqual(["String:'a\\\\'"]);
  });

  it('reads MySQL double-quoted text as a string, PostgreSQL as an identifier', () => {
    expect(lex('"abc"', 'mysql')).toEqual(['String:"abc"']);
    expect(lex('"a\\"b"', 'mysql')).toEqual(['String:"a\\"b"']);
    expect(lex('"My Table"', 'postgresql')).toEqual(['QuotedIdentifier:"My Table"']);
    expect(lex('"a""b"', 'postgresql')).toEqual(['QuotedIdentifier:"a""b"']);
  });

  it('reads "…" in value positions as literals in the generic and SQLite readings', () => {
    expect(lex('SELECT "c" FROM "t" WHERE "c" = "v"')).toEqual([
      'Word:SELECT',
      'QuotedIdentifier:"c"',
      'Word:FROM',
      'QuotedIdentifier:"t"',
      'Word:WHERE',
      'QuotedIdentifier:"c"',
      'Operator:=',
      'String:"v"',
    ]);
    expect(lex('x IN ("a", "b")', 'sqlite')).toEqual(['Word:x', 'Word:IN', 'LParen:(', 'String:"a"', 'Comma:,', 'String:"b"', 'RParen:)']);
    expect(lex('VALUES ("a", lower("b")), ("c", 1)')).toEqual([
      'Word:VALUES',
      'LParen:(',
      'String:"a"',
      'Comma:,',
      'Word:lower',
      'LParen:(',
      'String:"b"',
      'RParen:)',
      'RParen:)',
      'Comma:,',
      'LParen:(',
      'String:"c"',
      'Comma:,',
      'Number:1',
      'RParen:)',
    ]);
    expect(lex('name LIKE "a%"')).toEqual(['Word:name', 'Word:LIKE', 'String:"a%"']);
    expect(lex('count("c")')).toEqual(['Word:count', 'LParen:(', 'QuotedIdentifier:"c"', 'RParen:)']);
  });

  it('reads backtick identifiers', () => {
    expect(lex('`my col`', 'mysql')).toEqual(['QuotedIdentifier:`my col`']);
    expect(lex('`a``b`', 'mysql')).toEqual(['QuotedIdentifier:`a``b`']);
  });
});

describe('SqlLexer: numbers, booleans and placeholders', () => {
  it.each([
    ['42', ['Number:42']],
    ['3.14', ['Number:3.14']],
    ['.5', ['Number:.5']],
    ['5.', ['Number:5.']],
    ['1e10', ['Number:1e10']],
    ['1.5E-3', ['Number:1.5E-3']],
    ['0x1F', ['Number:0x1F']],
    ['0b101', ['Number:0b101']],
    ['0o17', ['Number:0o17']],
    ['1_000_000', ['Number:1_000_000']],
    ['123abc', ['Number:123abc']],
    ['t.5', ['Word:t', 'Dot:.', 'Number:5']],
    ['a.b', ['Word:a', 'Dot:.', 'Word:b']],
  ])('number %s', (sql, expected) => {
    expect(lex(sql)).toEqual(expected);
  });

  it.each([
    ['x = -5', ['Word:x', 'Operator:=', 'Number:-5']],
    ['x=-5', ['Word:x', 'Operator:=', 'Number:-5']],
    ['(-5, -.5)', ['LParen:(', 'Number:-5', 'Comma:,', 'Number:-.5', 'RParen:)']],
    ['SELECT -1', ['Word:SELECT', 'Number:-1']],
    ['LIMIT -1', ['Word:LIMIT', 'Number:-1']],
    ['-7', ['Number:-7']],
    ['a -5', ['Word:a', 'Operator:-', 'Number:5']],
    ['a-5', ['Word:a', 'Operator:-', 'Number:5']],
    ['a - 5', ['Word:a', 'Operator:-', 'Number:5']],
    ['1-2', ['Number:1', 'Operator:-', 'Number:2']],
    [') -1', ['RParen:)', 'Operator:-', 'Number:1']],
    ['x = - 5', ['Word:x', 'Operator:=', 'Operator:-', 'Number:5']],
  ])('sign in %s', (sql, expected) => {
    expect(lex(sql)).toEqual(expected);
  });

  it('reads TRUE and FALSE as booleans, in any case, but not quoted', () => {
    expect(lex('TRUE false True "true" truex')).toEqual([
      'Boolean:TRUE',
      'Boolean:false',
      'Boolean:True',
      'QuotedIdentifier:"true"',
      'Word:truex',
    ]);
    expect(lex('NULL')).toEqual(['Word:NULL']);
  });

  it.each([
    ['$1', ['Placeholder:$1']],
    ['$12', ['Placeholder:$12']],
    ['?', ['Placeholder:?']],
    ['?3', ['Placeholder:?3']],
    [':name', ['Placeholder::name']],
    ['@name', ['Placeholder:@name']],
    ['@@session.sql_mode', ['Placeholder:@@session', 'Dot:.', 'Word:sql_mode']],
    ['$name', ['Placeholder:$name']],
    ['a = :id', ['Word:a', 'Operator:=', 'Placeholder::id']],
    ['a[1:2]', ['Word:a', 'Punctuation:[', 'Number:1', 'Punctuation::', 'Number:2', 'Punctuation:]']],
  ])('placeholder %s', (sql, expected) => {
    expect(lex(sql)).toEqual(expected);
  });
});

describe('SqlLexer: comments', () => {
  it('reads line and block comments', () => {
    expect(lex('a -- x\nb')).toEqual(['Word:a', 'Comment:-- x', 'Word:b']);
    expect(lex('a /* x */ b')).toEqual(['Word:a', 'Comment:/* x */', 'Word:b']);
    expect(lex('a/**/b')).toEqual(['Word:a', 'Comment:/**/', 'Word:b']);
    expect(lex('a--1')).toEqual(['Word:a', 'Comment:--1']);
  });

  it('nests block comments in PostgreSQL but not in MySQL', () => {
    expect(lex('/* a /* b */ c */ d', 'postgresql')).toEqual(['Comment:/* a /* b */ c */', 'Word:d']);
    expect(lex('/* a /* b */ c */ d', 'mysql')).toEqual(['Comment:/* a /* b */', 'Word:c', 'Operator:*/', 'Word:d']);
  });

  it('reads # as a comment in MySQL, an operator in PostgreSQL, and by context in generic text', () => {
    expect(lex('a # x\nb', 'mysql')).toEqual(['Word:a', 'Comment:# x', 'Word:b']);
    expect(lex("a #>> '{x}'", 'postgresql')).toEqual(['Word:a', 'Operator:#>>', "String:'{x}'"]);
    expect(lex('a # b', 'postgresql')).toEqual(['Word:a', 'Operator:#', 'Word:b']);
    expect(lex("a #>> '{x}'")).toEqual(['Word:a', 'Operator:#>>', "String:'{x}'"]);
    expect(lex('a # secret')).toEqual(['Word:a', 'Comment:# secret']);
  });
});

describe('SqlLexer: failing safe', () => {
  it('turns an unterminated string into one token to the end', () => {
    expect(lex("SELECT 'abc FROM t")).toEqual(['Word:SELECT', "Unterminated:'abc FROM t"]);
    expect(failed("SELECT 'abc")).toBe(true);
    expect(failed("SELECT 'abc'")).toBe(false);
  });

  it('turns unterminated quoted identifiers and dollar quotes into one token to the end', () => {
    expect(lex('SELECT "abc FROM t', 'postgresql')).toEqual(['Word:SELECT', 'Unterminated:"abc FROM t']);
    expect(lex('SELECT `abc', 'mysql')).toEqual(['Word:SELECT', 'Unterminated:`abc']);
    expect(lex('SELECT $x$ abc $y$', 'postgresql')).toEqual(['Word:SELECT', 'Unterminated:$x$ abc $y$']);
    expect(lex("E'abc\\'", 'postgresql')).toEqual(["Unterminated:E'abc\\'"]);
  });

  it('reads an unterminated block comment as a comment to the end', () => {
    expect(lex('a /* b c')).toEqual(['Word:a', 'Comment:/* b c']);
    expect(failed('a /* b c')).toBe(true);
  });

  it('treats an over-long dollar-quote tag as unterminated', () => {
    const tag = `$${'t'.repeat(65)}$`;
    expect(lex(`${tag} x ${tag}`, 'postgresql')).toEqual([`Unterminated:${tag} x ${tag}`]);
  });
});

describe('resolveSqlLexerMode', () => {
  it('uses the dialect table for named dialects', () => {
    expect(resolveSqlLexerMode("'a\\'", 'mysql').backslashEscapes).toBe('all');
    expect(resolveSqlLexerMode("'a\\'", 'postgresql').backslashEscapes).toBe('none');
    expect(resolveSqlLexerMode('', 'mysql').doubleQuoted).toBe('string');
    expect(resolveSqlLexerMode('', 'sqlite').doubleQuoted).toBe('contextual');
    expect(resolveSqlLexerMode('', 'duckdb').dollarQuotes).toBe(true);
  });

  it('needs no decision for generic text without a backslash before a quote', () => {
    expect(resolveSqlLexerMode("SELECT 'a\\b'").backslashEscapes).toBe('none');
  });

  it('poisons generic text with a backslash before a quote: the rest of it is one literal', () => {
    expect(resolveSqlLexerMode("SELECT 'it\\'s' FROM t").backslashEscapes).toBe('poison');
    expect(lex("SELECT x, 'it\\'s' FROM t")).toEqual(['Word:SELECT', 'Word:x', 'Comma:,', "Unterminated:'it\\'s' FROM t"]);
    expect(lex("SELECT 'C:\\', x FROM t")).toEqual(['Word:SELECT', "Unterminated:'C:\\', x FROM t"]);
    // An even run of backslashes reads the same both ways, and so does text outside plain strings.
    expect(lex("SELECT '\\\\' /* a\\'b */ x")).toEqual(['Word:SELECT', "String:'\\\\'", "Comment:/* a\\'b */", 'Word:x']);
    expect(lex("SELECT E'a\\'b', `c\\'d`")).toEqual(['Word:SELECT', "String:E'a\\'b'", 'Comma:,', "QuotedIdentifier:`c\\'d`"]);
  });
});

describe('SqlLexer: robustness', () => {
  it('survives deep nesting without recursion', () => {
    const sql = `${'('.repeat(100_000)}"x"${')'.repeat(100_000)}`;
    const tokens = tokenizeSql(sql);
    expect(tokens).toHaveLength(200_001);
  });

  it('treats non-string input as empty', () => {
    expect(tokenizeSql(42 as unknown as string)).toEqual([]);
  });

  it('can leave comments out', () => {
    expect(tokenizeSql('a /* b */ c', { skipComments: true }).map((t) => t.text)).toEqual(['a', 'c']);
  });
});
