/**
 * `db.operation.name`, `db.collection.name` and `db.query.summary` from SQL text.
 *
 * Rules followed (OpenTelemetry semantic conventions 1.44.0, "Semantic conventions for database
 * client spans", sections "Span definition" notes on `db.operation.name`, `db.collection.name`,
 * `db.query.summary`, and "Generating a summary of the query"):
 *
 * - The summary lists the query's operations (SELECT, INSERT, UPDATE, DELETE and other commands) and
 *   their targets (collections, stored procedures, database names) in the order they appear:
 *   `{operation1} {target1} {operation2} {target2} {target3} …`.
 * - Operations and targets are captured as written, without case normalisation; quoted names keep
 *   their quotes (`SELECT "song list"`); schema prefixes are kept (`public.users`).
 * - Deliberate deviation: the conventions' example keeps a single-quoted name (`'artists'`) as a
 *   target. fedscope never copies a string literal into the summary (in DuckDB such a string is a
 *   file path or URL that may carry credentials); it counts as an anonymous source instead.
 * - An anonymous source (a derived table `FROM (SELECT …)`) contributes no target, only the inner
 *   operations: `SELECT SELECT orders customers`.
 * - The summary is cut to 255 characters, never inside an operation or a target: parts that do not
 *   fit in full are left out, with everything after them.
 * - Multi-word operations are separated by single spaces.
 *
 * fedscope's own choices where the text is silent: DDL operations name the object type
 * (`CREATE TABLE`, `DROP INDEX`, `CREATE MATERIALIZED VIEW`; modifiers like `OR REPLACE`,
 * `TEMPORARY`, `UNIQUE`, `IF NOT EXISTS` are left out) and their targets are the object's name (and
 * the table of `CREATE INDEX … ON t`); names of common table expressions are not targets (they are
 * anonymous like derived tables); table functions (`FROM generate_series(…)`,
 * `FROM read_parquet(…)`) are anonymous too.
 *
 * `db.operation.name` and `db.collection.name`: the conventions advise against extracting them from
 * the text when the text may hold several operations or collections. fedscope therefore sets them
 * only for a text holding a single statement: the operation is that statement's main verb (for
 * `WITH … INSERT …`, the `INSERT`), as written in the summary; the collection is set only when the
 * statement names exactly one distinct collection and no anonymous source.
 */
import type { SqlDialect } from './sql-dialect.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind } from './sql-lexer.js';
import { lookupKeyword } from './sql-keywords.js';
import { leadingSqlText } from './sql-input-bound.js';

/** Maximum length of `db.query.summary`, as the conventions ask. */
export const MAX_QUERY_SUMMARY_LENGTH = 255;

/** What {@link summarizeSql} finds in a SQL text. */
export interface SqlQuerySummary {
  /** The single statement's main operation, as written (`SELECT`, `insert`, `CREATE TABLE`). Absent for several statements or none found. */
  operationName?: string;
  /** The single collection the single statement works on, as written (`public.users`, `"Order"`). */
  collectionName?: string;
  /** `db.query.summary`: operations and targets in order, at most 255 characters. Absent when nothing was recognised. */
  summary?: string;
  /** Number of non-empty statements in the text. */
  statementCount: number;
}

/** Options of {@link summarizeSql}. */
export interface SummarizeSqlOptions {
  /** The dialect to lex with. @default 'generic' */
  dialect?: SqlDialect;
  /** Maximum summary length. @default 255 */
  maxSummaryLength?: number;
}

/**
 * Parses a SQL text (as far as needed) for its operations and targets. Never throws: on an internal
 * error the result is `{ statementCount: 0 }`.
 *
 * @param text - the statement text; only its leading 1 MiB is read
 * @param options - dialect and summary bound
 */
export function summarizeSql(text: string, options: SummarizeSqlOptions = {}): SqlQuerySummary {
  if (typeof text !== 'string') return { statementCount: 0 };
  try {
    const sql = leadingSqlText(text);
    const lexer = new SqlLexer(sql, resolveSqlLexerMode(sql, options.dialect));
    const summarizer = new SqlSummarizer(sql, options.maxSummaryLength);
    for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) summarizer.token(kind, lexer.start, lexer.end);
    return summarizer.result();
  } catch {
    return { statementCount: 0 };
  }
}

