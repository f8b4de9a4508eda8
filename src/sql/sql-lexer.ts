/**
 * A single-pass SQL lexer for the dialects fedscope meets (PostgreSQL, MySQL/MariaDB, SQLite,
 * DuckDB). It never throws and never backtracks: every character is looked at a bounded number of
 * times (dollar-quote tags are capped in length), so lexing is linear in the input.
 *
 * The lexer is a cursor: {@link SqlLexer.next} advances to the next token and exposes its kind and
 * `[start, end)` range without allocating. Whitespace is skipped (the gaps between tokens are the
 * whitespace); comments are tokens, so callers decide what to do with them.
 *
 * Fail-safe rule: a string, quoted identifier or dollar-quoted body that is not closed becomes one
 * {@link SqlTokenKind.Unterminated} token reaching to the end of the input, so callers that replace
 * literals never copy any of its text. An unclosed block comment is a comment to the end of input.
 */
import type { SqlDialect } from './sql-dialect.js';
import { lookupKeyword } from './sql-keywords.js';
import { leadingSqlText } from './sql-input-bound.js';

/** Kinds of token the lexer produces. */
export const SqlTokenKind = {
  /** No more tokens. */
  End: 0,
  /** An unquoted identifier or keyword (`select`, `users`, `_utf8mb4`). */
  Word: 1,
  /** A quoted identifier: `"My Table"` (where `"` quotes identifiers), `` `t` ``. */
  QuotedIdentifier: 2,
  /** A string literal: `'…'`, `E'…'`, `X'…'`, `B'…'`, `N'…'`, `U&'…'`, `$$…$$`, `$tag$…$tag$`, MySQL `"…"`. */
  String: 3,
  /** A numeric literal: `42`, `-7` (sign merged only where it cannot be subtraction), `1.5e-3`, `.5`, `0x1F`. */
  Number: 4,
  /** `TRUE` or `FALSE` (any case). */
  Boolean: 5,
  /** A bind placeholder: `?`, `?1`, `$1`, `:name`, `@name`, `@@name`, `$name`. */
  Placeholder: 6,
  /** An operator: `=`, `<>`, `||`, `::`, `->>`, `@>`, … */
  Operator: 7,
  /** `(` */
  LParen: 8,
  /** `)` */
  RParen: 9,
  /** `,` */
  Comma: 10,
  /** `;` */
  Semicolon: 11,
  /** `.` between name parts. */
  Dot: 12,
  /** Any other single character: `[`, `]`, `{`, `}`, `:`, `$`, `\`, control characters. */
  Punctuation: 13,
  /** A `-- …`, `# …` (MySQL) or `/* … *\/` comment. */
  Comment: 14,
  /** A string, quoted identifier or dollar-quoted body that is never closed; runs to the end of input. */
  Unterminated: 15,
} as const;

/** One of the {@link SqlTokenKind} values. */
export type SqlTokenKind = (typeof SqlTokenKind)[keyof typeof SqlTokenKind];

const KIND_NAMES: readonly string[] = Object.keys(SqlTokenKind);

/** The name of a token kind, e.g. `"String"` (for tests and debugging). */
export function sqlTokenKindName(kind: SqlTokenKind): string {
  return KIND_NAMES[kind] ?? 'Unknown';
}

/** How the lexer reads the constructs on which dialects disagree. */
export interface SqlLexerMode {
  /**
   * Backslashes in `'…'` strings: `none` (standard SQL), `all` (MySQL: `\'` escapes the quote), or
   * `poison` (generic text where the reading is undecidable: a string in which an odd run of
   * backslashes precedes a quote becomes an unterminated literal to the end of input).
   */
  readonly backslashEscapes: 'none' | 'all' | 'poison';
  /** `"…"`: an `identifier`, a `string` (MySQL), or `contextual` (a literal in value positions, else an identifier). */
  readonly doubleQuoted: 'identifier' | 'string' | 'contextual';
  /** `#`: no comment (`none`), always a comment (`all`, MySQL), or a comment unless followed by `>`, `-` or `#` (`generic`). */
  readonly hashComments: 'none' | 'all' | 'generic';
  /** Whether `/* … *\/` comments nest (PostgreSQL, DuckDB). */
  readonly nestedComments: boolean;
  /** Whether `$$…$$` and `$tag$…$tag$` are strings (PostgreSQL, DuckDB). */
  readonly dollarQuotes: boolean;
}

