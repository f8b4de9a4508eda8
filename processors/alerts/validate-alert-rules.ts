import { LatencyRegressionDetector } from '../detectors/latency-regression-detector.js';
import { OnlineAnomalyDetector } from '../detectors/online-anomaly-detector.js';
import type { LatencyRegressionDetectorOptions, OnlineAnomalyDetectorOptions } from '../detectors/types.js';
import { describeValue } from '../../src/options/value-checks.js';
import { AlertRulesError } from './alert-rules-error.js';
import { parseDuration } from './duration.js';
import { checkSnapshotFigure } from './snapshot-figure-provider.js';
import { checkTemplate } from './template.js';
import {
  ALERT_SEVERITIES,
  type AlertRuleDefinition,
  type AlertSeverity,
  type ComparisonOperator,
  type FigureAggregation,
  type NoDataPolicy,
  type ResolvedAlertRule,
  type ResolvedBurnRateWindow,
  type ResolvedRuleBase,
  type SpanScope,
} from './types.js';

const KINDS = ['threshold', 'anomaly', 'regression', 'burn_rate'] as const;
const OPERATORS: readonly ComparisonOperator[] = ['>', '>=', '<', '<=', '==', '!='];
const AGGREGATIONS: readonly FigureAggregation[] = ['none', 'max', 'min', 'sum', 'avg'];
const NO_DATA: readonly NoDataPolicy[] = ['ok', 'keep', 'alert'];
const SCOPES: readonly SpanScope[] = ['overall', 'query', 'stage', 'source'];
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FIGURE = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)+$/;
/** Snake-case spellings accepted (rules files follow Prometheus' naming) and their code names. */
const ALIASES: Record<string, string> = {
  keep_firing_for: 'keepFiringFor',
  no_data: 'noData',
  latency_threshold_ms: 'latencyThresholdMs',
  window_scale: 'windowScale',
};
const BASE_KEYS = ['alert', 'kind', 'for', 'keepFiringFor', 'severity', 'labels', 'annotations', 'noData'];
const KEYS_BY_KIND: Record<(typeof KINDS)[number], readonly string[]> = {
  threshold: [...BASE_KEYS, 'figure', 'window', 'aggregate', 'op', 'threshold'],
  anomaly: [...BASE_KEYS, 'figure', 'window', 'aggregate', 'detector'],
  regression: [...BASE_KEYS, 'scope', 'detector'],
  burn_rate: [...BASE_KEYS, 'scope', 'sli', 'objective', 'latencyThresholdMs', 'windows', 'windowScale'],
};

/** SRE workbook defaults: 2 % of a 30-day budget in 1 h, 5 % in 6 h (pages), 10 % in 3 d (ticket). */
export const DEFAULT_BURN_RATE_WINDOWS = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning' },
] as const satisfies readonly { long: string; short: string; factor: number; severity: AlertSeverity }[];

/**
 * Validates rules (from code or parsed from a file) and resolves them: durations to ms, defaults
 * applied, detector options checked by building a detector. Names must be unique.
 * @param raw - an array of rule objects
 * @param source - where they came from, for messages: a file name, or `rules` for code
 * @throws AlertRulesError naming the source, the rule (1-based index and name) and the field
 */
export function validateAlertRules(raw: unknown, source = 'rules'): ResolvedAlertRule[] {
  if (!Array.isArray(raw)) throw new AlertRulesError(source, undefined, undefined, 'rules', `expected a list of rules, got ${describeValue(raw)}`);
  const seen = new Set<string>();
  return raw.map((item: unknown, i) => {
    const rule = validateAlertRule(item, source, i + 1);
    if (seen.has(rule.alert)) throw new AlertRulesError(source, i + 1, rule.alert, 'alert', `another rule is already named ${JSON.stringify(rule.alert)}; names must be unique`);
    seen.add(rule.alert);
    return rule;
  });
}

