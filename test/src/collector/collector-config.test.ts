import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AlertRulesError } from '../../../processors/alerts/alert-rules-error.js';
import { COLLECTOR_SETTINGS, resolveCollectorConfig, type CollectorConfig } from '../../../src/collector/collector-config.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { BearerTokenCheck } from '../../../src/output/http/bearer-token-check.js';
import { makeTestCertificates } from '../../support/test-certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'fedscope-collector-config-'));
/** A file where a directory is expected (the bad history directory). */
writeFileSync(join(dir, 'a-file'), 'x');
/** Copies of one certificate and key, each marked after its PEM block (which PEM readers skip), to tell which was read. */
const certificates = makeTestCertificates();
const markedCopy = (source: string, mark: string): string => {
  const path = join(dir, `${mark}-${source.split('/').at(-1)!}`);
  writeFileSync(path, `${readFileSync(source, 'utf8')}${mark}\n`);
  return path;
};
const markOf = (pem: Buffer | undefined): string | undefined => /(\w+)\n$/.exec(pem?.toString() ?? '')?.[1];
const tokenFile = (token: string): string => {
  const path = join(dir, `${token}.txt`);
  writeFileSync(path, `${token}\n`);
  return path;
};
const tokenDigest = (token: string): string => BearerTokenCheck.digest(token).toString('hex');
const ruleFile = (name: string): string => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `rules:\n  - alert: ${name}\n    figure: query.p95Ms\n    op: ">"\n    threshold: 250\n`);
  return path;
};
const yamlFile = (settings: Record<string, unknown>, name = `c${Math.random().toString(36).slice(2)}.yaml`): string => {
  const path = join(dir, name);
  writeFileSync(path, stringify(settings));
  return path;
};

function errorOf(run: () => unknown): FedscopeConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FedscopeConfigError);
    return error as FedscopeConfigError;
  }
  throw new Error('expected a FedscopeConfigError');
}

const setting = (key: string) => COLLECTOR_SETTINGS.find((s) => s.key === key)!;

/**
 * One row per setting: a value as a flag, as a variable and in the YAML file, and how each reads
 * back from the resolved config.
 */
interface PrecedenceRow {
  key: string;
  flag: string;
  env: string;
  file: unknown;
  read: (config: CollectorConfig) => unknown;
  expected: [unknown, unknown, unknown];
  defaultValue: unknown;
  /** Other settings the value needs to be valid (given as variables whenever the row's own is given). */
  companions?: Record<string, string>;
}

