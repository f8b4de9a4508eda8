import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { SystemClock } from '../../src/stats/system-clock.js';
import type { Clock } from '../../src/stats/types.js';
import type { AlertTransition } from '../alerts/types.js';
import { OVERFLOW_LABEL } from '../analysis/keyed-series.js';
import type { FedscopeSnapshot, SeriesSnapshot } from '../analysis/snapshot-types.js';
import { HistorySeries, type SeriesTick, type TierLayout } from './history-series.js';
import { describeTiers, sameTiers } from './history-tiers.js';
import type {
  HistoryDump,
  HistoryQuery,
  HistoryQueryError,
  HistoryReport,
  HistoryRestoreResult,
  HistorySeriesInfo,
  HistorySeriesKind,
  HistoryStoreOptions,
  HistoryStoreStats,
  HistoryTickExtras,
  HistoryTier,
} from './types.js';

/** The tiers kept when none are configured: 10 s for 1 h, 1 min for 24 h, 10 min for 7 days. */
export const DEFAULT_HISTORY_TIERS: readonly HistoryTier[] = [
  { stepSeconds: 10, retentionSeconds: 3_600 },
  { stepSeconds: 60, retentionSeconds: 86_400 },
  { stepSeconds: 600, retentionSeconds: 604_800 },
];
/** Key of the series of all federated queries together. */
export const OVERALL_SERIES = 'overall';
// 20.3 MB when full: a history costs what it holds, and most deployments have far fewer series.
const DEFAULT_MAX_SERIES = 200;
const DEFAULT_MAX_ALERT_TRANSITIONS = 1_000;
const DEFAULT_TICK_SECONDS = 10;
/** Most points one tier may hold: keeps a misconfiguration from allocating megabytes per series. */
const MAX_TIER_POINTS = 10_000;
/** Stands for the overflow series' name in a key: it holds no `/`, so no real name pair makes it. */
const OVERFLOW_NAME = '~overflow';

/**
 * A bounded, multi-resolution, in-memory history of fedscope's derived figures: per series
 * (overall; per query, stage and source of every service) and per tier (default 10 s points for
 * 1 h, 1 min for 24 h, 10 min for 7 days), the operation count, errors, error ratio, throughput
 * and p50/p95/p99; for `overall` also the health score; and the alert transitions.
 *
 * **Recording.** {@link HistoryStore.record} takes one analysis snapshot per tick (every 10 s):
 * a series' count and errors in the tick are the growth of its since-start figures (a series that
 * restarted counts from zero again); they go to the point holding the middle of the tick in every
 * tier at once, which is the same as summing the finer points a coarser one covers. Throughput is
 * a point's count over the seconds its ticks covered; the error ratio is recomputed from the sums.
 * O(series × tiers) per tick, O(1) per series and tier: a few typed-array writes.
 *
 * **Percentiles** are not mergeable without the sketches, which the history does not keep: a
 * point of the finest tier holds the percentiles of the analysis' shortest sliding window (1 min
 * by default) read at the tick; a coarser point holds the highest of them within its step, an
 * upper bound of the step's percentile. Points without operations have none.
 *
 * **Gaps.** A point no tick reached (the process was down, the series did not exist or was not
 * in the snapshot) is a gap: `null` in the answer, never 0. A point with ticks and no operations
 * has count 0.
 *
 * **Series keys** (URL-safe once the query string is encoded; each name percent-encoded with
 * `encodeURIComponent`, so a `/` in a name is `%2F`): `overall`, `service:<service>` (all of one
 * service's queries), `query:<service>/<query>`, `stage:<service>/<query>/<stage>`,
 * `source:<service>/<source>`. An analysis overflow series is `service:~overflow`, `query:~overflow`,
 * `stage:~overflow`, `source:~overflow`.
 *
 * **Memory** is preallocated per series (36 bytes per point; 2,808 points with the default tiers,
 * 101,688 bytes per series) and bounded by `maxSeries` (default 200): 20.3 MB when full, the
 * same whatever the traffic. Series beyond the bound are counted, never recorded silently; series
 * with no point left in the longest retention are removed.
 */
