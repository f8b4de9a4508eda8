/** Interfaces of the health score. Ratios in [0, 1], latencies in ms; `null` = no data. */

/** What a score is about. */
export type HealthScope = 'overall' | 'query' | 'source';

/** Circuit-breaker states, as a runtime publishes them (see `src/span-model/breaker-states.ts`). */
export type { BreakerState } from '../../src/span-model/breaker-states.js';
import type { BreakerState } from '../../src/span-model/breaker-states.js';

/**
 * Names of the score's components. `availability` caps a score at its success ratio × 100;
 * `queries` (overall only) brings the overall score down to what the queries' own scores allow.
 */
export type HealthComponentName =
  'latency' | 'errors' | 'cpu' | 'memory' | 'event_loop' | 'cache' | 'breakers' | 'availability' | 'queries';

/**
 * One component's rule: no deduction up to `objective`, the full `weight` from `limit` on, linear
 * in between. For the cache hit ratio `limit` < `objective` (lower is worse).
 */
export interface HealthRule {
  /** Points deducted at or past the limit. */
  weight: number;
  /** Where deductions start. */
  objective: number;
  /** Where the full weight is deducted. */
  limit: number;
}

/** The rules of every component; see {@link HealthScorer} for the defaults. */
export interface HealthObjectives {
  /**
   * Latency: the value is p95 ÷ the latency objective (`latencyP95Ms`), so `objective` 1 and
   * `limit` 2 mean "from the objective to twice it".
   * @default { weight: 20, objective: 1, limit: 2 }
   */
  latency: HealthRule;
  /**
   * p95 latency objective, ms (per query or source: see `HealthScorerOptions.latencyObjectivesMs`).
   * @default 100
   */
  latencyP95Ms: number;
  /** @default { weight: 30, objective: 0.01, limit: 0.05 } */
  errors: HealthRule;
  /** @default { weight: 15, objective: 0.7, limit: 0.8 } */
  cpu: HealthRule;
  /** @default { weight: 25, objective: 0.8, limit: 0.9 } */
  memory: HealthRule;
  /** Event-loop delay p99, ms. @default { weight: 15, objective: 50, limit: 200 } */
  eventLoop: HealthRule;
  /** Cache hit ratio (lower is worse). @default { weight: 10, objective: 0.7, limit: 0.4 } */
  cache: HealthRule;
  /**
   * Circuit breakers: `weight` for an open breaker, `weight × halfOpenFactor` for a half-open one
   * (a source's own breaker; for a query, the worst of its sources; overall, weighted by the
   * share of breakers not closed).
   * @default { weight: 30, halfOpenFactor: 0.5 }
   */
  breakers: { weight: number; halfOpenFactor: number };
  /**
   * How the overall score follows the queries' scores: it is at most their traffic-weighted mean,
   * and at most the worst busy query's score + `worstQueryMargin` (a query counts as busy with at
   * least `worstQueryMinCount` calls in the window, so one stray failure does not move it).
   * @default { worstQueryMargin: 60, worstQueryMinCount: 5 }
   */
  overall: { worstQueryMargin: number; worstQueryMinCount: number };
}

/** What one score is computed from. */
export interface HealthInputs {
  /** p95 latency, ms. */
  p95Ms: number | null;
  /** Latency objective for this scope, ms (defaults to `latencyP95Ms`). */
  latencyObjectiveMs?: number;
  errorRate: number | null;
  cacheHitRatio: number | null;
  cpuUtilization: number | null;
  memoryUtilization: number | null;
  eventLoopDelayP99Ms: number | null;
  /** Breakers that bear on the scope (name → state). */
  breakers: ReadonlyArray<{ name: string; state: BreakerState }>;
  /**
   * Overall only: the scores of the queries and their calls in the window, for the `queries`
   * component (see {@link HealthObjectives.overall}).
   */
  queries?: ReadonlyArray<{ name: string; score: number; count: number }>;
}

/** One component of a score. */
export interface HealthComponent {
  name: HealthComponentName;
  /** The measured value (latency: p95 ms), null without data. */
  value: number | null;
  /** Where deductions start and where the full weight applies (latency: ms). */
  objective: number;
  limit: number;
  weight: number;
  /** Points taken off (0 … weight). */
  deduction: number;
  /** `ok` (no deduction), `degraded` (part of the weight), `bad` (all of it), `no_data`. */
  status: 'ok' | 'degraded' | 'bad' | 'no_data';
}

/** A 0–100 score that explains itself. */
export interface HealthScore {
  /** What the score is about: everything together, one query or one source. */
  scope: HealthScope;
  /** Query or source name; `overall` for the overall score. */
  name: string;
  /**
   * What identifies the scored series, `service` first: `{ service, query }` for a query,
   * `{ service, source }` for a source (the service that ran the query or made the calls), `{}`
   * overall. A source known only through its circuit breaker has no service: `{ source }`.
   */
  labels: Record<string, string>;
  /** 100 − Σ deductions, floored at 0, one decimal. */
  score: number;
  /** Every component with its value, objective and deduction (also those that took nothing off). */
  components: HealthComponent[];
  /** One sentence per component that took points off, quoting the numbers. */
  reasons: string[];
}

/**
 * The health score overall, per query and per source: what `handle.health()` and
 * `pipeline.healthReport()` return and `/fedscope/health.json` serves.
 */
export interface HealthSnapshot {
  /** When the snapshot was taken (ISO 8601). */
  generatedAt: string;
  /** The analysis window the latency, error and cache figures come from. */
  windowSeconds: number;
  /** The service as a whole. */
  overall: HealthScore;
  /** Per (service, federated query name). */
  queries: HealthScore[];
  /** Per (service, source). */
  sources: HealthScore[];
}

/** What the health score reads about saturation. */
export interface SaturationSample {
  /** Host CPU busy ratio (all cores). */
  cpuUtilization: number | null;
  /** Host memory in use ÷ total (`used − buffers/cache`, i.e. `total − available`). */
  memoryUtilization: number | null;
  /** 99th percentile event-loop delay over the last interval, ms. */
  eventLoopDelayP99Ms: number | null;
}
