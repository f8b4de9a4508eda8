import type { StatementSeriesSnapshot } from '../analysis/snapshot-types.js';
import type { WindowTotals } from './bottleneck-window.js';
import { OTHER_KEY } from './bottleneck-window.js';
import type { EvidenceValue, Suggestion, SuggestionKind } from './types.js';

/** Thresholds of {@link SuggestionEngine}. */
export interface SuggestionEngineOptions {
  /**
   * Fewest traces in the window before any suggestion is made.
   * @default 5
   */
  minTraces?: number;
  /**
   * Fewest critical-path ms per execution a suggestion must save.
   * @default 1
   */
  minSavingMs?: number;
  /**
   * Per-trace findings (parallelise, overfetching, retries, timeouts, pool waits) must show in
   * at least this share of the window's traces.
   * @default 0.25
   */
  minOccurrence?: number;
  /**
   * A source "dominates" from this mean share of critical-path time.
   * @default 0.5
   */
  dominantSourceShare?: number;
  /**
   * The merge stage "dominates" from this mean share of critical-path time.
   * @default 0.3
   */
  dominantMergeShare?: number;
  /**
   * Names of merge stages.
   * @default ['merge', 'join', 'aggregate']
   */
  mergeStages?: readonly string[];
  /**
   * Retries, timeouts, pool waits count from this mean share of the query's duration.
   * @default { retries: 0.2, timeouts: 0.2, pool: 0.1 }
   */
  markerShares?: { retries?: number; timeouts?: number; pool?: number };
  /**
   * Cache hit ratio under which cache lookups are reported, and the fewest lookups.
   * @default { below: 0.5, minLookups: 10, target: 0.8 }
   */
  cache?: { below?: number; minLookups?: number; target?: number };
  /**
   * For a dominating source or merge stage, the share of its critical-path time a fix is assumed
   * to remove (a 2× faster statement or merge).
   * @default 0.5
   */
  improvementFactor?: number;
  /**
   * Slowest statements cited per dominating source.
   * @default 3
   */
  statementsCited?: number;
  /**
   * A dominating merge is rows-bound from this many rows reaching it per execution (mean), else
   * SQL-bound. Measured on the development machine, the SQL merge of two four-column parts costs
   * about 7.6 ms fixed (temp tables, statement) plus about 0.7 µs per row: 10 000 rows are where
   * moving rows starts to cost as much as the merge's own work. Below that, a merge that
   * dominates does so through its SQL and fixed cost, not through the rows it receives.
   * @default 10000
   */
  mergeRowsBound?: number;
}

/**
 * Turns a federated query's windowed analysis totals into suggestions ranked by the critical-path
 * time each would remove per execution. Rules (every figure over the window):
 *
 * - `parallelize_parts`, `overfetching`, `retries_dominate`, `timeouts_dominate`, `pool_wait`:
 *   found per trace by the TraceAnalyzer; reported when seen in ≥ `minOccurrence` of the traces
 *   (retries, timeouts and pool waits also need their share of those executions' duration).
 *   Evidence and message quote means over the executions that showed it; the ranking saving
 *   (`estimatedSavingMs`) = Σ per-trace saving ÷ all traces.
 * - `source_dominates`: mean critical-path share ≥ `dominantSourceShare`; saving =
 *   `improvementFactor` × its mean critical-path ms; cites its slowest statements (p95).
 * - `merge_dominates`: the merge stages' mean share ≥ `dominantMergeShare`; saving =
 *   `improvementFactor` × their mean critical-path ms. Rows-bound when ≥ `mergeRowsBound` rows
 *   reach the merge per execution (advice: push aggregation and filters down), SQL-bound below
 *   (advice: simplify the merge SQL or materialise its inputs), `unknown` without row counts.
 * - `low_cache_hit_ratio`: hit ratio < `cache.below` over ≥ `cache.minLookups` lookups; saving =
 *   mean critical-path ms of the parts that missed × the share of misses that reaching
 *   `cache.target` would turn into hits.
 */
