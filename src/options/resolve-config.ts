import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { DEFAULT_ALERT_RULES } from '../../processors/alerts/default-rules.js';
import { AlertRulesError, type AlertRuleProblem } from '../../processors/alerts/alert-rules-error.js';
import { loadAlertRulesFileSync } from '../../processors/alerts/load-alert-rules.js';
import { PIPELINE_FIGURE_NAMES, type AlertRuleContext } from '../../processors/alerts/rule-figures.js';
import { collectAlertRules } from '../../processors/alerts/validate-alert-rules.js';
import { FEDSCOPE_ROUTE_PREFIX } from '../output/http/route-prefix.js';
import { DEFAULT_MAX_SERIES_PER_METRIC, MAX_SERIES_PER_METRIC_LIMIT } from '../output/metrics/exposition-budget.js';
import { DEFAULT_WINDOWS_SECONDS } from '../stats/sliding-window-stats.js';
import { resolveHttpAccess } from './resolve-http-access.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type ResolvedAlertsConfig,
  type ResolvedConfig,
  type ResolvedInfluxDbConfig,
  type ResolvedOtlpConfig,
  type ResolvedPrometheusConfig,
} from './resolved-config.js';
import type { SourceInstrumentationsOptions } from '../../instrumentations/source-instrumentations.js';
import type { AnalysisOptions, FedscopeOptions, OtlpProtocol, QueryTextMode, SamplerName, TraceAssemblyOptions } from './types.js';
import { describeValue } from '../text/describe-value.js';
import {
  expectBoolean,
  expectHttpBaseUrl,
  expectHttpUrl,
  expectNumber,
  expectObject,
  expectOneOf,
  expectString,
  expectHeaders,
  parseHeaderPairs,
} from './value-checks.js';

