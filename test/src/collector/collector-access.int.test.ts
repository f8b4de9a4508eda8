// The companion's access control: one bearer token for its HTTP server and both OTLP receivers
// (401 / UNAUTHENTICATED without it; the real OTel exporters succeed with it), TLS from one
// certificate for all three, and the settings' errors naming the flag or variable.
import { credentials, Metadata } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorConfig } from '../../../src/collector/collector-config.js';
import { startCollector, type RunningCollector } from '../../../src/collector/start-collector.js';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { httpGet } from '../../support/http-get.js';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.js';
import { sampleSpans } from '../otlp/sample-spans.js';

const TOKEN = 'collector-token-0123456789';
const LOOPBACK_PORT_0 = ['--otlp-http', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'];
const BEARER = { authorization: `Bearer ${TOKEN}` };

let certificates: TestCertificates;
let collector: RunningCollector | undefined;
beforeAll(() => void (certificates = makeTestCertificates()));
afterAll(() => certificates.remove());
afterEach(async () => {
  await collector?.stop();
  collector = undefined;
});

async function start(
  args: string[] = [],
  env: Record<string, string> = { FEDSCOPE_COLLECTOR_HTTP_TOKEN: TOKEN },
): Promise<RunningCollector> {
  collector = await startCollector(resolveCollectorConfig({ args: [...LOOPBACK_PORT_0, ...args], env }));
  return collector;
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** Exports the sample spans through both exporters: `refused` fails (its error returned), `accepted` succeeds; both are shut down. */
async function exportRefusedThenAccepted(refused: SpanExporter, accepted: SpanExporter): Promise<ExportResult['error']> {
  const { all } = await sampleSpans();
  try {
    const failure = await exportWith(refused, all);
    expect(failure.code).toBe(ExportResultCode.FAILED);
    const result = await exportWith(accepted, all);
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    return failure.error;
  } finally {
    await Promise.all([refused.shutdown(), accepted.shutdown()]);
  }
}

/** POSTs an empty OTLP/HTTP JSON export. */
function postEmpty(url: string, headers: Record<string, string>, ca?: Buffer): Promise<{ status: number; challenge: string | undefined }> {
  const body = '{"resourceSpans":[]}';
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        ...(ca ? { ca } : {}),
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the collector companion with a token', () => {
  it('answers OTLP/HTTP without the token 401, and takes the real OTel exporter with Authorization: Bearer', async () => {
    const running = await start();
    const url = `http://127.0.0.1:${running.addresses.otlpHttp.port}/v1/traces`;
    expect(await postEmpty(url, {})).toEqual({ status: 401, challenge: 'Bearer realm="fedscope"' });
    expect(await postEmpty(url, { authorization: 'Bearer wrong-token-0123456789' })).toEqual({
      status: 401,
      challenge: 'Bearer realm="fedscope"',
    });
    await exportRefusedThenAccepted(new ProtoTraceExporter({ url }), new ProtoTraceExporter({ url, headers: BEARER }));
    const requests = running.stats.counts().requests;
    expect(requests.get('http|unauthorized')).toBe(3);
    expect(requests.get('http|success')).toBe(1);
  });

  it('answers OTLP/gRPC without the token UNAUTHENTICATED, and takes the real exporter with authorization metadata', async () => {
    const running = await start();
    const url = `http://127.0.0.1:${running.addresses.otlpGrpc!.port}`;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const failure = await exportRefusedThenAccepted(new GrpcTraceExporter({ url }), new GrpcTraceExporter({ url, metadata }));
    expect(String(failure)).toMatch(/UNAUTHENTICATED|unauthorized/i);
    const requests = running.stats.counts().requests;
    expect(requests.get('grpc|unauthorized')).toBe(1);
    expect(requests.get('grpc|success')).toBe(1);
  });

  it('guards its HTTP server: the reports and /metrics need the token; refusals are counted on /metrics', async () => {
    const running = await start();
    const base = `http://127.0.0.1:${running.addresses.http.port}`;
    expect((await httpGet(`${base}/fedscope/health.json`)).status).toBe(401);
    expect((await httpGet(`${base}/metrics`)).status).toBe(401);
    expect((await httpGet(`${base}/fedscope/health.json`, { headers: BEARER })).status).toBe(200);
    const metrics = await httpGet(`${base}/metrics`, { headers: BEARER });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^fedscope_http_refusals_total\{[^}]*reason="unauthorized"[^}]*\} 2$/m);
  });

  it('serves HTTPS, OTLP/HTTPS and OTLP/gRPC over TLS from one certificate', async () => {
    const running = await start([
      '--tls-cert-file',
      certificates.certFile,
      '--tls-key-file',
      certificates.keyFile,
      '--metrics-open',
      'true',
    ]);
    const { ca } = certificates;
    const base = `https://127.0.0.1:${running.addresses.http.port}`;
    expect((await httpGet(`${base}/metrics`, { ca })).status).toBe(200); // open
    expect((await httpGet(`${base}/fedscope/health.json`, { ca })).status).toBe(401);
    expect((await httpGet(`${base}/fedscope/health.json`, { ca, headers: BEARER })).status).toBe(200);
    const otlpUrl = `https://127.0.0.1:${running.addresses.otlpHttp.port}/v1/traces`;
    expect((await postEmpty(otlpUrl, {}, ca)).status).toBe(401);
    expect((await postEmpty(otlpUrl, BEARER, ca)).status).toBe(200);
    await expect(postEmpty(otlpUrl, BEARER)).rejects.toThrow(/certificate/);

    const { all } = await sampleSpans();
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const grpc = new GrpcTraceExporter({
      url: `https://127.0.0.1:${running.addresses.otlpGrpc!.port}`,
      credentials: credentials.createSsl(ca),
      metadata,
    });
    const proto = new ProtoTraceExporter({ url: otlpUrl, headers: BEARER, httpAgentOptions: { ca } });
    try {
      expect((await exportWith(grpc, all)).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportWith(proto, all)).code).toBe(ExportResultCode.SUCCESS);
    } finally {
      await Promise.all([grpc.shutdown(), proto.shutdown()]);
    }
  });
});

