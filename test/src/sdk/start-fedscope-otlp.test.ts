import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentAdapter } from '../../../instrumentations/adapter.js';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import type { OtlpOptions } from '../../../src/options/types.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.js';

let handle: FedscopeHandle | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await handle?.shutdown();
  await receiver?.close();
  handle = undefined;
  receiver = undefined;
});

async function runQuery(): Promise<void> {
  const db = instrumentAdapter(
    { query: async (_sql: string) => [{ id: 1 }] },
    { source: 'inventory', system: 'postgresql', namespace: 'shop' },
  );
  await federatedQuery('stock', () => stage('fetch', () => db.query("SELECT qty FROM stock WHERE sku = 'A-1'")));
  await federatedQuery('stock_fail', () =>
    stage('fetch', () => Promise.reject(Object.assign(new Error('boom'), { code: 'E_BOOM' }))),
  ).catch(() => undefined);
}

describe('startFedscope: OTLP/HTTP trace export, decoded with the opentelemetry-proto definitions', () => {
  const variants: Array<[string, OtlpOptions, RegExp, string | undefined]> = [
    ['protobuf (default)', {}, /application\/x-protobuf/, undefined],
    ['JSON', { protocol: 'http/json' }, /application\/json/, undefined],
    ['protobuf + gzip', { compression: 'gzip' }, /application\/x-protobuf/, 'gzip'],
  ];
  it.each(variants)('%s', async (_label, otlp, contentType, encoding) => {
    receiver = await startOtlpReceiver();
    handle = startFedscope({ serviceName: 'otlp-test', prometheus: false, otlp: { endpoint: receiver.url, ...otlp } });
    await runQuery();
    await handle.forceFlush();
    const spans = await receiver.waitForSpans(5, 10_000);
    const request = receiver.requests.find((r) => r.path === '/v1/traces')!;
    expect(request.contentType).toMatch(contentType);
    expect(request.contentEncoding).toBe(encoding);
    expect(request.status).toBe(200);

    const root = spans.find((s) => s.name === 'federation.query stock')!;
    const fetch = spans.find((s) => s.name === 'federation.stage fetch' && s.traceId === root.traceId)!;
    const call = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(root.parentSpanId).toBeUndefined();
    expect(fetch.parentSpanId).toBe(root.spanId);
    expect(call.parentSpanId).toBe(fetch.spanId);
    expect(call.name).toBe('SELECT stock');
    expect(call.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.query.text': 'SELECT qty FROM stock WHERE sku = ?',
      'federation.source': 'inventory',
      'db.response.returned_rows': 1,
    });
    expect(root.attributes).toMatchObject({ 'federation.query.name': 'stock', 'federation.source.count': 1 });
    expect(root.resource.attributes['service.name']).toBe('otlp-test');
    expect(root.scope.name).toBe('fedscope');
    const failed = spans.find((s) => s.name === 'federation.query stock_fail')!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('E_BOOM');
    expect(failed.events.map((e) => e.name)).toContain('exception');
  });

  it('exports only sampled spans while the analysis counts all of them', async () => {
    receiver = await startOtlpReceiver();
    handle = startFedscope({ prometheus: false, otlp: { endpoint: receiver.url }, sampler: { name: 'always_off' } });
    await runQuery();
    await handle.forceFlush();
    expect(receiver.spans()).toEqual([]);
    expect(handle.snapshot().overall.sinceStart.count).toBe(2);
  });

  it('keeps working when the endpoint refuses the export', async () => {
    receiver = await startOtlpReceiver();
    receiver.failNext(503, 10);
    handle = startFedscope({ prometheus: false, otlp: { endpoint: receiver.url, timeoutMillis: 2000 } });
    await expect(runQuery()).resolves.toBeUndefined();
    await handle.forceFlush();
    expect(handle.snapshot().overall.sinceStart.count).toBe(2);
  });
});

describe('startFedscope: OTLP metrics', () => {
  it('sends histograms as exponential histograms and the derived gauges, to /v1/metrics', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/metrics') bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      handle = startFedscope({
        prometheus: false,
        otlp: { endpoint: url, protocol: 'http/json', metrics: true, metricsIntervalMillis: 60_000 },
      });
      await runQuery();
      await handle.forceFlush();
      const metrics = bodies.flatMap((body) => {
        const parsed = JSON.parse(body) as {
          resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<Record<string, unknown> & { name: string }> }> }>;
        };
        return parsed.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
      });
      const byName = new Map(metrics.map((m) => [m.name, m]));
      expect(byName.get('federation.query.duration')).toHaveProperty('exponentialHistogram');
      expect(byName.get('db.client.operation.duration')).toHaveProperty('exponentialHistogram');
      expect(byName.get('federation.queries')).toHaveProperty('sum');
      expect(byName.get('federation.query.latency')).toHaveProperty('gauge');
    } finally {
      // Shut down while the endpoint still answers: a final export to a closed port retries until its timeout.
      await handle?.shutdown();
      handle = undefined;
      server.close();
      server.closeAllConnections();
    }
  });
});
