import { SlidingWindowStats } from '../../src/stats/sliding-window-stats.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import type { Clock, SeriesSample, SeriesSummary } from '../../src/stats/types.js';
import { sharedStatementAnalyzer } from '../../src/sql/shared-statement-analyzer.js';
import { dialectForSystem } from '../../src/sql/sql-dialect.js';
import { DEFAULT_ANALYSIS_BOUNDS, type AnalysisOptions } from './analysis-options.js';
import { UNKNOWN_SERVICE, type ClassifiedSpan } from '../classified-span.js';
import type { ClassifiedSpanSink } from '../federation-span-processor.js';
import { KeyedSeries, OVERFLOW_LABEL, type SeriesEntry } from './keyed-series.js';
import { PairKeys } from './pair-keys.js';
import type { FedscopeSnapshot, LimitSnapshot, QuerySeriesSnapshot, SeriesSnapshot, StatementSeriesSnapshot } from './snapshot-types.js';
import { SlowTraceRing } from './slow-trace-ring.js';
import type { QuerySlowTraces } from './slow-trace-types.js';
import { StatementTable, type StatementEntry } from './statement-table.js';

/**
 * Options of {@link AnalysisState}: the windows and bounds users set through `startFedscope`'s
 * `analysis` option (every bound is configurable and every hit is counted), plus test seams.
 */
export interface AnalysisStateOptions extends AnalysisOptions {
  /**
   * Time source (a manual clock in tests).
   * @default the system clock
   */
  clock?: Clock;
  /**
   * Fingerprints a statement text for spans that carry no `federation.query.fingerprint`.
   * @default fedscope's cached SQL analyzer, in the dialect of the span's `db.system.name`
   */
  fingerprint?: (text: string, system: string | undefined) => { fingerprint: string; normalized: string };
}

/** A query-name series with its concurrency and its slowest traces. */
interface QueryEntry extends SeriesEntry {
  active: number;
  peak: number;
  /** Created with the first root span that has a trace id. */
  slowest: SlowTraceRing | undefined;
}

/** Key used for spans without a query name, stage or source: kept apart, never dropped silently. */
const UNKNOWN = '(unknown)';

/**
 * fedscope's derived state: sliding-window statistics per (service, federated query),
 * (service, query, stage), (service, source) and (service, source, statement fingerprint), plus
 * all queries of every service together; bounded in every dimension (the bounds count those
 * combinations). A query or stage series belongs to the service of its span; a source or statement
 * series to the service that made the call (`span.service`, {@link UNKNOWN_SERVICE} when unset). It is a {@link ClassifiedSpanSink}: give it to the FederationSpanProcessor.
 */
export class AnalysisState implements ClassifiedSpanSink {
  /** Window lengths in seconds, shortest first. */
  readonly windowsSeconds: readonly number[];
  private records = 0;
  private readonly clock: Clock;
  private readonly overall: QueryEntry;
  /** All federated queries of one service together (the overall series of each service). */
  private readonly services: KeyedSeries<QueryEntry>;
  private readonly queries: KeyedSeries<QueryEntry>;
  /** Keys of (service, query). */
  private readonly queryKeys: PairKeys;
  private readonly stages: KeyedSeries<SeriesEntry>;
  /** Keys of (query, stage), then of (service, that key). */
  private readonly queryStageKeys: PairKeys;
  private readonly stageKeys: PairKeys;
  private readonly sources: KeyedSeries<SeriesEntry>;
  /** Keys of (service, source): the source series' and the statement table's. */
  private readonly sourceKeys: PairKeys;
  private readonly statements: StatementTable;
  private readonly topN: number;
  /** The fingerprint of a statement text (spans that carry none). */
  private readonly fingerprintOf: (text: string, system: string | undefined) => string;
  /** The normalised text of a statement text, for a statement the table admits. */
  private readonly normalizedOf: (text: string, system: string | undefined) => string;
  /** Reused for every record: a stable object shape keeps the series' record path monomorphic. */
  private readonly sample: Required<SeriesSample> = {
    latencyMs: 0,
    error: false,
    rowsReturned: 0,
    cacheHit: undefined as unknown as boolean,
  };

