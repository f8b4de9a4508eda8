import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { AlertRulesError } from '../../processors/alerts/alert-rules-error.js';
import { DEFAULT_ANALYSIS_BOUNDS } from '../../processors/analysis/analysis-options.js';
import { DEFAULT_MAX_SERIES_PER_METRIC } from '../output/metrics/exposition-budget.js';
import { FedscopeConfigError } from '../diagnostics/fedscope-config-error.js';
import { DEFAULT_MAX_BYTES } from '../otlp/decode-trace-request.js';
import { DEFAULT_MAX_SPANS } from '../otlp/decode-trace-payload.js';
import { resolveConfig, resolveDirectoryPath, resolveJaegerUiUrl, type Environment } from '../options/resolve-config.js';
import { DEFAULT_HTTP_RATE_LIMIT, resolveHttpAccess } from '../options/resolve-http-access.js';
import type { OtlpMetricExportConfig, ResolvedHttpAccessConfig } from '../options/resolved-config.js';
import { expectHeaders, expectHttpBaseUrl, expectHttpUrl, expectNumber, expectString, parseHeaderPairs } from '../options/value-checks.js';
import type { FedscopePipelineConfig } from '../pipeline/fedscope-pipeline.js';
import { DEFAULT_WINDOWS_SECONDS } from '../stats/sliding-window-stats.js';
import { closestWord } from '../text/closest-word.js';
import { describeValue } from '../text/describe-value.js';
import { parseYamlText } from '../text/parse-yaml-text.js';
import { forwardableHeaders } from './trace-forwarder.js';
import type { ListeningAddress } from './trace-intake.js';

/** The collector companion's settings after flags, variables, the file and defaults are merged; validated and frozen. */
export interface CollectorConfig {
  /** Where the OTLP/HTTP receiver listens (`POST /v1/traces`); port 0 picks a free one. */
  readonly otlpHttp: ListeningAddress;
  /** Where the OTLP/gRPC receiver listens; `undefined` when turned off. */
  readonly otlpGrpc: ListeningAddress | undefined;
  /** Where `/metrics` and `/fedscope/*.json` are served. */
  readonly http: ListeningAddress;
  /**
   * Access control and TLS, one for the whole companion: the token guards the HTTP server (but the
   * dashboard's static files and, when `metricsOpen`, `/metrics`) and both OTLP receivers; the
   * certificate serves all three; the rate limits apply to the HTTP server's `/fedscope` routes.
   */
  readonly access: ResolvedHttpAccessConfig;
  /** The OTLP/HTTP traces URL every received request is forwarded to unchanged, when set. */
  readonly forward: string | undefined;
  /** Extra headers of every forwarded request (credentials, tenant ids), when set: never printed. */
  readonly forwardHeaders: Readonly<Record<string, string>> | undefined;
  /** Where the metrics are also pushed over OTLP/HTTP, when set. */
  readonly otlpMetrics: OtlpMetricExportConfig | undefined;
  /** The alert rules file (absolute path), added to the default rules, when set. */
  readonly rules: string | undefined;
  /** The Alertmanager base URL alerts are delivered to, when set. */
  readonly alertmanager: string | undefined;
  /** Largest request body, compressed and after decompression, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Most spans in one request (413 beyond). */
  readonly maxSpansPerRequest: number;
  /** Most request bytes admitted at once (429 with `Retry-After` beyond). */
  readonly maxInFlightBytes: number;
  /** Used V8 heap, in MiB, beyond which requests are refused (503 with `Retry-After`). */
  readonly maxHeapMib: number;
  /** On stop, the longest wait for the forwarder to deliver what it holds, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** How long a trace waits for late spans after its root arrived, in milliseconds, before its critical path is taken. */
  readonly traceGraceMs: number;
  /** Most traces waiting to be assembled at once (further traces' spans are dropped, counted as `trace_limit`). */
  readonly maxTracesInFlight: number;
  /** What the pipeline is built from: `resolveConfig`'s analysis bounds and windows, health and alerts. */
  readonly pipeline: FedscopePipelineConfig;
}