const POSTGRESQL_MODE: SqlLexerMode = Object.freeze({
  backslashEscapes: 'none',
  doubleQuoted: 'identifier',
  hashComments: 'none',
  nestedComments: true,
  dollarQuotes: true,
});
const MYSQL_MODE: SqlLexerMode = Object.freeze({
  backslashEscapes: 'all',
  doubleQuoted: 'string',
  hashComments: 'all',
  nestedComments: false,
  dollarQuotes: false,
});
const SQLITE_MODE: SqlLexerMode = Object.freeze({
  backslashEscapes: 'none',
  doubleQuoted: 'contextual',
  hashComments: 'none',
  nestedComments: false,
  dollarQuotes: false,
});
const DUCKDB_MODE: SqlLexerMode = POSTGRESQL_MODE;
const GENERIC_MODE: SqlLexerMode = Object.freeze({
  backslashEscapes: 'none',
  doubleQuoted: 'contextual',
  hashComments: 'generic',
  nestedComments: true,
  dollarQuotes: true,
});
const GENERIC_POISON_MODE: SqlLexerMode = Object.freeze({ ...GENERIC_MODE, backslashEscapes: 'poison' });

/**
 * The lexer mode for a dialect and a given text. For a named dialect this is a fixed table. For
 * `generic` text, a backslash right before a quote inside a string cannot be read safely (MySQL
 * reads `\'` as an escaped quote, PostgreSQL, SQLite and DuckDB as the end of the string, and no
 * look at the rest of the text tells them apart when the text may be cut), so such text is lexed in
 * the `poison` reading: from a string holding an odd run of backslashes before a quote, the rest of
 * the text is one unterminated literal. Text without a backslash before a quote needs no decision.
 *
 * @param text - the SQL text that is about to be lexed
 * @param dialect - the dialect, `generic` when unknown
 */
export function resolveSqlLexerMode(text: string, dialect: SqlDialect = 'generic'): SqlLexerMode {
  switch (dialect) {
    case 'postgresql':
      return POSTGRESQL_MODE;
    case 'mysql':
      return MYSQL_MODE;
    case 'sqlite':
      return SQLITE_MODE;
    case 'duckdb':
      return DUCKDB_MODE;
    default:
      break;
  }
  if (text.indexOf("\\'") < 0 && text.indexOf('\\"') < 0) return GENERIC_MODE;
  return GENERIC_POISON_MODE;
}

// ASCII character classes.
const WS = 1;
const IDENT_START = 2;
const IDENT_PART = 4;
const DIGIT = 8;
const OP = 16;
const HEX = 32;
const CLASS = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = WS;
for (let c = 65; c <= 90; c++) CLASS[c] = IDENT_START | IDENT_PART;
for (let c = 97; c <= 122; c++) CLASS[c] = IDENT_START | IDENT_PART;
CLASS[95] = IDENT_START | IDENT_PART; // _
CLASS[36] = IDENT_PART; // $
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT | IDENT_PART | HEX;
for (let c = 65; c <= 70; c++) CLASS[c]! |= HEX;
for (let c = 97; c <= 102; c++) CLASS[c]! |= HEX;
for (const ch of '+-*/<>=~!@#%^&|') CLASS[ch.charCodeAt(0)] = OP;

function isSpace(c: number): boolean {
  if (c < 128) return (CLASS[c]! & WS) !== 0;
  return (
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x3000 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x202f ||
    c === 0x205f
  );
}

/** Non-ASCII characters that are not spaces count as identifier characters. */
function isIdentStart(c: number): boolean {
  return c < 128 ? (CLASS[c]! & IDENT_START) !== 0 : !isSpace(c);
}