const [ruleA, ruleB, ruleC] = [ruleFile('FromFlag'), ruleFile('FromEnv'), ruleFile('FromFile')];
const heapLimitMib = Math.floor(getHeapStatistics().heap_size_limit / (1024 * 1024));
const ROWS: PrecedenceRow[] = [
  {
    key: 'otlpHttp',
    flag: '10.0.0.1:1',
    env: '10.0.0.2:2',
    file: '[::1]:3',
    read: (c) => c.otlpHttp,
    expected: [
      { host: '10.0.0.1', port: 1 },
      { host: '10.0.0.2', port: 2 },
      { host: '::1', port: 3 },
    ],
    defaultValue: { host: '127.0.0.1', port: 4318 },
  },
  {
    key: 'otlpGrpc',
    flag: 'off',
    env: '10.0.0.2:2',
    file: 'localhost:0',
    read: (c) => c.otlpGrpc,
    expected: [undefined, { host: '10.0.0.2', port: 2 }, { host: 'localhost', port: 0 }],
    defaultValue: { host: '127.0.0.1', port: 4317 },
  },
  {
    key: 'http',
    flag: '0.0.0.0:9000',
    env: '127.0.0.1:9001',
    file: 'metrics.local:9002',
    read: (c) => c.http,
    expected: [
      { host: '0.0.0.0', port: 9000 },
      { host: '127.0.0.1', port: 9001 },
      { host: 'metrics.local', port: 9002 },
    ],
    defaultValue: { host: '127.0.0.1', port: 9464 },
  },
  {
    key: 'forward',
    flag: 'http://a:4318/v1/traces',
    env: 'http://b:4318/v1/traces',
    file: 'https://c/v1/traces',
    read: (c) => c.forward,
    expected: ['http://a:4318/v1/traces', 'http://b:4318/v1/traces', 'https://c/v1/traces'],
    defaultValue: undefined,
  },
  {
    key: 'forwardHeaders',
    flag: 'authorization=Bearer%20flag',
    env: 'x-tenant=env,x-scope=a%3Db',
    file: { 'x-tenant': 'file' },
    read: (c) => c.forwardHeaders,
    expected: [{ authorization: 'Bearer flag' }, { 'x-tenant': 'env', 'x-scope': 'a=b' }, { 'x-tenant': 'file' }],
    defaultValue: undefined,
    companions: { forward: 'http://fwd:4318/v1/traces' },
  },
  {
    key: 'otlpMetrics',
    flag: 'http://flag:4318/v1/metrics',
    env: 'https://env/v1/metrics/',
    file: 'http://file:4318/v1/metrics',
    read: (c) => c.otlpMetrics?.metricsUrl,
    expected: ['http://flag:4318/v1/metrics', 'https://env/v1/metrics', 'http://file:4318/v1/metrics'],
    defaultValue: undefined,
  },
  {
    key: 'otlpMetricsHeaders',
    flag: 'api-key=flag',
    env: 'api-key=env%2C1',
    file: { 'api-key': 'file' },
    read: (c) => c.otlpMetrics?.headers,
    expected: [{ 'api-key': 'flag' }, { 'api-key': 'env,1' }, { 'api-key': 'file' }],
    // Without --otlp-metrics there is no push (its defaults: no headers, 60 s; tested below).
    defaultValue: undefined,
    companions: { otlpMetrics: 'http://m:4318/v1/metrics' },
  },
  {
    key: 'otlpMetricsIntervalMs',
    flag: '1000',
    env: '2000',
    file: 3000,
    read: (c) => c.otlpMetrics?.metricsIntervalMillis,
    expected: [1000, 2000, 3000],
    defaultValue: undefined,
    companions: { otlpMetrics: 'http://m:4318/v1/metrics' },
  },
  {
    key: 'rules',
    flag: ruleA,
    env: ruleB,
    file: ruleC,
    read: (c) => [c.rules, c.pipeline.alerts?.rules.some((r) => ['FromFlag', 'FromEnv', 'FromFile'].includes(r.alert))],
    expected: [
      [ruleA, true],
      [ruleB, true],
      [ruleC, true],
    ],
    defaultValue: [undefined, false],
  },
  {
    key: 'alertmanager',
    flag: 'http://am1:9093',
    env: 'http://am2:9093',
    file: 'http://am3:9093',
    read: (c) => [c.alertmanager, c.pipeline.alerts?.alertmanager?.url],
    expected: [
      ['http://am1:9093', 'http://am1:9093'],
      ['http://am2:9093', 'http://am2:9093'],
      ['http://am3:9093', 'http://am3:9093'],
    ],
    defaultValue: [undefined, undefined],
  },
  {
    key: 'maxBodyBytes',
    flag: '2048',
    env: '4096',
    file: 8192,
    read: (c) => c.maxBodyBytes,
    expected: [2048, 4096, 8192],
    defaultValue: 20 * 1024 * 1024,
  },
  {
    key: 'maxSpansPerRequest',
    flag: '10',
    env: '20',
    file: 30,
    read: (c) => c.maxSpansPerRequest,
    expected: [10, 20, 30],
    defaultValue: 100_000,
  },
  {
    key: 'maxInFlightBytes',
    flag: '30000000',
    env: '40000000',
    file: 50_000_000,
    read: (c) => c.maxInFlightBytes,
    expected: [30_000_000, 40_000_000, 50_000_000],
    defaultValue: 256 * 1024 * 1024,
  },
  {
    key: 'maxHeapMib',
    flag: '20',
    env: '30',
    file: 40,
    read: (c) => c.maxHeapMib,
    expected: [20, 30, 40],
    defaultValue: Math.floor(heapLimitMib * 0.75),
  },
  {
    key: 'shutdownTimeoutMs',
    flag: '1',
    env: '2',
    file: 3,
    read: (c) => c.shutdownTimeoutMs,
    expected: [1, 2, 3],
    defaultValue: 10_000,
  },
  {
    key: 'traceGraceMs',
    flag: '100',
    env: '200',
    file: 300,
    read: (c) => c.traceGraceMs,
    expected: [100, 200, 300],
    defaultValue: 6_000,
  },
  {
    key: 'maxTracesInFlight',
    flag: '10',
    env: '20',
    file: 30,
    read: (c) => c.maxTracesInFlight,
    expected: [10, 20, 30],
    defaultValue: 20_000,
  },
  {
    key: 'windowsSeconds',
    flag: '600,30',
    env: '60,1200',
    file: [120, 300],
    read: (c) => c.pipeline.analysis.windowsSeconds,
    expected: [
      [30, 600],
      [60, 1200],
      [120, 300],
    ],
    defaultValue: undefined,
  },
  ...(['maxQueries', 'maxStages', 'maxSources', 'maxStatements', 'topStatements'] as const).map((key): PrecedenceRow => ({
    key,
    flag: '11',
    env: '12',
    file: 13,
    read: (c) => c.pipeline.analysis[key],
    expected: [11, 12, 13],
    defaultValue: undefined,
  })),
  {
    key: 'maxSeriesPerMetric',
    flag: '11',
    env: '12',
    file: 13,
    read: (c) => c.pipeline.metrics?.maxSeriesPerMetric,
    expected: [11, 12, 13],
    defaultValue: 50,
  },
  {
    key: 'idleExpirySeconds',
    flag: '4000',
    env: '5000',
    file: 6000,
    read: (c) => c.pipeline.analysis.idleExpirySeconds,
    expected: [4000, 5000, 6000],
    defaultValue: undefined,
  },
  {
    key: 'historyDir',
    flag: '/history/flag',
    env: '/history/env',
    file: '/history/file',
    read: (c) => c.pipeline.history?.dir,
    expected: ['/history/flag', '/history/env', '/history/file'],
    defaultValue: undefined,
  },
  {
    key: 'alertSpoolDir',
    flag: '/spool/flag',
    env: '/spool/env',
    file: '/spool/file',
    read: (c) => c.pipeline.alerts?.spoolDir,
    expected: ['/spool/flag', '/spool/env', '/spool/file'],
    defaultValue: undefined,
  },
  {
    key: 'httpToken',
    flag: 'flag-token-0123456789',
    env: 'env-token-0123456789',
    // A YAML number is the text it reads as.
    file: 1234567890123456,
    read: (c) => c.access.tokenSha256?.toString('hex'),
    expected: [tokenDigest('flag-token-0123456789'), tokenDigest('env-token-0123456789'), tokenDigest('1234567890123456')],
    defaultValue: undefined,
  },
  {
    key: 'httpTokenFile',
    flag: tokenFile('flag-file-token-0123456789'),
    env: tokenFile('env-file-token-0123456789'),
    file: tokenFile('file-file-token-0123456789'),
    read: (c) => c.access.tokenSha256?.toString('hex'),
    expected: [
      tokenDigest('flag-file-token-0123456789'),
      tokenDigest('env-file-token-0123456789'),
      tokenDigest('file-file-token-0123456789'),
    ],
    defaultValue: undefined,
  },
  {
    key: 'metricsOpen',
    flag: 'true',
    env: 'false',
    file: true,
    read: (c) => c.access.metricsOpen,
    expected: [true, false, true],
    defaultValue: false,
  },
  {
    key: 'tlsCertFile',
    flag: markedCopy(certificates.certFile, 'flag'),
    env: markedCopy(certificates.certFile, 'env'),
    file: markedCopy(certificates.certFile, 'file'),
    read: (c) => markOf(c.access.tls?.cert),
    expected: ['flag', 'env', 'file'],
    defaultValue: undefined,
    companions: { tlsKeyFile: certificates.keyFile },
  },
  {
    key: 'tlsKeyFile',
    flag: markedCopy(certificates.keyFile, 'flag'),
    env: markedCopy(certificates.keyFile, 'env'),
    file: markedCopy(certificates.keyFile, 'file'),
    read: (c) => markOf(c.access.tls?.key),
    expected: ['flag', 'env', 'file'],
    defaultValue: undefined,
    companions: { tlsCertFile: certificates.certFile },
  },
  {
    key: 'rateLimit',
    flag: '5',
    env: '6',
    file: 7,
    read: (c) => c.access.rateLimit?.requestsPerSecond,
    expected: [5, 6, 7],
    defaultValue: 20,
  },
  {
    key: 'rateLimitBurst',
    flag: '8',
    env: '9',
    file: 10,
    read: (c) => c.access.rateLimit?.burst,
    expected: [8, 9, 10],
    defaultValue: 40,
  },
  {
    key: 'jaegerUiUrl',
    flag: 'http://jaeger-flag:16686/',
    env: 'http://jaeger-env:16686',
    file: 'https://jaeger-file/ui',
    read: (c) => c.pipeline.jaegerUiUrl,
    expected: ['http://jaeger-flag:16686', 'http://jaeger-env:16686', 'https://jaeger-file/ui'],
    defaultValue: undefined,
  },
  ...(
    [
      ['influxdbUrl', 'url', { influxdbDatabase: 'd' }],
      ['influxdbDatabase', 'database', { influxdbUrl: 'http://i:8086' }],
      ['influxdbUsername', 'username', { influxdbUrl: 'http://i:8086', influxdbDatabase: 'd', influxdbPassword: 'p' }],
      ['influxdbPassword', 'password', { influxdbUrl: 'http://i:8086', influxdbDatabase: 'd', influxdbUsername: 'u' }],
      ['influxdbOrg', 'org', { influxdbUrl: 'http://i:8086', influxdbBucket: 'b', influxdbToken: 't' }],
      ['influxdbBucket', 'bucket', { influxdbUrl: 'http://i:8086', influxdbOrg: 'o', influxdbToken: 't' }],
      ['influxdbToken', 'token', { influxdbUrl: 'http://i:8086', influxdbOrg: 'o', influxdbBucket: 'b' }],
    ] as const
  ).map(([key, option, companions]): PrecedenceRow => ({
    key,
    flag: option === 'url' ? 'http://flag:1' : `${option}-flag`,
    env: option === 'url' ? 'http://env:2' : `${option}-env`,
    // A YAML number is the text it reads as (a numeric password, a database named 2026).
    file: option === 'url' ? 'http://file:3' : 2026,
    read: (c) => c.pipeline.influxdb?.[option],
    expected: option === 'url' ? ['http://flag:1', 'http://env:2', 'http://file:3'] : [`${option}-flag`, `${option}-env`, '2026'],
    defaultValue: undefined,
    companions,
  })),
];

