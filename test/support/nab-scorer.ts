/**
 * Scores an anomaly detector the NAB-window way on labelled Numenta Anomaly Benchmark series:
 * shared by the detector tests and `bench/anomaly.bench.ts`, so both judge with the same rule.
 *
 * The rule: a labelled window counts as found once if any alert falls inside it (bounds
 * inclusive); every alert point outside all windows is a false positive.
 * Beside recall it reports what a random alerter with the same number of alerts would recall, so
 * an alert-happy detector cannot pass for a good one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PointDetector } from '../../processors/detectors/types.js';

/** One labelled anomaly window, bounds inclusive, epoch milliseconds (UTC). */
export interface NabWindow {
  /** First instant inside the window. */
  readonly startMs: number;
  /** Last instant inside the window. */
  readonly endMs: number;
}

/** One labelled NAB series. */
export interface NabSeries {
  /** Path relative to the data folder, as the labels file names it (`realKnownCause/nyc_taxi.csv`). */
  readonly name: string;
  /** Point times, epoch milliseconds (UTC), in file order. */
  readonly timestampsMs: Float64Array;
  /** Point values, in file order (unparseable cells become NaN). */
  readonly values: Float64Array;
  /** Labelled windows; empty for a series without anomalies. */
  readonly windows: readonly NabWindow[];
}

/** How a detector fared on one series. JSON-serialisable. */
export interface NabSeriesScore {
  /** Series name (path relative to the data folder). */
  name: string;
  /** Points in the series. */
  points: number;
  /** Labelled windows. */
  windows: number;
  /** Windows with at least one alert inside. */
  windowsFound: number;
  /** Points the detector flagged. */
  alerts: number;
  /** Alerts inside a window (several alerts in one window all count here). */
  alertsInWindows: number;
  /** Alerts outside every window. */
  falsePositives: number;
  /** `windowsFound / windows`; `null` for a series without windows. */
  recall: number | null;
  /**
   * Expected recall of a random alerter that flags as many points as the detector did, uniformly
   * at random among this series' points (see {@link chanceRecall}); `null` without windows.
   */
  chanceRecall: number | null;
  /** False positives per 1,000 points. */
  falsePositivesPer1k: number;
  /** `alertsInWindows / alerts`; `null` when the detector never alerted. */
  precision: number | null;
  /** Index of every alert point, ascending (for plots and diagnostics). */
  alertIndices: number[];
}

/** How a detector fared on a set of series: the per-series scores and their totals. */
export interface NabCorpusScore {
  /** One score per series, in the order given. */
  series: NabSeriesScore[];
  /** Points over all series. */
  points: number;
  /** Windows over all series. */
  windows: number;
  /** Windows found over all series. */
  windowsFound: number;
  /** Alerts over all series. */
  alerts: number;
  /** Alerts inside windows over all series. */
  alertsInWindows: number;
  /** False positives over all series. */
  falsePositives: number;
  /** `windowsFound / windows` (each window weighs the same, whatever its series). */
  recall: number;
  /**
   * Expected recall of ONE random alerter that flags as many points as the detector did over the
   * whole set, uniformly at random among all points (so it may put them on any series).
   */
  chanceRecall: number;
  /** False positives per 1,000 points over all series. */
  falsePositivesPer1k: number;
  /** `alertsInWindows / alerts`; `null` when the detector never alerted. */
  precision: number | null;
}

const LABELS_FILE = path.join('labels', 'combined_windows.json');
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/**
 * Parses a NAB timestamp (`YYYY-MM-DD HH:MM:SS`, optionally with fractional seconds as the labels
 * file writes them) as UTC. Parsed by hand: `Date.parse` of the space-separated form is
 * implementation-defined and local-time in some engines.
 * @throws SyntaxError when the text is not such a timestamp
 */
export function parseNabTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) throw new SyntaxError(`not a NAB timestamp (YYYY-MM-DD HH:MM:SS): ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac] = m as unknown as [string, string, string, string, string, string, string, string | undefined];
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
}

/**
 * Reads `labels/combined_windows.json` of a NAB copy: series name → windows.
 * @throws Error naming the file when it is missing or not the expected shape
 */
export function loadNabLabels(root: string): Map<string, NabWindow[]> {
  const file = path.join(root, LABELS_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the NAB labels ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected an object of series name → [[start, end], …]`);
  }
  const labels = new Map<string, NabWindow[]>();
  for (const [name, windows] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(windows)) throw new Error(`${file}: windows of ${name} are not an array`);
    labels.set(
      name,
      windows.map((w: unknown, i) => {
        if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') {
          throw new Error(`${file}: window ${i} of ${name} is not [start, end]`);
        }
        return { startMs: parseNabTimestamp(w[0]), endMs: parseNabTimestamp(w[1]) };
      }),
    );
  }
  return labels;
}

/**
 * Reads one NAB CSV (`timestamp,value` with a header line).
 * @throws Error naming the file and line on a missing file or a bad timestamp
 */