export class HistoryStore {
  /** The tiers, finest first. */
  readonly tiers: readonly HistoryTier[];
  /** The bound on series. */
  readonly maxSeries: number;
  private readonly layouts: readonly TierLayout[];
  private readonly slotsPerSeries: number;
  private readonly longestRetentionSeconds: number;
  private readonly clock: Clock;
  private readonly tickSeconds: number;
  /** The bound on alert transitions. */
  readonly maxAlertTransitions: number;
  private readonly series = new Map<string, HistorySeries>();
  private readonly transitions: AlertTransition[] = [];
  private readonly tick: SeriesTick = { count: 0, errors: 0, coveredSeconds: 0, p50: NaN, p95: NaN, p99: NaN, score: NaN };
  private lastTickSeconds: number | undefined;
  private percentileWindowSeconds: number | null = null;
  private ticks = 0;
  private droppedNow = 0;
  private droppedTicks = 0;
  private droppedWarned = false;

  /** @throws RangeError when a tier or bound is invalid */
  constructor(options: HistoryStoreOptions = {}) {
    this.tiers = (options.tiers ?? DEFAULT_HISTORY_TIERS).map((tier) => ({ ...tier }));
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.maxAlertTransitions = options.maxAlertTransitions ?? DEFAULT_MAX_ALERT_TRANSITIONS;
    this.tickSeconds = options.tickSeconds ?? DEFAULT_TICK_SECONDS;
    this.clock = options.clock ?? new SystemClock();
    validate(this.tiers, this.maxSeries, this.maxAlertTransitions, this.tickSeconds);
    let offset = 0;
    this.layouts = this.tiers.map((tier) => {
      const capacity = tier.retentionSeconds / tier.stepSeconds;
      const layout = { stepSeconds: tier.stepSeconds, capacity, offset };
      offset += capacity;
      return layout;
    });
    this.slotsPerSeries = offset;
    this.longestRetentionSeconds = Math.max(...this.tiers.map((tier) => tier.retentionSeconds));
  }

  /**
   * Records one tick: every series of the snapshot (overall, services, queries, stages, sources), the
   * health score and the alert transitions not seen yet. Never throws.
   */
  record(snapshot: FedscopeSnapshot, extras: HistoryTickExtras): void {
    try {
      this.recordTick(snapshot, extras);
    } catch (error) {
      fedscopeLog.warn('the history could not record a tick', error);
    }
  }

  private recordTick(snapshot: FedscopeSnapshot, extras: HistoryTickExtras): void {
    const nowSeconds = this.clock.now() / 1000;
    const previous = this.lastTickSeconds;
    const covered = previous !== undefined && nowSeconds > previous ? nowSeconds - previous : this.tickSeconds;
    const middleSeconds = nowSeconds - covered / 2;
    this.lastTickSeconds = nowSeconds;
    this.ticks++;
    this.percentileWindowSeconds = snapshot.windowsSeconds[0] ?? null;
    this.droppedNow = 0;
    this.recordSeries(OVERALL_SERIES, snapshot.overall, nowSeconds, middleSeconds, covered, extras.healthScore ?? NaN);
    for (const service of snapshot.services)
      this.recordSeries(keyOf('service', service.labels, []), service, nowSeconds, middleSeconds, covered, NaN);
    for (const query of snapshot.queries)
      this.recordSeries(keyOf('query', query.labels, ['query']), query, nowSeconds, middleSeconds, covered, NaN);
    for (const stage of snapshot.stages)
      this.recordSeries(keyOf('stage', stage.labels, ['query', 'stage']), stage, nowSeconds, middleSeconds, covered, NaN);
    for (const source of snapshot.sources)
      this.recordSeries(keyOf('source', source.labels, ['source']), source, nowSeconds, middleSeconds, covered, NaN);
    this.droppedTicks += this.droppedNow;
    if (this.droppedNow > 0 && !this.droppedWarned) {
      this.droppedWarned = true;
      fedscopeLog.warn(
        `the history holds at most ${this.maxSeries} series: ${this.droppedNow} more are not recorded (counted in the history's droppedSeries)`,
      );
    }
    this.removeExpired(nowSeconds);
    if (extras.alertTransitions) this.recordTransitions(extras.alertTransitions);
  }

