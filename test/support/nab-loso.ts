/**
 * Leave-one-series-out (LOSO) scoring of a tunable anomaly detector on labelled NAB series:
 * evaluation code shared by the detector tests and `bench/anomaly.bench.ts` (it does not ship).
 *
 * A detector whose options were chosen on the series it is scored on overstates how it does on a
 * series nobody tuned it for. LOSO measures that instead: for each series, the options are chosen
 * by a fixed grid search on the OTHER series only, and the held-out series is scored with them;
 * the held-out scores are then totalled as the in-sample ones are.
 *
 * Selection rule on the training series (fixed, so that the figure cannot be tuned by the rule):
 * 1. feasible: at most `maxFalsePositivesPer1k` false positives per 1,000 points on EVERY training
 *    series (not just on average: one noisy series is an operator's pager going off);
 * 2. among the feasible, the most windows found over the training series;
 * 3. ties: the fewest false positives over the training series, then the earlier grid entry.
 * When no candidate is feasible, the one with the lowest worst-series FP rate is taken (and the
 * fold says so), so the score is always defined.
 *
 * Each candidate is scored on each series once ({@link scoreGrid}); the folds only select from
 * that table ({@link leaveOneSeriesOut}), so a grid of G candidates costs G passes over the data.
 */
import { runDetector, scoreAlerts, totalScore, type NabCorpusScore, type NabSeries, type NabSeriesScore } from './nab-scorer.js';
import type { OnlineAnomalyDetectorOptions, PointDetector } from '../../processors/detectors/types.js';

/** One entry of the grid: a label for tables and the options it stands for. */
export interface GridCandidate<Options> {
  /** Short, unique description (`alpha 0.03, margin 1.2`). */
  readonly label: string;
  /** What the detector factory is given. */
  readonly options: Options;
}

/** Every candidate's score on every series: `scores[c][s]` is candidate c on series s. */
export interface GridScores<Options> {
  /** The candidates, in grid order. */
  readonly candidates: readonly GridCandidate<Options>[];
  /** Per candidate, per series (in corpus order). */
  readonly scores: readonly (readonly NabSeriesScore[])[];
}

/** One fold: the series held out, the candidate chosen on the others, and the held-out score. */
export interface LosoFold {
  /** Name of the held-out series. */
  readonly heldOut: string;
  /** Index of the chosen candidate in the grid. */
  readonly chosen: number;
  /** Its label. */
  readonly chosenLabel: string;
  /** Whether it met the FP limit on every training series (false: the fallback rule chose it). */
  readonly feasible: boolean;
  /** Windows it found over the training series. */
  readonly trainWindowsFound: number;
  /** Windows over the training series. */
  readonly trainWindows: number;
  /** The held-out series scored with the chosen options. */
  readonly score: NabSeriesScore;
}

/** LOSO result: one fold per series and the total of the held-out scores. */
export interface LosoResult {
  /** One fold per series, in corpus order. */
  readonly folds: readonly LosoFold[];
  /** The held-out scores totalled (recall, chance recall, FP per 1k, precision) as in-sample scores are. */
  readonly total: NabCorpusScore;
}

/**
 * The grid `OnlineAnomalyDetector` is scored with: its four tuning options, each at its default
 * and at values about ×3 (or one step of the margin) either side; 3 × 2 × 4 × 3 = 72 candidates.
 * Warm-up, cooldown, direction and the views are not searched (they are structural, or set by
 * what the series is: see the detector's TSDoc).
 */
export const ANOMALY_GRID_AXES = {
  alpha: [0.01, 0.03, 0.1],
  zThreshold: [2, 3],
  noveltyMargin: [1, 1.1, 1.2, 1.4],
  memoryHalfLife: [1000, 3000, 10_000],
} as const satisfies { readonly [K in keyof OnlineAnomalyDetectorOptions]?: readonly OnlineAnomalyDetectorOptions[K][] };

/**
 * The candidates of {@link ANOMALY_GRID_AXES}, each merged over `fixed` (e.g. `{ seasonal: false }`
 * to score the detector without its seasonal view), in grid order.
 */
export function anomalyDetectorGrid(fixed: OnlineAnomalyDetectorOptions = {}): GridCandidate<OnlineAnomalyDetectorOptions>[] {
  return optionGrid(ANOMALY_GRID_AXES).map(({ label, options }) => ({ label, options: { ...fixed, ...options } }));
}

/** The cartesian product of option values, in a fixed order (first key varies slowest). */
export function optionGrid<Axes extends Readonly<Record<string, readonly unknown[]>>>(
  axes: Axes,
): GridCandidate<{ [K in keyof Axes]: Axes[K][number] }>[] {
  const keys = Object.keys(axes);
  let combos: Array<Record<string, unknown>> = [{}];
  for (const key of keys) {
    const values = axes[key] as readonly unknown[];
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos.map((options) => ({
    label: keys.map((key) => `${key} ${String(options[key])}`).join(', '),
    options: options as { [K in keyof Axes]: Axes[K][number] },
  }));
}

/** Scores every candidate on every series once: a fresh detector per (candidate, series). */
export function scoreGrid<Options>(
  corpus: readonly NabSeries[],
  candidates: readonly GridCandidate<Options>[],
  create: (options: Options) => PointDetector,
): GridScores<Options> {
  const scores = candidates.map((candidate) => corpus.map((series) => scoreAlerts(series, runDetector(create(candidate.options), series))));
  return { candidates, scores };
}

/**
 * Leave-one-series-out over a scored grid: for each series, selects a candidate on the others by
 * the rule in this file's header and scores the held-out series with it.
 * @param maxFalsePositivesPer1k the FP limit every training series must meet (1 per 1,000 points)
 */
export function leaveOneSeriesOut<Options>(
  corpus: readonly NabSeries[],
  grid: GridScores<Options>,
  maxFalsePositivesPer1k = 1,
): LosoResult {
  const folds = corpus.map((series, heldOut): LosoFold => {
    let best = -1;
    let bestKey: [number, number, number] = [0, 0, 0]; // [feasible (1/0), windows found or −worst FP rate, −FP]
    let bestFound = 0;
    let bestWindows = 0;
    grid.scores.forEach((perSeries, c) => {
      let found = 0;
      let windows = 0;
      let falsePositives = 0;
      let worstRate = 0;
      perSeries.forEach((s, i) => {
        if (i === heldOut) return;
        found += s.windowsFound;
        windows += s.windows;
        falsePositives += s.falsePositives;
        worstRate = Math.max(worstRate, s.falsePositivesPer1k);
      });
      const feasible = worstRate <= maxFalsePositivesPer1k;
      const key: [number, number, number] = feasible ? [1, found, -falsePositives] : [0, -worstRate, -falsePositives];
      if (best < 0 || greater(key, bestKey)) {
        best = c;
        bestKey = key;
        bestFound = found;
        bestWindows = windows;
      }
    });
    if (best < 0) throw new RangeError('leaveOneSeriesOut: the grid is empty');
    return {
      heldOut: series.name,
      chosen: best,
      chosenLabel: grid.candidates[best]!.label,
      feasible: bestKey[0] === 1,
      trainWindowsFound: bestFound,
      trainWindows: bestWindows,
      score: grid.scores[best]![heldOut]!,
    };
  });
  return {
    folds,
    total: totalScore(
      corpus,
      folds.map((f) => f.score),
    ),
  };
}

/** Lexicographic comparison: strictly greater (equal keys keep the earlier grid entry). */
function greater(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  }
  return false;
}
