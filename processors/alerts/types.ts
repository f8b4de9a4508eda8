/**
 * Types of the alert engine: rule definitions (as written in code or in a rules file), the
 * validated rules, alerts and their lifecycle, and the figure providers rules read from.
 */
import type { LatencyRegressionDetectorOptions, OnlineAnomalyDetectorOptions } from '../detectors/types.js';

/** How urgent an alert is; becomes the alert's `severity` label. */
export type AlertSeverity = 'info' | 'warning' | 'critical' | 'emergency';

/** The severities, least urgent first. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical', 'emergency'];

/**
 * What a rule does when its figure has no data at all in an evaluation (no series, or every value
 * null): `ok` treats it as "condition false" (active alerts resolve, as in Prometheus); `keep`
 * leaves every alert of the rule exactly as it is (no transition) until data returns; `alert`
 * raises one alert with the label `nodata="true"`, through the same `for` lifecycle.
 */
export type NoDataPolicy = 'ok' | 'keep' | 'alert';

/** Comparison of a figure with the rule's threshold: the condition is `value {op} threshold`. */
export type ComparisonOperator = '>' | '>=' | '<' | '<=' | '==' | '!=';

/**
 * How the series of a figure are combined: `none` alerts per series (identity includes the
 * series' labels); the others reduce all series to one value (identity: the rule's labels only).
 */
export type FigureAggregation = 'none' | 'max' | 'min' | 'sum' | 'avg';

/** Rule kinds; `threshold` is the default. */
export type AlertRuleKind = 'threshold' | 'anomaly' | 'regression' | 'burn_rate';

/** Series families fed from spans (regression and burn-rate rules). */
export type SpanScope = 'overall' | 'query' | 'stage' | 'source';

/** What every rule kind has. Durations are strings such as `30s`, `2m`, `1h30m`, `500ms`, `0`. */
export interface AlertRuleBaseDefinition {
  /** Alert name; the `alertname` label. Must match `[a-zA-Z_][a-zA-Z0-9_]*`. */
  alert: string;
  /**
   * How long the condition must hold, counted from the first evaluation that matched, before the
   * alert fires (it is `pending` meanwhile).
   * @default '0s' (fires at the first matching evaluation)
   */
  for?: string;
  /**
   * How long a firing alert keeps firing after its condition cleared (it resolves after that
   * unless the condition returns). Also accepted as `keep_firing_for`.
   * @default '0s'
   */
  keepFiringFor?: string;
  /** @default 'warning' */
  severity?: AlertSeverity;
  /**
   * Extra labels (part of the alert's identity). Values may use templates: `{{ $labels.source }}`,
   * `{{ $value }}` is NOT allowed here (a changing value would change the identity).
   * @default {}
   */
  labels?: Record<string, string>;
  /**
   * Annotations (not part of the identity), templated: `{{ $labels.name }}`, `{{ $value }}`,
   * `{{ $threshold }}`, `{{ $alertname }}`.
   * @default {}
   */
  annotations?: Record<string, string>;
  /** See {@link NoDataPolicy}. Also accepted as `no_data`. @default 'ok' */
  noData?: NoDataPolicy;
}

/** Compares a derived figure with a threshold. */
export interface ThresholdRuleDefinition extends AlertRuleBaseDefinition {
  /** @default 'threshold' */
  kind?: 'threshold';
  /**
   * The figure, `{scope}.{field}`: a snapshot figure (`overall`, `query`, `stage`, `source`,
   * `statement` × `p50Ms` … `errorRate`, `throughputPerSecond`, `cacheHitRatio`, `count`,
   * `errors`, `concurrency`, …) or a figure an input provider supplies (e.g. `system.cpuPercent`).
   */
  figure: string;
  /** Window of a snapshot figure: one of the analysis windows (`1m`, `5m`, …) or `sinceStart`. @default the shortest window */
  window?: string;
  /** @default 'none' (one alert per series) */
  aggregate?: FigureAggregation;
  /** Comparison. */
  op: ComparisonOperator;
  /** Threshold, in the figure's unit (ms for latencies, a ratio in [0, 1] for rates). */
  threshold: number;
}