  private recordSeries(
    key: string,
    snapshot: SeriesSnapshot,
    nowSeconds: number,
    middleSeconds: number,
    covered: number,
    score: number,
  ): void {
    let series = this.series.get(key);
    if (series === undefined) {
      if (this.series.size >= this.maxSeries) {
        this.droppedNow++;
        return;
      }
      series = new HistorySeries({ ...snapshot.labels }, this.slotsPerSeries, key === OVERALL_SERIES, nowSeconds);
      this.series.set(key, series);
    }
    const total = snapshot.sinceStart;
    const window = snapshot.windows[0];
    const tick = this.tick;
    // A series the analysis dropped and created again counts from zero.
    tick.count = total.count >= series.lastCount ? total.count - series.lastCount : total.count;
    tick.errors = total.errors >= series.lastErrors && total.count >= series.lastCount ? total.errors - series.lastErrors : total.errors;
    tick.coveredSeconds = covered;
    tick.p50 = window?.p50 ?? NaN;
    tick.p95 = window?.p95 ?? NaN;
    tick.p99 = window?.p99 ?? NaN;
    tick.score = score;
    series.lastCount = total.count;
    series.lastErrors = total.errors;
    series.lastSeenSeconds = nowSeconds;
    for (const layout of this.layouts) series.add(layout, Math.floor(middleSeconds / layout.stepSeconds), tick);
  }

  private removeExpired(nowSeconds: number): void {
    for (const [key, series] of this.series)
      if (key !== OVERALL_SERIES && nowSeconds - series.lastSeenSeconds > this.longestRetentionSeconds) this.series.delete(key);
  }

  /** Appends the transitions after the newest one held (the engine's list is oldest first and bounded). */
  private recordTransitions(history: readonly AlertTransition[]): void {
    const newest = this.transitions[this.transitions.length - 1];
    let first = history.length;
    while (first > 0 && (newest === undefined || history[first - 1]!.at > newest.at)) first--;
    if (newest) {
      // Several transitions may share the newest time: those beyond the ones held are new.
      let held = 0;
      for (let i = this.transitions.length - 1; i >= 0 && this.transitions[i]!.at === newest.at; i--) held++;
      let sameTime = 0;
      while (first - sameTime > 0 && history[first - sameTime - 1]!.at === newest.at) sameTime++;
      first -= Math.max(0, sameTime - held);
    }
    for (let i = first; i < history.length; i++) this.transitions.push(history[i]!);
    if (this.transitions.length > this.maxAlertTransitions) this.transitions.splice(0, this.transitions.length - this.maxAlertTransitions);
  }

  /**
   * The points of one series over a range, in the tier the step asks (or, without a step, the
   * finest that reaches back to `from`); an error naming the parameter when the query cannot be
   * answered.
   */
  query(query: HistoryQuery): HistoryReport | HistoryQueryError {
    const series = this.series.get(query.series);
    if (series === undefined) return { parameter: 'series', reason: `no series "${query.series}" in the history (${seriesHint()})` };
    const nowSeconds = this.clock.now() / 1000;
    const to = query.to ?? nowSeconds;
    if (query.from !== undefined && query.from >= to) return { parameter: 'from', reason: `must be before \`to\` (${to})` };
    const tierIndex = this.pickTier(query, nowSeconds);
    if (typeof tierIndex !== 'number') return tierIndex;
    const tier = this.tiers[tierIndex]!;
    const layout = this.layouts[tierIndex]!;
    const oldest = nowSeconds - tier.retentionSeconds;
    const from = query.from ?? Math.max(oldest, to - tier.retentionSeconds);
    if (from < oldest - tier.stepSeconds)
      return {
        parameter: 'from',
        reason: `older than the ${tier.retentionSeconds} s retention of the ${tier.stepSeconds} s tier (${tierHint(this.tiers, nowSeconds - from)})`,
      };
    if (to <= oldest)
      return { parameter: 'to', reason: `older than the ${tier.retentionSeconds} s retention of the ${tier.stepSeconds} s tier` };
    if (to > nowSeconds + tier.stepSeconds) return { parameter: 'to', reason: `in the future (now is ${Math.floor(nowSeconds)})` };
    return this.readPoints(query.series, series, tier, layout, from, to);
  }

  private pickTier(query: HistoryQuery, nowSeconds: number): number | HistoryQueryError {
    if (query.step !== undefined) {
      const index = this.tiers.findIndex((tier) => tier.stepSeconds >= query.step!);
      if (index < 0)
        return {
          parameter: 'step',
          reason: `no tier has a step of ${query.step} s or more (tiers: ${this.tiers.map((t) => `${t.stepSeconds} s`).join(', ')})`,
        };
      return index;
    }
    if (query.from === undefined) return 0;
    const reach = nowSeconds - query.from;
    const index = this.tiers.findIndex((tier) => tier.retentionSeconds + tier.stepSeconds >= reach);
    if (index < 0) return { parameter: 'from', reason: `older than the longest retention, ${this.longestRetentionSeconds} s` };
    return index;
  }