function isIdentPart(c: number): boolean {
  return c < 128 ? (CLASS[c]! & IDENT_PART) !== 0 : !isSpace(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Keywords after which `-5` is a negative literal rather than a subtraction. */
const SIGNED_NUMBER_AFTER = new Set([
  'SELECT',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'ON',
  'SET',
  'VALUES',
  'IN',
  'LIKE',
  'ILIKE',
  'BETWEEN',
  'WHEN',
  'THEN',
  'ELSE',
  'CASE',
  'RETURN',
  'LIMIT',
  'OFFSET',
  'BY',
  'HAVING',
  'DEFAULT',
  'INTERVAL',
  'DISTINCT',
  'TO',
  'ANY',
  'ALL',
  'SOME',
  'ARRAY',
  'IS',
  'ESCAPE',
  'FETCH',
  'FIRST',
  'NEXT',
  'AS',
  'FROM',
  'RETURNING',
  'USING',
]);

/** Keywords after which a `"…"` is a value in the contextual reading. */
const DOUBLE_QUOTED_VALUE_AFTER = new Set([
  'LIKE',
  'ILIKE',
  'GLOB',
  'REGEXP',
  'RLIKE',
  'MATCH',
  'THEN',
  'ELSE',
  'DEFAULT',
  'ESCAPE',
  'BETWEEN',
  'SIMILAR',
]);

const FRAME_VALUE = 1;
const FRAME_ROWS = 2;
const MAX_TRACKED_DEPTH = 1024;
const MAX_DOLLAR_TAG = 64;

/**
 * The cursor-style lexer. Typical use:
 *
 * ```ts
 * const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, 'postgresql'));
 * for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) {
 *   const text = sql.slice(lexer.start, lexer.end);
 * }
 * ```
 */
export class SqlLexer {
  /** Kind of the current token ({@link SqlTokenKind.End} before the first `next()` and at the end). */
  kind: SqlTokenKind = SqlTokenKind.End;
  /** Index of the current token's first character. */
  start = 0;
  /** Index after the current token's last character. */
  end = 0;

  private readonly text: string;
  private readonly mode: SqlLexerMode;
  private pos = 0;
  private problem = false;
  private prevKind: SqlTokenKind = SqlTokenKind.End;
  private prevStart = 0;
  private prevEnd = 0;
  // Paren frames, only tracked for the contextual reading of "…".
  private readonly frames: number[] = [0];
  private overflowDepth = 0;

  /**
   * @param text - the SQL text
   * @param mode - how to read dialect-specific constructs (see {@link resolveSqlLexerMode})
   */
  constructor(text: string, mode: SqlLexerMode) {
    this.text = typeof text === 'string' ? text : '';
    this.mode = mode;
  }

  /** Whether a lexing problem was met so far (an unterminated string, identifier or comment). */
  get failed(): boolean {
    return this.problem;
  }

  /** Advances to the next token and returns its kind ({@link SqlTokenKind.End} when there is none). */
  next(): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let p = this.pos;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === 32 || (c >= 9 && c <= 13) || (c >= 128 && isSpace(c))) p++;
      else break;
    }
    if (p >= n) {
      this.pos = n;
      this.start = n;
      this.end = n;
      this.kind = SqlTokenKind.End;
      return SqlTokenKind.End;
    }
    const kind = this.scan(p);
    this.kind = kind;
    this.start = p;
    this.pos = this.end;
    if (kind !== SqlTokenKind.Comment) {
      if (this.mode.doubleQuoted === 'contextual') this.trackFrames(kind);
      this.prevKind = kind;
      this.prevStart = p;
      this.prevEnd = this.end;
    }
    return kind;
  }

  /** Scans the token starting at `p`, sets `this.end` and returns its kind. */
  private scan(p: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    const c = text.charCodeAt(p);
    const next = p + 1 < n ? text.charCodeAt(p + 1) : -1;
    switch (c) {
      case 39: // '
        return this.scanString(p, 39, this.mode.backslashEscapes);
      case 34: // "
        if (this.mode.doubleQuoted === 'string' || (this.mode.doubleQuoted === 'contextual' && this.inValuePosition())) {
          return this.scanString(p, 34, this.mode.backslashEscapes);
        }
        return this.scanQuotedIdentifier(p, 34);
      case 96: // `
        return this.scanQuotedIdentifier(p, 96);
      case 40:
        this.end = p + 1;
        return SqlTokenKind.LParen;
      case 41:
        this.end = p + 1;
        return SqlTokenKind.RParen;
      case 44:
        this.end = p + 1;
        return SqlTokenKind.Comma;
      case 59:
        this.end = p + 1;
        return SqlTokenKind.Semicolon;
      case 45: // -
        if (next === 45) return this.scanLineComment(p);
        if (this.startsUnsignedNumber(p + 1) && this.signedNumberAllowed()) return this.scanNumber(p + 1);
        return this.scanOperator(p);
      case 47: // /
        if (next === 42) return this.scanBlockComment(p);
        return this.scanOperator(p);
      case 35: // #
        if (this.hashStartsComment(p)) return this.scanLineComment(p);
        return this.scanOperator(p);
      case 46: // .
        if (isDigit(next) && !this.followsNamePart(p)) return this.scanNumber(p);
        this.end = p + 1;
        return SqlTokenKind.Dot;
      case 36: // $
        return this.scanDollar(p, next);
      case 63: // ?
        this.end = this.skipDigits(p + 1);
        return SqlTokenKind.Placeholder;
      case 58: // :
        if (next === 58 || next === 61) {
          this.end = p + 2;
          return SqlTokenKind.Operator;
        }
        if (next >= 0 && isIdentStart(next)) {
          this.end = this.skipIdentPart(p + 2);
          return SqlTokenKind.Placeholder;
        }
        this.end = p + 1;
        return SqlTokenKind.Punctuation;
      case 64: // @
        if (next === 64 || (next >= 0 && isIdentStart(next))) {
          this.end = this.skipIdentPart(next === 64 ? p + 2 : p + 1);
          return SqlTokenKind.Placeholder;
        }
        return this.scanOperator(p);
      default:
        break;
    }
    if (isDigit(c)) return this.scanNumber(p);
    if (c < 128 && (CLASS[c]! & OP) !== 0) return this.scanOperator(p);
    if (isIdentStart(c)) return this.scanWord(p);
    this.end = p + 1;
    return SqlTokenKind.Punctuation;
  }

  private scanWord(p: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    const end = this.skipIdentPart(p + 1);
    const length = end - p;
    if (end < n) {
      const after = text.charCodeAt(end);
      if (after === 39 && length === 1) {
        const prefix = text.charCodeAt(p) | 0x20;
        if (prefix === 101) return this.scanString(end, 39, 'all'); // E'…'
        if (prefix === 98 || prefix === 120 || prefix === 110) return this.scanString(end, 39, this.mode.backslashEscapes);
      }
      if (after === 38 && length === 1 && (text.charCodeAt(p) | 0x20) === 117 && end + 1 < n && text.charCodeAt(end + 1) === 39) {
        return this.scanString(end + 1, 39, 'none'); // U&'…'
      }
    }
    this.end = end;
    if (length === 4 || length === 5) {
      const first = text.charCodeAt(p) | 0x20;
      if (first === 116 || first === 102) {
        const keyword = lookupKeyword(text, p, end);
        if (keyword === 'TRUE' || keyword === 'FALSE') return SqlTokenKind.Boolean;
      }
    }
    return SqlTokenKind.Word;
  }

  /** A string whose opening quote is at `open` (the token itself may start earlier, at a prefix). */
  private scanString(open: number, quote: number, escapes: 'none' | 'all' | 'poison'): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let q = open + 1;
    while (q < n) {
      const c = text.charCodeAt(q);
      if (c === quote) {
        if (q + 1 < n && text.charCodeAt(q + 1) === quote) {
          q += 2;
          continue;
        }
        this.end = q + 1;
        return SqlTokenKind.String;
      }
      if (c === 92 && escapes !== 'none') {
        if (escapes === 'all') {
          q += 2;
          continue;
        }
        let run = 1;
        while (q + run < n && text.charCodeAt(q + run) === 92) run++;
        if (q + run < n && text.charCodeAt(q + run) === quote && run % 2 === 1) return this.unterminated();
        q += run;
        continue;
      }
      q++;
    }
    return this.unterminated();
  }

  private scanQuotedIdentifier(p: number, quote: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let q = p + 1;
    while (q < n) {
      const close = text.indexOf(quote === 34 ? '"' : '`', q);
      if (close < 0) break;
      if (close + 1 < n && text.charCodeAt(close + 1) === quote) {
        q = close + 2;
        continue;
      }
      this.end = close + 1;
      return SqlTokenKind.QuotedIdentifier;
    }
    return this.unterminated();
  }

  private unterminated(): SqlTokenKind {
    this.problem = true;
    this.end = this.text.length;
    return SqlTokenKind.Unterminated;
  }

  private scanLineComment(p: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let q = p + 1;
    while (q < n) {
      const c = text.charCodeAt(q);
      if (c === 10 || c === 13) break;
      q++;
    }
    this.end = q;
    return SqlTokenKind.Comment;
  }

  private scanBlockComment(p: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    const nested = this.mode.nestedComments;
    let depth = 1;
    let q = p + 2;
    while (q < n) {
      const c = text.charCodeAt(q);
      if (c === 42 && q + 1 < n && text.charCodeAt(q + 1) === 47) {
        q += 2;
        if (--depth === 0) {
          this.end = q;
          return SqlTokenKind.Comment;
        }
        continue;
      }
      if (nested && c === 47 && q + 1 < n && text.charCodeAt(q + 1) === 42) {
        depth++;
        q += 2;
        continue;
      }
      q++;
    }
    this.problem = true;
    this.end = n;
    return SqlTokenKind.Comment;
  }

  private hashStartsComment(p: number): boolean {
    const mode = this.mode.hashComments;
    if (mode === 'none') return false;
    if (mode === 'all') return true;
    const next = p + 1 < this.text.length ? this.text.charCodeAt(p + 1) : -1;
    return next !== 62 && next !== 45 && next !== 35; // not #>, #-, ##
  }

  private scanOperator(p: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let q = p + 1;
    while (q < n) {
      const c = text.charCodeAt(q);
      if (c >= 128 || (CLASS[c]! & OP) === 0) break;
      const following = q + 1 < n ? text.charCodeAt(q + 1) : -1;
      if (c === 45 && (following === 45 || this.startsUnsignedNumber(q + 1))) break; // -- comment, or a sign
      if (c === 47 && following === 42) break; // /* comment
      if (c === 35 && this.hashStartsComment(q)) break;
      q++;
    }
    this.end = q;
    return SqlTokenKind.Operator;
  }

  /** Whether an unsigned number starts at `p` (a digit, or `.` and a digit). */
  private startsUnsignedNumber(p: number): boolean {
    const text = this.text;
    if (p >= text.length) return false;
    const c = text.charCodeAt(p);
    if (isDigit(c)) return true;
    return c === 46 && p + 1 < text.length && isDigit(text.charCodeAt(p + 1));
  }

  /** Whether a `-` right before a number is a sign: the previous token cannot end an operand. */
  private signedNumberAllowed(): boolean {
    switch (this.prevKind) {
      case SqlTokenKind.End:
      case SqlTokenKind.Operator:
      case SqlTokenKind.LParen:
      case SqlTokenKind.Comma:
      case SqlTokenKind.Semicolon:
        return true;
      case SqlTokenKind.Punctuation:
        return this.text.charCodeAt(this.prevStart) === 91; // [
      case SqlTokenKind.Word: {
        const keyword = lookupKeyword(this.text, this.prevStart, this.prevEnd);
        return keyword !== undefined && SIGNED_NUMBER_AFTER.has(keyword);
      }
      default:
        return false;
    }
  }

  /** Whether a `.` at `p` continues a qualified name (`t.5` is not a number). */
  private followsNamePart(p: number): boolean {
    if (this.prevEnd !== p) return false;
    const kind = this.prevKind;
    return kind === SqlTokenKind.Word || kind === SqlTokenKind.QuotedIdentifier || kind === SqlTokenKind.RParen;
  }

  /** A number token whose unsigned digits begin at `digits` (the token may start earlier, at a sign). */
  private scanNumber(digits: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    let q = digits;
    const c0 = text.charCodeAt(q);
    const c1 = q + 1 < n ? text.charCodeAt(q + 1) | 0x20 : -1;
    if (c0 === 48 && (c1 === 120 || c1 === 98 || c1 === 111) && q + 2 < n && this.isRadixDigit(text.charCodeAt(q + 2), c1)) {
      q += 3;
      while (q < n && (this.isRadixDigit(text.charCodeAt(q), c1) || text.charCodeAt(q) === 95)) q++;
    } else {
      while (q < n && (isDigit(text.charCodeAt(q)) || text.charCodeAt(q) === 95)) q++;
      if (q < n && text.charCodeAt(q) === 46 && !(q + 1 < n && text.charCodeAt(q + 1) === 46)) {
        q++;
        while (q < n && (isDigit(text.charCodeAt(q)) || text.charCodeAt(q) === 95)) q++;
      }
      if (q < n && (text.charCodeAt(q) | 0x20) === 101) {
        let r = q + 1;
        if (r < n && (text.charCodeAt(r) === 43 || text.charCodeAt(r) === 45)) r++;
        if (r < n && isDigit(text.charCodeAt(r))) {
          q = r;
          while (q < n && isDigit(text.charCodeAt(q))) q++;
        }
      }
    }
    // Identifier characters glued to a number (`123abc`, `0xZZ`) stay part of the literal.
    this.end = this.skipIdentPart(q);
    return SqlTokenKind.Number;
  }

  private isRadixDigit(c: number, radix: number): boolean {
    if (radix === 120) return c < 128 && (CLASS[c]! & HEX) !== 0;
    if (radix === 98) return c === 48 || c === 49;
    return c >= 48 && c <= 55;
  }

  private scanDollar(p: number, next: number): SqlTokenKind {
    const text = this.text;
    const n = text.length;
    if (isDigit(next)) {
      this.end = this.skipDigits(p + 1);
      return SqlTokenKind.Placeholder;
    }
    if (this.mode.dollarQuotes && (next === 36 || (next >= 0 && isIdentStart(next)))) {
      let q = p + 1;
      while (q < n && text.charCodeAt(q) !== 36 && isIdentPart(text.charCodeAt(q))) q++;
      if (q < n && text.charCodeAt(q) === 36) {
        if (q - p - 1 > MAX_DOLLAR_TAG) return this.unterminated();
        const close = text.indexOf(text.slice(p, q + 1), q + 1);
        if (close < 0) return this.unterminated();
        this.end = close + (q + 1 - p);
        return SqlTokenKind.String;
      }
    }
    if (next >= 0 && isIdentStart(next)) {
      let q = p + 1;
      while (q < n && text.charCodeAt(q) !== 36 && isIdentPart(text.charCodeAt(q))) q++;
      this.end = q;
      return SqlTokenKind.Placeholder;
    }
    this.end = p + 1;
    return SqlTokenKind.Punctuation;
  }

  private skipDigits(q: number): number {
    const text = this.text;
    while (q < text.length && isDigit(text.charCodeAt(q))) q++;
    return q;
  }

  private skipIdentPart(q: number): number {
    const text = this.text;
    while (q < text.length && isIdentPart(text.charCodeAt(q))) q++;
    return q;
  }

  /** Contextual `"…"`: whether the next token sits where a value is expected. */
  private inValuePosition(): boolean {
    switch (this.prevKind) {
      case SqlTokenKind.Operator:
        return true;
      case SqlTokenKind.LParen:
      case SqlTokenKind.Comma:
        return this.currentFrameIsValue();
      case SqlTokenKind.Word: {
        const keyword = lookupKeyword(this.text, this.prevStart, this.prevEnd);
        return keyword !== undefined && DOUBLE_QUOTED_VALUE_AFTER.has(keyword);
      }
      default:
        return false;
    }
  }

  private currentFrameIsValue(): boolean {
    if (this.overflowDepth > 0) return true;
    return ((this.frames[this.frames.length - 1] ?? 0) & FRAME_VALUE) !== 0;
  }

  /** Keeps the paren frames of the contextual reading up to date after a token. */
  private trackFrames(kind: SqlTokenKind): void {
    const frames = this.frames;
    const top = frames.length - 1;
    if (kind === SqlTokenKind.LParen) {
      if (this.overflowDepth > 0 || frames.length >= MAX_TRACKED_DEPTH) {
        this.overflowDepth++;
        return;
      }
      const current = frames[top] ?? 0;
      let value = false;
      if (this.prevKind === SqlTokenKind.Word) {
        const keyword = lookupKeyword(this.text, this.prevStart, this.prevEnd);
        value = keyword === 'VALUES' || keyword === 'IN' || (current & FRAME_VALUE) !== 0;
      } else if (this.prevKind === SqlTokenKind.Comma) {
        value = (current & (FRAME_ROWS | FRAME_VALUE)) !== 0;
      } else if (this.prevKind === SqlTokenKind.LParen || this.prevKind === SqlTokenKind.Operator) {
        value = (current & FRAME_VALUE) !== 0;
      }
      frames.push(value ? FRAME_VALUE : 0);
      return;
    }
    if (kind === SqlTokenKind.RParen) {
      if (this.overflowDepth > 0) this.overflowDepth--;
      else if (frames.length > 1) frames.pop();
      return;
    }
    if (kind === SqlTokenKind.Word && this.overflowDepth === 0) {
      const length = this.end - this.start;
      if (length !== 6) {
        frames[top] = (frames[top] ?? 0) & ~FRAME_ROWS;
        return;
      }
      const keyword = lookupKeyword(this.text, this.start, this.end);
      if (keyword === 'VALUES') frames[top] = (frames[top] ?? 0) | FRAME_ROWS;
      else if (keyword === 'SELECT') frames[top] = 0;
      else frames[top] = (frames[top] ?? 0) & ~FRAME_ROWS;
    }
  }
}

