import { describe, expect, it } from 'vitest';
import { configErrorOf as errorOf } from '../../support/config-error-of.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';

describe('resolveConfig defaults', () => {
  it('serves Prometheus on loopback 9464, exports no OTLP, samples parent-based always-on, sanitises', () => {
    const config = resolveConfig({}, {});
    expect(config.prometheus).toEqual({ startServer: true, host: '127.0.0.1', port: 9464, endpoint: '/metrics' });
    expect(config.otlp).toBeUndefined();
    expect(config.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
    expect(config.queryText).toBe('sanitized');
    expect(config.analyzeUnsampled).toBe(true);
    expect(config.registerGlobal).toBe(true);
    expect(config.analysis).toEqual({});
  });

  it('passes analysis windows (sorted) and bounds through', () => {
    expect(resolveConfig({ analysis: { windowsSeconds: [300, 30], maxStatements: 50, idleExpirySeconds: 7200 } }, {}).analysis).toEqual({
      windowsSeconds: [30, 300],
      maxStatements: 50,
      idleExpirySeconds: 7200,
    });
  });
});

describe('resolveConfig from the environment', () => {
  it('enables OTLP traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, appending /v1/traces', () => {
    const config = resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(config.otlp?.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(config.otlp?.protocol).toBe('http/protobuf');
    expect(config.otlp?.compression).toBe('none');
    expect(config.otlp?.metricsUrl).toBeUndefined();
  });

  it('uses the signal-specific endpoint as is and reads protocol, compression, headers and timeout', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example/custom/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%3D1, x-team = data',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_METRICS_EXPORTER: 'otlp,prometheus',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      },
    );
    expect(config.otlp).toMatchObject({
      tracesUrl: 'https://otlp.example/custom/traces',
      metricsUrl: 'http://base:4318/v1/metrics',
      protocol: 'http/json',
      compression: 'gzip',
      headers: { 'api-key': 'abc=1', 'x-team': 'data' },
      timeoutMillis: 2500,
    });
  });

  it('reads the Prometheus host/port, sampler and FEDSCOPE_* settings', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9999',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        FEDSCOPE_QUERY_TEXT: 'off',
        FEDSCOPE_ANALYZE_UNSAMPLED: 'false',
      },
    );
    expect(config.prometheus).toMatchObject({ host: '0.0.0.0', port: 9999 });
    expect(config.sampler).toEqual({ name: 'traceidratio', ratio: 0.25 });
    expect(config.queryText).toBe('off');
    expect(config.analyzeUnsampled).toBe(false);
  });

  it('lets options win over the environment, and false turn a pipe off', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' };
    expect(resolveConfig({ otlp: false, prometheus: false }, env)).toMatchObject({ otlp: undefined, prometheus: undefined });
    expect(resolveConfig({ otlp: { endpoint: 'http://opt:4318' }, prometheus: { port: 0 } }, env)).toMatchObject({
      otlp: { tracesUrl: 'http://opt:4318/v1/traces' },
      prometheus: { port: 0 },
    });
  });

  it('honours OTEL_TRACES_EXPORTER=none and FEDSCOPE_PROMETHEUS=off', () => {
    const config = resolveConfig(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none', FEDSCOPE_PROMETHEUS: 'off' },
    );
    expect(config.otlp).toBeUndefined();
    expect(config.prometheus).toBeUndefined();
  });

  it('enables OTLP at the default endpoint when OTEL_TRACES_EXPORTER=otlp and no endpoint is set', () => {
    expect(resolveConfig({}, { OTEL_TRACES_EXPORTER: 'otlp' }).otlp?.tracesUrl).toBe('http://localhost:4318/v1/traces');
  });
});

