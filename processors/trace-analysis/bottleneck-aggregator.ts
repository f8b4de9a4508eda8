import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import type { Clock } from '../../src/stats/types.js';
import type { StatementSeriesSnapshot } from '../analysis/snapshot-types.js';
import { PairKeys } from '../analysis/pair-keys.js';
import { BottleneckWindow, type WindowTotals } from './bottleneck-window.js';
import { SuggestionEngine, type SuggestionEngineOptions } from './suggestion-engine.js';
import { TraceAnalyzer } from './trace-analyzer.js';
import type {
  AssembledTrace,
  AssembledTraceSink,
  BottleneckEntry,
  BottleneckSnapshot,
  QueryBottleneckSnapshot,
  QueryBottleneckWindow,
  Suggestion,
  TraceAnalysis,
  TraceAnalyzerOptions,
} from './types.js';

/** Query name of the entry that takes every (service, query) pair beyond `maxQueries` (its service is empty). */
export const OVERFLOW_QUERY = '(overflow)';

/** Map key of the overflow entry: it has no NUL, so no (service, query) key (`service\0query`, from {@link PairKeys}) equals it. */
const OVERFLOW_KEY = OVERFLOW_QUERY;

/** Options of {@link BottleneckAggregator}. */
export interface BottleneckAggregatorOptions {
  /**
   * Window lengths in seconds (use the AnalysisState's, so figures line up).
   * @default [60, 300, 900]
   */
  windowsSeconds?: readonly number[];
  /**
   * Width of one time slot: the windows' edge granularity.
   * @default the shortest window ÷ 4, at most 15
   */
  slotSeconds?: number;
  /**
   * Window the suggestions are computed over.
   * @default 300 when configured, else the shortest window
   */
  suggestionWindowSeconds?: number;
  /**
   * Most (service, query name) pairs tracked; traces of further pairs go to one overflow entry (counted).
   * @default 500
   */
  maxQueries?: number;
  /**
   * Most stage/source keys and suggestion subjects per query and slot; more go to `(other)` (counted).
   * @default 100
   */
  maxKeysPerQuery?: number;
  /**
   * A query without traces for this long is forgotten.
   * @default twice the longest window, at least 3600
   */
  idleExpirySeconds?: number;
  /** Trace analyzer options. */
  analyzer?: TraceAnalyzerOptions;
  /** Suggestion thresholds. */
  suggestions?: SuggestionEngineOptions;
  /**
   * Statement series to cite a dominating source's slowest statements, e.g.
   * `() => analysisState.snapshot().statements`.
   * @default none: suggestions cite no statements
   */
  statements?: () => readonly StatementSeriesSnapshot[];
  /**
   * Time source.
   * @default the system clock
   */
  clock?: Clock;
  /** Called with every analysis, without its span timings (e.g. to keep exemplars); must not throw. */
  onAnalysis?: (analysis: TraceAnalysis) => void;
}

/** One tracked query: its service, its name and its windows. */
interface TrackedQuery {
  readonly service: string;
  readonly queryName: string;
  readonly window: BottleneckWindow;
}

/**
 * Aggregates trace analyses per (service, federated query name) over the analysis windows — the
 * service of the trace's query root span, so a trace whose source calls are made by other
 * services counts once, for its root's service: for each stage
 * and source, how often it is the bottleneck and its mean share of critical-path time; fan-out
 * efficiency, skew and queueing; cache and row totals; and the ranked {@link Suggestion}s.
 *
 * An {@link AssembledTraceSink}: give it to the {@link TraceAssembler}. Analysis runs once per
 * federated query when its trace completes; reads (snapshot, metrics) merge a few slots.
 */
export class BottleneckAggregator implements AssembledTraceSink {
  /** Window lengths in seconds, shortest first. */
  readonly windowsSeconds: readonly number[];
  /** The window suggestions are computed over. */
  readonly suggestionWindowSeconds: number;
  private readonly slotMs: number;
  private readonly slotCount: number;
  private readonly maxQueries: number;
  private readonly maxKeys: number;
  private readonly idleExpiryMs: number;
  private readonly clock: Clock;
  private readonly analyzer: TraceAnalyzer;
  private readonly engine: SuggestionEngine;
  private readonly statements: (() => readonly StatementSeriesSnapshot[]) | undefined;
  private readonly onAnalysis: ((analysis: TraceAnalysis) => void) | undefined;
  /** Keyed by the (service, query) key of {@link BottleneckAggregator.queryKeys}. */
  private readonly queries = new Map<string, TrackedQuery>();
  /** The latest trace of each query, analysed again with its span timings when asked for. */
  private readonly latest = new Map<string, AssembledTrace>();
  /**
   * The (service, query) keys (`service\0query`), the same string for the same pair each time: its
   * hash is kept, none is built per trace.
   */
  private readonly queryKeys: PairKeys;
  private overflowQueries = 0;
  private analysed = 0;
  private failures = 0;

