import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import type { FedscopeHandle } from '../../../src/sdk/fedscope-handle.js';
import { startFedscope } from '../../../src/sdk/start-fedscope.js';
import { freePort } from '../../support/free-port.js';
import { checkMetricsWithPromtool, promtoolAvailable } from '../../support/promtool.js';

const SPANS = 20_000;

let handle: FedscopeHandle | undefined;
let server: Server | undefined;
let lines: string[] = [];
beforeEach(() => {
  lines = [];
  fedscopeLog.configure({ write: (line) => lines.push(line) });
});
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One Prometheus sample: labels and value. */
interface Sample {
  labels: Record<string, string>;
  value: number;
}

function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    out.push({ labels, value: Number(match[3]) });
  }
  return out;
}

const total = (list: Sample[], where: (labels: Record<string, string>) => boolean = () => true) =>
  list.filter((s) => where(s.labels)).reduce((sum, s) => sum + s.value, 0);

async function scrape(h: FedscopeHandle): Promise<string> {
  const response = await fetch(`${h.metricsUrl}/metrics`);
  return response.text();
}

/** Starts fedscope exporting to `endpoint`, ends SPANS spans in one synchronous burst, and waits until every one is accounted for. */
async function burstAgainst(endpoint: string): Promise<{ processed: Sample[]; exported: Sample[]; text: string }> {
  handle = startFedscope({
    serviceName: 'span-loss',
    prometheus: { port: 0 },
    otlp: { endpoint, timeoutMillis: 300 },
    alerts: false,
    hostMetrics: false,
    sourceInstrumentations: false,
  });
  await handle.ready;
  const tracer = handle.tracerProvider.getTracer('load');
  for (let i = 0; i < SPANS; i++) tracer.startSpan('work').end();
  await handle.forceFlush();
  // Exports still in flight finish within the exporter's timeout; wait until every span is counted.
  let text = '';
  for (let i = 0; i < 200; i++) {
    text = await scrape(handle);
    if (total(samples(text, 'otel_sdk_processor_span_processed_total')) >= SPANS) break;
    await sleep(100);
  }
  return {
    processed: samples(text, 'otel_sdk_processor_span_processed_total'),
    exported: samples(text, 'otel_sdk_exporter_span_exported_total'),
    text,
  };
}

/** Sums the figures of the loss lines: dropped spans and spans lost in failed exports. */
function lossFromLines(reason: string): { dropped: number; failedSpans: number; failures: number } {
  let dropped = 0;
  let failedSpans = 0;
  let failures = 0;
  const num = (s: string) => Number(s.replace(/,/g, ''));
  for (const line of lines) {
    const d = line.match(/^fedscope warn: ([\d,]+) spans dropped \(queue_full\)/);
    if (d) dropped += num(d[1]!);
    const f = line.match(new RegExp(`([\\d,]+) export failures? \\(${reason}\\) losing ([\\d,]+) spans in the last \\d+ s$`));
    if (f) {
      failures += num(f[1]!);
      failedSpans += num(f[2]!);
    }
  }
  return { dropped, failedSpans, failures };
}

describe('startFedscope: spans the OTLP export loses are counted on /metrics and logged', () => {
  it('an endpoint that is down: queue drops and refused exports add up to every span ended', async () => {
    const port = await freePort(); // nothing listens there
    const { processed, exported, text } = await burstAgainst(`http://127.0.0.1:${port}`);
    if (promtoolAvailable()) expect((await checkMetricsWithPromtool(text)).findings).toEqual([]);

    const dropped = total(processed, (l) => l['error_type'] === 'queue_full');
    const refused = total(exported, (l) => l['error_type'] === 'ECONNREFUSED');
    expect(total(processed)).toBe(SPANS);
    expect(dropped).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(dropped + total(exported)).toBe(SPANS);
    expect(total(exported, (l) => l['error_type'] === undefined)).toBe(0);
    expect(processed.find((s) => s.labels['error_type'] === 'queue_full')?.labels).toMatchObject({
      otel_component_type: 'batching_span_processor',
    });
    expect(exported[0]?.labels).toMatchObject({ otel_component_type: 'otlp_http_span_exporter' });

    await handle!.shutdown();
    handle = undefined;
    const logged = lossFromLines('ECONNREFUSED');
    expect(logged.dropped).toBe(dropped);
    expect(logged.failedSpans).toBe(refused);
    expect(logged.failures).toBeGreaterThan(0);
    for (const line of lines.filter((l) => l.includes('spans dropped')))
      expect(line).toMatch(/^fedscope warn: [\d,]+ spans dropped \(queue_full\)(, .*)? in the last \d+ s$/);
  });

  it('an endpoint that never answers: exports time out, and the figures still add up', async () => {
    server = createServer(() => {
      // Never answers: each export runs into the exporter's timeout.
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { processed, exported } = await burstAgainst(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    const dropped = total(processed, (l) => l['error_type'] === 'queue_full');
    const timedOut = total(exported, (l) => l['error_type'] === 'timeout');
    expect(total(processed)).toBe(SPANS);
    expect(dropped).toBeGreaterThan(0);
    expect(timedOut).toBe(SPANS - dropped);
    expect(dropped + total(exported)).toBe(SPANS);

    await handle!.shutdown();
    handle = undefined;
    const logged = lossFromLines('timeout');
    expect(logged.dropped).toBe(dropped);
    expect(logged.failedSpans).toBe(timedOut);
  });

  it('a healthy endpoint: nothing lost, nothing logged', async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    handle = startFedscope({
      prometheus: { port: 0 },
      otlp: { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
      alerts: false,
      hostMetrics: false,
      sourceInstrumentations: false,
    });
    await handle.ready;
    const tracer = handle.tracerProvider.getTracer('load');
    for (let i = 0; i < 100; i++) tracer.startSpan('work').end();
    await handle.forceFlush();
    const text = await scrape(handle);
    expect(total(samples(text, 'otel_sdk_exporter_span_exported_total'))).toBe(100);
    expect(total(samples(text, 'otel_sdk_processor_span_processed_total'), (l) => l['error_type'] !== undefined)).toBe(0);
    await handle.shutdown();
    handle = undefined;
    expect(lines).toEqual([]);
  });
});

describe('shutdown within one budget', () => {
  it('resolves within shutdownTimeoutMs against an endpoint that never answers, counting and logging the spans it could not send', async () => {
    // Accepts the export requests and never answers them.
    server = createServer(() => {});
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    handle = startFedscope({
      serviceName: 'slow-shutdown',
      prometheus: false,
      otlp: { endpoint, timeoutMillis: 30_000 },
      hostMetrics: false,
      shutdownTimeoutMs: 600,
    });
    expect(handle.shutdownTimeoutMs).toBe(600);
    const tracer = handle.tracerProvider.getTracer('test');
    for (let i = 0; i < 300; i++) tracer.startSpan(`op ${i}`).end();
    const started = Date.now();
    await handle.shutdown();
    const took = Date.now() - started;
    handle = undefined;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(2_000);
    // Every span was queued or in flight to the silent endpoint: all 300 are lost, and said so.
    expect(lines.join('\n')).toMatch(/300 spans dropped \(shutdown\)/);
    expect(lines.join('\n')).toMatch(/did not finish within 600 ms/);
  });
});