// Frame contexts.
const CTX_NONE = 0;
const CTX_EXPECT = 1; // a target name may come next
const CTX_AFTER = 2; // right after a target (alias, `,`, JOIN, ON may follow)
const CTX_JOIN_COND = 3; // in a join's ON/USING condition
const CTX_DDL_TYPE = 4; // after CREATE/ALTER/DROP/…: collecting the object type

// Kinds of target position.
const T_FROM = 0; // FROM/JOIN/USING: aliases, comma lists, table functions
const T_INTO = 1; // INSERT INTO, MERGE INTO, COPY: a single name
const T_UPDATE = 2; // UPDATE t: like FROM
const T_DELETE = 3; // DELETE [FROM] t: like FROM
const T_DDL = 4; // CREATE TABLE t, DROP TABLE a, b
const T_ROUTINE = 5; // CALL p, EXECUTE p

// WITH-list states.
const WITH_NONE = 0;
const WITH_EXPECT_NAME = 1;
const WITH_AFTER_NAME = 2;
const WITH_AFTER_AS = 3;
const WITH_AFTER_BODY = 4;

const MAX_FRAMES = 256;

/** Words that may precede a target without being one. */
const TARGET_MODIFIERS = new Set([
  'ONLY',
  'LATERAL',
  'IF',
  'NOT',
  'EXISTS',
  'CONCURRENTLY',
  'INTO',
  'IGNORE',
  'LOW_PRIORITY',
  'DELAYED',
  'HIGH_PRIORITY',
  'QUICK',
  'OR',
  'ABORT',
  'FAIL',
  'ROLLBACK',
  'REPLACE',
  'OVERWRITE',
  'TABLE',
  'TABLES',
  'FULL',
  'VERBOSE',
  'FREEZE',
  'ANALYZE',
  'ANALYSE',
]);

/** Keywords that end a target position without naming a target. */
const CLAUSE_WORDS = new Set([
  'WHERE',
  'SET',
  'VALUES',
  'SELECT',
  'DEFAULT',
  'ON',
  'USING',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'FOR',
  'RETURNING',
  'AS',
  'WITH',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'CROSS',
  'NATURAL',
  'OUTER',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'WINDOW',
  'QUALIFY',
  'TO',
  'STDIN',
  'STDOUT',
  'PARTITION',
  'TABLESAMPLE',
  'CASCADE',
  'RESTRICT',
  'OUTFILE',
  'DUMPFILE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CASE',
  'AND',
  'SAMPLE',
  'ASOF',
  'POSITIONAL',
  'ANTI',
  'SEMI',
  'PIVOT',
  'UNPIVOT',
  'OVERRIDING',
  'DO',
  'NOTHING',
  'CONFLICT',
  'DUPLICATE',
  'FROM',
  'STRAIGHT_JOIN',
  'FORCE',
]);

/** Keywords that end a FROM list. */
const FROM_LIST_END = new Set([
  'WHERE',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'FOR',
  'WINDOW',
  'QUALIFY',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'SET',
  'RETURNING',
  'VALUES',
  'INTO',
  'WHEN',
  'DEFAULT',
  'PIVOT',
  'UNPIVOT',
  'SAMPLE',
  'TABLESAMPLE',
  'CASE',
  'THEN',
  'ELSE',
  'END',
]);

const DDL_VERBS = new Set(['CREATE', 'ALTER', 'DROP', 'REFRESH']);
const DDL_MODIFIERS = new Set([
  'OR',
  'REPLACE',
  'TEMP',
  'TEMPORARY',
  'UNIQUE',
  'GLOBAL',
  'LOCAL',
  'UNLOGGED',
  'RECURSIVE',
  'FULLTEXT',
  'SPATIAL',
  'PERSISTENT',
  'TRANSIENT',
  'VIRTUAL',
  'EXTERNAL',
]);
const DDL_OBJECT_TYPES = new Set([
  'TABLE',
  'INDEX',
  'VIEW',
  'MATERIALIZED',
  'FOREIGN',
  'SCHEMA',
  'DATABASE',
  'SEQUENCE',
  'FUNCTION',
  'PROCEDURE',
  'TRIGGER',
  'TYPE',
  'EXTENSION',
  'ROLE',
  'USER',
  'DOMAIN',
  'MACRO',
  'SECRET',
  'POLICY',
  'RULE',
  'EVENT',
  'SERVER',
  'TABLESPACE',
  'PUBLICATION',
  'SUBSCRIPTION',
  'COLLATION',
  'AGGREGATE',
]);
/** Object types whose statements name a second target after ON. */
const DDL_ON_TYPES = new Set(['INDEX', 'TRIGGER', 'POLICY', 'RULE']);