export class SuggestionEngine {
  private readonly minTraces: number;
  private readonly minSavingMs: number;
  private readonly minOccurrence: number;
  private readonly dominantSourceShare: number;
  private readonly dominantMergeShare: number;
  private readonly mergeStages: ReadonlySet<string>;
  private readonly markerShares: { retries: number; timeouts: number; pool: number };
  private readonly cache: { below: number; minLookups: number; target: number };
  private readonly improvementFactor: number;
  private readonly statementsCited: number;
  private readonly mergeRowsBound: number;

  /** @param options - thresholds */
  constructor(options: SuggestionEngineOptions = {}) {
    this.minTraces = options.minTraces ?? 5;
    this.minSavingMs = options.minSavingMs ?? 1;
    this.minOccurrence = options.minOccurrence ?? 0.25;
    this.dominantSourceShare = options.dominantSourceShare ?? 0.5;
    this.dominantMergeShare = options.dominantMergeShare ?? 0.3;
    this.mergeStages = new Set(options.mergeStages ?? ['merge', 'join', 'aggregate']);
    this.markerShares = { retries: 0.2, timeouts: 0.2, pool: 0.1, ...options.markerShares };
    this.cache = { below: 0.5, minLookups: 10, target: 0.8, ...options.cache };
    this.improvementFactor = options.improvementFactor ?? 0.5;
    this.statementsCited = options.statementsCited ?? 3;
    this.mergeRowsBound = options.mergeRowsBound ?? 10_000;
  }