  /** @param options - windows, bounds, thresholds, clock */
  constructor(options: BottleneckAggregatorOptions = {}) {
    this.windowsSeconds = [...(options.windowsSeconds ?? [60, 300, 900])].sort((a, b) => a - b);
    const shortest = this.windowsSeconds[0] ?? 60;
    const longest = this.windowsSeconds[this.windowsSeconds.length - 1] ?? 900;
    const slotSeconds = options.slotSeconds ?? Math.min(15, shortest / 4);
    if (!(slotSeconds > 0) || slotSeconds > shortest) throw new RangeError(`slotSeconds must be in (0, ${shortest}], got ${slotSeconds}`);
    this.slotMs = slotSeconds * 1000;
    this.slotCount = Math.ceil(longest / slotSeconds) + 1;
    this.suggestionWindowSeconds = options.suggestionWindowSeconds ?? (this.windowsSeconds.includes(300) ? 300 : shortest);
    this.maxQueries = options.maxQueries ?? 500;
    this.queryKeys = new PairKeys(2 * this.maxQueries);
    this.maxKeys = options.maxKeysPerQuery ?? 100;
    this.idleExpiryMs = (options.idleExpirySeconds ?? Math.max(3600, longest * 2)) * 1000;
    this.clock = options.clock ?? new SystemClock();
    this.analyzer = new TraceAnalyzer(options.analyzer);
    this.engine = new SuggestionEngine({ mergeStages: options.analyzer?.mergeStages, ...options.suggestions });
    this.statements = options.statements;
    this.onAnalysis = options.onAnalysis;
  }

  /** Analyses one assembled trace and adds it to its query's windows. Never throws. */
  recordTrace(trace: AssembledTrace): void {
    try {
      const analysis = this.analyzer.analyze(trace, false);
      this.analysed++;
      const now = this.clock.now();
      const key = this.queryKeys.key(analysis.service, analysis.queryName);
      this.trackedAt(key, analysis, now).window.record(analysis, now);
      if (this.latest.has(key) || this.latest.size < this.maxQueries) this.latest.set(key, trace);
      this.onAnalysis?.(analysis);
    } catch (error) {
      this.failures++;
      fedscopeLog.error('trace analysis failed', error);
    }
  }

  /**
   * The analysis of a query's latest trace with its span timings (self times, critical path), for
   * drill-down: analysed again on each call.
   * @param queryName - the federated query
   * @param service - `service.name` of its root span
   */
  lastAnalysis(queryName: string, service: string): TraceAnalysis | undefined {
    const trace = this.latest.get(this.queryKeys.key(service, queryName));
    return trace === undefined ? undefined : this.analyzer.analyze(trace);
  }

  /**
   * Sources seen on a query's critical paths within the longest window (whichever service called them).
   * @param queryName - the federated query
   * @param service - `service.name` of its root span
   * @param nowMs - end of the window @default the clock's now
   */
  sourcesOf(queryName: string, service: string, nowMs: number = this.clock.now()): string[] {
    const tracked = this.queries.get(this.queryKeys.key(service, queryName));
    if (tracked === undefined) return [];
    return sourceNames(tracked.window.totals(this.longestWindowMs(), nowMs));
  }

  /** Traces analysed, analyses that failed. */
  counters(): { analysed: number; failed: number; overflowQueries: number } {
    return { analysed: this.analysed, failed: this.failures, overflowQueries: this.overflowQueries };
  }

  /** Ranked suggestions of every query over the suggestion window. */
  suggestions(): Suggestion[] {
    return this.snapshot().suggestions;
  }