/** Statement verbs with no target, recognised as the first word of a statement. */
const PLAIN_VERBS = new Set([
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'SET',
  'SHOW',
  'RESET',
  'DECLARE',
  'FETCH',
  'MOVE',
  'CLOSE',
  'LISTEN',
  'NOTIFY',
  'UNLISTEN',
  'LOAD',
  'INSTALL',
  'DEALLOCATE',
  'CHECKPOINT',
  'DISCARD',
  'ATTACH',
  'DETACH',
  'PREPARE',
  'DO',
  'KILL',
  'FLUSH',
  'PRAGMA',
  'END',
  'ABORT',
  'COMMENT',
]);
/** Statement verbs followed by an optional target. */
const TARGET_VERBS = new Set([
  'USE',
  'DESCRIBE',
  'DESC',
  'LOCK',
  'VACUUM',
  'ANALYZE',
  'ANALYSE',
  'REINDEX',
  'CLUSTER',
  'OPTIMIZE',
  'TRUNCATE',
]);
const EXPLAIN_MODIFIERS = new Set(['ANALYZE', 'ANALYSE', 'VERBOSE', 'QUERY', 'PLAN']);

interface Frame {
  /** The operation governing FROM/JOIN handling in this frame (upper case), if any. */
  op: string | undefined;
  ctx: number;
  targetKind: number;
  /** A (sub)statement may start at the next word. */
  atStart: boolean;
  withState: number;
  /** This frame is the body of a CTE (its parent is waiting for it to close). */
  cteBody: boolean;
  sawJoin: boolean;
  /** ON introduces another target (CREATE INDEX … ON t). */
  ddlOn: boolean;
  afterExplain: boolean;
  ddlWords: string[];
  /** Whether the DDL-like verb being collected takes targets. */
  ddlTakesTarget: boolean;
}

function newFrame(atStart: boolean): Frame {
  return {
    op: undefined,
    ctx: CTX_NONE,
    targetKind: T_FROM,
    atStart,
    withState: WITH_NONE,
    cteBody: false,
    sawJoin: false,
    ddlOn: false,
    afterExplain: false,
    ddlWords: [],
    ddlTakesTarget: true,
  };
}

function isFromLike(kind: number): boolean {
  return kind === T_FROM || kind === T_UPDATE || kind === T_DELETE;
}

/**
 * The streaming form of {@link summarizeSql}: feed it the tokens of one {@link SqlLexer} pass over
 * `text` (comments included or not), then read {@link SqlSummarizer.result} once.
 */
export class SqlSummarizer {
  private readonly text: string;
  private readonly limit: number;
  // Summary parts across statements.
  private readonly parts: string[] = [];
  private summaryLength = 0;
  private summaryFull = false;
  // Frames of the current statement.
  private frames: Frame[] = [newFrame(true)];
  private overflowDepth = 0;
  // Current statement.
  private statementTokens = 0;
  private depthZeroOp: string | undefined;
  private anyOp: string | undefined;
  private firstTarget: string | undefined;
  private severalTargets = false;
  private anonymousSource = false;
  private cteNames: Set<string> | undefined;
  private ignoreRest = false;
  private pendingName: string | undefined;
  private pendingKey: string | undefined; // CTE lookup key when the name has one part
  private pendingAfterDot = false;
  private previousKeyword: string | undefined;
  // Results.
  private statementCount = 0;
  private firstStatementOp: string | undefined;
  private firstStatementCollection: string | undefined;

