import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import type { FedscopeSnapshot, SeriesSnapshot, WindowSummary } from '../analysis/snapshot-types.js';
import type {
  BreakerState,
  HealthComponent,
  HealthInputs,
  HealthObjectives,
  HealthRule,
  HealthScope,
  HealthScore,
  HealthSnapshot,
  SaturationSample,
} from './types.js';

/** Options of {@link HealthScorer}. */
export interface HealthScorerOptions {
  /** Overrides of the default rules (merged per component). */
  objectives?: { [K in keyof HealthObjectives]?: HealthObjectives[K] extends number ? number : Partial<HealthObjectives[K]> };
  /**
   * p95 objectives per query or source name, ms.
   * @default every scope uses `objectives.latencyP95Ms`
   */
  latencyObjectivesMs?: { queries?: Record<string, number>; sources?: Record<string, number> };
  /**
   * The analysis state (or anything with its `snapshot()`), read by {@link HealthScorer.snapshot}.
   * @default none: latency, error and cache components have no data
   */
  analysis?: { snapshot(): FedscopeSnapshot };
  /**
   * Window (seconds) of the analysis snapshot to score.
   * @default the shortest window
   */
  windowSeconds?: number;
  /**
   * Current saturation (host CPU and memory, event-loop delay), e.g. from the system-metrics collectors.
   * @default none: saturation components have no data
   */
  saturation?: () => SaturationSample;
  /**
   * Circuit-breaker states per source name. `startFedscope` passes what the process's federation
   * runtimes publish (`publishedBreakerStates`) with what `health.breakers` reports.
   * @default none
   */
  breakers?: () => Record<string, BreakerState>;
  /**
   * Sources a query of a service uses (for its breaker component), e.g.
   * `(query, service) => bottlenecks.sourcesOf(query, service)`. They may be called from another
   * service (a trace spanning services); breakers are matched by source name alone.
   * @default none: queries are not charged for breakers
   */
  sourcesOfQuery?: (queryName: string, service: string) => readonly string[];
}

/** The default rules: the seed's thresholds (avg > 50 ms −20, errors > 5 % −30, CPU > 80 % −15, memory > 90 % −25, hit ratio < 70 % −10) made gradual. */
export const DEFAULT_HEALTH_OBJECTIVES: Readonly<HealthObjectives> = Object.freeze({
  latency: { weight: 20, objective: 1, limit: 2 },
  latencyP95Ms: 100,
  errors: { weight: 30, objective: 0.01, limit: 0.05 },
  cpu: { weight: 15, objective: 0.7, limit: 0.8 },
  memory: { weight: 25, objective: 0.8, limit: 0.9 },
  eventLoop: { weight: 15, objective: 50, limit: 200 },
  cache: { weight: 10, objective: 0.7, limit: 0.4 },
  breakers: { weight: 30, halfOpenFactor: 0.5 },
  overall: { worstQueryMargin: 60, worstQueryMinCount: 5 },
});