describe('the companion access settings', () => {
  const errorOf = (args: string[], env: Record<string, string> = {}): FedscopeConfigError => {
    try {
      resolveCollectorConfig({ args, env });
    } catch (error) {
      expect(error).toBeInstanceOf(FedscopeConfigError);
      return error as FedscopeConfigError;
    }
    throw new Error('expected resolveCollectorConfig to throw');
  };

  it('names the flag or variable given, and never echoes the token', () => {
    const short = errorOf([], { FEDSCOPE_COLLECTOR_HTTP_TOKEN: 'short-secret' });
    expect(short.field).toBe('FEDSCOPE_COLLECTOR_HTTP_TOKEN');
    expect(short.message).not.toContain('short-secret');
    expect(errorOf(['--tls-cert-file', certificates.certFile]).field).toBe('--tls-key-file');
    expect(errorOf(['--rate-limit', '0']).field).toBe('--rate-limit');
    expect(errorOf(['--rate-limit-burst', 'many']).field).toBe('--rate-limit-burst');
    expect(errorOf(['--metrics-open', 'maybe']).field).toBe('--metrics-open');
    expect(errorOf(['--http-token-file', '/nowhere/token']).field).toBe('--http-token-file');
  });

  it('defaults to no token and the default rate limits; --rate-limit off turns them off', () => {
    const defaults = resolveCollectorConfig({ args: [], env: {} }).access;
    expect(defaults.tokenSha256).toBeUndefined();
    expect(defaults.rateLimit).toEqual({ requestsPerSecond: 20, burst: 40, maxClients: 10_000 });
    expect(resolveCollectorConfig({ args: ['--rate-limit', 'off'], env: {} }).access.rateLimit).toBeUndefined();
    expect(resolveCollectorConfig({ args: ['--rate-limit', '5', '--rate-limit-burst', '8'], env: {} }).access.rateLimit).toEqual({
      requestsPerSecond: 5,
      burst: 8,
      maxClients: 10_000,
    });
  });
});