  /**
   * @param text - the text the tokens come from
   * @param maxSummaryLength - summary bound (default 255)
   */
  constructor(text: string, maxSummaryLength?: number) {
    this.text = text;
    const max = maxSummaryLength;
    this.limit = typeof max === 'number' && Number.isFinite(max) && max >= 0 ? Math.floor(max) : MAX_QUERY_SUMMARY_LENGTH;
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
    if (kind === SqlTokenKind.Semicolon) {
      this.endStatement();
      return;
    }
    this.statementTokens++;
    if (this.pendingName !== undefined && this.continueName(kind, start, end)) return;
    let keyword: string | undefined;
    if (!this.ignoreRest) {
      if (kind === SqlTokenKind.Word) {
        keyword = lookupKeyword(this.text, start, end);
        this.word(keyword, start, end);
      } else {
        this.other(kind, start, end);
      }
    }
    this.previousKeyword = keyword;
  }

  /** What the tokens taken so far hold (ends the last statement; call once). */
  result(): SqlQuerySummary {
    this.endStatement();
    const result: SqlQuerySummary = { statementCount: this.statementCount };
    if (this.statementCount === 1) {
      if (this.firstStatementOp !== undefined) result.operationName = this.firstStatementOp;
      if (this.firstStatementCollection !== undefined) result.collectionName = this.firstStatementCollection;
    }
    if (this.parts.length > 0) result.summary = this.parts.join(' ');
    return result;
  }