  private readPoints(key: string, series: HistorySeries, tier: HistoryTier, layout: TierLayout, from: number, to: number): HistoryReport {
    const firstId = Math.floor(from / tier.stepSeconds);
    const lastId = Math.ceil(to / tier.stepSeconds) - 1;
    const report: HistoryReport = {
      series: key,
      labels: { ...series.labels },
      tier: { ...tier },
      tiers: this.tiers.map((each) => ({ ...each })),
      from: firstId * tier.stepSeconds,
      to: (lastId + 1) * tier.stepSeconds,
      percentileWindowSeconds: this.percentileWindowSeconds,
      t: [],
      count: [],
      errors: [],
      errorRatio: [],
      throughputPerSecond: [],
      p50Ms: [],
      p95Ms: [],
      p99Ms: [],
      stats: this.stats(),
    };
    const scores: (number | null)[] | undefined = series.keepsScore ? [] : undefined;
    for (let id = firstId; id <= lastId; id++) {
      report.t.push(id * tier.stepSeconds);
      const slot = series.slotOf(layout, id);
      if (slot < 0) {
        for (const column of [
          report.count,
          report.errors,
          report.errorRatio,
          report.throughputPerSecond,
          report.p50Ms,
          report.p95Ms,
          report.p99Ms,
        ])
          column.push(null);
        scores?.push(null);
        continue;
      }
      const count = series.countAt(slot);
      const errors = series.errorsAt(slot);
      const covered = series.coveredAt(slot);
      report.count.push(count);
      report.errors.push(errors);
      report.errorRatio.push(count > 0 ? errors / count : null);
      report.throughputPerSecond.push(covered > 0 ? count / covered : null);
      report.p50Ms.push(rounded(series.percentileAt(slot, 'p50')));
      report.p95Ms.push(rounded(series.percentileAt(slot, 'p95')));
      report.p99Ms.push(rounded(series.percentileAt(slot, 'p99')));
      scores?.push(rounded(series.scoreAt(slot)));
    }
    if (scores) {
      report.healthScore = scores;
      const fromIso = new Date(report.from * 1000).toISOString();
      const toIso = new Date(report.to * 1000).toISOString();
      report.alertTransitions = this.transitions.filter((transition) => transition.at >= fromIso && transition.at < toIso);
    }
    return report;
  }

  /** The keys of the series held, `overall` first. */
  seriesKeys(): string[] {
    return [...this.series.keys()];
  }

  /** Every series held, `overall` first, with what it is of and its labels (for `/fedscope/series.json`). */
  seriesIndex(): HistorySeriesInfo[] {
    const index: HistorySeriesInfo[] = [];
    for (const [key, series] of this.series) {
      const kind = kindOf(key);
      const labels: HistorySeriesInfo['labels'] = {};
      for (const name of LABEL_NAMES) {
        const value = series.labels[name];
        if (value !== undefined) labels[name] = value;
      }
      index.push({ key, kind, labels });
    }
    return index;
  }

  /** Seconds since the latest tick on the history's clock, `undefined` before the first. */
  secondsSinceLatestTick(): number | undefined {
    return this.lastTickSeconds === undefined ? undefined : this.clock.now() / 1000 - this.lastTickSeconds;
  }

  /**
   * The state to save: every series' arrays as they are (not copies: encode it before the next
   * tick), the tiers they are laid out for, the alert transitions.
   */
  dump(): HistoryDump {
    return {
      savedAtSeconds: this.clock.now() / 1000,
      tiers: this.tiers.map((tier) => ({ ...tier })),
      percentileWindowSeconds: this.percentileWindowSeconds,
      series: [...this.series].map(([key, series]) => ({
        key,
        labels: { ...series.labels },
        lastSeenSeconds: series.lastSeenSeconds,
        columns: series.columns(),
      })),
      alertTransitions: [...this.transitions],
    };
  }

