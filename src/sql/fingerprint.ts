/**
 * Statement normalisation and fingerprints, in the spirit of PostgreSQL's pg_stat_statements:
 * statements that differ only in literal values, whitespace, comments, keyword case or the length of
 * IN lists and VALUES row lists share one normalised text and one fingerprint.
 *
 * Normalisation rules:
 * - literals (strings of every kind, numbers with merged signs, `TRUE`/`FALSE`) become `?`;
 *   placeholders (`?`, `$1`, `:name`, `@name`) are kept as written; `NULL` is kept;
 * - comments are dropped; tokens are separated by exactly one space, except none after `(`, `[`,
 *   `.`, `::`, none before `)`, `]`, `,`, `;`, `.`, `::`, and none between a name (or a
 *   function-like keyword such as `CAST`, `COALESCE`, `VARCHAR`) and its `(`;
 * - keywords are upper-cased; identifiers (quoted or not) are kept as written;
 * - an IN list whose elements are all single literals or placeholders is cut to its first element:
 *   `IN (?, ?, ?)` → `IN (?)`, `IN ($1, $2)` → `IN ($1)`;
 * - a VALUES list of several rows is cut to its first row: `VALUES (?, ?), (?, ?)` → `VALUES (?, ?)`;
 * - empty statements and a trailing `;` are dropped.
 *
 * The fingerprint is the FNV-1a 64-bit hash of the normalised text's UTF-8 bytes, as 16 hex digits
 * (see {@link fnv1a64Hex}); it is stable across processes and releases as long as these rules do not
 * change.
 */
import { fnv1a64Hex } from './fnv1a64.js';
import { NormalizedHashOutput, NormalizedTextOutput, type NormalizedOutput } from './normalized-output.js';
import type { SqlDialect } from './sql-dialect.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind } from './sql-lexer.js';
import { lookupKeyword } from './sql-keywords.js';
import { leadingSqlText } from './sql-input-bound.js';

/** Options of {@link normalizeSql} and {@link fingerprintSql}. */
export interface NormalizeSqlOptions {
  /** The dialect to lex with. @default 'generic' */
  dialect?: SqlDialect;
}

/**
 * The normalised form of a SQL text (see the module notes for the rules); only its leading 1 MiB
 * is read (`MAX_SQL_TEXT_LENGTH`). Never throws: on an internal error the result is `?`.
 *
 * @param text - the statement text
 * @param options - dialect
 */
export function normalizeSql(text: string, options: NormalizeSqlOptions = {}): string {
  if (typeof text !== 'string') return '';
  try {
    const sql = leadingSqlText(text);
    const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, options.dialect));
    const normalizer = new SqlNormalizer(sql);
    for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) normalizer.token(kind, lexer.start, lexer.end);
    return normalizer.result();
  } catch {
    return '?';
  }
}

/**
 * The fingerprint of a SQL text: {@link fnv1a64Hex} of {@link normalizeSql}. Never throws.
 *
 * @param sql - the statement text
 * @param options - dialect
 * @returns 16 lower-case hex digits
 */
export function fingerprintSql(sql: string, options: NormalizeSqlOptions = {}): string {
  return fnv1a64Hex(normalizeSql(sql, options));
}

/**
 * The fingerprint of an already normalised text (what {@link fingerprintSql} hashes).
 *
 * @param normalized - output of {@link normalizeSql}
 */
export function fingerprintOfNormalized(normalized: string): string {
  return fnv1a64Hex(normalized);
}

// Spacing categories of the last emitted token.
const CAT_START = 0;
const CAT_OPEN = 1; // ( [
const CAT_DOT = 2; // .
const CAT_CAST = 3; // ::
const CAT_NAME = 4; // identifier: a following ( is a call
const CAT_CALL_KEYWORD = 5; // CAST, COALESCE, VARCHAR …: a following ( is a call
const CAT_CLOSE = 6; // ) ]
const CAT_OTHER = 7;

// Frame kinds.
const FRAME_PLAIN = 0;
const FRAME_IN_LIST = 1;
const FRAME_VALUES_ROW = 2;

// VALUES list states of a frame.
const VALUES_NONE = 0;
const VALUES_EXPECT_ROW = 1;
const VALUES_AFTER_ROW = 2;

const MAX_FRAMES = 256;

const CALL_KEYWORDS = new Set([
  'CAST',
  'COALESCE',
  'NULLIF',
  'EXTRACT',
  'SUBSTRING',
  'TRIM',
  'POSITION',
  'GREATEST',
  'LEAST',
  'ARRAY',
  'ROW',
  'ANY',
  'ALL',
  'SOME',
  'LEFT',
  'RIGHT',
  'REPLACE',
  'INSERT',
  'CHAR',
  'CHARACTER',
  'VARCHAR',
  'DECIMAL',
  'NUMERIC',
  'FLOAT',
  'DOUBLE',
  'INT',
  'INTEGER',
  'BIGINT',
  'SMALLINT',
  'TIME',
  'TIMESTAMP',
  'DATE',
  'INTERVAL',
  'BINARY',
  'MATCH',
  'IF',
  'GROUPING',
  'CUBE',
  'ROLLUP',
  'JSON',
  'TEXT',
  'REAL',
  'BOOLEAN',
]);