/** Feeds a figure into an {@link OnlineAnomalyDetector} per series, once per evaluation. */
export interface AnomalyRuleDefinition extends AlertRuleBaseDefinition {
  kind: 'anomaly';
  /** As for threshold rules. */
  figure: string;
  /** @default the shortest window */
  window?: string;
  /** @default 'none' */
  aggregate?: FigureAggregation;
  /**
   * Detector options. Each evaluation is one value, so `warmupPoints` counts evaluations.
   * @default the detector's defaults
   */
  detector?: OnlineAnomalyDetectorOptions;
}

/** Feeds span latencies of a scope into a {@link LatencyRegressionDetector} per series. */
export interface RegressionRuleDefinition extends AlertRuleBaseDefinition {
  kind: 'regression';
  /** Which spans: all federated queries, per query, per (query, stage), per source. */
  scope: SpanScope;
  /** @default the detector's defaults */
  detector?: LatencyRegressionDetectorOptions;
}

/** One (long, short) window pair of a multi-window burn-rate alert. */
export interface BurnRateWindow {
  /** Long window, e.g. `1h`. */
  long: string;
  /** Short window, e.g. `5m` (typically a twelfth of the long one). */
  short: string;
  /** Burn rate both windows must exceed (14.4 spends 2 % of a 30-day budget in 1 h). */
  factor: number;
  /** Severity of the alerts of this pair (page = `critical`, ticket = `warning`). */
  severity: AlertSeverity;
}

/** Multi-window, multi-burn-rate SLO alert (Google SRE workbook, chapter 5). */
export interface BurnRateRuleDefinition extends AlertRuleBaseDefinition {
  kind: 'burn_rate';
  /** Which spans the objective is about. */
  scope: SpanScope;
  /** `errors`: failed spans are bad; `latency`: spans slower than `latencyThresholdMs` are bad. */
  sli: 'errors' | 'latency';
  /** Target share of good spans, in (0, 1), e.g. 0.999. */
  objective: number;
  /** Latency SLI threshold in ms (required for `sli: latency`). Also `latency_threshold_ms`. */
  latencyThresholdMs?: number;
  /**
   * Window pairs.
   * @default 1h & 5m × 14.4 critical; 6h & 30m × 6 critical; 3d & 6h × 1 warning
   */
  windows?: BurnRateWindow[];
  /**
   * Multiplies every window length (e.g. `1/12` turns 1 h/5 m into 5 m/25 s) for processes that
   * do not live for days; the factors stay. Also `window_scale`.
   * @default 1
   */
  windowScale?: number;
}

/** A rule as written in code or in a rules file (validated by `validateAlertRules`). */
export type AlertRuleDefinition = ThresholdRuleDefinition | AnomalyRuleDefinition | RegressionRuleDefinition | BurnRateRuleDefinition;

/** What all validated rules have: durations in ms, defaults applied. */
export interface ResolvedRuleBase {
  /** Alert name. */
  readonly alert: string;
  /** Where the rule came from, for messages, e.g. `rules.yaml: rule 3 ("HighErrorRate")`. */
  readonly origin: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly severity: AlertSeverity;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly noData: NoDataPolicy;
}

/** A figure reference, parsed. */
export interface FigureReference {
  /** The whole reference, e.g. `source.p95Ms`. */
  readonly figure: string;
  /** Window as written (`1m`, `sinceStart`), `undefined` for the default. */
  readonly window: string | undefined;
  readonly aggregate: FigureAggregation;
}

/** A validated threshold rule. */
export interface ResolvedThresholdRule extends ResolvedRuleBase, FigureReference {
  readonly kind: 'threshold';
  readonly op: ComparisonOperator;
  readonly threshold: number;
}

/** A validated anomaly rule. */
export interface ResolvedAnomalyRule extends ResolvedRuleBase, FigureReference {
  readonly kind: 'anomaly';
  readonly detector: OnlineAnomalyDetectorOptions;
}