const TOP_LEVEL_KEYS = [
  'serviceName',
  'resourceAttributes',
  'otlp',
  'prometheus',
  'sampler',
  'analyzeUnsampled',
  'analysis',
  'metrics',
  'queryText',
  'registerGlobal',
  'spanProcessors',
  'instrumentations',
  'sourceInstrumentations',
  'health',
  'hostMetrics',
  'runtimeMetrics',
  'alerts',
  'influxdb',
  'history',
  'jaegerUiUrl',
  'traceAssembly',
  'shutdownTimeoutMs',
  'http',
] as const;
const INFLUXDB_KEYS = [
  'url',
  'database',
  'username',
  'password',
  'org',
  'bucket',
  'token',
  'timeoutMs',
  'maxBatchLines',
  'maxQueuedBatches',
] as const;
/** The InfluxDB options given as text, with the variable each falls back to. */
const INFLUXDB_TEXT_SETTINGS = [
  ['database', 'FEDSCOPE_INFLUXDB_DATABASE'],
  ['username', 'FEDSCOPE_INFLUXDB_USERNAME'],
  ['password', 'FEDSCOPE_INFLUXDB_PASSWORD'],
  ['org', 'FEDSCOPE_INFLUXDB_ORG'],
  ['bucket', 'FEDSCOPE_INFLUXDB_BUCKET'],
  ['token', 'FEDSCOPE_INFLUXDB_TOKEN'],
] as const;
const ALERTS_KEYS = ['defaultRules', 'rules', 'rulesFile', 'evaluationIntervalMs', 'alertmanager', 'webhooks', 'log', 'spoolDir'] as const;
const HEALTH_KEYS = ['objectives', 'latencyObjectivesMs', 'breakers'] as const;
const SOURCE_INSTRUMENTATION_KEYS = [
  'pg',
  'mysql2',
  'duckdb',
  'betterSqlite3',
  'onlyInstalled',
  'sources',
  'queryText',
  'renameSpans',
] as const;
const OTLP_KEYS = [
  'endpoint',
  'tracesEndpoint',
  'metricsEndpoint',
  'protocol',
  'headers',
  'compression',
  'timeoutMillis',
  'metrics',
  'metricsIntervalMillis',
] as const;
const PROMETHEUS_KEYS = ['startServer', 'host', 'port', 'endpoint'] as const;
const SAMPLER_KEYS = ['name', 'ratio'] as const;
const ANALYSIS_LIMIT_KEYS = ['maxQueries', 'maxStages', 'maxSources', 'maxStatements', 'topStatements'] as const;
const ANALYSIS_KEYS = ['windowsSeconds', 'idleExpirySeconds', ...ANALYSIS_LIMIT_KEYS] as const;
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const COMPRESSIONS = ['gzip', 'none'] as const;
const QUERY_TEXT_MODES: readonly QueryTextMode[] = ['sanitized', 'raw', 'off'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const DEFAULT_PROMETHEUS_PORT = 9464;

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Merges options with the standard OTel and FEDSCOPE_* environment variables and validates both.
 * Options win over the environment; the environment wins over defaults.
 * @throws FedscopeConfigError naming the option or variable that is wrong
 */
export function resolveConfig(options: FedscopeOptions = {}, env: Environment = process.env): ResolvedConfig {
  const opts = expectObject('', options, TOP_LEVEL_KEYS) as FedscopeOptions;
  const samplerOpts = opts.sampler === undefined ? {} : expectObject('sampler', opts.sampler, SAMPLER_KEYS);
  const analysis = resolveAnalysis(opts.analysis);
  return {
    serviceName: expectString('serviceName', opts.serviceName),
    resourceAttributes: resolveResourceAttributes(opts.resourceAttributes),
    otlp: resolveOtlp(opts.otlp, env),
    prometheus: resolvePrometheus(opts.prometheus, env),
    sampler: {
      name:
        expectOneOf('sampler.name', samplerOpts['name'], SAMPLERS) ??
        expectOneOf('OTEL_TRACES_SAMPLER', envValue(env, 'OTEL_TRACES_SAMPLER'), SAMPLERS) ??
        'parentbased_always_on',
      ratio:
        expectNumber('sampler.ratio', samplerOpts['ratio'], { min: 0, max: 1 }) ??
        envNumber(env, 'OTEL_TRACES_SAMPLER_ARG', { min: 0, max: 1 }) ??
        1,
    },
    analysis,
    metrics: resolveMetrics(opts.metrics),
    health: resolveHealth(opts.health),
    hostMetrics: resolveHostMetrics(opts.hostMetrics, env),
    runtimeMetrics: expectBoolean('runtimeMetrics', opts.runtimeMetrics) ?? true,
    alerts: resolveAlerts(opts.alerts, env, alertRuleContext(analysis)),
    influxdb: resolveInfluxDb(opts.influxdb, env),
    http: resolveHttpAccess(opts.http, env),
    history: resolveHistory(opts.history, env),
    jaegerUiUrl: resolveJaegerUiUrl(opts.jaegerUiUrl, env),
    traceAssembly: resolveTraceAssembly(opts.traceAssembly),
    shutdownTimeoutMs:
      expectNumber('shutdownTimeoutMs', opts.shutdownTimeoutMs, SHUTDOWN_TIMEOUT_RANGE) ??
      envNumber(env, 'FEDSCOPE_SHUTDOWN_TIMEOUT_MS', SHUTDOWN_TIMEOUT_RANGE) ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
    analyzeUnsampled: expectBoolean('analyzeUnsampled', opts.analyzeUnsampled) ?? envBoolean(env, 'FEDSCOPE_ANALYZE_UNSAMPLED') ?? true,
    queryText:
      expectOneOf('queryText', opts.queryText, QUERY_TEXT_MODES) ??
      expectOneOf('FEDSCOPE_QUERY_TEXT', envValue(env, 'FEDSCOPE_QUERY_TEXT'), QUERY_TEXT_MODES) ??
      'sanitized',
    registerGlobal: expectBoolean('registerGlobal', opts.registerGlobal) ?? true,
    spanProcessors: expectArrayOf('spanProcessors', opts.spanProcessors, 'a SpanProcessor', (p) =>
      hasMethods(p, ['onStart', 'onEnd', 'shutdown', 'forceFlush']),
    ),
    sourceInstrumentations: resolveSourceInstrumentations(opts.sourceInstrumentations),
    instrumentations: expectArrayOf('instrumentations', opts.instrumentations, 'an Instrumentation', (i) =>
      hasMethods(i, ['enable', 'disable', 'setTracerProvider']),
    ),
  };
}

function resolveSourceInstrumentations(value: FedscopeOptions['sourceInstrumentations']): SourceInstrumentationsOptions | false {
  if (value === false) return false;
  if (value === undefined) return {};
  const opts = expectObject('sourceInstrumentations', value, SOURCE_INSTRUMENTATION_KEYS);
  for (const driver of ['pg', 'mysql2', 'duckdb', 'betterSqlite3'] as const) {
    const driverOptions = opts[driver];
    if (
      driverOptions !== undefined &&
      driverOptions !== false &&
      (typeof driverOptions !== 'object' || driverOptions === null || Array.isArray(driverOptions))
    ) {
      throw new FedscopeConfigError(
        `sourceInstrumentations.${driver}`,
        `expected an options object or false, got ${describeValue(driverOptions)}`,
      );
    }
  }
  expectBoolean('sourceInstrumentations.onlyInstalled', opts['onlyInstalled']);
  expectBoolean('sourceInstrumentations.renameSpans', opts['renameSpans']);
  expectOneOf('sourceInstrumentations.queryText', opts['queryText'], QUERY_TEXT_MODES);
  const sources = opts['sources'];
  if (
    sources !== undefined &&
    typeof sources !== 'function' &&
    (typeof sources !== 'object' || sources === null || Array.isArray(sources))
  ) {
    throw new FedscopeConfigError(
      'sourceInstrumentations.sources',
      `expected a map of "host:port/database" to source names, or a function, got ${describeValue(sources)}`,
    );
  }
  return value;
}

/**
 * What start-up checks rules' figures and windows against: the analysis windows and the figures
 * the pipeline supplies. `fedscope check-rules` validates with the same context.
 */
export function alertRuleContext(analysis: AnalysisOptions): AlertRuleContext {
  return { windowsSeconds: analysis.windowsSeconds ?? DEFAULT_WINDOWS_SECONDS, figures: PIPELINE_FIGURE_NAMES };
}

function resolveAlerts(value: FedscopeOptions['alerts'], env: Environment, context: AlertRuleContext): ResolvedAlertsConfig | undefined {
  if (value === false) return undefined;
  if (value === undefined && envValue(env, 'FEDSCOPE_ALERTS') === 'off') return undefined;
  const opts = value === undefined ? {} : expectObject('alerts', value, ALERTS_KEYS);
  // Every problem of the rules file and of the rules in code, reported at once.
  const problems: AlertRuleProblem[] = [];
  const rulesFile = expectString('alerts.rulesFile', opts['rulesFile']) ?? envValue(env, 'FEDSCOPE_ALERT_RULES_FILE');
  let fileRules: ReturnType<typeof loadAlertRulesFileSync> = [];
  try {
    fileRules = rulesFile === undefined ? [] : loadAlertRulesFileSync(rulesFile, context);
  } catch (error) {
    if (!(error instanceof AlertRulesError)) throw error;
    problems.push(...error.problems);
  }
  const codeRules = opts['rules'] === undefined ? [] : collectAlertRules(opts['rules'], 'alerts.rules', context, problems);
  if (problems.length > 0) throw AlertRulesError.of(problems);
  const userRules = [...fileRules, ...codeRules];
  // A user rule named like a default one replaces it.
  const userNames = new Set(userRules.map((rule) => rule.alert));
  const defaults =
    (expectBoolean('alerts.defaultRules', opts['defaultRules']) ?? true)
      ? DEFAULT_ALERT_RULES.filter((rule) => !userNames.has(rule.alert))
      : [];
  const alertmanagerOpts =
    opts['alertmanager'] === undefined
      ? undefined
      : expectObject('alerts.alertmanager', opts['alertmanager'], ['url', 'resendIntervalMs', 'holdResolvedMs', 'headers']);
  const alertmanagerUrl = alertmanagerOpts
    ? expectHttpUrl('alerts.alertmanager.url', alertmanagerOpts['url'])
    : envUrl(env, 'FEDSCOPE_ALERTMANAGER_URL');
  if (alertmanagerOpts && alertmanagerUrl === undefined)
    throw new FedscopeConfigError('alerts.alertmanager.url', 'expected the Alertmanager base URL, e.g. http://127.0.0.1:9093');
  const webhooks = opts['webhooks'] === undefined ? [] : opts['webhooks'];
  if (!Array.isArray(webhooks))
    throw new FedscopeConfigError('alerts.webhooks', `expected an array of { url, headers? }, got ${describeValue(webhooks)}`);
  return {
    rules: [...defaults, ...userRules],
    evaluationIntervalMs:
      expectNumber('alerts.evaluationIntervalMs', opts['evaluationIntervalMs'], { min: 100, max: 3_600_000, integer: true }) ?? 15_000,
    alertmanager:
      alertmanagerUrl === undefined
        ? undefined
        : {
            url: alertmanagerUrl,
            resendIntervalMs: expectNumber('alerts.alertmanager.resendIntervalMs', alertmanagerOpts?.['resendIntervalMs'], {
              min: 1000,
              max: 3_600_000,
              integer: true,
            }),
            holdResolvedMs: expectNumber('alerts.alertmanager.holdResolvedMs', alertmanagerOpts?.['holdResolvedMs'], {
              min: 0,
              max: 600_000,
              integer: true,
            }),
            headers: expectHeaders('alerts.alertmanager.headers', alertmanagerOpts?.['headers']),
          },
    webhooks: webhooks.map((hook: unknown, i) => {
      const entry = expectObject(`alerts.webhooks[${i}]`, hook, ['url', 'headers']);
      return {
        url: expectHttpUrl(`alerts.webhooks[${i}].url`, entry['url'])!,
        headers: expectHeaders(`alerts.webhooks[${i}].headers`, entry['headers']),
      };
    }),
    log: expectBoolean('alerts.log', opts['log']) ?? true,
    spoolDir: resolveDirectorySetting('alerts.spoolDir', opts['spoolDir'], 'FEDSCOPE_ALERT_SPOOL_DIR', env),
  };
}

/**
 * A directory option (`field`), else its variable, made absolute against the working directory;
 * one that exists must be a directory (errors name the option or the variable, whichever gave it).
 */
function resolveDirectorySetting(field: string, value: unknown, variable: string, env: Environment): string | undefined {
  const given = expectString(field, value);
  const dir = given ?? envValue(env, variable);
  return dir === undefined ? undefined : resolveDirectoryPath(given !== undefined ? field : variable, dir, process.cwd());
}

/**
 * The InfluxDB push: each field from the option, else its `FEDSCOPE_INFLUXDB_*` variable; on when
 * a URL is given. Errors name the option or the variable, never echo a secret.
 */
function resolveInfluxDb(value: FedscopeOptions['influxdb'], env: Environment): ResolvedInfluxDbConfig | undefined {
  if (value === false) return undefined;
  const opts = value === undefined ? {} : expectObject('influxdb', value, INFLUXDB_KEYS);
  // What an error names: the option when given (or missing from an options object), else the variable.
  const nameOf = (key: string, variable: string): string =>
    opts[key] !== undefined || (value !== undefined && envValue(env, variable) === undefined) ? `influxdb.${key}` : variable;
  const text: Partial<Record<(typeof INFLUXDB_TEXT_SETTINGS)[number][0], { value: string; field: string }>> = {};
  for (const [key, variable] of INFLUXDB_TEXT_SETTINGS) {
    const given = optionText(`influxdb.${key}`, opts[key], key === 'password' || key === 'token') ?? envValue(env, variable);
    if (given === undefined) continue;
    const field = nameOf(key, variable);
    // A CR or LF would split the request's headers; the value is not echoed (it may be a secret).
    if (/[\x00-\x1f\x7f]/.test(given)) throw new FedscopeConfigError(field, 'the value has a control character (CR, LF, NUL, …)');
    text[key] = { value: given, field };
  }
  const urlText = expectString('influxdb.url', opts['url']) ?? envValue(env, 'FEDSCOPE_INFLUXDB_URL');
  const urlField = nameOf('url', 'FEDSCOPE_INFLUXDB_URL');
  const anyGiven = Object.values(text).length > 0 || INFLUXDB_KEYS.some((key) => opts[key] !== undefined);
  if (urlText === undefined) {
    if (!anyGiven) return undefined;
    throw new FedscopeConfigError(urlField, 'required: the InfluxDB base URL, e.g. http://127.0.0.1:8086');
  }
  const url = expectHttpBaseUrl(urlField, urlText, {
    credentials: 'give username/password (1.x) or a token (2.x) in their own settings',
    example: 'http://127.0.0.1:8086; the write path and its parameters are added',
  })!;
  const v2 = (['org', 'bucket', 'token'] as const).filter((key) => text[key] !== undefined);
  if (text.database !== undefined && v2.length > 0)
    throw new FedscopeConfigError(
      text[v2[0]!]!.field,
      'is for InfluxDB 2.x (org, bucket, token), but a database (1.x) is given too: give one or the other',
    );
  if (text.database === undefined && v2.length === 0)
    throw new FedscopeConfigError(
      nameOf('database', 'FEDSCOPE_INFLUXDB_DATABASE'),
      'required: a database (InfluxDB 1.x), or org, bucket and token (2.x)',
    );
  const apiVersion = text.database === undefined ? 2 : 1;
  if (apiVersion === 2) {
    for (const [key, variable] of [
      ['org', 'FEDSCOPE_INFLUXDB_ORG'],
      ['bucket', 'FEDSCOPE_INFLUXDB_BUCKET'],
      ['token', 'FEDSCOPE_INFLUXDB_TOKEN'],
    ] as const)
      if (text[key] === undefined) throw new FedscopeConfigError(nameOf(key, variable), 'required for InfluxDB 2.x, with org and bucket');
    for (const key of ['username', 'password'] as const)
      if (text[key] !== undefined)
        throw new FedscopeConfigError(text[key].field, 'is for InfluxDB 1.x (with a database); 2.x takes a token');
  } else {
    if ((text.username === undefined) !== (text.password === undefined))
      throw new FedscopeConfigError(
        text.username === undefined ? nameOf('username', 'FEDSCOPE_INFLUXDB_USERNAME') : nameOf('password', 'FEDSCOPE_INFLUXDB_PASSWORD'),
        'required with the other: InfluxDB 1.x auth takes a username and a password',
      );
    if (text.username?.value.includes(':'))
      throw new FedscopeConfigError(text.username.field, 'may not contain ":" (HTTP Basic auth separates user and password with it)');
  }
  return {
    url,
    apiVersion,
    database: text.database?.value,
    username: text.username?.value,
    password: text.password?.value,
    org: text.org?.value,
    bucket: text.bucket?.value,
    token: text.token?.value,
    timeoutMs: expectNumber('influxdb.timeoutMs', opts['timeoutMs'], { min: 100, max: 600_000, integer: true }) ?? 10_000,
    maxBatchLines: expectNumber('influxdb.maxBatchLines', opts['maxBatchLines'], { min: 1, max: 100_000, integer: true }) ?? 5_000,
    maxQueuedBatches: expectNumber('influxdb.maxQueuedBatches', opts['maxQueuedBatches'], { min: 1, max: 10_000, integer: true }) ?? 60,
  };
}

/** An optional non-empty string; a secret's wrong value is described by its type only, never shown. */
function optionText(field: string, value: unknown, secret: boolean): string | undefined {
  if (!secret || value === undefined || (typeof value === 'string' && value.trim() !== '')) return expectString(field, value);
  throw new FedscopeConfigError(field, `expected a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`);
}

/** `history.dir`, else `FEDSCOPE_HISTORY_DIR`, made absolute (against the working directory). */
function resolveHistory(value: FedscopeOptions['history'], env: Environment): ResolvedConfig['history'] {
  const opts = value === undefined ? {} : expectObject('history', value, ['dir']);
  return { dir: resolveDirectorySetting('history.dir', opts['dir'], 'FEDSCOPE_HISTORY_DIR', env) };
}

/**
 * A directory setting (the history's, the alert spool's) made absolute against `baseDir`; one that exists must be a directory (a
 * missing one is created at start; one that cannot be written is reported then).
 * @throws FedscopeConfigError naming `field` when the path is a file
 */
export function resolveDirectoryPath(field: string, dir: string, baseDir: string): string {
  const path = resolvePath(baseDir, dir);
  let isDirectory = true;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Missing (created at start) or not reachable (reported at start, the history stays in memory).
  }
  if (!isDirectory) throw new FedscopeConfigError(field, `${path} is not a directory`);
  return path;
}

