/**
 * Everything fedscope derives from one statement text, computed once and cached: the sanitised
 * `db.query.text`, the normalised text and fingerprint that group statistics, and the
 * `db.operation.name` / `db.collection.name` / `db.query.summary` attributes.
 */
import { fnv1a64Hex } from './fnv1a64.js';
import { SqlFingerprinter, SqlNormalizer } from './fingerprint.js';
import { LruCache } from './lru-cache.js';
import { RecentTextMemo } from './recent-text-memo.js';
import { SeenTextFilter } from './seen-text-filter.js';
import { SqlSummarizer } from './query-summary.js';
import { DEFAULT_TRUNCATION_MARKER, SqlSanitizer, truncateWithMarker } from './sanitize.js';
import { type SqlDialect, SQL_DIALECTS, sqlDialectIndex } from './sql-dialect.js';
import { resolveSqlLexerMode, SqlLexer, SqlTokenKind } from './sql-lexer.js';
import { leadingSqlText, MAX_SQL_TEXT_LENGTH } from './sql-input-bound.js';

/** The analysis of one statement text. Shared between callers: frozen. */
export interface StatementAnalysis {
  /** `db.query.text`: literals replaced by `?`, comments dropped, bounded in length. */
  readonly sanitized: string;
  /** The normalised text the fingerprint is computed from (bounded in length for display). */
  readonly normalized: string;
  /** FNV-1a 64-bit hash of the full normalised text, 16 lower-case hex digits. */
  readonly fingerprint: string;
  /** `db.operation.name` (single-statement texts only). */
  readonly operationName?: string;
  /** `db.collection.name` (single statement, single unambiguous collection only). */
  readonly collectionName?: string;
  /** `db.query.summary`. */
  readonly summary?: string;
}

/** Options of {@link StatementAnalyzer}. */
export interface StatementAnalyzerOptions {
  /**
   * Most statement texts kept in the cache; 0 disables caching. In front of the cache, up to 64 of the
   * cached analyses met last are answered without a cache lookup (and without refreshing their recency).
   * @default 1000
   */
  maxEntries?: number;
  /** Longer texts are analysed every time instead of being cached (bounds the cache's memory). @default 4096 */
  maxCachedTextLength?: number;
  /** Only this many leading characters of a text are analysed (bounds the cost of a call). @default 1048576 */
  maxTextLength?: number;
  /** Bound on `sanitized` and `normalized`, truncation marker included. @default 8192 */
  maxQueryTextLength?: number;
  /** Marker ending a truncated `sanitized` or `normalized`. @default '…' */
  truncationMarker?: string;
}

/** Counters of a {@link StatementAnalyzer}, for export as metrics. */
export interface StatementAnalyzerStats {
  /** Calls answered from the cache. */
  hits: number;
  /** Calls that analysed a cacheable text (for {@link StatementAnalyzer.fingerprint}, a text seen the first time, not cached). */
  misses: number;
  /** Cache entries evicted to respect `maxEntries`. */
  evictions: number;
  /** Calls with a text too long to cache (analysed every time). */
  uncached: number;
  /** Calls whose analysis failed internally (answered with a fail-safe `?` result). */
  errors: number;
  /** Texts currently cached. */
  entries: number;
  /** The cache bound. */
  maxEntries: number;
}

const DEFAULTS = {
  maxEntries: 1000,
  maxCachedTextLength: 4096,
  maxTextLength: MAX_SQL_TEXT_LENGTH,
  maxQueryTextLength: 8192,
} as const;

const FAILED: StatementAnalysis = Object.freeze({ sanitized: '?', normalized: '?', fingerprint: fnv1a64Hex('?') });