  /**
   * Takes back a saved state (call it before the first tick): the series not held yet, up to
   * `maxSeries` (`overall` first), except those with no point left in the longest retention;
   * points older than a tier's retention are gaps as usual. The since-start counts are not
   * restored: the analysis of a new process counts from zero.
   * @throws RangeError when the dump was laid out for other tiers
   */
  restore(dump: HistoryDump): HistoryRestoreResult {
    if (!sameTiers(dump.tiers, this.tiers))
      throw new RangeError(`history: the saved tiers (${describeTiers(dump.tiers)}) are not this history's (${describeTiers(this.tiers)})`);
    const nowSeconds = this.clock.now() / 1000;
    const result: HistoryRestoreResult = { restored: 0, expired: 0, overLimit: 0 };
    for (const saved of dump.series) {
      if (this.series.has(saved.key)) continue;
      if (saved.key !== OVERALL_SERIES && nowSeconds - saved.lastSeenSeconds > this.longestRetentionSeconds) {
        result.expired++;
        continue;
      }
      if (this.series.size >= this.maxSeries) {
        result.overLimit++;
        continue;
      }
      const series = new HistorySeries({ ...saved.labels }, this.slotsPerSeries, saved.key === OVERALL_SERIES, saved.lastSeenSeconds);
      series.restore(saved.columns);
      this.series.set(saved.key, series);
      result.restored++;
    }
    this.percentileWindowSeconds ??= dump.percentileWindowSeconds;
    if (this.transitions.length === 0) this.transitions.push(...dump.alertTransitions.slice(-this.maxAlertTransitions));
    return result;
  }

  /** Counters and size. */
  stats(): HistoryStoreStats {
    const bytesPerSeries = HistorySeries.byteSize(this.slotsPerSeries, false);
    let bytes = 0;
    for (const series of this.series.values()) bytes += HistorySeries.byteSize(this.slotsPerSeries, series.keepsScore);
    return {
      series: this.series.size,
      maxSeries: this.maxSeries,
      droppedSeries: this.droppedNow,
      droppedSeriesTicks: this.droppedTicks,
      alertTransitions: this.transitions.length,
      ticks: this.ticks,
      bytesPerSeries,
      // The transitions are the engine's objects, shared: about 300 bytes each of what they reference.
      bytes: bytes + this.transitions.length * 300,
    };
  }
}

/** The key of a series of the snapshot (see {@link HistoryStore}). */
export function keyOf(
  kind: Exclude<HistorySeriesKind, 'overall'>,
  labels: Readonly<Record<string, string>>,
  names: readonly string[],
): string {
  if (labels[OVERFLOW_LABEL] !== undefined) return `${kind}:${OVERFLOW_NAME}`;
  const parts = [labels['service'] ?? '', ...names.map((name) => labels[name] ?? '')];
  return `${kind}:${parts.map((part) => encodeURIComponent(part)).join('/')}`;
}

const LABEL_NAMES = ['service', 'query', 'stage', 'source'] as const;

function kindOf(key: string): HistorySeriesKind {
  if (key === OVERALL_SERIES) return 'overall';
  const prefix = key.slice(0, key.indexOf(':'));
  return prefix === 'service' || prefix === 'query' || prefix === 'stage' ? prefix : 'source';
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function seriesHint(): string {
  return 'keys: overall, service:<service>, query:<service>/<query>, stage:<service>/<query>/<stage>, source:<service>/<source>';
}

function tierHint(tiers: readonly HistoryTier[], reach: number): string {
  const tier = tiers.find((each) => each.retentionSeconds + each.stepSeconds >= reach);
  return tier ? `ask step=${tier.stepSeconds} or more` : 'beyond every tier';
}

function validate(tiers: readonly HistoryTier[], maxSeries: number, maxTransitions: number, tickSeconds: number): void {
  if (tiers.length === 0) throw new RangeError('history: at least one tier is needed');
  let previous: HistoryTier | undefined;
  for (const tier of tiers) {
    const { stepSeconds, retentionSeconds } = tier;
    if (!Number.isInteger(stepSeconds) || stepSeconds <= 0)
      throw new RangeError(`history: a tier's stepSeconds must be a positive integer, got ${stepSeconds}`);
    const points = retentionSeconds / stepSeconds;
    if (!Number.isInteger(points) || points < 1 || points > MAX_TIER_POINTS)
      throw new RangeError(`history: retentionSeconds must be 1 to ${MAX_TIER_POINTS} steps of ${stepSeconds} s, got ${retentionSeconds}`);
    if (previous && stepSeconds % previous.stepSeconds !== 0)
      throw new RangeError(
        `history: each tier's step must be a multiple of the previous one (${stepSeconds} after ${previous.stepSeconds})`,
      );
    previous = tier;
  }
  if (!Number.isInteger(maxSeries) || maxSeries < 1)
    throw new RangeError(`history: maxSeries must be a positive integer, got ${maxSeries}`);
  if (!Number.isInteger(maxTransitions) || maxTransitions < 0)
    throw new RangeError(`history: maxAlertTransitions must be a non-negative integer, got ${maxTransitions}`);
  if (!(tickSeconds > 0)) throw new RangeError(`history: tickSeconds must be positive, got ${tickSeconds}`);
}