  /** Every query's windows and suggestions; also forgets idle queries. */
  snapshot(): BottleneckSnapshot {
    const now = this.clock.now();
    for (const [key, tracked] of this.queries) {
      if (now - tracked.window.lastUpdateMs > this.idleExpiryMs) {
        this.queries.delete(key);
        this.latest.delete(key);
      }
    }
    const statements = this.statements !== undefined ? safe(this.statements) : [];
    const queries: QueryBottleneckSnapshot[] = [];
    let keyOverflow = 0;
    const longestMs = this.longestWindowMs();
    for (const [key, { service, queryName, window }] of this.queries) {
      keyOverflow += window.overflowed;
      const windows = this.windowsSeconds.map((seconds) => windowSnapshot(seconds, window.totals(seconds * 1000, now)));
      const suggestions =
        key === OVERFLOW_KEY
          ? []
          : this.engine.suggest(service, queryName, window.totals(this.suggestionWindowSeconds * 1000, now), statements);
      queries.push({ service, queryName, windows, suggestions, sources: sourceNames(window.totals(longestMs, now)) });
    }
    return {
      generatedAt: new Date().toISOString(),
      windowsSeconds: [...this.windowsSeconds],
      suggestionWindowSeconds: this.suggestionWindowSeconds,
      queries,
      suggestions: queries.flatMap((q) => q.suggestions).sort((a, b) => b.estimatedSavingMs - a.estimatedSavingMs),
      overflow: { queries: this.overflowQueries, keys: keyOverflow },
    };
  }

  /** The entry of `key` (the analysis' service and query), created while fewer than `maxQueries` are tracked, else the overflow entry. */
  private trackedAt(key: string, analysis: TraceAnalysis, now: number): TrackedQuery {
    let tracked = this.queries.get(key);
    if (tracked !== undefined) return tracked;
    let service = analysis.service;
    let queryName = analysis.queryName;
    if (this.queries.size >= this.maxQueries) {
      this.overflowQueries++;
      key = OVERFLOW_KEY;
      tracked = this.queries.get(key);
      if (tracked !== undefined) return tracked;
      service = '';
      queryName = OVERFLOW_QUERY;
    }
    tracked = { service, queryName, window: new BottleneckWindow(this.slotMs, this.slotCount, this.maxKeys, now) };
    this.queries.set(key, tracked);
    return tracked;
  }

  private longestWindowMs(): number {
    return (this.windowsSeconds[this.windowsSeconds.length - 1] ?? 900) * 1000;
  }
}

/** Names of the sources in `t`. */
function sourceNames(t: WindowTotals): string[] {
  return [...t.keys.values()].filter((k) => k.kind === 'source').map((k) => k.name);
}

function windowSnapshot(windowSeconds: number, t: WindowTotals): QueryBottleneckWindow {
  const entries = (kind: 'stage' | 'source'): BottleneckEntry[] =>
    [...t.keys.values()]
      .filter((k) => k.kind === kind)
      .map((k) => ({
        kind,
        name: k.name,
        bottleneckRatio: t.traces > 0 ? k.bottleneck / t.traces : 0,
        meanShare: t.traces > 0 ? k.share / t.traces : 0,
        meanCriticalMs: t.traces > 0 ? k.criticalMs / t.traces : 0,
        traces: k.traces,
      }))
      .sort((a, b) => b.meanShare - a.meanShare);
  const g = t.fanOutGroups;
  return {
    windowSeconds,
    traces: t.traces,
    meanDurationMs: t.traces > 0 ? t.durationMs / t.traces : null,
    stages: entries('stage'),
    sources: entries('source'),
    fanOut: {
      groups: g,
      meanEfficiency: g > 0 ? t.efficiencySum / g : null,
      meanSkew: g > 0 ? t.skewSum / g : null,
      meanQueueMs: g > 0 ? t.queueSum / g : null,
    },
    cache: { lookups: t.cacheLookups, hits: t.cacheHits, hitRatio: t.cacheLookups > 0 ? t.cacheHits / t.cacheLookups : null },
    rows: { fetched: t.rowsFetched, returned: t.rowsReturned, traces: t.rowsTraces },
  };
}

function safe(read: () => readonly StatementSeriesSnapshot[]): readonly StatementSeriesSnapshot[] {
  try {
    return read();
  } catch (error) {
    fedscopeLog.warn('statement snapshot for suggestions failed', error);
    return [];
  }
}