/**
 * A 0–100 health score per federated query, per source and overall, that explains itself.
 *
 * **Formula.** `score = max(0, 100 − Σ deductionᵢ)`, one decimal. Each component i has a weight
 * wᵢ, an objective oᵢ and a limit lᵢ; with its measured value x:
 * `deductionᵢ = wᵢ × clamp((x − oᵢ) ÷ (lᵢ − oᵢ), 0, 1)` (for the cache hit ratio, where lower is
 * worse, the same formula with lᵢ < oᵢ). A component without data deducts nothing and says so.
 *
 * | component | x | o → l (default) | w | scopes |
 * | --- | --- | --- | --- | --- |
 * | latency | p95 ÷ p95 objective (100 ms) | 1 → 2 | 20 | all |
 * | errors | error ratio | 1 % → 5 % | 30 | all |
 * | cpu | host CPU utilisation | 70 % → 80 % | 15 | overall, query |
 * | memory | host memory utilisation | 80 % → 90 % | 25 | overall, query |
 * | event_loop | event-loop delay p99 | 50 → 200 ms | 15 | overall, query |
 * | cache | cache hit ratio | 70 % → 40 % | 10 | overall, query |
 * | breakers | open = 1, half-open = 0.5 | — | 30 | source: its own; query: worst of its sources; overall: mean over breakers |
 *
 * Then two caps, each a component that deducts what the score still has above its bound (so the
 * score stays `100 − Σ deductions` and every point taken off is explained):
 *
 * - **availability** (every scope): `score ≤ 100 × (1 − error rate)`. Past 5 % errors the errors
 *   component is spent; without the cap a scope whose calls all fail would rest at 70.
 * - **queries** (overall only): with sᵢ the score of query i and nᵢ its calls in the window,
 *   `overall = min(direct, Σ nᵢ·sᵢ ÷ Σ nᵢ, min{sᵢ : nᵢ ≥ minCount} + margin)` where `direct` is the
 *   overall scope scored from the all-queries figures as above, `margin` 60 and `minCount` 5
 *   (`objectives.overall`). The traffic-weighted mean follows what most callers see; the worst
 *   busy query + margin keeps one broken query from hiding behind busy healthy ones.
 *
 * So with the default rules: every query failing (a required source down, its breaker open) scores
 * 0 overall; one of three equally busy queries failing while the other two are healthy scores
 * about 60 (worst 0 + 60, the direct score's 30 for errors and 10 for one breaker in three open
 * giving the same); healthy traffic scores 100.
 *
 * The weights and thresholds are the seed's `calculate_health_score` (average > 50 ms −20,
 * errors > 5 % −30, CPU > 80 % −15, memory > 90 % −25, hit ratio < 70 % −10), made gradual so
 * a score does not jump at one threshold, and with p95 instead of the mean.
 */
export class HealthScorer {
  /** The effective rules. */
  readonly objectives: HealthObjectives;
  private readonly options: HealthScorerOptions;

  /** @param options - rules, inputs */
  constructor(options: HealthScorerOptions = {}) {
    this.options = options;
    const o = options.objectives ?? {};
    const d = DEFAULT_HEALTH_OBJECTIVES;
    this.objectives = {
      latency: checked('latency', { ...d.latency, ...o.latency }),
      latencyP95Ms: o.latencyP95Ms ?? d.latencyP95Ms,
      errors: checked('errors', { ...d.errors, ...o.errors }),
      cpu: checked('cpu', { ...d.cpu, ...o.cpu }),
      memory: checked('memory', { ...d.memory, ...o.memory }),
      eventLoop: checked('eventLoop', { ...d.eventLoop, ...o.eventLoop }),
      cache: checked('cache', { ...d.cache, ...o.cache }),
      breakers: { ...d.breakers, ...o.breakers },
      overall: { ...d.overall, ...o.overall },
    };
    const { worstQueryMargin, worstQueryMinCount } = this.objectives.overall;
    if (!(worstQueryMargin >= 0) || !(worstQueryMinCount >= 1)) {
      throw new RangeError(
        `objectives.overall needs worstQueryMargin ≥ 0 and worstQueryMinCount ≥ 1, got ${JSON.stringify(this.objectives.overall)}`,
      );
    }
    if (!(this.objectives.latencyP95Ms > 0))
      throw new RangeError(`objectives.latencyP95Ms must be positive, got ${this.objectives.latencyP95Ms}`);
  }