  /** @param options - windows, bounds, clock */
  constructor(options: AnalysisStateOptions = {}) {
    this.windowsSeconds = [...(options.windowsSeconds ?? [60, 300, 900])].sort((a, b) => a - b);
    this.clock = options.clock ?? new SystemClock();
    const longest = this.windowsSeconds[this.windowsSeconds.length - 1] ?? 900;
    const idleExpiryMs = (options.idleExpirySeconds ?? Math.max(DEFAULT_ANALYSIS_BOUNDS.idleExpirySeconds, longest * 2)) * 1000;
    if (idleExpiryMs <= longest * 1000)
      throw new RangeError(`idleExpirySeconds (${idleExpiryMs / 1000}) must exceed the longest window (${longest})`);
    const newStats = () => new SlidingWindowStats({ windowsSeconds: this.windowsSeconds, clock: this.clock });
    const newQuery = (labels: Record<string, string>): QueryEntry => ({
      labels,
      stats: newStats(),
      active: 0,
      peak: 0,
      slowest: undefined,
    });
    const newSeries = (labels: Record<string, string>): SeriesEntry => ({ labels, stats: newStats() });
    this.overall = newQuery({});
    this.queries = new KeyedSeries(
      'series.query',
      positive('maxQueries', options.maxQueries ?? DEFAULT_ANALYSIS_BOUNDS.maxQueries),
      idleExpiryMs,
      newQuery,
    );
    // A service has at least one query: the query bound bounds the services too.
    this.services = new KeyedSeries('series.service', this.queries.limit, idleExpiryMs, newQuery);
    this.stages = new KeyedSeries(
      'series.stage',
      positive('maxStages', options.maxStages ?? DEFAULT_ANALYSIS_BOUNDS.maxStages),
      idleExpiryMs,
      newSeries,
    );
    this.queryKeys = new PairKeys(2 * this.queries.limit);
    this.queryStageKeys = new PairKeys(2 * this.stages.limit);
    this.stageKeys = new PairKeys(2 * this.stages.limit);
    this.sources = new KeyedSeries(
      'series.source',
      positive('maxSources', options.maxSources ?? DEFAULT_ANALYSIS_BOUNDS.maxSources),
      idleExpiryMs,
      newSeries,
    );
    this.statements = new StatementTable(
      positive('maxStatements', options.maxStatements ?? DEFAULT_ANALYSIS_BOUNDS.maxStatements),
      idleExpiryMs,
      newStats,
      (span) => (span.queryText !== undefined ? this.normalizedOf(span.queryText, span.system) : undefined),
    );
    // Statements are kept for sources past the source bound too: room for both tables' pairs.
    this.sourceKeys = new PairKeys(2 * Math.max(this.sources.limit, this.statements.limit));
    this.topN = options.topStatements ?? DEFAULT_ANALYSIS_BOUNDS.topStatements;
    const fingerprint = options.fingerprint;
    if (fingerprint !== undefined) {
      this.fingerprintOf = (text, system) => fingerprint(text, system).fingerprint;
      this.normalizedOf = (text, system) => fingerprint(text, system).normalized;
    } else {
      // Only the fingerprint per span: the analyzer computes the rest of a text's analysis (and
      // caches it) once the text comes back, and the normalised text when the table admits it.
      this.fingerprintOf = (text, system) => sharedStatementAnalyzer().fingerprint(text, dialectForSystem(system));
      this.normalizedOf = (text, system) => sharedStatementAnalyzer().analyze(text, dialectForSystem(system)).normalized;
    }
  }

  /** Counts a federated query of `service` that started (for concurrency now and peak). */
  queryStarted(queryName: string, service: string): void {
    started(this.queryEntry(service, queryName));
    started(this.serviceEntry(service));
    started(this.overall);
  }