/** Validates one rule; see {@link validateAlertRules}. `index` is 1-based. */
export function validateAlertRule(raw: unknown, source: string, index: number): ResolvedAlertRule {
  const name = typeof raw === 'object' && raw !== null && typeof (raw as { alert?: unknown }).alert === 'string' ? (raw as { alert: string }).alert : undefined;
  // Fields are named in messages as the user wrote them (keep_firing_for in a file, keepFiringFor in code).
  const written: Record<string, string> = {};
  const fail = (field: string, problem: string): never => {
    // A field not written at all is named as files spell it, unless the rules came from code.
    const snake = source === 'rules' ? undefined : Object.keys(ALIASES).find((alias) => ALIASES[alias] === field);
    throw new AlertRulesError(source, index, name, written[field] ?? snake ?? field, problem);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('rule', `expected an object, got ${describeValue(raw)}`);
  const rule: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = ALIASES[key] ?? key;
    if (canonical in rule) fail(key, `given twice (as ${canonical} and ${key})`);
    rule[canonical] = value;
    written[canonical] = key;
  }
  const kind = rule['kind'] ?? 'threshold';
  if (!(KINDS as readonly unknown[]).includes(kind)) fail('kind', `expected one of ${KINDS.join(', ')}, got ${describeValue(kind)}`);
  const k = kind as (typeof KINDS)[number];
  for (const key of Object.keys(rule)) {
    if (!KEYS_BY_KIND[k].includes(key)) fail(key, `unknown field for a ${k} rule; allowed: ${KEYS_BY_KIND[k].join(', ')}`);
  }
  if (typeof rule['alert'] !== 'string' || !NAME.test(rule['alert'])) fail('alert', `expected a name matching [a-zA-Z_][a-zA-Z0-9_]*, got ${describeValue(rule['alert'])}`);

  const duration = (field: string): number => {
    const value = rule[field];
    if (value === undefined) return 0;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    return ms ?? fail(field, `expected a duration like 30s, got ${describeValue(value)}`);
  };
  const stringMap = (field: string, allowValue: boolean): Record<string, string> => {
    const value = rule[field];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(field, `expected a map of strings, got ${describeValue(value)}`);
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (field === 'labels' && !NAME.test(key)) fail(`${field}.${key}`, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*');
      if (field === 'labels' && (key === 'alertname' || key === 'severity')) fail(`${field}.${key}`, `set by the rule (use ${key === 'alertname' ? 'alert' : 'severity'})`);
      if (typeof item !== 'string') fail(`${field}.${key}`, `expected a string, got ${describeValue(item)}`);
      const problem = checkTemplate(item as string, allowValue);
      if (problem !== undefined) fail(`${field}.${key}`, problem);
      out[key] = item as string;
    }
    return out;
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T | undefined): T => {
    const value = rule[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return fail(field, `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`);
    return value as T;
  };
  const number = (field: string, check: (n: number) => boolean, expectation: string): number => {
    const value = rule[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) return fail(field, `expected ${expectation}, got ${describeValue(value)}`);
    return value;
  };

  const base: ResolvedRuleBase = {
    alert: rule['alert'] as string,
    origin: `${source}: rule ${index} (${JSON.stringify(name)})`,
    forMs: duration('for'),
    keepFiringForMs: duration('keepFiringFor'),
    severity: oneOf('severity', ALERT_SEVERITIES, 'warning'),
    labels: stringMap('labels', false),
    annotations: stringMap('annotations', true),
    noData: oneOf('noData', NO_DATA, 'ok'),
  };

  const figureRef = () => {
    const figure = rule['figure'];
    if (typeof figure !== 'string' || !FIGURE.test(figure)) fail('figure', `expected a figure such as source.p95Ms or system.cpuPercent, got ${describeValue(figure)}`);
    const problem = checkSnapshotFigure(figure as string);
    if (problem !== undefined) fail('figure', problem);
    const window = rule['window'];
    if (window !== undefined && (typeof window !== 'string' || (window !== 'sinceStart' && parseDuration(window) === undefined))) {
      fail('window', `expected a window like 1m or sinceStart, got ${describeValue(window)}`);
    }
    return { figure: figure as string, window: window as string | undefined, aggregate: oneOf('aggregate', AGGREGATIONS, 'none') };
  };
  const detector = <T extends object>(build: (options: T) => unknown): T => {
    const value = rule['detector'] ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('detector', `expected detector options, got ${describeValue(value)}`);
    try {
      build(value as T);
    } catch (error) {
      fail('detector', error instanceof Error ? error.message : String(error));
    }
    return value as T;
  };

  switch (k) {
    case 'threshold':
      return {
        ...base,
        kind: 'threshold',
        ...figureRef(),
        op: oneOf('op', OPERATORS, undefined),
        threshold: number('threshold', () => true, 'a finite number'),
      };
    case 'anomaly':
      return { ...base, kind: 'anomaly', ...figureRef(), detector: detector<OnlineAnomalyDetectorOptions>((o) => new OnlineAnomalyDetector(o)) };
    case 'regression':
      return { ...base, kind: 'regression', scope: oneOf('scope', SCOPES, undefined), detector: detector<LatencyRegressionDetectorOptions>((o) => new LatencyRegressionDetector(o)) };
    case 'burn_rate': {
      const sli = oneOf('sli', ['errors', 'latency'] as const, undefined);
      const objective = number('objective', (n) => n > 0 && n < 1, 'a share between 0 and 1 (exclusive), e.g. 0.999');
      const latencyThresholdMs = sli === 'latency' ? number('latencyThresholdMs', (n) => n > 0, 'a positive number of ms (required for sli: latency)') : undefined;
      const scale = rule['windowScale'] === undefined ? 1 : number('windowScale', (n) => n > 0, 'a positive number');
      const rawWindows = rule['windows'] ?? DEFAULT_BURN_RATE_WINDOWS;
      if (!Array.isArray(rawWindows) || rawWindows.length === 0) fail('windows', `expected a list of {long, short, factor, severity}, got ${describeValue(rawWindows)}`);
      const windows = (rawWindows as unknown[]).map((w, j): ResolvedBurnRateWindow => {
        const field = `windows[${j}]`;
        if (typeof w !== 'object' || w === null) return fail(field, `expected {long, short, factor, severity}, got ${describeValue(w)}`);
        const { long, short, factor, severity } = w as Record<string, unknown>;
        const longMs = typeof long === 'string' ? parseDuration(long) : undefined;
        const shortMs = typeof short === 'string' ? parseDuration(short) : undefined;
        if (longMs === undefined || longMs <= 0) fail(`${field}.long`, `expected a duration like 1h, got ${describeValue(long)}`);
        if (shortMs === undefined || shortMs <= 0) fail(`${field}.short`, `expected a duration like 5m, got ${describeValue(short)}`);
        if ((shortMs as number) >= (longMs as number)) fail(`${field}.short`, 'must be shorter than long');
        if (typeof factor !== 'number' || !(factor > 0)) fail(`${field}.factor`, `expected a positive burn rate, got ${describeValue(factor)}`);
        if (!(ALERT_SEVERITIES as readonly unknown[]).includes(severity)) fail(`${field}.severity`, `expected one of ${ALERT_SEVERITIES.join(', ')}, got ${describeValue(severity)}`);
        return { longMs: (longMs as number) * scale, shortMs: (shortMs as number) * scale, factor: factor as number, severity: severity as AlertSeverity, label: `${long as string}/${short as string}` };
      });
      return { ...base, kind: 'burn_rate', scope: oneOf('scope', SCOPES, undefined), sli, objective, latencyThresholdMs, windows };
    }
  }
}

/** Validates rules given in code (`AlertRuleDefinition`s); errors name `rules` and the index. */
export function resolveAlertRules(rules: readonly AlertRuleDefinition[], source = 'rules'): ResolvedAlertRule[] {
  return validateAlertRules(rules, source);
}