/** What {@link resolveCollectorConfig} reads. */
export interface CollectorConfigSources {
  /** The command's flags (after `collector`), e.g. `['--otlp-http', '0.0.0.0:4318']` or `['--otlp-http=0.0.0.0:4318']`. */
  args: readonly string[];
  /** Environment variables; only `FEDSCOPE_COLLECTOR_*` are read. */
  env: Environment;
  /** Reads the YAML file named by `--config` or `FEDSCOPE_COLLECTOR_CONFIG`. @default `readFileSync(path, 'utf8')` */
  readFile?: (path: string) => string;
}

/** One setting of the companion: its YAML key, flag, variable and help line. */
export interface CollectorSetting {
  /** The YAML key (the flag's name in camelCase). */
  readonly key: string;
  /** The flag, e.g. `--otlp-http`. */
  readonly flag: string;
  /** The environment variable, e.g. `FEDSCOPE_COLLECTOR_OTLP_HTTP`. */
  readonly variable: string;
  /** What the value looks like in the help, e.g. `HOST:PORT`. */
  readonly valueName: string;
  /** The default, as the help shows it. */
  readonly defaultText: string;
  /** What it does, for the help. */
  readonly description: string;
}

/** The variable that names the YAML file, as `--config` does. */
export const COLLECTOR_CONFIG_VARIABLE = 'FEDSCOPE_COLLECTOR_CONFIG';
const VARIABLE_PREFIX = 'FEDSCOPE_COLLECTOR_';
const MIB = 1024 * 1024;
/** The heap budget's default share of V8's heap limit: the rest is headroom for requests being decoded. */
const DEFAULT_HEAP_SHARE = 0.75;
// A gRPC call holds the whole body limit from its headers on (its size is not known before), so the
// default admits 12 calls of 20 MiB at once: more than a Collector exporter's 10 concurrent senders.
const DEFAULT_IN_FLIGHT_BYTES = 256 * MIB;
/** Longer than an SDK batch span processor's 5 s export delay, so a service's spans exported a batch later still join their trace. */
const DEFAULT_TRACE_GRACE_MS = 6_000;
/** The OTel SDK's default export interval (`OTEL_METRIC_EXPORT_INTERVAL`). */
const DEFAULT_OTLP_METRICS_INTERVAL_MS = 60_000;
const DEFAULT_TRACES_IN_FLIGHT = 20_000;

function setting(key: string, valueName: string, defaultText: string, description: string): CollectorSetting {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return {
    key,
    flag: `--${kebab}`,
    variable: `${VARIABLE_PREFIX}${kebab.replace(/-/g, '_').toUpperCase()}`,
    valueName,
    defaultText,
    description,
  };
}

/** V8's heap limit of this process, in MiB (`--max-old-space-size` raises it). */
function heapLimitMib(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / MIB);
}