/**
 * `jaegerUiUrl`, else `FEDSCOPE_JAEGER_UI_URL`: an http(s) base URL without credentials (it is
 * served to every reader of the dashboard), query or fragment; returned without trailing slashes
 * so that `/trace/<id>` appends.
 */
export function resolveJaegerUiUrl(value: unknown, env: Environment, field = 'jaegerUiUrl'): string | undefined {
  const name = value !== undefined ? field : 'FEDSCOPE_JAEGER_UI_URL';
  return expectHttpBaseUrl(name, value ?? envValue(env, 'FEDSCOPE_JAEGER_UI_URL'), {
    credentials: 'the URL is shown to every reader of the dashboard',
    example: 'http://localhost:16686',
  });
}

function resolveHealth(value: FedscopeOptions['health']): FedscopeOptions['health'] {
  if (value === undefined) return undefined;
  const opts = expectObject('health', value, HEALTH_KEYS);
  if (opts['breakers'] !== undefined && typeof opts['breakers'] !== 'function') {
    throw new FedscopeConfigError(
      'health.breakers',
      `expected a function returning breaker states by source, got ${describeValue(opts['breakers'])}`,
    );
  }
  if (opts['objectives'] !== undefined) checkHealthObjectives(opts['objectives']);
  if (opts['latencyObjectivesMs'] !== undefined) {
    const perScope = expectObject('health.latencyObjectivesMs', opts['latencyObjectivesMs'], ['queries', 'sources']);
    for (const scope of ['queries', 'sources'] as const) {
      if (perScope[scope] === undefined) continue;
      const byName = expectObject(`health.latencyObjectivesMs.${scope}`, perScope[scope], Object.keys(perScope[scope] as object));
      for (const [name, ms] of Object.entries(byName))
        expectNumber(`health.latencyObjectivesMs.${scope}.${name}`, ms, { min: 0.001, max: 3_600_000 });
    }
  }
  return value;
}