  /** Counts a federated query of `service` that ended after {@link queryStarted}. */
  queryEnded(queryName: string, service: string): void {
    ended(this.queryEntry(service, queryName));
    ended(this.serviceEntry(service));
    ended(this.overall);
  }

  /** Spans recorded so far: a cheap way to tell whether a snapshot is still current. */
  get recordCount(): number {
    return this.records;
  }

  /**
   * Records one classified span into the series it belongs to.
   * @param nowMs - the time of recording @default the clock's now
   */
  record(span: ClassifiedSpan, nowMs?: number): void {
    if (span.role === 'other' || span.role === 'connection') return;
    this.records++;
    const now = nowMs ?? this.clock.now();
    const sample = this.sample;
    sample.latencyMs = span.durationMs;
    sample.error = span.error;
    sample.rowsReturned = span.rowsReturned ?? 0;
    sample.cacheHit = span.cacheHit as boolean;
    const service = span.service ?? UNKNOWN_SERVICE;
    switch (span.role) {
      case 'query': {
        this.overall.stats.record(sample, now);
        this.serviceEntry(service).stats.record(sample, now);
        const entry = this.queryEntry(service, span.queryName ?? UNKNOWN);
        entry.stats.record(sample, now);
        // The slow-trace exemplars ride on the query's series: no second lookup, the same bound and expiry.
        (entry.slowest ??= new SlowTraceRing()).offer(span, now);
        return;
      }
      case 'stage':
      case 'cache': {
        const query = span.queryName ?? UNKNOWN;
        const stage = span.stage ?? UNKNOWN;
        const key = this.stageKeys.key(service, this.queryStageKeys.key(query, stage));
        (this.stages.peek(key) ?? newEntry(this.stages, key, { service, query, stage })).stats.record(sample, now);
        return;
      }
      case 'source': {
        const source = span.source ?? UNKNOWN;
        const key = this.sourceKeys.key(service, source);
        (this.sources.peek(key) ?? newEntry(this.sources, key, { service, source })).stats.record(sample, now);
        this.recordStatement(span, key, service, source, sample, now);
        return;
      }
    }
  }

  /** The whole state as plain data; also drops idle series. */
  snapshot(): FedscopeSnapshot {
    const now = this.clock.now();
    this.expireIdle(now);
    const statements = this.statements.values().map((entry) => statementSnapshot(entry, entry.stats.summary(now)));
    const byShortP95 = (s: StatementSeriesSnapshot) => s.windows[0]?.p95 ?? -1;
    const totalTime = (s: StatementSeriesSnapshot) => (s.sinceStart.mean ?? 0) * s.sinceStart.count;
    return {
      generatedAt: new Date().toISOString(),
      windowsSeconds: [...this.windowsSeconds],
      overall: querySnapshot(this.overall, now),
      services: [...this.services.values()].map((entry) => querySnapshot(entry, now)),
      queries: [...this.queries.values()].map((entry) => querySnapshot(entry, now)),
      stages: [...this.stages.values()].map((entry) => seriesSnapshot(entry.labels, entry.stats.summary(now))),
      sources: [...this.sources.values()].map((entry) => seriesSnapshot(entry.labels, entry.stats.summary(now))),
      statements,
      topStatements: {
        slowestP95: top(statements, byShortP95, this.topN),
        mostTotalTime: top(statements, totalTime, this.topN),
        mostErrors: top(statements, (s) => s.sinceStart.errors, this.topN),
      },
      limits: this.limits(),
    };
  }