/** Every setting of `fedscope collector`, in help order (the YAML keys, flags and variables are derived from `key`). */
export const COLLECTOR_SETTINGS: readonly CollectorSetting[] = [
  setting('otlpHttp', 'HOST:PORT', '127.0.0.1:4318', 'OTLP/HTTP receiver: POST /v1/traces, protobuf or JSON, gzip or deflate'),
  setting('otlpGrpc', 'HOST:PORT|off', '127.0.0.1:4317', 'OTLP/gRPC receiver (TraceService/Export); off turns it off'),
  setting('http', 'HOST:PORT', '127.0.0.1:9464', '/metrics and the /fedscope/*.json reports'),
  setting(
    'httpToken',
    'TOKEN',
    'none',
    'bearer token required by the HTTP server and both OTLP receivers (prefer the variable or the file: flags show in ps)',
  ),
  setting('httpTokenFile', 'FILE', 'none', 'file holding the bearer token (instead of --http-token)'),
  setting('metricsOpen', 'true|false', 'false', 'serve /metrics without the token, for scrapers that cannot send one'),
  setting('tlsCertFile', 'FILE', 'none', 'certificate (PEM) to serve HTTPS and OTLP/gRPC over TLS with, with --tls-key-file'),
  setting('tlsKeyFile', 'FILE', 'none', 'private key (PEM) of --tls-cert-file'),
  setting(
    'rateLimit',
    'N|off',
    String(DEFAULT_HTTP_RATE_LIMIT.requestsPerSecond),
    'requests per second per client on /fedscope/* (429 with Retry-After beyond); off turns it off',
  ),
  setting('rateLimitBurst', 'N', String(DEFAULT_HTTP_RATE_LIMIT.burst), 'requests per client at once after a pause'),
  setting('forward', 'URL', 'none', 'forward every received request unchanged to this OTLP/HTTP traces URL'),
  setting(
    'forwardHeaders',
    'NAME=VALUE,...',
    'none',
    'extra headers of every forwarded request, e.g. authorization=Bearer%20abc (percent-encoded as in OTEL_EXPORTER_OTLP_HEADERS; a mapping in the file; prefer the variable or the file: flags show in ps)',
  ),
  setting(
    'otlpMetrics',
    'URL',
    'none',
    'also push the metrics of /metrics to this OTLP/HTTP metrics URL (e.g. http://collector:4318/v1/metrics), histograms as exponential histograms',
  ),
  setting(
    'otlpMetricsHeaders',
    'NAME=VALUE,...',
    'none',
    'extra headers of the OTLP metrics pushes (as --forward-headers; prefer the variable or the file: flags show in ps)',
  ),
  setting('otlpMetricsIntervalMs', 'MS', String(DEFAULT_OTLP_METRICS_INTERVAL_MS), 'how often the OTLP metrics are pushed'),
  setting('rules', 'FILE', 'none', 'alert rules file (YAML or JSON), added to the default rules'),
  setting('alertmanager', 'URL', 'none', 'Alertmanager (API v2) base URL alerts are delivered to'),
  setting('influxdbUrl', 'URL', 'none', 'push the current figures every 10 s to this InfluxDB base URL (1.x or 2.x)'),
  setting('influxdbDatabase', 'NAME', 'none', 'InfluxDB 1.x database (POST /write?db=)'),
  setting('influxdbUsername', 'USER', 'none', 'InfluxDB 1.x user, with the password'),
  setting('influxdbPassword', 'PASSWORD', 'none', 'InfluxDB 1.x password (prefer the variable or the file: flags show in ps)'),
  setting('influxdbOrg', 'ORG', 'none', 'InfluxDB 2.x organisation (POST /api/v2/write?org=&bucket=)'),
  setting('influxdbBucket', 'BUCKET', 'none', 'InfluxDB 2.x bucket'),
  setting('influxdbToken', 'TOKEN', 'none', 'InfluxDB 2.x API token (prefer the variable or the file: flags show in ps)'),
  setting('maxBodyBytes', 'BYTES', String(DEFAULT_MAX_BYTES), 'largest request body, before and after decompression (413 beyond)'),
  setting('maxSpansPerRequest', 'N', String(DEFAULT_MAX_SPANS), 'most spans in one request (413 beyond)'),
  setting('maxInFlightBytes', 'BYTES', String(DEFAULT_IN_FLIGHT_BYTES), 'request bytes handled at once (429 with Retry-After beyond)'),
  setting(
    'maxHeapMib',
    'MIB',
    `${DEFAULT_HEAP_SHARE * 100}% of the V8 heap limit`,
    'used heap beyond which requests get 503 with Retry-After',
  ),
  setting('shutdownTimeoutMs', 'MS', '10000', 'on SIGTERM/SIGINT, the longest wait for the forwarder to drain'),
  setting(
    'traceGraceMs',
    'MS',
    String(DEFAULT_TRACE_GRACE_MS),
    "wait for a trace's late spans after its root arrived (SDK batch exporters send every 5 s)",
  ),
  setting(
    'maxTracesInFlight',
    'N',
    String(DEFAULT_TRACES_IN_FLIGHT),
    'most traces waiting to be assembled (further ones dropped, counted)',
  ),
  setting(
    'historyDir',
    'DIR',
    'none (in memory only)',
    'keep the history across restarts in DIR/history.bin (saved every 60 s and on stop)',
  ),
  setting('jaegerUiUrl', 'URL', 'none', 'Jaeger UI base URL the slow traces link to (URL/trace/<trace id>)'),
  setting(
    'alertSpoolDir',
    'DIR',
    'none (dropped, counted)',
    'keep alert notifications undelivered at stop in DIR and send them first at the next start',
  ),
  setting('windowsSeconds', 'S,S,...', DEFAULT_WINDOWS_SECONDS.join(','), 'sliding windows of the statistics (as analysis.windowsSeconds)'),
  setting('maxQueries', 'N', String(DEFAULT_ANALYSIS_BOUNDS.maxQueries), 'most query names tracked (as analysis.maxQueries)'),
  setting('maxStages', 'N', String(DEFAULT_ANALYSIS_BOUNDS.maxStages), 'most (query, stage) pairs tracked'),
  setting('maxSources', 'N', String(DEFAULT_ANALYSIS_BOUNDS.maxSources), 'most sources tracked'),
  setting('maxStatements', 'N', String(DEFAULT_ANALYSIS_BOUNDS.maxStatements), 'most (source, statement) pairs tracked'),
  setting('topStatements', 'N', String(DEFAULT_ANALYSIS_BOUNDS.topStatements), 'length of each top-statements list'),
  setting(
    'maxSeriesPerMetric',
    'N',
    String(DEFAULT_MAX_SERIES_PER_METRIC),
    'the exposition budget: most series one metric exports, the rest folded into its overflow series (as metrics.maxSeriesPerMetric)',
  ),
  setting(
    'idleExpirySeconds',
    'S',
    `${DEFAULT_ANALYSIS_BOUNDS.idleExpirySeconds}, or twice the longest window`,
    'an idle series is dropped after this; must exceed the longest window',
  ),
];