/** The health rules' components, each `{ weight, objective, limit }`. */
const HEALTH_RULE_KEYS = ['latency', 'errors', 'cpu', 'memory', 'eventLoop', 'cache'] as const;

/** Every health objective given is a number in its range (a string or NaN would silently skew every score). */
function checkHealthObjectives(value: unknown): void {
  const objectives = expectObject('health.objectives', value, [...HEALTH_RULE_KEYS, 'breakers', 'overall', 'latencyP95Ms']);
  const anyNumber = { min: -1e12, max: 1e12 };
  for (const key of HEALTH_RULE_KEYS) {
    if (objectives[key] === undefined) continue;
    const rule = expectObject(`health.objectives.${key}`, objectives[key], ['weight', 'objective', 'limit']);
    expectNumber(`health.objectives.${key}.weight`, rule['weight'], { min: 0, max: 100 });
    expectNumber(`health.objectives.${key}.objective`, rule['objective'], anyNumber);
    expectNumber(`health.objectives.${key}.limit`, rule['limit'], anyNumber);
    if (typeof rule['objective'] === 'number' && rule['objective'] === rule['limit'])
      throw new FedscopeConfigError(`health.objectives.${key}`, 'objective and limit must differ: deductions grow from one to the other');
  }
  if (objectives['breakers'] !== undefined) {
    const breakers = expectObject('health.objectives.breakers', objectives['breakers'], ['weight', 'halfOpenFactor']);
    expectNumber('health.objectives.breakers.weight', breakers['weight'], { min: 0, max: 100 });
    expectNumber('health.objectives.breakers.halfOpenFactor', breakers['halfOpenFactor'], { min: 0, max: 1 });
  }
  if (objectives['overall'] !== undefined) {
    const overall = expectObject('health.objectives.overall', objectives['overall'], ['worstQueryMargin', 'worstQueryMinCount']);
    expectNumber('health.objectives.overall.worstQueryMargin', overall['worstQueryMargin'], { min: 0, max: 100 });
    expectNumber('health.objectives.overall.worstQueryMinCount', overall['worstQueryMinCount'], { min: 1, max: 1_000_000, integer: true });
  }
  expectNumber('health.objectives.latencyP95Ms', objectives['latencyP95Ms'], { min: 0.001, max: 3_600_000 });
}