  /**
   * Scores one scope from explicit inputs (pure: the snapshot uses it, tests call it). `service`
   * is the service of a query or source scope, for its labels.
   */
  score(scope: HealthScope, name: string, inputs: HealthInputs, service?: string): HealthScore {
    const o = this.objectives;
    const objectiveMs = inputs.latencyObjectiveMs ?? o.latencyP95Ms;
    const components: HealthComponent[] = [];
    const reasons: string[] = [];
    const add = (component: HealthComponent, reason: () => string) => {
      components.push(component);
      if (component.deduction > 0) reasons.push(`${reason()}: −${fmt(component.deduction)} of ${fmt(component.weight)}`);
    };

    const latency = inputs.p95Ms === null ? null : inputs.p95Ms / objectiveMs;
    add(
      {
        ...rated('latency', latency, o.latency),
        value: inputs.p95Ms,
        objective: objectiveMs * o.latency.objective,
        limit: objectiveMs * o.latency.limit,
      },
      () =>
        `p95 latency ${fmt(inputs.p95Ms ?? 0)} ms is ${fmt(latency ?? 0)}× the ${fmt(objectiveMs)} ms objective (full deduction at ${fmt(objectiveMs * o.latency.limit)} ms)`,
    );
    add(
      rated('errors', inputs.errorRate, o.errors),
      () => `error rate ${pct(inputs.errorRate ?? 0)} is above ${pct(o.errors.objective)} (full deduction at ${pct(o.errors.limit)})`,
    );
    if (scope !== 'source') {
      add(
        rated('cpu', inputs.cpuUtilization, o.cpu),
        () => `host CPU at ${pct(inputs.cpuUtilization ?? 0)} is above ${pct(o.cpu.objective)} (full deduction at ${pct(o.cpu.limit)})`,
      );
      add(
        rated('memory', inputs.memoryUtilization, o.memory),
        () =>
          `host memory at ${pct(inputs.memoryUtilization ?? 0)} is above ${pct(o.memory.objective)} (full deduction at ${pct(o.memory.limit)})`,
      );
      add(
        rated('event_loop', inputs.eventLoopDelayP99Ms, o.eventLoop),
        () =>
          `event-loop delay p99 ${fmt(inputs.eventLoopDelayP99Ms ?? 0)} ms is above ${fmt(o.eventLoop.objective)} ms (full deduction at ${fmt(o.eventLoop.limit)} ms)`,
      );
      add(
        rated('cache', inputs.cacheHitRatio, o.cache),
        () =>
          `cache hit ratio ${pct(inputs.cacheHitRatio ?? 0)} is below ${pct(o.cache.objective)} (full deduction at ${pct(o.cache.limit)})`,
      );
    }
    const breakers = this.breakerComponent(scope, inputs.breakers);
    add(breakers.component, () => breakers.reason);

    // The caps go last: each takes off what the score still has above its bound.
    const room = () => 100 - components.reduce((sum, c) => sum + c.deduction, 0);
    const availability = availabilityComponent(inputs.errorRate, room());
    add(
      availability,
      () => `only ${pct(availability.value ?? 0)} of calls succeeded, so the score is capped at ${fmt(100 * (availability.value ?? 0))}`,
    );
    if (scope === 'overall' && inputs.queries !== undefined) {
      const queries = this.queriesComponent(inputs.queries, room());
      if (queries !== undefined) add(queries.component, () => queries.reason);
    }

    const labels: Record<string, string> =
      scope === 'overall' ? {} : service === undefined ? { [scope]: name } : { service, [scope]: name };
    return { scope, name, labels, score: Math.max(0, Math.round(room() * 10) / 10), components, reasons };
  }