/** The analysis bounds and windows, passed to `resolveConfig` as `analysis.{key}` (it validates them). */
const ANALYSIS_KEYS = [
  'windowsSeconds',
  'maxQueries',
  'maxStages',
  'maxSources',
  'maxStatements',
  'topStatements',
  'idleExpirySeconds',
] as const;

/** The InfluxDB push's settings, passed to `resolveConfig` as `influxdb.{name}` (it validates them). */
const INFLUXDB_KEYS = {
  influxdbUrl: 'url',
  influxdbDatabase: 'database',
  influxdbUsername: 'username',
  influxdbPassword: 'password',
  influxdbOrg: 'org',
  influxdbBucket: 'bucket',
  influxdbToken: 'token',
} as const;

/** Where a setting's value came from, named in errors: the flag, the variable, or the key in the file. */
interface GivenValue {
  readonly value: unknown;
  readonly label: string;
  /** The directory a relative file path is resolved against (the YAML file's, else the working directory). */
  readonly baseDir: string;
}

/**
 * Resolves the collector companion's settings: flags win over `FEDSCOPE_COLLECTOR_*` variables,
 * which win over the YAML file (`--config FILE` or `FEDSCOPE_COLLECTOR_CONFIG`), which wins over
 * the defaults. The analysis bounds and windows, the rules file and the Alertmanager URL go
 * through {@link resolveConfig}, as `startFedscope`'s options do.
 * @throws FedscopeConfigError naming the field and where it was given, e.g.
 *   `fedscope: invalid --otlp-http: "abc" is not HOST:PORT`; an unknown flag, variable or YAML key
 *   is an error too. A bad rules file throws {@link AlertRulesError} (a FedscopeConfigError) naming the file.
 */