/** A validated regression rule. */
export interface ResolvedRegressionRule extends ResolvedRuleBase {
  readonly kind: 'regression';
  readonly scope: SpanScope;
  readonly detector: LatencyRegressionDetectorOptions;
}

/** A validated burn-rate window pair, in ms (after scaling). */
export interface ResolvedBurnRateWindow {
  readonly longMs: number;
  readonly shortMs: number;
  readonly factor: number;
  readonly severity: AlertSeverity;
  /** `{long}/{short}` as written, e.g. `1h/5m`: the `slo_window` label. */
  readonly label: string;
}

/** A validated burn-rate rule. */
export interface ResolvedBurnRateRule extends ResolvedRuleBase {
  readonly kind: 'burn_rate';
  readonly scope: SpanScope;
  readonly sli: 'errors' | 'latency';
  readonly objective: number;
  readonly latencyThresholdMs: number | undefined;
  readonly windows: readonly ResolvedBurnRateWindow[];
}

/** Any validated rule. */
export type ResolvedAlertRule = ResolvedThresholdRule | ResolvedAnomalyRule | ResolvedRegressionRule | ResolvedBurnRateRule;

/** One value of a figure for one series. */
export interface FigureSample {
  /** Identifying labels of the series (`{}` for a single series). */
  readonly labels: Readonly<Record<string, string>>;
  /** The value; `null` when the series has no data for it (e.g. no latency in the window). */
  readonly value: number | null;
}

/**
 * Supplies figures to rules. Providers are asked in order; the first that knows a figure answers.
 * A later module (system metrics, circuit breakers, health score) plugs in by implementing this.
 */
export interface FigureProvider {
  /** Called once at the start of each evaluation (e.g. to take one snapshot for all rules). */
  beginEvaluation?(nowMs: number): void;
  /**
   * Samples of `figure` over `window` (as written in the rule, `undefined` for the default), or
   * `undefined` when this provider does not supply `figure`. An empty array means "known, no data".
   */
  read(figure: string, window: string | undefined): readonly FigureSample[] | undefined;
  /**
   * Checks a rule's figure and window when the engine is built; returns a problem (e.g. `window:
   * 10m is not one of 1m, 5m, 15m`) or `undefined` if fine or not this provider's figure.
   */
  check?(figure: string, window: string | undefined): string | undefined;
}

/** Where an alert is in its lifecycle (Prometheus' states; `resolved` = inactive after firing). */
export type AlertState = 'pending' | 'firing' | 'resolved';

/** One alert: a rule instance identified by its label set. JSON-serialisable. */
export interface AlertView {
  /** Stable identity: the sorted label set, serialised. */
  readonly key: string;
  /** Labels, including `alertname` and `severity`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Rendered annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** `pending`, `firing` or `resolved` (Prometheus' lifecycle). */
  readonly state: AlertState;
  /** Latest value of the condition's figure (NaN is reported as null). */
  readonly value: number | null;
  /** First evaluation that matched (ISO 8601). */
  readonly activeAt: string;
  /** When it started firing (ISO 8601), `null` while pending. */
  readonly firedAt: string | null;
  /** When it resolved (ISO 8601), `null` unless resolved. */
  readonly resolvedAt: string | null;
}

/** A state change in the history. */
export interface AlertTransition {
  /** When (ISO 8601). */
  readonly at: string;
  readonly alertname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly from: 'inactive' | AlertState;
  readonly to: 'inactive' | AlertState;
  readonly value: number | null;
}

/** A notification to a channel: an alert that fired (or is still firing) or resolved. */
export interface AlertNotification {
  readonly status: 'firing' | 'resolved';
  /** Identity: the label set (includes `alertname`, `severity`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** When the alert started firing (ISO 8601). */
  readonly startsAt: string;
  /** When it resolved (ISO 8601); `undefined` while firing. */
  readonly endsAt: string | undefined;
  /** Latest value (null when not a number). */
  readonly value: number | null;
  /** Identity as a string (the sorted label set), for per-alert ordering. */
  readonly key: string;
  /** `true` for a periodic re-send of a still-firing alert (channels that dedupe may skip it). */
  readonly resend: boolean;
}
