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
}

/**
 * Turns a federated query's windowed analysis totals into suggestions ranked by the critical-path
 * time each would remove per execution. Rules (every figure over the window):
 *
 * - `parallelize_parts`, `overfetching`, `retries_dominate`, `timeouts_dominate`, `pool_wait`:
 *   found per trace by the TraceAnalyzer; reported when seen in ≥ `minOccurrence` of the traces
 *   (markers also need their share); saving = Σ per-trace saving ÷ traces.
 * - `source_dominates`: mean critical-path share ≥ `dominantSourceShare`; saving =
 *   `improvementFactor` × its mean critical-path ms; cites its slowest statements (p95).
 * - `merge_dominates`: the merge stages' mean share ≥ `dominantMergeShare`; saving =
 *   `improvementFactor` × their mean critical-path ms.
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
  }

  /**
   * Suggestions for one query, largest saving first.
   * @param queryName - the federated query
   * @param t - its totals over the suggestion window
   * @param statements - statement series (AnalysisState's snapshot), to cite a source's slowest
   */
  suggest(queryName: string, t: WindowTotals, statements: readonly StatementSeriesSnapshot[] = []): Suggestion[] {
    if (t.traces < this.minTraces) return [];
    const out: Suggestion[] = [];
    const traces = t.traces;
    const meanDuration = t.durationMs / traces;
    const push = (kind: SuggestionKind, subject: string, saving: number, evidence: { [key: string]: EvidenceValue }, message: string) => {
      if (saving >= this.minSavingMs) out.push({ kind, queryName, subject, estimatedSavingMs: round(saving), evidence: { traces, meanDurationMs: round(meanDuration), ...evidence }, message });
    };

    for (const c of t.candidates.values()) {
      const occurrence = c.count / traces;
      if (occurrence < this.minOccurrence) continue;
      const saving = c.savingMs / traces;
      const share = meanDuration > 0 ? saving / meanDuration : 0;
      const ev = { ...c.evidence, occurrence: round(occurrence, 4), meanSavingMs: round(saving) };
      switch (c.kind) {
        case 'parallelize_parts':
          push(c.kind, c.subject, saving, ev,
            `${queryName}: ${c.subject} ran one after another in ${pct(occurrence)} of executions (${num(c.evidence['wallMs'])} ms instead of ${num(c.evidence['parallelWallMs'])} ms if run concurrently); run them in parallel (or declare federation.depends_on) to save about ${round(saving)} ms per execution.`);
          break;
        case 'overfetching':
          push(c.kind, c.subject, saving, ev,
            `${queryName}: sources returned ${num(c.evidence['rowsFetched'])} rows for ${num(c.evidence['rowsReturned'])} returned (${pct(num(c.evidence['returnedRatio']))} kept); push filters and projections down to the sources to save about ${round(saving)} ms per execution.`);
          break;
        case 'retries_dominate':
          if (share >= this.markerShares.retries)
            push(c.kind, c.subject, saving, { ...ev, share: round(share, 4) },
              `${queryName}: retried calls take ${pct(share)} of the critical path (${round(saving)} ms per execution); fix the failing calls behind the retries or tune backoff.`);
          break;
        case 'timeouts_dominate':
          if (share >= this.markerShares.timeouts)
            push(c.kind, c.subject, saving, { ...ev, share: round(share, 4) },
              `${queryName}: calls that timed out take ${pct(share)} of the critical path (${round(saving)} ms per execution); lower the timeout, fail fast or fix the slow source.`);
          break;
        case 'pool_wait':
          if (share >= this.markerShares.pool)
            push(c.kind, c.subject, saving, { ...ev, share: round(share, 4) },
              `${queryName}: waiting for a pool connection takes ${pct(share)} of the critical path (${round(saving)} ms per execution); grow the pool or hold connections for less time.`);
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
        const slowest = statements
          .filter((s) => s.labels['source'] === k.name)
          .map((s) => ({ fingerprint: s.labels['fingerprint'] ?? '', statement: s.statement ?? null, p95Ms: s.windows[0]?.p95 ?? s.sinceStart.p95, count: s.sinceStart.count }))
          .sort((a, b) => (b.p95Ms ?? -1) - (a.p95Ms ?? -1))
          .slice(0, this.statementsCited)
          .map((s) => ({ ...s, p95Ms: s.p95Ms === null ? null : round(s.p95Ms) }));
        const cited = slowest.length > 0 ? ` Slowest statements: ${slowest.map((s) => `${s.statement ?? s.fingerprint} (p95 ${s.p95Ms ?? '?'} ms)`).join('; ')}.` : '';
        push('source_dominates', k.name, meanMs * this.improvementFactor,
          { source: k.name, meanShare: round(meanShare, 4), meanCriticalMs: round(meanMs), bottleneckRatio: round(k.bottleneck / traces, 4), slowestStatements: slowest },
          `${queryName}: source ${k.name} holds ${pct(meanShare)} of the critical path (${round(meanMs)} ms per execution, the bottleneck in ${pct(k.bottleneck / traces)} of executions); tune its statements (indexes, narrower projections) or cache its results.${cited}`);
      }
      if (k.kind === 'stage' && this.mergeStages.has(k.name)) {
        mergeMs += meanMs;
        mergeShare += meanShare;
      }
    }
    if (mergeShare >= this.dominantMergeShare) {
      const rows: { [key: string]: EvidenceValue } = t.rowsFetched > 0 ? { rowsFetched: t.rowsFetched, rowsReturned: t.rowsReturned } : {};
      push('merge_dominates', 'merge', mergeMs * this.improvementFactor, { meanShare: round(mergeShare, 4), meanCriticalMs: round(mergeMs), ...rows },
        `${queryName}: merging takes ${pct(mergeShare)} of the critical path (${round(mergeMs)} ms per execution); push aggregation and filters down to the sources so fewer rows reach the merge.`);
    }

    if (t.cacheLookups >= this.cache.minLookups) {
      const ratio = t.cacheHits / t.cacheLookups;
      if (ratio < this.cache.below) {
        const convertible = Math.max(0, (this.cache.target - ratio) / (1 - ratio));
        const saving = (t.cacheMissCriticalMs / traces) * convertible;
        push('low_cache_hit_ratio', 'cache', saving,
          { lookups: t.cacheLookups, hits: t.cacheHits, hitRatio: round(ratio, 4), targetHitRatio: this.cache.target, missCriticalMs: round(t.cacheMissCriticalMs / traces) },
          `${queryName}: only ${pct(ratio)} of ${t.cacheLookups} cache lookups hit; parts fetched after a miss take ${round(t.cacheMissCriticalMs / traces)} ms of the critical path per execution. Raise the TTL or cache size, or cache the repeated parts, to reach ${pct(this.cache.target)}.`);
      }
    }
    return out.sort((a, b) => b.estimatedSavingMs - a.estimatedSavingMs);
  }
}

function num(value: EvidenceValue | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