export function resolveCollectorConfig(sources: CollectorConfigSources): CollectorConfig {
  const fromFlags = parseFlags(sources.args);
  const fromEnv = readVariables(sources.env);
  const configPath = fromFlags.config ?? fromEnv.config;
  const fromFile = configPath === undefined ? new Map<string, GivenValue>() : readConfigFile(configPath, sources.readFile);
  const given = (key: string): GivenValue | undefined => fromFlags.values.get(key) ?? fromEnv.values.get(key) ?? fromFile.get(key);
  const labelOf = (key: string): string => given(key)?.label ?? settingOf(key).flag;

  const address = (key: string, fallback: string): ListeningAddress => {
    const value = given(key);
    return parseAddress(value?.value ?? fallback, value?.label ?? key);
  };
  const grpcValue = given('otlpGrpc');
  const otlpGrpc = isOff(grpcValue?.value) ? undefined : address('otlpGrpc', '127.0.0.1:4317');
  const integer = (key: string, fallback: number, range: { min: number; max: number }): number => {
    const value = given(key);
    if (value === undefined) return fallback;
    return expectNumber(value.label, numberOrText(value.value), { ...range, integer: true })!;
  };
  const heapLimit = heapLimitMib();
  const maxBodyBytes = integer('maxBodyBytes', DEFAULT_MAX_BYTES, { min: 1024, max: 1024 * MIB });
  const maxInFlightBytes = integer('maxInFlightBytes', Math.max(DEFAULT_IN_FLIGHT_BYTES, maxBodyBytes), {
    min: 1024,
    max: 64 * 1024 * MIB,
  });
  if (maxInFlightBytes < maxBodyBytes)
    throw new FedscopeConfigError(
      labelOf('maxInFlightBytes'),
      `${maxInFlightBytes} is less than the largest body (${labelOf('maxBodyBytes')} ${maxBodyBytes}): no request of that size could be admitted`,
    );
  const maxHeapMib = integer('maxHeapMib', Math.floor(heapLimit * DEFAULT_HEAP_SHARE), { min: 16, max: 1024 * 1024 });
  if (maxHeapMib >= heapLimit)
    throw new FedscopeConfigError(
      labelOf('maxHeapMib'),
      `${maxHeapMib} MiB is not below this process's V8 heap limit (${heapLimit} MiB): raise the limit with node --max-old-space-size`,
    );

  const rulesValue = given('rules');
  const rules = rulesValue === undefined ? undefined : resolvePath(rulesValue.baseDir, expectString(rulesValue.label, rulesValue.value)!);
  const alertmanagerValue = given('alertmanager');
  const alertmanager = alertmanagerValue === undefined ? undefined : alertmanagerValue.value;
  const spoolValue = given('alertSpoolDir');
  const alertSpoolDir =
    spoolValue === undefined
      ? undefined
      : resolveDirectoryPath(spoolValue.label, expectString(spoolValue.label, spoolValue.value)!, spoolValue.baseDir);
  const forwardValue = given('forward');
  const forwardHeadersValue = given('forwardHeaders');
  const forwardHeaders =
    forwardHeadersValue === undefined ? undefined : forwardableHeaders(forwardHeadersValue.label, headersOf(forwardHeadersValue));
  requireWith(forwardHeadersValue, 'forward', forwardValue, 'the headers only go with forwarded requests');
  const otlpMetricsValue = given('otlpMetrics');
  const otlpMetricsHeadersValue = given('otlpMetricsHeaders');
  requireWith(otlpMetricsHeadersValue, 'otlpMetrics', otlpMetricsValue, 'the headers only go with the OTLP metrics pushes');
  requireWith(given('otlpMetricsIntervalMs'), 'otlpMetrics', otlpMetricsValue, 'the interval is of the OTLP metrics pushes');
  const otlpMetrics: OtlpMetricExportConfig | undefined =
    otlpMetricsValue === undefined
      ? undefined
      : Object.freeze({
          metricsUrl: expectHttpBaseUrl(otlpMetricsValue.label, otlpMetricsValue.value, {
            credentials: `give them in ${settingOf('otlpMetricsHeaders').flag}`,
            example: 'http://collector:4318/v1/metrics',
          }),
          headers: Object.freeze(otlpMetricsHeadersValue === undefined ? {} : headersOf(otlpMetricsHeadersValue)),
          compression: 'gzip',
          timeoutMillis: 10_000,
          metricsIntervalMillis: integer('otlpMetricsIntervalMs', DEFAULT_OTLP_METRICS_INTERVAL_MS, { min: 100, max: 3_600_000 }),
        });

  const analysis: Record<string, unknown> = {};
  for (const key of ANALYSIS_KEYS) {
    const value = given(key);
    if (value !== undefined) analysis[key] = key === 'windowsSeconds' ? numberList(value.value) : numberOrText(value.value);
  }
  const influxdb: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(INFLUXDB_KEYS)) {
    const value = given(key);
    // A YAML number or boolean (a numeric password, a database named 2026) is the text it reads as.
    if (value !== undefined)
      influxdb[option] = typeof value.value === 'number' || typeof value.value === 'boolean' ? String(value.value) : value.value;
  }
  const seriesValue = given('maxSeriesPerMetric');
  const metrics = seriesValue === undefined ? undefined : { maxSeriesPerMetric: numberOrText(seriesValue.value) };
  const pipeline = resolvePipelineConfig(analysis, metrics, rules, alertmanager, alertSpoolDir, influxdb, labelOf);

  const historyValue = given('historyDir');
  const historyDir =
    historyValue === undefined
      ? undefined
      : resolveDirectoryPath(historyValue.label, expectString(historyValue.label, historyValue.value)!, historyValue.baseDir);
  const jaegerValue = given('jaegerUiUrl');
  const jaegerUiUrl = jaegerValue === undefined ? undefined : resolveJaegerUiUrl(jaegerValue.value, {}, jaegerValue.label);

  return Object.freeze({
    otlpHttp: address('otlpHttp', '127.0.0.1:4318'),
    otlpGrpc,
    http: address('http', '127.0.0.1:9464'),
    access: resolveCollectorAccess(given, labelOf),
    forward: forwardValue === undefined ? undefined : expectHttpUrl(forwardValue.label, forwardValue.value),
    forwardHeaders: forwardHeaders === undefined ? undefined : Object.freeze({ ...forwardHeaders }),
    otlpMetrics,
    rules,
    alertmanager: pipeline.alerts?.alertmanager?.url,
    maxBodyBytes,
    maxSpansPerRequest: integer('maxSpansPerRequest', DEFAULT_MAX_SPANS, { min: 1, max: 10_000_000 }),
    maxInFlightBytes,
    maxHeapMib,
    shutdownTimeoutMs: integer('shutdownTimeoutMs', 10_000, { min: 0, max: 600_000 }),
    traceGraceMs: integer('traceGraceMs', DEFAULT_TRACE_GRACE_MS, { min: 0, max: 300_000 }),
    maxTracesInFlight: integer('maxTracesInFlight', DEFAULT_TRACES_IN_FLIGHT, { min: 1, max: 1_000_000 }),
    pipeline: Object.freeze({ ...pipeline, history: Object.freeze({ dir: historyDir }), jaegerUiUrl }),
  });
}