/** One token, as returned by {@link tokenizeSql}. */
export interface SqlToken {
  /** What the token is. */
  kind: SqlTokenKind;
  /** The token's text as written. */
  text: string;
  /** Index of its first character in the input. */
  start: number;
  /** Index after its last character. */
  end: number;
}

/** Options of {@link tokenizeSql}. */
export interface TokenizeSqlOptions {
  /** The dialect to lex with. @default 'generic' */
  dialect?: SqlDialect;
  /** Leave comment tokens out. @default false */
  skipComments?: boolean;
}

/**
 * All tokens of a SQL text as objects (convenient for tests and tooling; hot paths use
 * {@link SqlLexer} directly). Never throws.
 *
 * @param sql - the SQL text; only its leading 1 MiB is read
 * @param options - dialect and whether to keep comments
 */
export function tokenizeSql(sql: string, options: TokenizeSqlOptions = {}): SqlToken[] {
  const text = typeof sql === 'string' ? leadingSqlText(sql) : '';
  const lexer = new SqlLexer(text, resolveSqlLexerMode(text, options.dialect));
  const tokens: SqlToken[] = [];
  for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) {
    if (kind === SqlTokenKind.Comment && options.skipComments) continue;
    tokens.push({ kind, text: text.slice(lexer.start, lexer.end), start: lexer.start, end: lexer.end });
  }
  return tokens;
}