describe('resolveCollectorConfig precedence: flags > FEDSCOPE_COLLECTOR_* > YAML file > defaults', () => {
  it('has a row for every setting', () => {
    expect(ROWS.map((r) => r.key).sort()).toEqual(COLLECTOR_SETTINGS.map((s) => s.key).sort());
  });

  for (const row of ROWS) {
    it(`${row.key}: ${setting(row.key).flag}, ${setting(row.key).variable}, ${row.key}: in the file, default`, () => {
      const { flag, variable } = setting(row.key);
      const config = yamlFile({ [row.key]: row.file });
      const flags = [flag, row.flag, '--config', config];
      const companions = Object.fromEntries(Object.entries(row.companions ?? {}).map(([key, value]) => [setting(key).variable, value]));
      const env = { ...companions, [variable]: row.env };
      expect(row.read(resolveCollectorConfig({ args: flags, env }))).toEqual(row.expected[0]);
      expect(row.read(resolveCollectorConfig({ args: [`${flag}=${row.flag}`], env: companions }))).toEqual(row.expected[0]);
      expect(row.read(resolveCollectorConfig({ args: ['--config', config], env }))).toEqual(row.expected[1]);
      expect(row.read(resolveCollectorConfig({ args: [], env: { ...env, FEDSCOPE_COLLECTOR_CONFIG: config } }))).toEqual(row.expected[1]);
      expect(row.read(resolveCollectorConfig({ args: [], env: { ...companions, FEDSCOPE_COLLECTOR_CONFIG: config } }))).toEqual(
        row.expected[2],
      );
      expect(row.read(resolveCollectorConfig({ args: [], env: {} }))).toEqual(row.defaultValue);
    });
  }

  it('builds the pipeline config through resolveConfig: default rules, alerts logged, no host metrics, runtime metrics', () => {
    const config = resolveCollectorConfig({ args: [], env: {} });
    expect(config.pipeline.alerts?.rules.length).toBeGreaterThan(0);
    expect(config.pipeline.alerts?.log).toBe(true);
    expect(config.pipeline.hostMetrics).toBeUndefined();
    expect(config.pipeline.runtimeMetrics).toBe(true);
    expect(config.pipeline.analysis).toEqual({});
  });

  it('ignores startFedscope variables and empty collector variables', () => {
    const config = resolveCollectorConfig({
      args: [],
      env: { FEDSCOPE_ALERT_RULES_FILE: '/nonexistent.yaml', FEDSCOPE_ALERTMANAGER_URL: 'nope', FEDSCOPE_COLLECTOR_HTTP: '  ' },
    });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config.alertmanager).toBeUndefined();
  });

  it('is frozen', () => {
    const config = resolveCollectorConfig({ args: [], env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.otlpHttp)).toBe(true);
    expect(Object.isFrozen(config.pipeline)).toBe(true);
  });

  it('resolves a relative rules path in the file against the file’s directory, a flag’s against the working directory', () => {
    ruleFile('Relative');
    const config = yamlFile({ rules: 'Relative.yaml' });
    expect(resolveCollectorConfig({ args: ['--config', config], env: {} }).rules).toBe(join(dir, 'Relative.yaml'));
    expect(resolveCollectorConfig({ args: ['--rules', join(dir, 'Relative.yaml')], env: {} }).rules).toBe(join(dir, 'Relative.yaml'));
  });

  it('reads the file through readFile when given, with plain YAML scalars: addresses, off, false, lists as text', () => {
    const read: string[] = [];
    const text = ['otlpHttp: 0.0.0.0:4318', 'otlpGrpc: off', 'http: false', 'windowsSeconds: 60,300', 'forward:', ''].join('\n');
    const readFile = (path: string): string => (read.push(path), text);
    expect(errorOf(() => resolveCollectorConfig({ args: ['--config', '/virtual/c.yaml'], env: {}, readFile })).message).toMatch(
      /invalid http in \/virtual\/c\.yaml: boolean false is not HOST:PORT/,
    );
    const config = resolveCollectorConfig({ args: ['--config', '/virtual/c.yaml', '--http', '127.0.0.1:0'], env: {}, readFile });
    expect(read).toEqual(['/virtual/c.yaml', '/virtual/c.yaml']);
    expect(config.otlpHttp).toEqual({ host: '0.0.0.0', port: 4318 });
    expect(config.otlpGrpc).toBeUndefined();
    expect(config.pipeline.analysis.windowsSeconds).toEqual([60, 300]);
    expect(config.forward).toBeUndefined();
    expect(resolveCollectorConfig({ args: [], env: {}, readFile: () => 'otlpGrpc: false\n' }).otlpGrpc).toEqual({
      host: '127.0.0.1',
      port: 4317,
    });
    expect(resolveCollectorConfig({ args: ['--config', 'x'], env: {}, readFile: () => 'otlpGrpc: false\n' }).otlpGrpc).toBeUndefined();
  });
});