/**
 * The pipeline's part, through `resolveConfig` (its own checks, its messages): no host metrics
 * (the companion's host is not the services'), runtime metrics of the companion itself, alerts
 * with the default rules plus the rules file. An error of a field is renamed to where it was given.
 */
function resolvePipelineConfig(
  analysis: Record<string, unknown>,
  metrics: Record<string, unknown> | undefined,
  rulesFile: string | undefined,
  alertmanager: unknown,
  spoolDir: string | undefined,
  influxdb: Record<string, unknown>,
  labelOf: (key: string) => string,
): FedscopePipelineConfig {
  try {
    // The environment is the collector's own (FEDSCOPE_COLLECTOR_*), read above: none of startFedscope's variables apply.
    const resolved = resolveConfig(
      {
        analysis,
        ...(metrics === undefined ? {} : { metrics }),
        alerts: {
          ...(rulesFile === undefined ? {} : { rulesFile }),
          ...(alertmanager === undefined ? {} : { alertmanager: { url: alertmanager as string } }),
          ...(spoolDir === undefined ? {} : { spoolDir }),
        },
        hostMetrics: false,
        runtimeMetrics: true,
        prometheus: false,
        otlp: false,
        // No URL given: none of the push's settings were, or resolveConfig names the missing URL.
        influxdb: Object.keys(influxdb).length === 0 ? false : influxdb,
      },
      {},
    );
    return Object.freeze({
      analysis: Object.freeze(resolved.analysis),
      metrics: Object.freeze(resolved.metrics),
      health: resolved.health,
      alerts: resolved.alerts,
      hostMetrics: resolved.hostMetrics,
      runtimeMetrics: resolved.runtimeMetrics,
      influxdb: resolved.influxdb && Object.freeze(resolved.influxdb),
    });
  } catch (error) {
    if (!(error instanceof FedscopeConfigError) || error instanceof AlertRulesError) throw error;
    const influxdbKey = Object.entries(INFLUXDB_KEYS).find(([, option]) => error.field === `influxdb.${option}`)?.[0];
    const key =
      /^analysis\.(\w+)/.exec(error.field)?.[1] ??
      (error.field === 'metrics.maxSeriesPerMetric' ? 'maxSeriesPerMetric' : undefined) ??
      (error.field.startsWith('alerts.alertmanager') ? 'alertmanager' : undefined) ??
      influxdbKey;
    if (key === undefined) throw error;
    const problem = error.message.slice(`fedscope: invalid ${error.field}: `.length);
    const item = /\[(\d+)\]$/.exec(error.field)?.[1];
    throw new FedscopeConfigError(labelOf(key), item === undefined ? problem : `item ${Number(item) + 1}: ${problem}`);
  }
}