  /** Scores everything the analysis state knows, with the current saturation and breakers. */
  snapshot(): HealthSnapshot {
    const analysis = this.options.analysis?.snapshot();
    const windowsSeconds = analysis?.windowsSeconds ?? [60];
    const windowSeconds = this.options.windowSeconds ?? windowsSeconds[0] ?? 60;
    const w = Math.max(0, windowsSeconds.indexOf(windowSeconds));
    const saturation = read(this.options.saturation) ?? { cpuUtilization: null, memoryUtilization: null, eventLoopDelayP99Ms: null };
    const breakerStates = read(this.options.breakers) ?? {};
    const allBreakers = Object.entries(breakerStates).map(([name, state]) => ({ name, state }));
    const figures = (series: SeriesSnapshot | undefined): WindowSummary | undefined => series?.windows[w];
    const base = (f: WindowSummary | undefined) => ({
      p95Ms: f?.p95 ?? null,
      errorRate: f?.errorRate ?? null,
      cacheHitRatio: f?.cacheHitRatio ?? null,
      ...saturation,
    });

    const objectives = this.options.latencyObjectivesMs ?? {};
    const stages = analysis?.stages ?? [];
    // Series are per (service, name): a query or source name in two services scores twice.
    const queries = (analysis?.queries ?? []).map((q) => {
      const name = q.labels['query'] ?? '';
      const service = q.labels['service'];
      const f = figures(q);
      // A query whose root carries no cache attribute: use its cache stage's lookups (same service).
      const cacheStage =
        f?.cacheHitRatio == null
          ? figures(stages.find((s) => s.labels['service'] === service && s.labels['query'] === name && s.labels['stage'] === 'cache'))
          : undefined;
      const sources = new Set(service === undefined ? [] : (read(() => this.options.sourcesOfQuery?.(name, service)) ?? []));
      return this.score(
        'query',
        name,
        {
          ...base(f),
          cacheHitRatio: f?.cacheHitRatio ?? cacheStage?.cacheHitRatio ?? null,
          latencyObjectiveMs: objectives.queries?.[name],
          breakers: allBreakers.filter((b) => sources.has(b.name)),
        },
        service,
      );
    });
    const traffic = (analysis?.queries ?? []).map((q) => figures(q)?.count ?? 0);
    const sources = (analysis?.sources ?? []).map((s) => {
      const name = s.labels['source'] ?? '';
      return this.score(
        'source',
        name,
        {
          ...base(figures(s)),
          latencyObjectiveMs: objectives.sources?.[name],
          breakers: allBreakers.filter((b) => b.name === name),
        },
        s.labels['service'],
      );
    });
    // Sources known only through their breaker (in no service's calls) still get a score.
    for (const b of allBreakers) {
      if (!sources.some((s) => s.name === b.name))
        sources.push(this.score('source', b.name, { ...base(undefined), latencyObjectiveMs: objectives.sources?.[b.name], breakers: [b] }));
    }
    const overall = this.score('overall', 'overall', {
      ...base(figures(analysis?.overall)),
      breakers: allBreakers,
      queries: queries.map((q, i) => ({ name: q.name, score: q.score, count: traffic[i] ?? 0 })),
    });
    return { generatedAt: new Date().toISOString(), windowSeconds, overall, queries, sources };
  }

  /**
   * Overall only: what the queries' own scores allow — at most their traffic-weighted mean, and at
   * most the worst busy query's score + the margin. Undefined without queries that had calls.
   */
  private queriesComponent(
    queries: NonNullable<HealthInputs['queries']>,
    room: number,
  ): { component: HealthComponent; reason: string } | undefined {
    const { worstQueryMargin, worstQueryMinCount } = this.objectives.overall;
    let calls = 0;
    let weighted = 0;
    let worst: (typeof queries)[number] | undefined;
    for (const q of queries) {
      if (!(q.count > 0) || !Number.isFinite(q.score)) continue;
      calls += q.count;
      weighted += q.count * q.score;
      if (q.count >= worstQueryMinCount && (worst === undefined || q.score < worst.score)) worst = q;
    }
    if (calls === 0) return undefined;
    const mean = weighted / calls;
    const worstBound = worst === undefined ? Infinity : worst.score + worstQueryMargin;
    const bound = Math.min(mean, worstBound);
    const deduction = Math.max(0, Math.round((room - bound) * 10) / 10);
    const reason =
      worstBound < mean && worst !== undefined
        ? `query '${worst.name}' scores ${fmt(worst.score)}, and overall stays within ${fmt(worstQueryMargin)} points of the worst busy query`
        : `the queries' scores weighted by their calls average ${fmt(mean)}`;
    return {
      component: {
        name: 'queries',
        value: Math.round(bound * 10) / 10,
        objective: 100,
        limit: 0,
        weight: 100,
        deduction,
        status: deduction <= 0 ? 'ok' : bound <= 0 ? 'bad' : 'degraded',
      },
      reason,
    };
  }