function checkedCount(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`StatementAnalyzer option ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Per-text cache slot: one analysis per dialect, filled lazily. */
type DialectSlots = Array<StatementAnalysis | undefined>;

/**
 * Analyses statement texts with a bounded LRU cache keyed by the raw text, so a repeated statement
 * costs one map lookup. Results for different dialects of the same text share a cache entry.
 * `analyze` never throws.
 *
 * ```ts
 * const analyzer = new StatementAnalyzer({ maxEntries: 500 });
 * const { sanitized, fingerprint, summary } = analyzer.analyze(sql, 'postgresql');
 * ```
 */
export class StatementAnalyzer {
  private readonly cache: LruCache<string, DialectSlots>;
  /** The cached analyses met last, found without hashing the text (in front of {@link cache}). */
  private readonly recent = new RecentTextMemo<StatementAnalysis>();
  /** Texts {@link fingerprint} saw lately: only one that comes back is analysed in full and cached. */
  private readonly seenTexts: SeenTextFilter;
  private readonly maxCachedTextLength: number;
  private readonly maxTextLength: number;
  private readonly maxQueryTextLength: number;
  private readonly marker: string;
  private hits = 0;
  private misses = 0;
  private uncached = 0;
  private errors = 0;

  /**
   * @param options - cache and length bounds
   * @throws RangeError when an option is not a valid integer bound
   */
  constructor(options: StatementAnalyzerOptions = {}) {
    this.cache = new LruCache(checkedCount('maxEntries', options.maxEntries, DEFAULTS.maxEntries, 0));
    this.maxCachedTextLength = checkedCount('maxCachedTextLength', options.maxCachedTextLength, DEFAULTS.maxCachedTextLength, 0);
    this.maxTextLength = checkedCount('maxTextLength', options.maxTextLength, DEFAULTS.maxTextLength, 1);
    this.maxQueryTextLength = checkedCount('maxQueryTextLength', options.maxQueryTextLength, DEFAULTS.maxQueryTextLength, 1);
    const marker = options.truncationMarker ?? DEFAULT_TRUNCATION_MARKER;
    if (typeof marker !== 'string' || marker.length >= this.maxQueryTextLength) {
      throw new RangeError('StatementAnalyzer option truncationMarker must be a string shorter than maxQueryTextLength');
    }
    this.marker = marker;
    // A text seen again within about four cache-fulls of other texts is cached; one seen once is not.
    this.seenTexts = new SeenTextFilter(Math.max(256, 4 * this.cache.maxEntries));
  }

  /**
   * The analysis of a statement text, from the cache when the same text (and dialect) was seen
   * recently. Never throws.
   *
   * @param text - the statement text as the application passed it
   * @param dialect - how to lex it (see `dialectForSystem`); `generic` when unknown
   */
  analyze(text: string, dialect: SqlDialect = 'generic'): StatementAnalysis {
    if (typeof text !== 'string') text = '';
    const slot = sqlDialectIndex(dialect);
    if (text.length > this.maxCachedTextLength || this.cache.maxEntries === 0) {
      this.uncached++;
      return this.compute(text, SQL_DIALECTS[slot] ?? 'generic');
    }
    const recent = this.recent.get(text, slot);
    if (recent !== undefined) {
      this.hits++;
      return recent;
    }
    const slots = this.cache.get(text);
    const cached = slots?.[slot];
    if (cached !== undefined) {
      this.hits++;
      this.recent.set(text, slot, cached);
      return cached;
    }
    return this.analyzeAndCache(text, slot, slots);
  }

  /**
   * The fingerprint of a statement text: `analyze(text, dialect).fingerprint`, computed more cheaply
   * for a text not seen lately. A cached text answers from the cache; a text seen once before
   * (within about four cache-fulls of other texts) is analysed in full and cached, as `analyze`
   * does; a text seen the first time is only normalised and hashed, and not cached, so that a flood
   * of one-off texts neither pays for the sanitised text and summary nor evicts the statements that
   * come back. Never throws.
   *
   * @param text - the statement text as the application passed it
   * @param dialect - how to lex it (see `dialectForSystem`); `generic` when unknown
   */
  fingerprint(text: string, dialect: SqlDialect = 'generic'): string {
    if (typeof text !== 'string') text = '';
    const slot = sqlDialectIndex(dialect);
    if (text.length > this.maxCachedTextLength || this.cache.maxEntries === 0) {
      this.uncached++;
      return this.computeFingerprint(text, SQL_DIALECTS[slot] ?? 'generic');
    }
    const recent = this.recent.get(text, slot);
    if (recent !== undefined) {
      this.hits++;
      return recent.fingerprint;
    }
    const slots = this.cache.get(text);
    const cached = slots?.[slot];
    if (cached !== undefined) {
      this.hits++;
      this.recent.set(text, slot, cached);
      return cached.fingerprint;
    }
    if (slots !== undefined || this.seenTexts.seenBefore(text, this.maxCachedTextLength))
      return this.analyzeAndCache(text, slot, slots).fingerprint;
    this.misses++;
    return this.computeFingerprint(text, SQL_DIALECTS[slot] ?? 'generic');
  }

  private analyzeAndCache(text: string, slot: number, slots: DialectSlots | undefined): StatementAnalysis {
    this.misses++;
    const analysis = this.compute(text, SQL_DIALECTS[slot] ?? 'generic');
    if (slots !== undefined) {
      slots[slot] = analysis;
    } else {
      const fresh: DialectSlots = [undefined, undefined, undefined, undefined, undefined];
      fresh[slot] = analysis;
      this.cache.set(text, fresh);
    }
    this.recent.set(text, slot, analysis);
    return analysis;
  }

  /** The counters, as a fresh object. */
  stats(): StatementAnalyzerStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.cache.evictions,
      uncached: this.uncached,
      errors: this.errors,
      entries: this.cache.size,
      maxEntries: this.cache.maxEntries,
    };
  }

  /** Empties the cache (counters are kept). */
  clear(): void {
    this.cache.clear();
    this.recent.clear();
  }

  /** `compute(text, dialect).fingerprint` without the sanitised text and the summary. */
  private computeFingerprint(text: string, dialect: SqlDialect): string {
    try {
      const input = leadingSqlText(text, this.maxTextLength);
      const lexer = new SqlLexer(input, resolveSqlLexerMode(input, dialect));
      const fingerprinter = new SqlFingerprinter(input);
      for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) fingerprinter.token(kind, lexer.start, lexer.end);
      return fingerprinter.result();
    } catch {
      this.errors++;
      return FAILED.fingerprint;
    }
  }

  private compute(text: string, dialect: SqlDialect): StatementAnalysis {
    try {
      const cut = text.length > this.maxTextLength;
      const input = leadingSqlText(text, this.maxTextLength);
      const limit = this.maxQueryTextLength;
      const marker = this.marker;
      // One lexer pass feeds the three consumers.
      const lexer = new SqlLexer(input, resolveSqlLexerMode(input, dialect));
      const sanitizer = new SqlSanitizer(input, { maxLength: limit, truncationMarker: marker });
      const normalizer = new SqlNormalizer(input);
      const summarizer = new SqlSummarizer(input);
      for (let kind = lexer.next(); kind !== SqlTokenKind.End; kind = lexer.next()) {
        const start = lexer.start;
        const end = lexer.end;
        sanitizer.token(kind, start, end);
        normalizer.token(kind, start, end);
        summarizer.token(kind, start, end);
      }
      let sanitized = sanitizer.result();
      if (cut && !sanitizer.full) sanitized = truncateWithMarker(sanitized + marker, limit, marker);
      const normalizedFull = normalizer.result();
      let normalized = truncateWithMarker(normalizedFull, limit, marker);
      if (cut && !normalized.endsWith(marker)) normalized = truncateWithMarker(normalized + marker, limit, marker);
      const summary = summarizer.result();
      const analysis: { -readonly [K in keyof StatementAnalysis]: StatementAnalysis[K] } = {
        sanitized,
        normalized,
        fingerprint: fnv1a64Hex(normalizedFull),
      };
      if (summary.operationName !== undefined) analysis.operationName = summary.operationName;
      if (summary.collectionName !== undefined) analysis.collectionName = summary.collectionName;
      if (summary.summary !== undefined) analysis.summary = summary.summary;
      return Object.freeze(analysis);
    } catch {
      this.errors++;
      return FAILED;
    }
  }
}
