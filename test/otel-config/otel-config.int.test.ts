import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { needsPromtool, promtoolPath } from '../support/promtool.js';

const configDir = fileURLToPath(new URL('../../otel-config/', import.meta.url));
const promtool = needsPromtool();

interface CollectorConfig {
  receivers: Record<string, { protocols?: { http?: { endpoint?: string }; grpc?: { endpoint?: string } } }>;
  processors: Record<string, unknown>;
  exporters: Record<
    string,
    {
      endpoint?: string;
      routing_key?: string;
      protocol?: { otlp?: { tls?: { insecure?: boolean } } };
      resolver?: { static?: { hostnames?: string[] } };
    }
  >;
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

/** Exporter types that exist on every Collector release (`otlp_http` only from v0.144.0, where `otlphttp` is its alias). */
const PORTABLE_EXPORTER_TYPES = ['otlphttp', 'loadbalancing', 'debug'];

function readCollectorConfig(file: string): CollectorConfig {
  return parse(readFileSync(`${configDir}${file}`, 'utf8')) as CollectorConfig;
}

/** Every pipeline names only components the file defines, limits memory then batches, and uses exporter types every release has. */
function expectWellFormedPipelines(config: CollectorConfig): void {
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    for (const receiver of pipeline.receivers) expect(config.receivers, `${name}: receiver ${receiver}`).toHaveProperty([receiver]);
    for (const processor of pipeline.processors) expect(config.processors, `${name}: processor ${processor}`).toHaveProperty([processor]);
    for (const exporter of pipeline.exporters) expect(config.exporters, `${name}: exporter ${exporter}`).toHaveProperty([exporter]);
    expect(pipeline.processors).toEqual(['memory_limiter', 'batch']);
  }
  for (const id of Object.keys(config.exporters)) expect(PORTABLE_EXPORTER_TYPES, id).toContain(id.split('/')[0]);
}

describe('otel-config/collector.yaml', () => {
  // No Collector binary exists on these machines: check the pipeline's structure instead.
  const config = readCollectorConfig('collector.yaml');

  it('receives OTLP/HTTP on 4318 and sends traces to Jaeger over OTLP', () => {
    expect(config.receivers['otlp']?.protocols?.http?.endpoint).toMatch(/:4318$/);
    expect(config.service.pipelines['traces']?.receivers).toEqual(['otlp']);
    expect(config.exporters['otlphttp/jaeger']?.endpoint).toMatch(/^http:\/\/.+:4318$/);
  });

  it('fans the traces out to Jaeger and to the fedscope collector companion', () => {
    expect(config.service.pipelines['traces']?.exporters).toEqual(['otlphttp/jaeger', 'otlphttp/fedscope']);
    // The otlphttp exporter appends /v1/traces itself: the endpoint is the companion's OTLP/HTTP base.
    expect(config.exporters['otlphttp/fedscope']?.endpoint).toBe('http://fedscope-collector:4318');
  });

  it('names only components it defines, and batches after limiting memory', () => {
    expectWellFormedPipelines(config);
  });
});

describe('otel-config/collector-fleet.yaml', () => {
  const config = readCollectorConfig('collector-fleet.yaml');

  it('shards traces by trace id over three companions (OTLP/gRPC, plaintext) and still sends every span to Jaeger', () => {
    const balancer = config.exporters['loadbalancing/fedscope'];
    expect(balancer?.routing_key).toBe('traceID');
    expect(balancer?.resolver?.static?.hostnames).toEqual(['fedscope-1:4317', 'fedscope-2:4317', 'fedscope-3:4317']);
    expect(balancer?.protocol?.otlp?.tls?.insecure).toBe(true);
    expect(config.service.pipelines['traces']?.exporters).toEqual(['otlphttp/jaeger', 'loadbalancing/fedscope']);
    expect(config.exporters['otlphttp/jaeger']?.endpoint).toMatch(/^http:\/\/.+:4318$/);
  });

  it('receives OTLP over HTTP and gRPC, names only components it defines, and batches after limiting memory', () => {
    expect(config.receivers['otlp']?.protocols?.http?.endpoint).toMatch(/:4318$/);
    expect(config.receivers['otlp']?.protocols?.grpc?.endpoint).toMatch(/:4317$/);
    expectWellFormedPipelines(config);
  });
});

promtool.describe('otel-config/prometheus.yml', () => {
  it('passes promtool check config, with the alert pack loaded as a rule file', () => {
    const run = spawnSync(promtoolPath(), ['check', 'config', `${configDir}prometheus.yml`], { encoding: 'utf8' });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(0);
    expect(output).toContain('SUCCESS: 1 rule files found');
    // promtool checks each rule file named by rule_files too (relative to the config file).
    expect(output).toMatch(/Checking \S*prometheus-rules\.yml\s+SUCCESS: 10 rules found/);
  });

  it('evaluates the rules as often as it scrapes', () => {
    const config = parse(readFileSync(`${configDir}prometheus.yml`, 'utf8')) as {
      global: { scrape_interval: string; evaluation_interval: string };
      rule_files: string[];
    };
    expect(config.rule_files).toEqual(['prometheus-rules.yml']);
    expect(config.global.evaluation_interval).toBe(config.global.scrape_interval);
  });
});