  private breakerComponent(scope: HealthScope, breakers: HealthInputs['breakers']): { component: HealthComponent; reason: string } {
    const { weight, halfOpenFactor } = this.objectives.breakers;
    const open = breakers.filter((b) => b.state === 'open');
    const half = breakers.filter((b) => b.state === 'half_open');
    const level = (b: { state: BreakerState }) => (b.state === 'open' ? 1 : b.state === 'half_open' ? halfOpenFactor : 0);
    let value: number | null = null;
    if (breakers.length > 0) {
      // Overall: the share of breakers not closed; a query or a source: its worst breaker.
      value = scope === 'overall' ? breakers.reduce((sum, b) => sum + level(b), 0) / breakers.length : Math.max(...breakers.map(level));
    }
    const deduction = value === null ? 0 : weight * value;
    const names = (list: typeof breakers) => list.map((b) => b.name).join(', ');
    const parts = [open.length > 0 ? `open: ${names(open)}` : '', half.length > 0 ? `half-open: ${names(half)}` : ''].filter(
      (p) => p !== '',
    );
    return {
      component: {
        name: 'breakers',
        value,
        objective: 0,
        limit: 1,
        weight,
        deduction,
        status: value === null ? 'no_data' : statusOf(deduction, weight),
      },
      reason: `${open.length + half.length} of ${breakers.length} circuit breakers not closed (${parts.join('; ')})`,
    };
  }
}

/**
 * Caps a score at its success ratio × 100 (1 − error rate): once calls mostly fail, the score
 * falls with them instead of resting at 100 − the errors' weight. Deducts what `room` (the score
 * before the cap) has above the cap.
 */
function availabilityComponent(errorRate: number | null, room: number): HealthComponent {
  const success = errorRate === null || !Number.isFinite(errorRate) ? null : 1 - Math.min(1, Math.max(0, errorRate));
  if (success === null) return { name: 'availability', value: null, objective: 1, limit: 0, weight: 100, deduction: 0, status: 'no_data' };
  const deduction = Math.max(0, Math.round((room - 100 * success) * 10) / 10);
  return {
    name: 'availability',
    value: success,
    objective: 1,
    limit: 0,
    weight: 100,
    deduction,
    status: deduction <= 0 ? 'ok' : success <= 0 ? 'bad' : 'degraded',
  };
}

function rated(name: HealthComponent['name'], value: number | null, rule: HealthRule): HealthComponent {
  if (value === null || !Number.isFinite(value))
    return { name, value: null, objective: rule.objective, limit: rule.limit, weight: rule.weight, deduction: 0, status: 'no_data' };
  const fraction = Math.min(1, Math.max(0, (value - rule.objective) / (rule.limit - rule.objective)));
  const deduction = Math.round(rule.weight * fraction * 10) / 10;
  return {
    name,
    value,
    objective: rule.objective,
    limit: rule.limit,
    weight: rule.weight,
    deduction,
    status: statusOf(deduction, rule.weight),
  };
}

function statusOf(deduction: number, weight: number): HealthComponent['status'] {
  return deduction <= 0 ? 'ok' : deduction >= weight ? 'bad' : 'degraded';
}

function checked(name: string, rule: HealthRule): HealthRule {
  if (!(rule.weight >= 0) || rule.objective === rule.limit || !Number.isFinite(rule.objective) || !Number.isFinite(rule.limit)) {
    throw new RangeError(`objectives.${name} needs weight ≥ 0 and objective ≠ limit, got ${JSON.stringify(rule)}`);
  }
  return rule;
}

function read<T>(fn: (() => T) | undefined): T | undefined {
  if (fn === undefined) return undefined;
  try {
    return fn();
  } catch (error) {
    fedscopeLog.warn('a health input failed', error);
    return undefined;
  }
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