/** A shutdown budget: at least 100 ms, at most 2 minutes. */
const SHUTDOWN_TIMEOUT_RANGE = { min: 100, max: 120_000, integer: true } as const;

function resolveTraceAssembly(value: unknown): TraceAssemblyOptions {
  if (value === undefined) return {};
  const opts = expectObject('traceAssembly', value, ['graceMs', 'maxTracesInFlight', 'maxSpansPerTrace']);
  const resolved: TraceAssemblyOptions = {};
  const graceMs = expectNumber('traceAssembly.graceMs', opts['graceMs'], { min: 0, max: 60_000, integer: true });
  if (graceMs !== undefined) resolved.graceMs = graceMs;
  const traces = expectNumber('traceAssembly.maxTracesInFlight', opts['maxTracesInFlight'], { min: 1, max: 1_000_000, integer: true });
  if (traces !== undefined) resolved.maxTracesInFlight = traces;
  const spans = expectNumber('traceAssembly.maxSpansPerTrace', opts['maxSpansPerTrace'], { min: 1, max: 100_000, integer: true });
  if (spans !== undefined) resolved.maxSpansPerTrace = spans;
  return resolved;
}

function resolveMetrics(value: unknown): { maxSeriesPerMetric: number } {
  const opts = value === undefined ? {} : expectObject('metrics', value, ['maxSeriesPerMetric']);
  return {
    maxSeriesPerMetric:
      expectNumber('metrics.maxSeriesPerMetric', opts['maxSeriesPerMetric'], { min: 2, max: MAX_SERIES_PER_METRIC_LIMIT, integer: true }) ??
      DEFAULT_MAX_SERIES_PER_METRIC,
  };
}