describe('resolveConfig errors name the field and what is allowed', () => {
  const cases: Array<[string, unknown, Record<string, string>, string, RegExp]> = [
    ['unknown top-level option with a hint', { promethus: {} }, {}, 'promethus', /did you mean 'prometheus'/],
    ['port out of range', { prometheus: { port: 70000 } }, {}, 'prometheus.port', /integer from 0 to 65535, got number 70000/],
    ['port not an integer', { prometheus: { port: 80.5 } }, {}, 'prometheus.port', /integer/],
    ['endpoint without a slash', { prometheus: { endpoint: 'metrics' } }, {}, 'prometheus.endpoint', /starting with '\/'/],
    ['protocol not allowed', { otlp: { protocol: 'grpc' } }, {}, 'otlp.protocol', /'http\/protobuf', 'http\/json'/],
    ['endpoint not a URL', { otlp: { endpoint: 'collector:4318' } }, {}, 'otlp.endpoint', /http/],
    ['queryText value', { queryText: 'full' }, {}, 'queryText', /'sanitized', 'raw', 'off'/],
    ['sampler ratio', { sampler: { ratio: 2 } }, {}, 'sampler.ratio', /from 0 to 1/],
    ['header value type', { otlp: { headers: { a: 1 } } }, {}, 'otlp.headers.a', /expected a string/],
    ['span processor shape', { spanProcessors: [{}] }, {}, 'spanProcessors[0]', /SpanProcessor/],
    ['options not an object', 'yes', {}, 'options', /expected an object, got "yes"/],
    ['env sampler', {}, { OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER', /'always_on'/],
    ['env port', {}, { OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety' }, 'OTEL_EXPORTER_PROMETHEUS_PORT', /got "ninety"/],
    [
      'env grpc',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      /grpc.*not supported/,
    ],
    [
      'env headers',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' },
      'OTEL_EXPORTER_OTLP_HEADERS',
      /name=value pairs separated by commas/,
    ],
    ['env boolean', {}, { FEDSCOPE_ANALYZE_UNSAMPLED: 'maybe' }, 'FEDSCOPE_ANALYZE_UNSAMPLED', /true or false/],
    ['analysis limit', { analysis: { maxStatements: 0 } }, {}, 'analysis.maxStatements', /integer from 1/],
    ['analysis windows', { analysis: { windowsSeconds: [60, 90] } }, {}, 'analysis.windowsSeconds', /multiple of 5 s, the others of 60 s/],
    ['analysis idle', { analysis: { idleExpirySeconds: 600 } }, {}, 'analysis.idleExpirySeconds', /exceed the longest window \(900 s\)/],
    ['analysis unknown key', { analysis: { maxStatement: 5 } }, {}, 'analysis.maxStatement', /did you mean 'maxStatements'/],
    // Nonsense that used to be accepted (issue 17).
    ['header value with CR/LF', { otlp: { headers: { 'x-a': 'v\r\nx-b: injected' } } }, {}, 'otlp.headers.x-a', /control character/],
    [
      'header value with NUL',
      { alerts: { webhooks: [{ url: 'http://h/', headers: { a: 'v\u0000' } }] } },
      {},
      'alerts.webhooks[0].headers.a',
      /control character/,
    ],
    ['header name not a token', { otlp: { headers: { 'x a:': 'v' } } }, {}, 'otlp.headers', /"x a:" is not a valid header name/],
    [
      'env header with LF',
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'auth=a%0Ab' },
      'OTEL_EXPORTER_OTLP_HEADERS.auth',
      /control character/,
    ],
    [
      'endpoint shadowing a report',
      { prometheus: { endpoint: '/fedscope/snapshot.json' } },
      {},
      'prometheus.endpoint',
      /shadow fedscope's own routes/,
    ],
    ['endpoint on the dashboard', { prometheus: { endpoint: '/fedscope' } }, {}, 'prometheus.endpoint', /shadow/],
    ['endpoint with a query', { prometheus: { endpoint: '/metrics?x=1' } }, {}, 'prometheus.endpoint', /without a query/],
    ['duplicate windows', { analysis: { windowsSeconds: [60, 60] } }, {}, 'analysis.windowsSeconds', /60 s is given twice/],
    ['objective not a number', { health: { objectives: { latency: 'x' } } }, {}, 'health.objectives.latency', /expected an object/],
    [
      'objective field not a number',
      { health: { objectives: { errors: { limit: 'high' } } } },
      {},
      'health.objectives.errors.limit',
      /expected a number/,
    ],
    ['objective NaN', { health: { objectives: { latencyP95Ms: Number.NaN } } }, {}, 'health.objectives.latencyP95Ms', /expected a number/],
    [
      'objective equal to its limit',
      { health: { objectives: { cpu: { objective: 0.8, limit: 0.8 } } } },
      {},
      'health.objectives.cpu',
      /must differ/,
    ],
    ['shutdown budget', { shutdownTimeoutMs: 10 }, {}, 'shutdownTimeoutMs', /integer from 100 to 120000/],
    ['env shutdown budget', {}, { FEDSCOPE_SHUTDOWN_TIMEOUT_MS: 'soon' }, 'FEDSCOPE_SHUTDOWN_TIMEOUT_MS', /got "soon"/],
    ['assembler bound', { traceAssembly: { maxTracesInFlight: 0 } }, {}, 'traceAssembly.maxTracesInFlight', /integer from 1/],
    ['assembler unknown key', { traceAssembly: { grace: 5 } }, {}, 'traceAssembly.grace', /did you mean 'graceMs'/],
    ['weight past 100', { health: { objectives: { memory: { weight: 250 } } } }, {}, 'health.objectives.memory.weight', /from 0 to 100/],
    [
      'per-query objective',
      { health: { latencyObjectivesMs: { queries: { orders: -5 } } } },
      {},
      'health.latencyObjectivesMs.queries.orders',
      /expected a number/,
    ],
  ];
  it.each(cases)('%s', (_label, options, env, field, message) => {
    const error = errorOf(options, env);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('fedscope: invalid');
  });
});