export function loadNabSeries(root: string, name: string, windows: readonly NabWindow[]): NabSeries {
  const file = path.join(root, 'data', name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the NAB series ${file}: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const body = lines[0]?.startsWith('timestamp') === true ? lines.slice(1) : lines;
  const timestampsMs = new Float64Array(body.length);
  const values = new Float64Array(body.length);
  body.forEach((line, i) => {
    const comma = line.indexOf(',');
    try {
      timestampsMs[i] = parseNabTimestamp(comma < 0 ? line : line.slice(0, comma));
    } catch (error) {
      throw new Error(`${file}:${i + 2}: ${(error as Error).message}`);
    }
    values[i] = comma < 0 ? Number.NaN : Number(line.slice(comma + 1));
  });
  return { name, timestampsMs, values, windows };
}

/**
 * Every series the labels file of a NAB copy names, with its windows, in the labels file's order.
 * @throws Error naming what is missing when the folder is not a NAB copy
 */
export function loadNabCorpus(root: string): NabSeries[] {
  return [...loadNabLabels(root)].map(([name, windows]) => loadNabSeries(root, name, windows));
}

/** Feeds every point of `series` to `detector` in order and returns the indices it flagged. */
export function runDetector(detector: PointDetector, series: NabSeries): number[] {
  const alerts: number[] = [];
  const { values, timestampsMs } = series;
  for (let i = 0; i < values.length; i++) {
    if (detector.update(values[i] as number, timestampsMs[i] as number).anomalous) alerts.push(i);
  }
  return alerts;
}

/**
 * Expected fraction of windows that a random alerter finds when it flags `alerts` distinct points
 * chosen uniformly among `points`: the mean over windows of 1 − C(points − m, alerts) / C(points,
 * alerts), where m is the window's point count (the hypergeometric chance that none of the alerts
 * lands in it). Computed exactly, not by simulation, so it is deterministic. `NaN` without windows.
 */
export function chanceRecall(windowPoints: readonly number[], points: number, alerts: number): number {
  if (windowPoints.length === 0) return Number.NaN;
  let sum = 0;
  for (const m of windowPoints) {
    // P(miss) = Π_{i<alerts} (points − m − i) / (points − i), in logs to stay finite.
    let logMiss = 0;
    for (let i = 0; i < alerts && logMiss > -Infinity; i++) {
      const free = points - m - i;
      logMiss = free <= 0 ? -Infinity : logMiss + Math.log(free / (points - i));
    }
    sum += 1 - Math.exp(logMiss);
  }
  return sum / windowPoints.length;
}

/** Number of points of `series` inside each of its windows. */
export function windowPointCounts(series: NabSeries): number[] {
  return series.windows.map((w) => {
    let n = 0;
    for (const t of series.timestampsMs) if (t >= w.startMs && t <= w.endMs) n++;
    return n;
  });
}

/** Scores the alert points `alertIndices` (indices into `series`) by the NAB-window rule. */
export function scoreAlerts(series: NabSeries, alertIndices: readonly number[]): NabSeriesScore {
  const found = new Array<boolean>(series.windows.length).fill(false);
  let inWindows = 0;
  for (const index of alertIndices) {
    const t = series.timestampsMs[index] as number;
    const w = series.windows.findIndex((window) => t >= window.startMs && t <= window.endMs);
    if (w >= 0) {
      found[w] = true;
      inWindows++;
    }
  }
  const points = series.values.length;
  const windows = series.windows.length;
  const windowsFound = found.filter(Boolean).length;
  const alerts = alertIndices.length;
  const falsePositives = alerts - inWindows;
  return {
    name: series.name,
    points,
    windows,
    windowsFound,
    alerts,
    alertsInWindows: inWindows,
    falsePositives,
    recall: windows === 0 ? null : windowsFound / windows,
    chanceRecall: windows === 0 ? null : chanceRecall(windowPointCounts(series), points, alerts),
    falsePositivesPer1k: points === 0 ? 0 : (1000 * falsePositives) / points,
    precision: alerts === 0 ? null : inWindows / alerts,
    alertIndices: [...alertIndices],
  };
}

/**
 * Runs a fresh detector from `create` on every series and scores the lot: per series and overall.
 * The overall chance recall is that of one random alerter spreading the detector's total alert
 * count over all points of all series.
 */
export function scoreDetector(corpus: readonly NabSeries[], create: (series: NabSeries) => PointDetector): NabCorpusScore {
  const scores = corpus.map((series) => scoreAlerts(series, runDetector(create(series), series)));
  return totalScore(corpus, scores);
}

/** Totals of per-series scores (in the same order as `corpus`). */
export function totalScore(corpus: readonly NabSeries[], scores: NabSeriesScore[]): NabCorpusScore {
  let points = 0;
  let windows = 0;
  let windowsFound = 0;
  let alerts = 0;
  let alertsInWindows = 0;
  let falsePositives = 0;
  for (const s of scores) {
    points += s.points;
    windows += s.windows;
    windowsFound += s.windowsFound;
    alerts += s.alerts;
    alertsInWindows += s.alertsInWindows;
    falsePositives += s.falsePositives;
  }
  const allWindowPoints = corpus.flatMap((series) => windowPointCounts(series));
  return {
    series: scores,
    points,
    windows,
    windowsFound,
    alerts,
    alertsInWindows,
    falsePositives,
    recall: windows === 0 ? Number.NaN : windowsFound / windows,
    chanceRecall: chanceRecall(allWindowPoints, points, alerts),
    falsePositivesPer1k: points === 0 ? 0 : (1000 * falsePositives) / points,
    precision: alerts === 0 ? null : alertsInWindows / alerts,
  };
}