function resolveHostMetrics(value: FedscopeOptions['hostMetrics'], env: Environment): { intervalMs: number } | undefined {
  if (value === false) return undefined;
  if (value === undefined && envValue(env, 'FEDSCOPE_HOST_METRICS') === 'off') return undefined;
  const opts = value === undefined || value === true ? {} : expectObject('hostMetrics', value, ['intervalMs']);
  return {
    intervalMs: expectNumber('hostMetrics.intervalMs', opts['intervalMs'], { min: 10_000, max: 3_600_000, integer: true }) ?? 15_000,
  };
}

function resolveAnalysis(value: unknown): AnalysisOptions {
  if (value === undefined) return {};
  const opts = expectObject('analysis', value, ANALYSIS_KEYS);
  const resolved: AnalysisOptions = {};
  for (const key of ANALYSIS_LIMIT_KEYS) {
    const limit = expectNumber(`analysis.${key}`, opts[key], { min: 1, max: 1_000_000, integer: true });
    if (limit !== undefined) resolved[key] = limit;
  }
  const windows = opts['windowsSeconds'];
  if (windows !== undefined) {
    if (!Array.isArray(windows) || windows.length === 0)
      throw new FedscopeConfigError('analysis.windowsSeconds', `expected a non-empty array of seconds, got ${describeValue(windows)}`);
    const sorted = windows
      .map((w, i) => expectNumber(`analysis.windowsSeconds[${i}]`, w, { min: 5, max: 86_400, integer: true })!)
      .sort((a, b) => a - b);
    sorted.forEach((w, i) => {
      if (i > 0 && sorted[i - 1] === w)
        throw new FedscopeConfigError('analysis.windowsSeconds', `${w} s is given twice: each window must be different`);
      const unit = i === 0 ? 5 : 60;
      if (w % unit !== 0)
        throw new FedscopeConfigError(
          'analysis.windowsSeconds',
          `${w} s: the shortest window must be a multiple of 5 s, the others of 60 s`,
        );
    });
    resolved.windowsSeconds = sorted;
  }
  const idle = expectNumber('analysis.idleExpirySeconds', opts['idleExpirySeconds'], { min: 1, max: 30 * 86_400, integer: true });
  if (idle !== undefined) {
    const longest = (resolved.windowsSeconds ?? [900]).at(-1)!;
    if (idle <= longest)
      throw new FedscopeConfigError('analysis.idleExpirySeconds', `must exceed the longest window (${longest} s), got ${idle}`);
    resolved.idleExpirySeconds = idle;
  }
  return resolved;
}