  /**
   * Suggestions for one query, largest saving first.
   * @param service - `service.name` of the query's root spans
   * @param queryName - the federated query
   * @param t - its totals over the suggestion window
   * @param statements - statement series (AnalysisState's snapshot), to cite a source's slowest
   */
  suggest(service: string, queryName: string, t: WindowTotals, statements: readonly StatementSeriesSnapshot[] = []): Suggestion[] {
    if (t.traces < this.minTraces) return [];
    const out: Suggestion[] = [];
    const traces = t.traces;
    const meanDuration = t.durationMs / traces;
    const push = (kind: SuggestionKind, subject: string, saving: number, evidence: { [key: string]: EvidenceValue }, message: string) => {
      if (saving >= this.minSavingMs)
        out.push({ kind, service, queryName, subject, estimatedSavingMs: round(saving), evidence: { traces, ...evidence }, message });
    };

    for (const c of t.candidates.values()) {
      const occurrence = c.count / traces;
      if (occurrence < this.minOccurrence) continue;
      // Every figure quoted below is a mean over the c.count executions that showed the finding.
      const n = c.count;
      const mean = (key: string) => (c.figures[key] ?? 0) / n;
      const saving = c.savingMs / n;
      const duration = c.durationMs / n;
      const share = c.durationMs > 0 ? c.savingMs / c.durationMs : 0;
      const seen = `in ${n} of ${traces} executions (${pct(occurrence)})`;
      const figures: { [key: string]: EvidenceValue } = {};
      for (const key in c.figures) figures[key] = round(mean(key));
      const ev = {
        executions: n,
        occurrence: round(occurrence, 4),
        meanDurationMs: round(duration),
        meanSavingMs: round(saving),
        ...figures,
        example: c.evidence,
      };
      // Ranked by the saving per execution over the whole window.
      const perExecution = c.savingMs / traces;
      switch (c.kind) {
        case 'parallelize_parts':
          push(
            c.kind,
            c.subject,
            perExecution,
            ev,
            `${queryName}: ${c.subject} ran one after another ${seen}; in those, they took ${round(mean('wallMs'))} ms where running them concurrently would take ${round(mean('parallelWallMs'))} ms. Run them in parallel to save about ${round(saving)} ms of critical path each time, or, if one needs another's results, declare it (dependsOn in the federation runtime, the federation.depends_on span attribute elsewhere).`,
          );
          break;
        case 'overfetching': {
          const fetched = mean('rowsFetched');
          const returned = mean('rowsReturned');
          push(
            c.kind,
            c.subject,
            perExecution,
            { ...ev, returnedRatio: fetched > 0 ? round(returned / fetched, 4) : null },
            `${queryName}: ${seen}, the parts delivered ${round(fetched, 1)} rows for ${round(returned, 1)} returned (${pct(fetched > 0 ? returned / fetched : 0)} kept); push filters and projections down to the sources to save about ${round(saving)} ms of the ${round(duration)} ms each time.`,
          );
          break;
        }
        case 'retries_dominate':
          if (share >= this.markerShares.retries)
            push(
              c.kind,
              c.subject,
              perExecution,
              { ...ev, share: round(share, 4) },
              `${queryName}: ${seen}, source ${c.subject} failed and was retried (retries per execution: ${round(mean('retries'), 2)}); the failed attempts and backoff took ${round(saving)} of ${round(duration)} ms (${pct(share)} of the critical path). Fix the failures behind the retries (the source's errors), or retry sooner or less often (retry.baseDelayMs, retry.maxAttempts).`,
            );
          break;
        case 'timeouts_dominate':
          if (share >= this.markerShares.timeouts)
            push(
              c.kind,
              c.subject,
              perExecution,
              { ...ev, share: round(share, 4) },
              `${queryName}: ${seen}, calls that timed out took ${round(saving)} of ${round(duration)} ms (${pct(share)} of the critical path); lower the timeout, fail fast or fix the slow source.`,
            );
          break;
        case 'pool_wait':
          if (share >= this.markerShares.pool)
            push(
              c.kind,
              c.subject,
              perExecution,
              { ...ev, share: round(share, 4) },
              `${queryName}: ${seen}, waiting for a pool connection took ${round(saving)} of ${round(duration)} ms (${pct(share)} of the critical path); grow the pool or hold connections for less time.`,
            );
          break;
        default:
          break;
      }
    }

    let mergeMs = 0;
    let mergeShare = 0;
    for (const k of t.keys.values()) {
      if (k.name === OTHER_KEY) continue;
      const meanShare = k.share / traces;
      const meanMs = k.criticalMs / traces;
      if (k.kind === 'source' && meanShare >= this.dominantSourceShare) {
        // Any service's statements on the source: the query's source calls may be made by services other than its root's.
        const slowest = statements
          .filter((s) => s.labels['source'] === k.name)
          .map((s) => ({
            fingerprint: s.labels['fingerprint'] ?? '',
            statement: s.statement ?? null,
            p95Ms: s.windows[0]?.p95 ?? s.sinceStart.p95,
            count: s.sinceStart.count,
          }))
          .sort((a, b) => (b.p95Ms ?? -1) - (a.p95Ms ?? -1))
          .slice(0, this.statementsCited)
          .map((s) => ({ ...s, p95Ms: s.p95Ms === null ? null : round(s.p95Ms) }));
        const cited =
          slowest.length > 0
            ? ` Slowest statements: ${slowest.map((s) => `${s.statement ?? s.fingerprint} (p95 ${s.p95Ms ?? '?'} ms)`).join('; ')}.`
            : '';
        push(
          'source_dominates',
          k.name,
          meanMs * this.improvementFactor,
          {
            meanDurationMs: round(meanDuration),
            source: k.name,
            meanShare: round(meanShare, 4),
            meanCriticalMs: round(meanMs),
            bottleneckRatio: round(k.bottleneck / traces, 4),
            slowestStatements: slowest,
          },
          `${queryName}: source ${k.name} holds ${pct(meanShare)} of the critical path (${round(meanMs)} ms per execution, the bottleneck in ${pct(k.bottleneck / traces)} of executions); tune its statements (indexes, narrower projections) or cache its results.${cited}`,
        );
      }
      if (k.kind === 'stage' && this.mergeStages.has(k.name)) {
        mergeMs += meanMs;
        mergeShare += meanShare;
      }
    }
    if (mergeShare >= this.dominantMergeShare)
      push('merge_dominates', 'merge', mergeMs * this.improvementFactor, ...this.mergeAdvice(queryName, t, mergeShare, mergeMs));

    if (t.cacheLookups >= this.cache.minLookups) {
      const ratio = t.cacheHits / t.cacheLookups;
      if (ratio < this.cache.below) {
        const convertible = Math.max(0, (this.cache.target - ratio) / (1 - ratio));
        const saving = (t.cacheMissCriticalMs / traces) * convertible;
        push(
          'low_cache_hit_ratio',
          'cache',
          saving,
          {
            meanDurationMs: round(meanDuration),
            lookups: t.cacheLookups,
            hits: t.cacheHits,
            hitRatio: round(ratio, 4),
            targetHitRatio: this.cache.target,
            missCriticalMs: round(t.cacheMissCriticalMs / traces),
          },
          `${queryName}: only ${pct(ratio)} of ${t.cacheLookups} cache lookups hit; parts fetched after a miss take ${round(t.cacheMissCriticalMs / traces)} ms of the critical path per execution. Raise the TTL or cache size, or cache the repeated parts, to reach ${pct(this.cache.target)}.`,
        );
      }
    }
    return out.sort((a, b) => b.estimatedSavingMs - a.estimatedSavingMs);
  }