describe('resolveCollectorConfig errors name the field and where it was given', () => {
  /** A bad value of each setting, and what the message says. */
  const BAD: Array<{ key: string; value: string; problem: RegExp }> = [
    { key: 'otlpHttp', value: 'abc', problem: /"abc" is not HOST:PORT/ },
    { key: 'otlpGrpc', value: 'host:99999', problem: /port 99999 is out of range/ },
    { key: 'http', value: '9464', problem: /"9464" is not HOST:PORT/ },
    { key: 'forward', value: 'ftp://x/v1/traces', problem: /http:\/\/ or https:\/\/ URL/ },
    { key: 'forwardHeaders', value: 'authorization', problem: /expected name=value pairs separated by commas/ },
    {
      key: 'otlpMetrics',
      value: 'http://user:pw@m:4318/v1/metrics',
      problem: /must not hold credentials: give them in --otlp-metrics-headers/,
    },
    { key: 'otlpMetricsHeaders', value: 'api-key=x', problem: /the headers only go with the OTLP metrics pushes: give --otlp-metrics/ },
    { key: 'otlpMetricsIntervalMs', value: '1000', problem: /the interval is of the OTLP metrics pushes: give --otlp-metrics/ },
    { key: 'rules', value: join(dir, 'missing.yaml'), problem: /cannot be read/ },
    { key: 'alertmanager', value: 'not a url', problem: /absolute http\(s\) URL/ },
    { key: 'maxBodyBytes', value: '12', problem: /integer from 1024/ },
    { key: 'maxSpansPerRequest', value: 'many', problem: /integer from 1 .*"many"/ },
    { key: 'maxInFlightBytes', value: '1.5', problem: /integer from 1024/ },
    { key: 'maxHeapMib', value: '-1', problem: /integer from 16/ },
    { key: 'shutdownTimeoutMs', value: '700000', problem: /integer from 0 to 600000/ },
    { key: 'traceGraceMs', value: 'soon', problem: /integer from 0 to 300000, got "soon"/ },
    { key: 'maxTracesInFlight', value: '0', problem: /integer from 1 to 1000000/ },
    { key: 'windowsSeconds', value: '60,301', problem: /301 s: the shortest window must be a multiple of 5 s, the others of 60 s/ },
    { key: 'maxQueries', value: '0', problem: /integer from 1 to 1000000/ },
    { key: 'maxStages', value: 'x', problem: /integer from 1 to 1000000, got "x"/ },
    { key: 'maxSources', value: '2000000', problem: /integer from 1 to 1000000/ },
    { key: 'maxStatements', value: '1.5', problem: /integer/ },
    { key: 'topStatements', value: '-3', problem: /integer from 1/ },
    { key: 'maxSeriesPerMetric', value: '1', problem: /integer from 2 to 100000/ },
    { key: 'idleExpirySeconds', value: '60', problem: /must exceed the longest window \(900 s\)/ },
    { key: 'historyDir', value: join(dir, 'a-file'), problem: /a-file is not a directory/ },
    { key: 'alertSpoolDir', value: join(dir, 'a-file'), problem: /a-file is not a directory/ },
    { key: 'jaegerUiUrl', value: 'jaeger:16686', problem: /expected an http:\/\/ or https:\/\/ URL/ },
    // The token is never echoed.
    { key: 'httpToken', value: 'short-secret', problem: /^fedscope: invalid .*: the token has 12 characters; at least 16 are required/ },
    { key: 'httpTokenFile', value: join(dir, 'missing-token'), problem: /cannot read .*missing-token: ENOENT/ },
    { key: 'metricsOpen', value: 'maybe', problem: /expected true or false, got "maybe"/ },
    { key: 'tlsCertFile', value: join(dir, 'missing.pem'), problem: /cannot read .*missing\.pem: ENOENT/ },
    { key: 'tlsKeyFile', value: join(dir, 'missing.key'), problem: /cannot read .*missing\.key: ENOENT/ },
    { key: 'rateLimit', value: '0', problem: /number from 0\.01/ },
    { key: 'rateLimitBurst', value: 'many', problem: /integer from 1 .*"many"/ },
    { key: 'influxdbUrl', value: 'ftp://influx', problem: /http:\/\/ or https:\/\/ URL/ },
    // A control character would split the request's headers; the value is never echoed.
    ...['influxdbDatabase', 'influxdbUsername', 'influxdbPassword', 'influxdbOrg', 'influxdbBucket', 'influxdbToken'].map((key) => ({
      key,
      value: 'se\u0007cret',
      problem: /^fedscope: invalid .*: the value has a control character \(CR, LF, NUL, …\)$/,
    })),
  ];

  it('has a bad value for every setting', () => {
    expect(BAD.map((b) => b.key).sort()).toEqual(COLLECTOR_SETTINGS.map((s) => s.key).sort());
  });

  for (const bad of BAD) {
    it(`${bad.key} = ${JSON.stringify(bad.value)}`, () => {
      const { flag, variable } = setting(bad.key);
      const viaFlag = errorOf(() => resolveCollectorConfig({ args: [flag, bad.value], env: {} }));
      const viaEnv = errorOf(() => resolveCollectorConfig({ args: [], env: { [variable]: bad.value } }));
      const file = yamlFile({ [bad.key]: bad.value });
      const viaFile = errorOf(() => resolveCollectorConfig({ args: ['--config', file], env: {} }));
      if (bad.key === 'rules') {
        // The rules file's own errors name the file (every problem, one per line).
        for (const error of [viaFlag, viaEnv, viaFile]) {
          expect(error).toBeInstanceOf(AlertRulesError);
          expect(error.message).toMatch(/missing\.yaml.*cannot be read/);
        }
        return;
      }
      expect(viaFlag.field).toBe(flag);
      expect(viaFlag.message).toMatch(bad.problem);
      expect(viaFlag.message).toContain(`invalid ${flag}: `);
      expect(viaEnv.field).toBe(variable);
      expect(viaEnv.message).toMatch(bad.problem);
      expect(viaFile.field).toBe(`${bad.key} in ${file}`);
      expect(viaFile.message).toMatch(bad.problem);
    });
  }

  it('forward headers: never echo a value, need --forward, and take a mapping in the file', () => {
    const forward = ['--forward', 'http://fwd:4318/v1/traces'];
    const split = errorOf(() =>
      resolveCollectorConfig({ args: [...forward, '--forward-headers', 'authorization=Bearer%0Asecret'], env: {} }),
    );
    expect(split.message).toBe(
      'fedscope: invalid --forward-headers.authorization: the value has a control character (CR, LF, NUL, …), which would split or corrupt the request',
    );
    const badName = errorOf(() => resolveCollectorConfig({ args: [...forward, '--forward-headers', 'x bad=secret'], env: {} }));
    expect(badName.message).toMatch(/"x bad" is not a valid header name/);
    const badEncoding = errorOf(() =>
      resolveCollectorConfig({ args: [...forward, '--forward-headers', 'authorization=%E0%A4%Asecret'], env: {} }),
    );
    expect(badEncoding.message).toMatch(/authorization: invalid percent-encoding in the value/);
    const bodyHeader = errorOf(() =>
      resolveCollectorConfig({ args: [...forward, '--forward-headers', 'content-type=text/secret'], env: {} }),
    );
    expect(bodyHeader.message).toBe(
      'fedscope: invalid --forward-headers.content-type: the body is forwarded as received, with its own Content-Type and Content-Encoding',
    );
    for (const error of [split, badName, badEncoding, bodyHeader]) expect(error.message).not.toContain('secret');
    expect(errorOf(() => resolveCollectorConfig({ args: ['--forward-headers', 'a=b'], env: {} })).message).toBe(
      'fedscope: invalid --forward-headers: the headers only go with forwarded requests: give --forward (or FEDSCOPE_COLLECTOR_FORWARD) too',
    );
    const file = yamlFile({ forward: 'http://fwd:4318/v1/traces', forwardHeaders: { authorization: 'Bearer x', 'x-tenant': 'ops' } });
    expect(resolveCollectorConfig({ args: ['--config', file], env: {} }).forwardHeaders).toEqual({
      authorization: 'Bearer x',
      'x-tenant': 'ops',
    });
    const numeric = yamlFile({ forward: 'http://fwd:4318/v1/traces', forwardHeaders: { 'x-tenant': 42 } });
    expect(errorOf(() => resolveCollectorConfig({ args: ['--config', numeric], env: {} })).message).toMatch(
      /x-tenant: expected a string, got number 42/,
    );
  });

  it('OTLP metrics: headers and interval checked when the URL is given, never echoing a header value', () => {
    const url = ['--otlp-metrics', 'http://m:4318/v1/metrics'];
    const split = errorOf(() => resolveCollectorConfig({ args: [...url, '--otlp-metrics-headers', 'api-key=a%0Dsecret'], env: {} }));
    expect(split.message).toMatch(/^fedscope: invalid --otlp-metrics-headers\.api-key: the value has a control character/);
    expect(split.message).not.toContain('secret');
    expect(errorOf(() => resolveCollectorConfig({ args: [...url, '--otlp-metrics-interval-ms', '50'], env: {} })).message).toMatch(
      /invalid --otlp-metrics-interval-ms: expected an integer from 100 to 3600000/,
    );
    expect(resolveCollectorConfig({ args: url, env: {} }).otlpMetrics).toEqual({
      metricsUrl: 'http://m:4318/v1/metrics',
      headers: {},
      compression: 'gzip',
      timeoutMillis: 10_000,
      metricsIntervalMillis: 60_000,
    });
  });

  it('names the flag in the example form of the brief', () => {
    expect(errorOf(() => resolveCollectorConfig({ args: ['--otlp-http', 'abc'], env: {} })).message).toBe(
      'fedscope: invalid --otlp-http: "abc" is not HOST:PORT (e.g. 127.0.0.1:4318)',
    );
  });

  it('names the window item that is wrong, and a YAML value of the wrong type', () => {
    expect(errorOf(() => resolveCollectorConfig({ args: ['--windows-seconds', '60,abc'], env: {} })).message).toMatch(
      /--windows-seconds: item 2: expected an integer from 5 to 86400, got "abc"/,
    );
    const file = yamlFile({ maxQueries: [1] });
    expect(errorOf(() => resolveCollectorConfig({ args: ['--config', file], env: {} })).message).toMatch(
      /maxQueries in .*: expected an integer .*got an array/,
    );
  });

  it('rejects unknown flags, variables and YAML keys, with the closest name', () => {
    const flag = errorOf(() => resolveCollectorConfig({ args: ['--otlp-htp', '1.2.3.4:5'], env: {} }));
    expect(flag.field).toBe('--otlp-htp');
    expect(flag.message).toMatch(/unknown flag \(did you mean --otlp-http\?\)/);
    const variable = errorOf(() => resolveCollectorConfig({ args: [], env: { FEDSCOPE_COLLECTOR_FORWRD: 'http://x' } }));
    expect(variable.field).toBe('FEDSCOPE_COLLECTOR_FORWRD');
    expect(variable.message).toMatch(/did you mean FEDSCOPE_COLLECTOR_FORWARD/);
    const file = yamlFile({ otlp_http: '1.2.3.4:5' });
    const key = errorOf(() => resolveCollectorConfig({ args: ['--config', file], env: {} }));
    expect(key.field).toBe(`otlp_http in ${file}`);
    expect(key.message).toMatch(/unknown key \(did you mean 'otlpHttp'\?\)/);
  });

  it('rejects a positional argument, a flag without a value and a flag given twice', () => {
    expect(errorOf(() => resolveCollectorConfig({ args: ['serve'], env: {} })).message).toMatch(/serve: unexpected argument/);
    expect(errorOf(() => resolveCollectorConfig({ args: ['--forward'], env: {} })).message).toMatch(/--forward: expects a value/);
    expect(errorOf(() => resolveCollectorConfig({ args: ['--forward', '--http', '1.2.3.4:5'], env: {} })).message).toMatch(
      /--forward: expects a value/,
    );
    expect(errorOf(() => resolveCollectorConfig({ args: ['--http', '1.2.3.4:5', '--http=1.2.3.4:6'], env: {} })).message).toMatch(
      /--http: given twice/,
    );
  });

  it('names the config file when it is missing, not YAML, or not a mapping', () => {
    const missing = join(dir, 'nope.yaml');
    expect(errorOf(() => resolveCollectorConfig({ args: ['--config', missing], env: {} })).message).toMatch(
      new RegExp(`invalid ${missing}: the config file cannot be read: .*ENOENT`),
    );
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'otlpHttp: [1, 2\n');
    expect(errorOf(() => resolveCollectorConfig({ args: [], env: { FEDSCOPE_COLLECTOR_CONFIG: broken } })).message).toMatch(
      /broken\.yaml: not valid YAML at line \d+, column \d+/,
    );
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- otlpHttp\n');
    expect(errorOf(() => resolveCollectorConfig({ args: ['--config', list], env: {} })).message).toMatch(
      /list\.yaml: expected a mapping of settings/,
    );
  });

  it('refuses an in-flight budget below the body limit, and a heap budget at or above the V8 heap limit', () => {
    expect(
      errorOf(() => resolveCollectorConfig({ args: ['--max-body-bytes', '4096', '--max-in-flight-bytes', '2048'], env: {} })).message,
    ).toMatch(/invalid --max-in-flight-bytes: 2048 is less than the largest body \(--max-body-bytes 4096\)/);
    expect(
      errorOf(() => resolveCollectorConfig({ args: [], env: { FEDSCOPE_COLLECTOR_MAX_HEAP_MIB: String(heapLimitMib) } })).message,
    ).toMatch(/invalid FEDSCOPE_COLLECTOR_MAX_HEAP_MIB: \d+ MiB is not below this process's V8 heap limit/);
  });

  it('lists every problem of a rules file given in the YAML file', () => {
    const bad = join(dir, 'bad-rules.yaml');
    writeFileSync(bad, 'rules:\n  - alert: Slow\n    figure: query.p95Ms\n    op: "~"\n    threshold: high\n');
    const error = errorOf(() => resolveCollectorConfig({ args: ['--config', yamlFile({ rules: bad })], env: {} }));
    expect(error).toBeInstanceOf(AlertRulesError);
    expect((error as AlertRulesError).problems.map((p) => p.field)).toEqual(['op', 'threshold']);
  });
});
