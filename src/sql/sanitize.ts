/**
 * Sanitisation of SQL text for `db.query.text`: literals become `?`, comments are dropped,
 * everything else stays as written.
 *
 * Follows "Sanitization of `db.query.text`" in the OpenTelemetry database span conventions
 * (semconv 1.44.0, database-spans): all literals (string, numeric, date/time, interval, boolean,
 * binary, hexadecimal) are replaced by the placeholder `?`; placeholders of parameterised queries
 * are kept; the result MAY be truncated.
 */
import type { SqlDialect } from './sql-dialect.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind } from './sql-lexer.js';
import { leadingSqlText } from './sql-input-bound.js';

/** The marker appended to sanitised text that was cut to `maxLength`. */
export const DEFAULT_TRUNCATION_MARKER = '…';

/** Options of {@link sanitizeSql}. */
export interface SanitizeSqlOptions {
  /** The dialect to lex with (see `dialectForSystem`). @default 'generic' */
  dialect?: SqlDialect;
  /**
   * Maximum length of the result in UTF-16 code units, marker included. Longer results are cut and
   * end with `truncationMarker`; lexing stops there, so the cost is bounded too. Unlimited when
   * missing, negative or not finite.
   */
  maxLength?: number;
  /** Appended to a cut result. @default '…' */
  truncationMarker?: string;
}

/**
 * Replaces every literal in a SQL text with `?` and drops every comment (comments may carry
 * secrets). Placeholders (`?`, `$1`, `:name`, `@name`, `$name`), identifiers, keywords, operators
 * and the whitespace between tokens are kept as written; leading and trailing whitespace is trimmed,
 * and the whitespace around a dropped comment becomes one space (or one newline if it had one).
 *
 * What counts as a literal: quoted strings of every kind (`'…'`, `E'…'`, `X'…'`, `B'…'`, `N'…'`,
 * `U&'…'`, dollar-quoted bodies, MySQL `"…"`), numbers (with a sign merged in where it cannot be a
 * subtraction: `= -5` → `= ?`), and `TRUE`/`FALSE`. `NULL` is kept: it carries no data and its
 * position shapes the query (`IS NULL`). Typed literals keep their keyword: `DATE '2024-01-01'`
 * becomes `DATE ?`.
 *
 * Fail safe: an unterminated string, quoted identifier or dollar quote turns the rest of the text
 * into a single `?`; an unterminated comment is dropped. Never throws: on any internal error the
 * result is `?`.
 *
 * @param text - the statement text (non-strings give `''`); only its leading 1 MiB is read
 * @param options - dialect and length bound
 * @returns the sanitised text
 */
export function sanitizeSql(text: string, options: SanitizeSqlOptions = {}): string {
  if (typeof text !== 'string') return '';
  try {
    const sql = leadingSqlText(text);
    const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, options.dialect));
    const sanitizer = new SqlSanitizer(sql, options);
    for (let kind = lexer.next(); kind !== SqlTokenKind.End && !sanitizer.full; kind = lexer.next()) {
      sanitizer.token(kind, lexer.start, lexer.end);
    }
    return sanitizer.result();
  } catch {
    return '?';
  }
}

function isLiteral(kind: SqlTokenKind): boolean {
  return (
    kind === SqlTokenKind.String || kind === SqlTokenKind.Number || kind === SqlTokenKind.Boolean || kind === SqlTokenKind.Unterminated
  );
}

function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/**
 * The streaming form of {@link sanitizeSql}: feed it the tokens of one {@link SqlLexer} pass over
 * `text` (so one pass can serve several consumers), then read {@link SqlSanitizer.result}.
 * Verbatim text is copied in runs, not token by token.
 */
export class SqlSanitizer {
  private readonly text: string;
  private readonly limit: number;
  private readonly marker: string;
  private out = '';
  private runStart = -1; // start of the verbatim run not yet copied (-1: before the first kept token)
  private lastEnd = 0; // end of the previous kept token
  private gapComment = false; // a comment was dropped since the previous kept token
  private gapNewline = false; // the whitespace around those comments held a newline
  private wsFrom = 0; // start of the current whitespace stretch inside the gap
  private truncated: string | undefined;

  /**
   * @param text - the text the tokens come from
   * @param options - length bound and marker (the dialect is the lexer's business)
   */
  constructor(text: string, options: SanitizeSqlOptions = {}) {
    this.text = text;
    const maxLength = options.maxLength;
    const limited = typeof maxLength === 'number' && Number.isFinite(maxLength) && maxLength >= 0;
    this.limit = limited ? Math.floor(maxLength) : Number.POSITIVE_INFINITY;
    this.marker = options.truncationMarker ?? DEFAULT_TRUNCATION_MARKER;
  }

  /** Whether the bound was reached: further tokens are ignored. */
  get full(): boolean {
    return this.truncated !== undefined;
  }

  /**
   * Takes the next token.
   *
   * @param kind - its kind
   * @param start - its first index in the text
   * @param end - the index after it
   */
  token(kind: SqlTokenKind, start: number, end: number): void {
    if (this.truncated !== undefined) return;
    const text = this.text;
    if (kind === SqlTokenKind.Comment) {
      if (this.runStart >= 0) {
        if (!this.gapComment) {
          this.out += text.slice(this.runStart, this.lastEnd);
          this.gapComment = true;
        }
        if (!this.gapNewline && hasNewline(text, this.wsFrom, start)) this.gapNewline = true;
      }
      this.wsFrom = end;
      return;
    }
    if (this.runStart < 0) {
      this.runStart = start;
    } else if (this.gapComment) {
      if (!this.gapNewline && hasNewline(text, this.wsFrom, start)) this.gapNewline = true;
      this.out += this.gapNewline ? '\n' : ' ';
      this.runStart = start;
      this.gapComment = false;
      this.gapNewline = false;
    }
    if (isLiteral(kind)) {
      this.out += text.slice(this.runStart, start) + '?';
      this.runStart = end;
    }
    this.lastEnd = end;
    this.wsFrom = end;
    if (this.out.length + (end - this.runStart) > this.limit) {
      this.truncated = truncate(this.out + text.slice(this.runStart, end), this.limit, this.marker);
    }
  }

  /** The sanitised text of the tokens taken so far. */
  result(): string {
    if (this.truncated !== undefined) return this.truncated;
    if (this.runStart >= 0 && !this.gapComment) return this.out + this.text.slice(this.runStart, this.lastEnd);
    return this.out;
  }
}

/** Cuts `text` so that it plus the marker fits in `limit`, never splitting a surrogate pair. */
export function truncateWithMarker(text: string, limit: number, marker: string = DEFAULT_TRUNCATION_MARKER): string {
  if (text.length <= limit) return text;
  return truncate(text, limit, marker);
}

function truncate(text: string, limit: number, marker: string): string {
  if (limit <= marker.length) return marker.slice(0, Math.max(0, limit));
  let cut = limit - marker.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return text.slice(0, cut) + marker;
}