  /**
   * The slowest root spans of each query recorded in the last `windowSeconds` (60, 300 or 900),
   * `limit` per query, slowest first; the queries whose slowest is slowest first. Queries beyond
   * the bound share the overflow series (`service` `''`, `query` `~overflow`), counted in its limit.
   * @param service - only this service's queries, when given
   */
  slowTraces(windowSeconds: number, service: string | undefined, limit: number): QuerySlowTraces[] {
    const now = this.clock.now();
    const answer: QuerySlowTraces[] = [];
    for (const entry of this.queries.values()) {
      if (entry.slowest === undefined) continue;
      const overflow = entry.labels[OVERFLOW_LABEL] !== undefined;
      if (service !== undefined && (overflow || entry.labels['service'] !== service)) continue;
      const traces = entry.slowest.slowest(windowSeconds, now, limit);
      if (traces.length === 0) continue;
      answer.push({
        service: overflow ? '' : (entry.labels['service'] ?? UNKNOWN_SERVICE),
        query: overflow ? '~overflow' : (entry.labels['query'] ?? UNKNOWN),
        traces,
      });
    }
    return answer.sort((a, b) => b.traces[0]!.durationMs - a.traces[0]!.durationMs);
  }

  /** Each bound's state: limit, current size, overflowed, evicted and expired counts. */
  limits(): LimitSnapshot[] {
    return [
      this.queries.limitSnapshot(),
      this.stages.limitSnapshot(),
      this.sources.limitSnapshot(),
      this.statements.limitSnapshot(),
      this.services.limitSnapshot(),
    ];
  }

  /** Drops series idle past the expiry (snapshot() does this too). */
  expireIdle(nowMs: number = this.clock.now()): void {
    this.queries.expireIdle(nowMs);
    this.services.expireIdle(nowMs);
    this.stages.expireIdle(nowMs);
    this.sources.expireIdle(nowMs);
    this.statements.expireIdle(nowMs);
  }

  private serviceEntry(service: string): QueryEntry {
    return this.services.peek(service) ?? newEntry(this.services, service, { service });
  }

  private queryEntry(service: string, queryName: string): QueryEntry {
    const key = this.queryKeys.key(service, queryName);
    return this.queries.peek(key) ?? newEntry(this.queries, key, { service, query: queryName });
  }

  private recordStatement(
    span: ClassifiedSpan,
    sourceKey: string,
    service: string,
    source: string,
    sample: SeriesSample,
    now: number,
  ): void {
    let fingerprint = span.fingerprint;
    if (fingerprint === undefined) {
      if (span.queryText === undefined) return;
      fingerprint = this.fingerprintOf(span.queryText, span.system);
    }
    this.statements.get(sourceKey, service, source, fingerprint, span)?.stats.record(sample, now);
  }
}

/** One more query of the entry's running (its peak follows). */
function started(entry: QueryEntry): void {
  entry.active++;
  if (entry.active > entry.peak) entry.peak = entry.active;
}

/** One query of the entry's ended. */
function ended(entry: QueryEntry): void {
  if (entry.active > 0) entry.active--;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function seriesSnapshot(labels: Readonly<Record<string, string>>, summary: SeriesSummary): SeriesSnapshot {
  return {
    labels: { ...labels },
    windows: summary.windows,
    sinceStart: summary.sinceStart,
    lastUpdate: new Date(summary.lastUpdateMs ?? summary.createdAtMs).toISOString(),
  };
}

function querySnapshot(entry: QueryEntry, now: number): QuerySeriesSnapshot {
  return { ...seriesSnapshot(entry.labels, entry.stats.summary(now)), concurrency: { now: entry.active, peak: entry.peak } };
}

function statementSnapshot(entry: StatementEntry, summary: SeriesSummary): StatementSeriesSnapshot {
  return {
    ...seriesSnapshot({ service: entry.service, source: entry.source, fingerprint: entry.fingerprint }, summary),
    statement: entry.statement,
  };
}

function top<T>(items: readonly T[], score: (item: T) => number, n: number): T[] {
  return [...items].sort((a, b) => score(b) - score(a)).slice(0, n);
}

/**
 * The entry `series` creates for `key` (or its overflow entry), after a `peek` missed: the labels
 * are built only then, and no closure is built where the lookup happens (a function whose
 * variables a closure captures allocates them on every call, whether the closure is built or not:
 * a closure in `record` would cost an allocation per span).
 */
function newEntry<E extends SeriesEntry>(series: KeyedSeries<E>, key: string, labels: Record<string, string>): E {
  return series.get(key, () => labels);
}