/** Which setting each field of `resolveHttpAccess` is given by, to rename its errors. */
const ACCESS_FIELDS: Readonly<Record<string, string>> = {
  'http.token': 'httpToken',
  'http.tokenFile': 'httpTokenFile',
  'http.metricsOpen': 'metricsOpen',
  'http.tls': 'tlsCertFile',
  'http.tls.certFile': 'tlsCertFile',
  'http.tls.keyFile': 'tlsKeyFile',
  'http.rateLimit.requestsPerSecond': 'rateLimit',
  'http.rateLimit.burst': 'rateLimitBurst',
};

/** The access settings, through `resolveHttpAccess` (its checks, its messages), each error renamed to where the value was given. */
function resolveCollectorAccess(
  given: (key: string) => GivenValue | undefined,
  labelOf: (key: string) => string,
): ResolvedHttpAccessConfig {
  // A YAML number (a numeric token) is the text it reads as; paths are relative to where they were given.
  const text = (key: string): unknown => {
    const value = given(key)?.value;
    return typeof value === 'number' ? String(value) : value;
  };
  const path = (key: string): unknown => {
    const value = given(key);
    return typeof value?.value === 'string' && value.value.trim() !== '' ? resolvePath(value.baseDir, value.value) : value?.value;
  };
  const rate = given('rateLimit');
  const certFile = path('tlsCertFile');
  const keyFile = path('tlsKeyFile');
  const options: Record<string, unknown> = {
    token: text('httpToken'),
    tokenFile: path('httpTokenFile'),
    metricsOpen: booleanOrText(given('metricsOpen')?.value),
    tls: certFile === undefined && keyFile === undefined ? undefined : { certFile, keyFile },
    rateLimit: isOff(rate?.value)
      ? false
      : { requestsPerSecond: numberOrText(rate?.value), burst: numberOrText(given('rateLimitBurst')?.value) },
  };
  try {
    return resolveHttpAccess(options, {});
  } catch (error) {
    const key = error instanceof FedscopeConfigError ? ACCESS_FIELDS[error.field] : undefined;
    if (key === undefined || !(error instanceof FedscopeConfigError)) throw error;
    throw new FedscopeConfigError(labelOf(key), error.message.slice(`fedscope: invalid ${error.field}: `.length));
  }
}

/** `true`/`false` (any case) from a flag's or variable's text; YAML booleans and anything else as they are (for the error). */
function booleanOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
}