  /**
   * Evidence and message of a dominating merge: rows-bound or SQL-bound by the mean rows that
   * reach it. Merge time and rows are means over the same executions when every trace reported
   * rows (the federation runtime's always do); otherwise the message says over how many.
   */
  private mergeAdvice(queryName: string, t: WindowTotals, share: number, ms: number): [{ [key: string]: EvidenceValue }, string] {
    const head = `${queryName}: merging takes ${pct(share)} of the critical path (${round(ms)} ms per execution over ${t.traces} executions)`;
    const base = {
      meanDurationMs: round(t.durationMs / t.traces),
      meanShare: round(share, 4),
      meanCriticalMs: round(ms),
      rowsBoundThreshold: this.mergeRowsBound,
    };
    if (t.rowsTraces === 0) {
      return [
        { ...base, bound: 'unknown' },
        `${head}; the parts reported no row counts, so whether the rows reaching it or the merge itself cost the time is unknown. Push aggregation down if many rows reach it, else simplify the merge.`,
      ];
    }
    const rowsIn = t.rowsFetched / t.rowsTraces;
    const rowsOut = t.rowsReturned / t.rowsTraces;
    const over = t.rowsTraces === t.traces ? '' : ` (rows known for ${t.rowsTraces} of them)`;
    const rows = { rowsTraces: t.rowsTraces, meanRowsIntoMerge: round(rowsIn, 1), meanRowsReturned: round(rowsOut, 1) };
    if (rowsIn >= this.mergeRowsBound) {
      return [
        { ...base, ...rows, bound: 'rows' },
        `${head}${over}, and ${round(rowsIn, 1)} rows reach it per execution for ${round(rowsOut, 1)} returned: it is rows-bound. Push aggregation and filters down to the sources so fewer rows reach the merge.`,
      ];
    }
    return [
      { ...base, ...rows, bound: 'sql' },
      `${head}${over}, yet only ${round(rowsIn, 1)} rows reach it per execution (under ${this.mergeRowsBound}): the merge SQL itself is the cost. Simplify it (fewer joins and sorts, selective conditions first, no row-multiplying joins), materialise what it computes, or, for a plain join or union, use a built-in merge (join, concat, orderedMerge), which skips the SQL engine's fixed cost.`,
    ];
  }
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