interface Frame {
  kind: number;
  // IN-list bookkeeping.
  mark: number;
  markCat: number;
  allSimple: boolean;
  elementTokens: number;
  elementSimple: boolean;
  elements: number;
  // VALUES-list bookkeeping (for rows opened in this frame).
  valuesState: number;
  rowCount: number;
  valuesMark: number;
  valuesMarkCat: number;
}

function newFrame(kind: number): Frame {
  return {
    kind,
    mark: -1,
    markCat: CAT_OTHER,
    allSimple: true,
    elementTokens: 0,
    elementSimple: true,
    elements: 1,
    valuesState: VALUES_NONE,
    rowCount: 0,
    valuesMark: -1,
    valuesMarkCat: CAT_OTHER,
  };
}

function isValueKind(kind: SqlTokenKind): boolean {
  return (
    kind === SqlTokenKind.String ||
    kind === SqlTokenKind.Number ||
    kind === SqlTokenKind.Boolean ||
    kind === SqlTokenKind.Placeholder ||
    kind === SqlTokenKind.Unterminated
  );
}

/**
 * The normaliser's token logic (see the module notes), writing to a {@link NormalizedOutput}: the
 * normalised text, or its hash directly.
 */
abstract class TokenNormalizer<Output extends NormalizedOutput> {
  private readonly text: string;
  protected readonly output: Output;
  private emitted = false;
  private cat = CAT_START;
  private lastKeyword: string | undefined;
  private pendingSemicolon = false;
  private frames: Frame[] = [newFrame(FRAME_PLAIN)];
  private overflowDepth = 0;

  protected constructor(text: string, output: Output) {
    this.text = text;
    this.output = output;
  }

  /** Ends open VALUES lists: call once, after the last token. */
  protected finish(): void {
    for (let i = this.frames.length - 1; i >= 0; i--) this.endValues(this.frames[i]!);
  }

  /**
   * Takes the next token.
   *
   * @param kind - its kind
   * @param start - its first index in the text
   * @param end - the index after it
   */
  token(kind: SqlTokenKind, start: number, end: number): void {
    if (kind === SqlTokenKind.Comment) return;
    const tracked = this.overflowDepth === 0;
    const frame = this.frames[this.frames.length - 1]!;
    if (tracked && frame.valuesState !== VALUES_NONE) {
      const rowStart = kind === SqlTokenKind.LParen && frame.valuesState === VALUES_EXPECT_ROW;
      const nextRow = kind === SqlTokenKind.Comma && frame.valuesState === VALUES_AFTER_ROW;
      if (nextRow) frame.valuesState = VALUES_EXPECT_ROW;
      else if (!rowStart) this.endValues(frame);
    }
    if (kind === SqlTokenKind.Semicolon) {
      if (this.emitted) this.pendingSemicolon = true;
      this.frames = [newFrame(FRAME_PLAIN)];
      this.overflowDepth = 0;
      this.lastKeyword = undefined;
      return;
    }
    if (tracked && frame.kind === FRAME_IN_LIST && kind !== SqlTokenKind.RParen) {
      if (kind === SqlTokenKind.Comma) {
        this.closeElement(frame);
        if (frame.mark < 0) {
          frame.markCat = this.cat;
          frame.mark = this.output.mark();
        }
        frame.elements++;
      } else {
        frame.elementTokens++;
        frame.elementSimple = isValueKind(kind);
      }
    }
    switch (kind) {
      case SqlTokenKind.LParen: {
        this.emit('(', this.cat === CAT_NAME || this.cat === CAT_CALL_KEYWORD ? false : true, CAT_OPEN);
        if (!tracked || this.frames.length >= MAX_FRAMES) {
          this.overflowDepth++;
        } else {
          const inList = this.lastKeyword === 'IN';
          this.frames.push(newFrame(inList ? FRAME_IN_LIST : frame.valuesState === VALUES_EXPECT_ROW ? FRAME_VALUES_ROW : FRAME_PLAIN));
        }
        this.lastKeyword = undefined;
        return;
      }
      case SqlTokenKind.RParen:
        this.closeParen();
        return;
      case SqlTokenKind.Comma:
        this.emit(',', false, CAT_OTHER);
        break;
      case SqlTokenKind.Dot:
        this.emit('.', false, CAT_DOT);
        break;
      case SqlTokenKind.Word: {
        const keyword = lookupKeyword(this.text, start, end);
        if (keyword === undefined) {
          this.emitSlice(start, end, CAT_NAME);
        } else {
          this.emit(keyword, true, CALL_KEYWORDS.has(keyword) ? CAT_CALL_KEYWORD : CAT_OTHER);
          if (keyword === 'VALUES' && tracked) {
            frame.valuesState = VALUES_EXPECT_ROW;
            frame.rowCount = 0;
          }
        }
        this.lastKeyword = keyword;
        return;
      }
      case SqlTokenKind.QuotedIdentifier:
        this.emitSlice(start, end, CAT_NAME);
        break;
      case SqlTokenKind.String:
      case SqlTokenKind.Number:
      case SqlTokenKind.Boolean:
      case SqlTokenKind.Unterminated:
        this.emit('?', true, CAT_OTHER);
        break;
      case SqlTokenKind.Operator: {
        if (end - start === 2 && this.text.charCodeAt(start) === 58 && this.text.charCodeAt(start + 1) === 58)
          this.emit('::', false, CAT_CAST);
        else this.emitSlice(start, end, CAT_OTHER);
        break;
      }
      case SqlTokenKind.Punctuation: {
        const c = this.text.charCodeAt(start);
        if (c === 91)
          this.emit('[', this.cat === CAT_OTHER, CAT_OPEN); // [
        else if (c === 93)
          this.emit(']', false, CAT_CLOSE); // ]
        else this.emitSlice(start, end, CAT_OTHER);
        break;
      }
      default:
        this.emitSlice(start, end, CAT_OTHER);
    }
    this.lastKeyword = undefined;
  }