function settingOf(key: string): CollectorSetting {
  const found = COLLECTOR_SETTINGS.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no collector setting ${key}`);
  return found;
}

/** `--name value` or `--name=value`; `--config` names the file. */
function parseFlags(args: readonly string[]): { values: Map<string, GivenValue>; config: string | undefined } {
  const values = new Map<string, GivenValue>();
  let config: string | undefined;
  const cwd = process.cwd();
  const flags = [...COLLECTOR_SETTINGS.map((s) => s.flag), '--config'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--'))
      throw new FedscopeConfigError(arg, 'unexpected argument: every setting is a --flag VALUE (see fedscope collector --help)');
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    if (!flags.includes(flag)) {
      const hint = closestWord(flag, flags);
      throw new FedscopeConfigError(flag, `unknown flag${hint ? ` (did you mean ${hint}?)` : ''}; see fedscope collector --help`);
    }
    const value = equals === -1 ? args[++i] : arg.slice(equals + 1);
    if (value === undefined || (equals === -1 && value.startsWith('--'))) throw new FedscopeConfigError(flag, 'expects a value');
    if (flag === '--config') {
      config = value;
      continue;
    }
    const key = COLLECTOR_SETTINGS.find((s) => s.flag === flag)!.key;
    if (values.has(key)) throw new FedscopeConfigError(flag, 'given twice');
    values.set(key, { value, label: flag, baseDir: cwd });
  }
  return { values, config };
}

/** The `FEDSCOPE_COLLECTOR_*` variables that are set (empty ones count as unset); an unknown one is an error. */
function readVariables(env: Environment): { values: Map<string, GivenValue>; config: string | undefined } {
  const values = new Map<string, GivenValue>();
  let config: string | undefined;
  const cwd = process.cwd();
  const variables = [...COLLECTOR_SETTINGS.map((s) => s.variable), COLLECTOR_CONFIG_VARIABLE];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(VARIABLE_PREFIX)) continue;
    if (!variables.includes(name)) {
      const hint = closestWord(name, variables);
      throw new FedscopeConfigError(name, `unknown variable${hint ? ` (did you mean ${hint}?)` : ''}; see fedscope collector --help`);
    }
    const value = raw?.trim();
    if (value === undefined || value === '') continue;
    if (name === COLLECTOR_CONFIG_VARIABLE) config = value;
    else values.set(COLLECTOR_SETTINGS.find((s) => s.variable === name)!.key, { value, label: name, baseDir: cwd });
  }
  return { values, config };
}

/** The YAML file's settings, each labelled `key in FILE`; relative paths in it are relative to its directory. */
function readConfigFile(path: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Map<string, GivenValue> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new FedscopeConfigError(path, `the config file cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  let document: unknown;
  try {
    document = parseYamlText(text);
  } catch (error) {
    throw new FedscopeConfigError(path, `not valid YAML${(error as Error).message}`);
  }
  const values = new Map<string, GivenValue>();
  if (document === null || document === undefined) return values;
  if (typeof document !== 'object' || Array.isArray(document))
    throw new FedscopeConfigError(path, `expected a mapping of settings (e.g. otlpHttp: 0.0.0.0:4318), got ${describeValue(document)}`);
  const keys = COLLECTOR_SETTINGS.map((s) => s.key);
  const baseDir = dirname(resolvePath(path));
  for (const [key, value] of Object.entries(document)) {
    if (!keys.includes(key)) {
      const hint = closestWord(key, keys);
      throw new FedscopeConfigError(
        `${key} in ${path}`,
        `unknown key${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${keys.join(', ')}`,
      );
    }
    // An empty value (`forward:`) leaves the setting to its default.
    if (value !== null) values.set(key, { value, label: `${key} in ${path}`, baseDir });
  }
  return values;
}

/** Refuses a setting (`given`) that means nothing without the setting `needed`, which was not given. */
function requireWith(given: GivenValue | undefined, needed: string, neededValue: GivenValue | undefined, why: string): void {
  if (given === undefined || neededValue !== undefined) return;
  const { flag, variable } = settingOf(needed);
  throw new FedscopeConfigError(given.label, `${why}: give ${flag} (or ${variable}) too`);
}

/** Headers as `name=value,…` text (a flag, a variable) or, in the file, also a mapping; errors never echo a value. */
function headersOf(given: GivenValue): Record<string, string> {
  if (typeof given.value === 'string') return parseHeaderPairs(given.label, given.value);
  if (typeof given.value === 'object' && given.value !== null && !Array.isArray(given.value))
    return { ...expectHeaders(given.label, given.value) };
  throw new FedscopeConfigError(given.label, `expected name=value pairs or a mapping of header names to values, got ${typeof given.value}`);
}

function isOff(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'off');
}

/** `HOST:PORT` (an IPv6 host in brackets) with a port from 0 (pick a free one) to 65535. */
function parseAddress(value: unknown, label: string): ListeningAddress {
  const match = typeof value === 'string' ? /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim()) : null;
  if (match === null) throw new FedscopeConfigError(label, `${describeValue(value)} is not HOST:PORT (e.g. 127.0.0.1:4318)`);
  const port = Number(match[3]);
  if (port > 65535) throw new FedscopeConfigError(label, `port ${port} is out of range 0-65535`);
  return Object.freeze({ host: match[1] ?? match[2]!, port });
}

/** A number from a flag's or variable's text (the text itself when it is none, for the error); YAML values as they are. */
function numberOrText(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? value : parsed;
}

/** `60,300,900` (text) or a YAML list, as numbers where they are. */
function numberList(value: unknown): unknown {
  if (typeof value === 'string') return value.split(',').map((item) => numberOrText(item.trim()));
  return value;
}