  private top(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private get depth(): number {
    return this.frames.length - 1 + this.overflowDepth;
  }

  // --- names -------------------------------------------------------------------------------

  private startName(kind: SqlTokenKind, start: number, end: number): void {
    const name = this.text.slice(start, end);
    this.pendingName = name;
    this.pendingKey = kind === SqlTokenKind.Word ? name.toLowerCase() : name;
    this.pendingAfterDot = false;
  }

  /** Extends a pending qualified name; returns true when the token was consumed. */
  private continueName(kind: SqlTokenKind, start: number, end: number): boolean {
    if (this.pendingAfterDot) {
      if (kind === SqlTokenKind.Word || kind === SqlTokenKind.QuotedIdentifier) {
        this.pendingName += this.text.slice(start, end);
        this.pendingAfterDot = false;
        return true;
      }
      this.pendingName = this.pendingName!.slice(0, -1);
    } else if (kind === SqlTokenKind.Dot) {
      this.pendingName += '.';
      this.pendingKey = undefined;
      this.pendingAfterDot = true;
      return true;
    }
    this.finishName(kind);
    return false;
  }

  private finishName(nextKind: SqlTokenKind): void {
    const name = this.pendingName;
    const key = this.pendingKey;
    this.pendingName = undefined;
    this.pendingKey = undefined;
    this.pendingAfterDot = false;
    if (name === undefined || name === '') return;
    const frame = this.top();
    frame.ctx = CTX_AFTER;
    if (nextKind === SqlTokenKind.LParen && isFromLike(frame.targetKind)) {
      this.anonymousSource = true; // a table function
      return;
    }
    this.addTarget(name, key);
  }

  private addTarget(name: string, key: string | undefined): void {
    if (key !== undefined && this.cteNames?.has(key)) {
      this.anonymousSource = true;
      return;
    }
    if (this.firstTarget === undefined) this.firstTarget = name;
    else if (this.firstTarget !== name) this.severalTargets = true;
    this.pushPart(name);
  }

  private addOp(op: string): void {
    if (this.depth === 0 && this.depthZeroOp === undefined) this.depthZeroOp = op;
    if (this.anyOp === undefined) this.anyOp = op;
    this.pushPart(op);
  }

  private pushPart(part: string): void {
    if (this.summaryFull) return;
    const length = (this.summaryLength === 0 ? 0 : this.summaryLength + 1) + part.length;
    if (length > this.limit) {
      this.summaryFull = true;
      return;
    }
    this.parts.push(part);
    this.summaryLength = length;
  }

  private endStatement(): void {
    if (this.pendingName !== undefined) this.finishName(SqlTokenKind.End);
    const root = this.frames[0];
    if (root !== undefined && root.ctx === CTX_DDL_TYPE && this.frames.length === 1) this.emitDdlOp(root, undefined);
    if (this.statementTokens > 0) {
      this.statementCount++;
      if (this.statementCount === 1) {
        this.firstStatementOp = this.depthZeroOp ?? this.anyOp;
        const target = this.firstTarget;
        if (target !== undefined && !this.severalTargets && !this.anonymousSource && target.length <= MAX_QUERY_SUMMARY_LENGTH) {
          this.firstStatementCollection = target;
        }
      }
    }
    this.frames = [newFrame(true)];
    this.overflowDepth = 0;
    this.statementTokens = 0;
    this.depthZeroOp = undefined;
    this.anyOp = undefined;
    this.firstTarget = undefined;
    this.severalTargets = false;
    this.anonymousSource = false;
    this.cteNames = undefined;
    this.ignoreRest = false;
    this.previousKeyword = undefined;
  }

  // --- tokens other than words -----------------------------------------------------------

  private other(kind: SqlTokenKind, start: number, end: number): void {
    if (kind === SqlTokenKind.LParen) {
      this.openParen();
      return;
    }
    if (kind === SqlTokenKind.RParen) {
      this.closeParen();
      return;
    }
    if (this.overflowDepth > 0) return;
    const frame = this.top();
    if (frame.ctx === CTX_DDL_TYPE) {
      this.emitDdlOp(frame, undefined);
      frame.ctx = CTX_NONE;
    }
    if (kind === SqlTokenKind.Comma) {
      frame.atStart = false;
      if (frame.withState === WITH_AFTER_BODY) {
        frame.withState = WITH_EXPECT_NAME;
        return;
      }
      if (frame.ctx === CTX_AFTER && (isFromLike(frame.targetKind) || frame.targetKind === T_DDL)) frame.ctx = CTX_EXPECT;
      else if (frame.ctx === CTX_JOIN_COND) frame.ctx = CTX_EXPECT;
      return;
    }
    if (kind === SqlTokenKind.QuotedIdentifier) {
      if (frame.withState === WITH_EXPECT_NAME) {
        this.addCte(this.text.slice(start, end));
        frame.withState = WITH_AFTER_NAME;
        return;
      }
      frame.atStart = false;
      if (frame.ctx === CTX_EXPECT) this.startName(kind, start, end);
      else if (frame.ctx === CTX_AFTER && !isFromLike(frame.targetKind)) frame.ctx = CTX_NONE;
      return;
    }
    if (kind === SqlTokenKind.String && frame.ctx === CTX_EXPECT && frame.targetKind === T_FROM) {
      // DuckDB reads files or URLs named by a string in FROM: a literal, so never a target.
      frame.atStart = false;
      this.anonymousSource = true;
      frame.ctx = CTX_AFTER;
      return;
    }
    frame.atStart = false;
    if (frame.ctx === CTX_EXPECT) frame.ctx = CTX_NONE;
  }

  private openParen(): void {
    if (this.overflowDepth > 0 || this.frames.length >= MAX_FRAMES) {
      this.overflowDepth++;
      return;
    }
    const frame = this.top();
    if (frame.ctx === CTX_DDL_TYPE) {
      this.emitDdlOp(frame, undefined);
      frame.ctx = CTX_NONE;
    }
    if (frame.ctx === CTX_EXPECT) {
      this.anonymousSource = true; // a derived table: FROM (SELECT …)
      frame.ctx = CTX_AFTER;
    }
    const child = newFrame(true);
    if (frame.withState === WITH_AFTER_AS) child.cteBody = true;
    if (!frame.afterExplain) frame.atStart = false;
    this.frames.push(child);
  }

  private closeParen(): void {
    if (this.overflowDepth > 0) {
      this.overflowDepth--;
      return;
    }
    if (this.frames.length <= 1) return;
    const child = this.frames.pop()!;
    const frame = this.top();
    if (child.cteBody && frame.withState === WITH_AFTER_AS) frame.withState = WITH_AFTER_BODY;
  }

  private addCte(name: string): void {
    const key = name.charCodeAt(0) === 34 || name.charCodeAt(0) === 96 ? name : name.toLowerCase();
    (this.cteNames ??= new Set()).add(key);
  }

  // --- words -------------------------------------------------------------------------------

  private word(keyword: string | undefined, start: number, end: number): void {
    if (this.overflowDepth > 0) return;
    const frame = this.top();
    const text = this.text;

    if (frame.withState !== WITH_NONE) {
      switch (frame.withState) {
        case WITH_EXPECT_NAME:
          if (keyword === 'RECURSIVE') return;
          this.addCte(text.slice(start, end));
          frame.withState = WITH_AFTER_NAME;
          return;
        case WITH_AFTER_NAME:
          if (keyword === 'AS') {
            frame.withState = WITH_AFTER_AS;
            return;
          }
          frame.withState = WITH_NONE; // not a WITH list after all
          break;
        case WITH_AFTER_AS:
          if (keyword === 'NOT' || keyword === 'MATERIALIZED') return;
          frame.withState = WITH_NONE;
          break;
        default: // WITH_AFTER_BODY: the main statement starts
          frame.withState = WITH_NONE;
          frame.atStart = true;
          break;
      }
    }

    if (frame.ctx === CTX_DDL_TYPE) {
      if (keyword !== undefined && DDL_MODIFIERS.has(keyword)) return;
      const verb = frame.ddlWords[0]?.toUpperCase();
      const isType = keyword !== undefined && (verb === 'START' ? keyword === 'TRANSACTION' : DDL_OBJECT_TYPES.has(keyword));
      if (isType) {
        frame.ddlWords.push(text.slice(start, end));
        if (keyword === 'MATERIALIZED' || keyword === 'FOREIGN') return;
        this.emitDdlOp(frame, keyword);
        return;
      }
      this.emitDdlOp(frame, undefined);
      frame.ctx = CTX_NONE;
    }

    if (frame.atStart) {
      if (frame.afterExplain && keyword !== undefined && EXPLAIN_MODIFIERS.has(keyword)) return;
      frame.atStart = false;
      frame.afterExplain = false;
      if (keyword !== undefined && this.startStatement(frame, keyword, start, end)) return;
    }

    if (frame.ctx === CTX_EXPECT) {
      if (keyword === undefined) {
        this.startName(SqlTokenKind.Word, start, end);
        return;
      }
      if (TARGET_MODIFIERS.has(keyword) || (keyword === 'FROM' && frame.targetKind === T_DELETE)) return;
      if (keyword === 'ON' && frame.ddlOn) return;
      if (!CLAUSE_WORDS.has(keyword)) {
        this.startName(SqlTokenKind.Word, start, end);
        return;
      }
      frame.ctx = CTX_NONE;
    }

    if (frame.ctx === CTX_AFTER && !isFromLike(frame.targetKind)) {
      const keep =
        (keyword === 'ON' && frame.ddlOn) || (keyword === 'WITH' && frame.op === 'INSERT') || (keyword === 'USING' && frame.op === 'MERGE');
      if (!keep) frame.ctx = CTX_NONE;
    }
    if (keyword === undefined) return;
    this.clauseWord(frame, keyword, start, end);
  }

  private emitDdlOp(frame: Frame, type: string | undefined): void {
    this.addOp(frame.ddlWords.join(' '));
    frame.ctx = frame.ddlTakesTarget ? CTX_EXPECT : CTX_NONE;
    frame.targetKind = T_DDL;
    frame.ddlOn = type !== undefined && DDL_ON_TYPES.has(type);
    frame.ddlWords = [];
  }

  /** Handles the first word of a (sub)statement; returns true when it was consumed. */
  private startStatement(frame: Frame, keyword: string, start: number, end: number): boolean {
    const word = this.text.slice(start, end);
    switch (keyword) {
      case 'WITH':
        frame.withState = WITH_EXPECT_NAME;
        return true;
      case 'INSERT':
        this.beginTargeted(frame, keyword, word, T_INTO);
        return true;
      case 'UPDATE':
        this.beginTargeted(frame, keyword, word, T_UPDATE);
        return true;
      case 'DELETE':
        this.beginTargeted(frame, keyword, word, T_DELETE);
        return true;
      case 'MERGE':
        this.beginTargeted(frame, keyword, word, T_INTO);
        return true;
      default:
        break;
    }
    const firstWordOfStatement = this.frames.length === 1 && this.statementTokens === 1;
    if (!firstWordOfStatement) return false;
    if (keyword === 'REPLACE' || keyword === 'UPSERT') {
      this.beginTargeted(frame, 'INSERT', word, T_INTO);
      return true;
    }
    if (DDL_VERBS.has(keyword) || keyword === 'START') {
      frame.ctx = CTX_DDL_TYPE;
      frame.op = 'DDL';
      frame.ddlWords = [word];
      frame.ddlTakesTarget = keyword !== 'START';
      return true;
    }
    if (keyword === 'CALL' || keyword === 'EXEC' || keyword === 'EXECUTE') {
      this.beginTargeted(frame, keyword, word, T_ROUTINE);
      return true;
    }
    if (keyword === 'COPY') {
      this.beginTargeted(frame, keyword, word, T_INTO);
      return true;
    }
    if (TARGET_VERBS.has(keyword)) {
      this.beginTargeted(frame, keyword, word, T_DDL);
      return true;
    }
    if (keyword === 'EXPLAIN' || keyword === 'SUMMARIZE') {
      this.addOp(word);
      frame.op = keyword;
      frame.atStart = true;
      frame.afterExplain = keyword === 'EXPLAIN';
      if (keyword === 'SUMMARIZE') {
        frame.ctx = CTX_EXPECT;
        frame.targetKind = T_FROM;
      }
      return true;
    }
    if (keyword === 'GRANT' || keyword === 'REVOKE') {
      this.addOp(word);
      this.ignoreRest = true;
      return true;
    }
    if (PLAIN_VERBS.has(keyword)) {
      this.addOp(word);
      frame.op = keyword;
      return true;
    }
    if (keyword === 'FROM') {
      // DuckDB's FROM-first syntax: `FROM t` is `SELECT * FROM t`.
      frame.op = 'SELECT';
      frame.ctx = CTX_EXPECT;
      frame.targetKind = T_FROM;
      return true;
    }
    return false;
  }

  private beginTargeted(frame: Frame, op: string, written: string, targetKind: number): void {
    this.addOp(written);
    frame.op = op;
    frame.ctx = CTX_EXPECT;
    frame.targetKind = targetKind;
    frame.sawJoin = false;
  }

  /** A keyword outside a target position. */
  private clauseWord(frame: Frame, keyword: string, start: number, end: number): void {
    const op = frame.op;
    const joins = op === 'SELECT' || op === 'DELETE' || op === 'UPDATE';
    switch (keyword) {
      case 'SELECT':
        this.addOp(this.text.slice(start, end));
        frame.op = 'SELECT';
        frame.ctx = CTX_NONE;
        frame.sawJoin = false;
        return;
      case 'FROM':
        if (joins && this.previousKeyword !== 'DISTINCT') {
          frame.ctx = CTX_EXPECT;
          frame.targetKind = T_FROM;
          frame.sawJoin = false;
        } else if (frame.ctx !== CTX_AFTER || !isFromLike(frame.targetKind)) {
          frame.ctx = CTX_NONE;
        }
        return;
      case 'JOIN':
      case 'STRAIGHT_JOIN':
        if (joins) {
          frame.ctx = CTX_EXPECT;
          frame.targetKind = T_FROM;
          frame.sawJoin = true;
        }
        return;
      case 'ON':
        if (frame.ddlOn) {
          frame.ctx = CTX_EXPECT;
          frame.targetKind = T_DDL;
        } else if (frame.ctx === CTX_AFTER && isFromLike(frame.targetKind)) {
          frame.ctx = CTX_JOIN_COND;
        } else {
          frame.ctx = CTX_NONE;
        }
        return;
      case 'USING':
        if (frame.ctx === CTX_AFTER || frame.ctx === CTX_JOIN_COND) {
          if ((op === 'DELETE' || op === 'MERGE') && !frame.sawJoin) {
            frame.ctx = CTX_EXPECT;
            frame.targetKind = T_FROM;
          } else {
            frame.ctx = CTX_JOIN_COND;
          }
        }
        return;
      case 'INTO':
        if (op === 'SELECT') {
          frame.ctx = CTX_EXPECT;
          frame.targetKind = T_INTO;
        }
        return;
      case 'WITH':
        if (op === 'INSERT' && (frame.ctx === CTX_AFTER || frame.ctx === CTX_NONE)) {
          frame.withState = WITH_EXPECT_NAME;
          frame.ctx = CTX_NONE;
        }
        return;
      default:
        if ((frame.ctx === CTX_AFTER || frame.ctx === CTX_JOIN_COND) && FROM_LIST_END.has(keyword)) frame.ctx = CTX_NONE;
    }
  }
}