  private emit(piece: string, spaceBefore: boolean, cat: number): void {
    this.output.append(piece, this.spaceBefore(spaceBefore));
    this.cat = cat;
  }

  /** Emits `text[start, end)` as written, with a space before it when the spacing rules want one. */
  private emitSlice(start: number, end: number, cat: number): void {
    this.output.appendSlice(this.text, start, end, this.spaceBefore(true));
    this.cat = cat;
  }

  /** Writes a pending `;`; whether the next token takes a space before it. */
  private spaceBefore(wanted: boolean): boolean {
    this.emitted = true;
    if (this.pendingSemicolon) {
      this.output.append(';', false);
      this.cat = CAT_OTHER;
      this.pendingSemicolon = false;
    }
    const prev = this.cat;
    return wanted && prev !== CAT_START && prev !== CAT_OPEN && prev !== CAT_DOT && prev !== CAT_CAST;
  }

  private closeElement(frame: Frame): void {
    if (!(frame.elementTokens === 1 && frame.elementSimple)) frame.allSimple = false;
    frame.elementTokens = 0;
    frame.elementSimple = true;
  }

  private closeParen(): void {
    if (this.overflowDepth > 0) {
      this.overflowDepth--;
      this.emit(')', false, CAT_CLOSE);
      return;
    }
    if (this.frames.length <= 1) {
      this.emit(')', false, CAT_CLOSE); // unbalanced: keep as written
      return;
    }
    const frame = this.frames[this.frames.length - 1]!;
    this.endValues(frame);
    if (frame.kind === FRAME_IN_LIST) {
      this.closeElement(frame);
      if (frame.allSimple && frame.elements > 1 && frame.mark >= 0) {
        this.output.cutTo(frame.mark);
        this.cat = frame.markCat;
      }
    }
    this.emit(')', false, CAT_CLOSE);
    this.frames.pop();
    const parent = this.frames[this.frames.length - 1]!;
    if (frame.kind === FRAME_VALUES_ROW) {
      parent.rowCount++;
      if (parent.rowCount === 1) {
        parent.valuesMarkCat = this.cat;
        parent.valuesMark = this.output.mark();
      }
      parent.valuesState = VALUES_AFTER_ROW;
    }
    this.lastKeyword = undefined;
  }

  /** Ends a frame's VALUES list: rows after the first are cut. */
  private endValues(frame: Frame): void {
    if (frame.valuesState === VALUES_NONE) return;
    if (frame.rowCount > 1 && frame.valuesMark >= 0) {
      this.output.cutTo(frame.valuesMark);
      this.cat = frame.valuesMarkCat;
    }
    frame.valuesState = VALUES_NONE;
    frame.rowCount = 0;
    frame.valuesMark = -1;
  }
}

/**
 * The streaming form of {@link normalizeSql}: feed it the tokens of one {@link SqlLexer} pass over
 * `text` (comments included or not), then read {@link SqlNormalizer.result} once.
 */
export class SqlNormalizer extends TokenNormalizer<NormalizedTextOutput> {
  /**
   * @param text - the text the tokens come from
   */
  constructor(text: string) {
    super(text, new NormalizedTextOutput());
  }

  /** The normalised text of the tokens taken so far (ends open VALUES lists). */
  result(): string {
    this.finish();
    return this.output.text();
  }
}

/**
 * The streaming form of {@link fingerprintSql}: takes the tokens as {@link SqlNormalizer} does and
 * hashes the normalised text as it goes, without building it. Read {@link SqlFingerprinter.result} once.
 */
export class SqlFingerprinter extends TokenNormalizer<NormalizedHashOutput> {
  /**
   * @param text - the text the tokens come from
   */
  constructor(text: string) {
    super(text, new NormalizedHashOutput());
  }

  /** The fingerprint of the tokens taken so far: `fnv1a64Hex` of what {@link SqlNormalizer.result} would return. */
  result(): string {
    this.finish();
    return this.output.fingerprint();
  }
}