function resolveResourceAttributes(value: unknown): Record<string, string | number | boolean> {
  if (value === undefined) return {};
  const obj = expectObject('resourceAttributes', value, Object.keys(value as object));
  for (const [key, item] of Object.entries(obj)) {
    if (!['string', 'number', 'boolean'].includes(typeof item)) {
      throw new FedscopeConfigError(`resourceAttributes.${key}`, `expected a string, number or boolean, got ${describeValue(item)}`);
    }
  }
  return obj as Record<string, string | number | boolean>;
}

function resolveOtlp(value: FedscopeOptions['otlp'], env: Environment): ResolvedOtlpConfig | undefined {
  if (value === false) return undefined;
  const opts = value === undefined ? {} : expectObject('otlp', value, OTLP_KEYS);
  const base = expectHttpUrl('otlp.endpoint', opts['endpoint']) ?? envUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesExplicit = expectHttpUrl('otlp.tracesEndpoint', opts['tracesEndpoint']) ?? envUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const tracesExporters = envList(env, 'OTEL_TRACES_EXPORTER');
  const metricsExporters = envList(env, 'OTEL_METRICS_EXPORTER');
  const asked = value !== undefined || base !== undefined || tracesExplicit !== undefined || tracesExporters.includes('otlp');
  if (!asked || (value === undefined && tracesExporters.includes('none'))) return undefined;

  const root = (base ?? 'http://localhost:4318').replace(/\/+$/, '');
  const protocolEnv = envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? envValue(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocolEnv === 'grpc' && opts['protocol'] === undefined) {
    throw new FedscopeConfigError('OTEL_EXPORTER_OTLP_PROTOCOL', "'grpc' is not supported by fedscope; use 'http/protobuf' or 'http/json'");
  }
  const metrics = expectBoolean('otlp.metrics', opts['metrics']) ?? metricsExporters.includes('otlp');
  const metricsExplicit =
    expectHttpUrl('otlp.metricsEndpoint', opts['metricsEndpoint']) ?? envUrl(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  return {
    tracesUrl: tracesExplicit ?? `${root}/v1/traces`,
    metricsUrl: metrics ? (metricsExplicit ?? `${root}/v1/metrics`) : undefined,
    protocol:
      expectOneOf('otlp.protocol', opts['protocol'], PROTOCOLS) ??
      expectOneOf(envName(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'), protocolEnv, PROTOCOLS) ??
      'http/protobuf',
    headers: expectHeaders('otlp.headers', opts['headers']) ?? envHeaders(env),
    compression:
      expectOneOf('otlp.compression', opts['compression'], COMPRESSIONS) ??
      expectOneOf(
        envName(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION'),
        envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION') ?? envValue(env, 'OTEL_EXPORTER_OTLP_COMPRESSION'),
        COMPRESSIONS,
      ) ??
      'none',
    timeoutMillis:
      expectNumber('otlp.timeoutMillis', opts['timeoutMillis'], { min: 1, max: 600_000, integer: true }) ??
      envNumber(env, envName(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'), {
        min: 1,
        max: 600_000,
        integer: true,
      }) ??
      10_000,
    metricsIntervalMillis:
      expectNumber('otlp.metricsIntervalMillis', opts['metricsIntervalMillis'], { min: 100, max: 3_600_000, integer: true }) ??
      envNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', { min: 100, max: 3_600_000, integer: true }) ??
      60_000,
  };
}

function resolvePrometheus(value: FedscopeOptions['prometheus'], env: Environment): ResolvedPrometheusConfig | undefined {
  if (value === false) return undefined;
  if (value === undefined && envValue(env, 'FEDSCOPE_PROMETHEUS') === 'off') return undefined;
  const opts = value === undefined ? {} : expectObject('prometheus', value, PROMETHEUS_KEYS);
  const endpoint = expectString('prometheus.endpoint', opts['endpoint']) ?? '/metrics';
  if (!endpoint.startsWith('/') || /[?#\s]/.test(endpoint))
    throw new FedscopeConfigError(
      'prometheus.endpoint',
      `expected a path starting with '/', without a query, fragment or space, got ${describeValue(endpoint)}`,
    );
  // fedscope's own routes (reports, history, exports, dashboard) live under /fedscope: the exposition must not hide one.
  if (endpoint === FEDSCOPE_ROUTE_PREFIX || endpoint.startsWith(`${FEDSCOPE_ROUTE_PREFIX}/`))
    throw new FedscopeConfigError(
      'prometheus.endpoint',
      `${describeValue(endpoint)} would shadow fedscope's own routes under ${FEDSCOPE_ROUTE_PREFIX}/; choose a path outside it, e.g. /metrics`,
    );
  return {
    startServer: expectBoolean('prometheus.startServer', opts['startServer']) ?? true,
    host: expectString('prometheus.host', opts['host']) ?? envValue(env, 'OTEL_EXPORTER_PROMETHEUS_HOST') ?? '127.0.0.1',
    port:
      expectNumber('prometheus.port', opts['port'], { min: 0, max: 65535, integer: true }) ??
      envNumber(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', { min: 0, max: 65535, integer: true }) ??
      DEFAULT_PROMETHEUS_PORT,
    endpoint,
  };
}

function expectArrayOf<T>(field: string, value: unknown, what: string, check: (item: unknown) => boolean): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new FedscopeConfigError(field, `expected an array, got ${describeValue(value)}`);
  value.forEach((item, index) => {
    if (!check(item)) throw new FedscopeConfigError(`${field}[${index}]`, `expected ${what}, got ${describeValue(item)}`);
  });
  return value as T[];
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}

function envValue(env: Environment, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** The first of the given variables that is set, for naming it in an error. */
function envName(env: Environment, specific: string, general: string): string {
  return envValue(env, specific) !== undefined ? specific : general;
}

function envList(env: Environment, name: string): string[] {
  return (envValue(env, name) ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function envUrl(env: Environment, name: string): string | undefined {
  return expectHttpUrl(name, envValue(env, name));
}

function envNumber(env: Environment, name: string, range: { min: number; max: number; integer?: boolean }): number | undefined {
  const raw = envValue(env, name);
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (Number.isNaN(parsed))
    throw new FedscopeConfigError(name, `expected a number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`);
  return expectNumber(name, parsed, range);
}

function envBoolean(env: Environment, name: string): boolean | undefined {
  const raw = envValue(env, name)?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new FedscopeConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
}

/** Parses `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS` ({@link parseHeaderPairs}); the traces variable wins per header. */
function envHeaders(env: Environment): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    const raw = envValue(env, name);
    if (raw !== undefined) parseHeaderPairs(name, raw, headers);
  }
  return headers;
}
