import { LatencyRegressionDetector } from '../detectors/latency-regression-detector.js';
import { OnlineAnomalyDetector } from '../detectors/online-anomaly-detector.js';
import type { LatencyRegressionDetectorOptions, OnlineAnomalyDetectorOptions } from '../detectors/types.js';
import { describeValue } from '../../src/text/describe-value.js';
import { AlertRulesError, type AlertRuleProblem } from './alert-rules-error.js';
import { parseDuration } from './duration.js';
import { checkRuleFigure, type AlertRuleContext } from './rule-figures.js';
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
 * applied, detector options checked by building a detector. Names must be unique. Every problem is
 * collected and reported at once. With a `context` (start-up and `fedscope check-rules` pass the
 * pipeline's), figures and windows are checked against what the pipeline supplies too.
 * @param raw - an array of rule objects
 * @param source - where they came from, for messages: a file name, or `rules` for code
 * @param context - the analysis windows and figures of the pipeline the rules are for
 * @throws AlertRulesError listing every problem, each naming the source, the rule (1-based index and name) and the field
 */
export function validateAlertRules(raw: unknown, source = 'rules', context?: AlertRuleContext): ResolvedAlertRule[] {
  const problems: AlertRuleProblem[] = [];
  const rules = collectAlertRules(raw, source, context, problems);
  if (problems.length > 0) throw AlertRulesError.of(problems);
  return rules;
}

/**
 * {@link validateAlertRules} without throwing: appends every problem to `problems` and returns the
 * rules that are valid (for callers that gather problems of several files or parts of a file).
 */
export function collectAlertRules(
  raw: unknown,
  source: string,
  context: AlertRuleContext | undefined,
  problems: AlertRuleProblem[],
): ResolvedAlertRule[] {
  if (!Array.isArray(raw)) {
    problems.push({
      source,
      ruleIndex: undefined,
      ruleName: undefined,
      field: 'rules',
      problem: `expected a list of rules, got ${describeValue(raw)}`,
    });
    return [];
  }
  const seen = new Set<string>();
  const rules: ResolvedAlertRule[] = [];
  raw.forEach((item: unknown, i) => {
    const rule = checkAlertRule(item, source, i + 1, context, problems);
    const name = nameOf(item);
    if (name !== undefined && seen.has(name)) {
      problems.push({
        source,
        ruleIndex: i + 1,
        ruleName: name,
        field: 'alert',
        problem: `another rule is already named ${JSON.stringify(name)}; names must be unique`,
      });
    }
    if (name !== undefined) seen.add(name);
    if (rule !== undefined) rules.push(rule);
  });
  return rules;
}

/**
 * Validates one rule; see {@link validateAlertRules}. `index` is 1-based.
 * @throws AlertRulesError listing every problem of the rule
 */
export function validateAlertRule(raw: unknown, source: string, index: number, context?: AlertRuleContext): ResolvedAlertRule {
  const problems: AlertRuleProblem[] = [];
  const rule = checkAlertRule(raw, source, index, context, problems);
  if (rule === undefined || problems.length > 0) throw AlertRulesError.of(problems);
  return rule;
}

function nameOf(raw: unknown): string | undefined {
  return typeof raw === 'object' && raw !== null && typeof (raw as { alert?: unknown }).alert === 'string'
    ? (raw as { alert: string }).alert
    : undefined;
}

/**
 * Checks one rule, appending a problem per wrong field and going on past it (so one run reports
 * them all); returns the resolved rule only when it has none. Values after a problem are
 * placeholders that are never returned.
 */
function checkAlertRule(
  raw: unknown,
  source: string,
  index: number,
  context: AlertRuleContext | undefined,
  problems: AlertRuleProblem[],
): ResolvedAlertRule | undefined {
  const before = problems.length;
  const name = nameOf(raw);
  // Fields are named in messages as the user wrote them (keep_firing_for in a file, keepFiringFor in code).
  const written: Record<string, string> = {};
  const report = (field: string, problem: string): void => {
    // A field not written at all is named as files spell it, unless the rules came from code.
    const snake = source === 'rules' ? undefined : Object.keys(ALIASES).find((alias) => ALIASES[alias] === field);
    problems.push({ source, ruleIndex: index, ruleName: name, field: written[field] ?? snake ?? field, problem });
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    report('rule', `expected an object, got ${describeValue(raw)}`);
    return undefined;
  }
  const rule: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = ALIASES[key] ?? key;
    if (canonical in rule) report(key, `given twice (as ${canonical} and ${key})`);
    rule[canonical] = value;
    written[canonical] = key;
  }
  const kind = rule['kind'] ?? 'threshold';
  const k = (KINDS as readonly unknown[]).includes(kind) ? (kind as (typeof KINDS)[number]) : undefined;
  if (k === undefined) report('kind', `expected one of ${KINDS.join(', ')}, got ${describeValue(kind)}`);
  else {
    for (const key of Object.keys(rule)) {
      if (!KEYS_BY_KIND[k].includes(key)) report(key, `unknown field for a ${k} rule; allowed: ${KEYS_BY_KIND[k].join(', ')}`);
    }
  }
  if (typeof rule['alert'] !== 'string' || !NAME.test(rule['alert']))
    report('alert', `expected a name matching [a-zA-Z_][a-zA-Z0-9_]*, got ${describeValue(rule['alert'])}`);

  const duration = (field: string): number => {
    const value = rule[field];
    if (value === undefined) return 0;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) report(field, `expected a duration like 30s, got ${describeValue(value)}`);
    return ms ?? 0;
  };
  const stringMap = (field: string, allowValue: boolean): Record<string, string> => {
    const value = rule[field];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      report(field, `expected a map of strings, got ${describeValue(value)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (field === 'labels' && !NAME.test(key)) report(`${field}.${key}`, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*');
      if (field === 'labels' && (key === 'alertname' || key === 'severity'))
        report(`${field}.${key}`, `set by the rule (use ${key === 'alertname' ? 'alert' : 'severity'})`);
      if (typeof item !== 'string') {
        report(`${field}.${key}`, `expected a string, got ${describeValue(item)}`);
        continue;
      }
      const problem = checkTemplate(item, allowValue);
      if (problem !== undefined) report(`${field}.${key}`, problem);
      out[key] = item;
    }
    return out;
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T | undefined): T => {
    const value = rule[field];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      report(field, `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`);
      return fallback ?? allowed[0]!;
    }
    return value as T;
  };
  const number = (field: string, check: (n: number) => boolean, expectation: string): number => {
    const value = rule[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      report(field, `expected ${expectation}, got ${describeValue(value)}`);
      return NaN;
    }
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
    const window = rule['window'];
    const windowWellFormed =
      window === undefined || (typeof window === 'string' && (window === 'sinceStart' || parseDuration(window) !== undefined));
    if (typeof figure !== 'string' || !FIGURE.test(figure)) {
      report('figure', `expected a figure such as source.p95Ms or system.cpuPercent, got ${describeValue(figure)}`);
    } else if (context === undefined) {
      const problem = checkSnapshotFigure(figure);
      if (problem !== undefined) report('figure', problem);
    } else {
      // The window is checked against the analysis windows only once it is well formed.
      for (const p of checkRuleFigure(figure, windowWellFormed ? window : undefined, context)) report(p.field, p.problem);
    }
    if (!windowWellFormed) report('window', `expected a window like 1m or sinceStart, got ${describeValue(window)}`);
    return { figure: figure as string, window: window as string | undefined, aggregate: oneOf('aggregate', AGGREGATIONS, 'none') };
  };
  const detector = <T extends object>(build: (options: T) => unknown): T => {
    const value = rule['detector'] ?? {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      report('detector', `expected detector options, got ${describeValue(value)}`);
      return {} as T;
    }
    try {
      build(value as T);
    } catch (error) {
      report('detector', error instanceof Error ? error.message : String(error));
    }
    return value as T;
  };

  const resolved = ((): ResolvedAlertRule | undefined => {
    switch (k) {
      case undefined:
        return undefined;
      case 'threshold':
        return {
          ...base,
          kind: 'threshold',
          ...figureRef(),
          op: oneOf('op', OPERATORS, undefined),
          threshold: number('threshold', () => true, 'a finite number'),
        };
      case 'anomaly':
        return {
          ...base,
          kind: 'anomaly',
          ...figureRef(),
          detector: detector<OnlineAnomalyDetectorOptions>((o) => new OnlineAnomalyDetector(o)),
        };
      case 'regression':
        return {
          ...base,
          kind: 'regression',
          scope: oneOf('scope', SCOPES, undefined),
          detector: detector<LatencyRegressionDetectorOptions>((o) => new LatencyRegressionDetector(o)),
        };
      case 'burn_rate': {
        const sli = oneOf('sli', ['errors', 'latency'] as const, undefined);
        const objective = number('objective', (n) => n > 0 && n < 1, 'a share between 0 and 1 (exclusive), e.g. 0.999');
        const latencyThresholdMs =
          sli === 'latency' ? number('latencyThresholdMs', (n) => n > 0, 'a positive number of ms (required for sli: latency)') : undefined;
        const scale = rule['windowScale'] === undefined ? 1 : number('windowScale', (n) => n > 0, 'a positive number');
        const rawWindows = rule['windows'] ?? DEFAULT_BURN_RATE_WINDOWS;
        if (!Array.isArray(rawWindows) || rawWindows.length === 0) {
          report('windows', `expected a list of {long, short, factor, severity}, got ${describeValue(rawWindows)}`);
          return undefined;
        }
        const windows = (rawWindows as unknown[]).map((w, j): ResolvedBurnRateWindow | undefined => {
          const field = `windows[${j}]`;
          if (typeof w !== 'object' || w === null) {
            report(field, `expected {long, short, factor, severity}, got ${describeValue(w)}`);
            return undefined;
          }
          const { long, short, factor, severity } = w as Record<string, unknown>;
          const longMs = typeof long === 'string' ? parseDuration(long) : undefined;
          const shortMs = typeof short === 'string' ? parseDuration(short) : undefined;
          const longOk = longMs !== undefined && longMs > 0;
          const shortOk = shortMs !== undefined && shortMs > 0;
          if (!longOk) report(`${field}.long`, `expected a duration like 1h, got ${describeValue(long)}`);
          if (!shortOk) report(`${field}.short`, `expected a duration like 5m, got ${describeValue(short)}`);
          if (longOk && shortOk && shortMs >= longMs) report(`${field}.short`, 'must be shorter than long');
          if (typeof factor !== 'number' || !(factor > 0))
            report(`${field}.factor`, `expected a positive burn rate, got ${describeValue(factor)}`);
          if (!(ALERT_SEVERITIES as readonly unknown[]).includes(severity))
            report(`${field}.severity`, `expected one of ${ALERT_SEVERITIES.join(', ')}, got ${describeValue(severity)}`);
          return {
            longMs: (longMs ?? 0) * scale,
            shortMs: (shortMs ?? 0) * scale,
            factor: factor as number,
            severity: severity as AlertSeverity,
            label: `${String(long)}/${String(short)}`,
          };
        });
        return {
          ...base,
          kind: 'burn_rate',
          scope: oneOf('scope', SCOPES, undefined),
          sli,
          objective,
          latencyThresholdMs,
          windows: windows as ResolvedBurnRateWindow[],
        };
      }
    }
  })();
  return problems.length === before ? resolved : undefined;
}

/** Validates rules given in code (`AlertRuleDefinition`s); errors name `rules` and the index. */
export function resolveAlertRules(
  rules: readonly AlertRuleDefinition[],
  source = 'rules',
  context?: AlertRuleContext,
): ResolvedAlertRule[] {
  return validateAlertRules(rules, source, context);
}
