import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { FedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { parseRetryAfter, TraceForwarder, type TraceForwarderOptions } from '../../../src/collector/trace-forwarder.js';
import type { RawTraceBody } from '../../../src/collector/trace-intake.js';
import { freePort } from '../../support/free-port.js';

/** One request as the downstream saw it. */
interface Received {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A real OTLP/HTTP downstream on loopback whose answers the test decides. */
interface Downstream {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

type Answer = (res: ServerResponse, index: number) => void;

const servers: Server[] = [];
const forwarders: TraceForwarder[] = [];

afterEach(async () => {
  await Promise.all(forwarders.splice(0).map((f) => f.shutdown(0)));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function downstream(answer: Answer): Promise<Downstream> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ at: performance.now(), headers: req.headers, body: Buffer.concat(chunks) });
      answer(res, received.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function status(code: number, headers: Record<string, string> = {}): Answer {
  return (res) => res.writeHead(code, headers).end(code === 200 ? '' : 'downstream says no');
}

/** A logger writing into an array. */
function capturedLog(): { log: FedscopeLog; lines: string[] } {
  const lines: string[] = [];
  return { log: new FedscopeLog({ level: 'warn', forwardToDiag: false, write: (l) => lines.push(l) }), lines };
}

function forwarder(options: TraceForwarderOptions): TraceForwarder {
  const created = new TraceForwarder({ initialBackoffMs: 10, maxBackoffMs: 50, log: capturedLog().log, ...options });
  forwarders.push(created);
  return created;
}

function protobufBody(size = 64): RawTraceBody {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 37) & 0xff;
  return { body, contentType: 'application/x-protobuf', contentEncoding: undefined };
}

function dropped(f: TraceForwarder): Record<string, number> {
  return Object.fromEntries(f.stats().dropped);
}

describe('TraceForwarder', () => {
  it('forwards the bytes, Content-Type, Content-Encoding and configured headers unchanged', async () => {
    const down = await downstream(status(200));
    const f = forwarder({ url: down.url, headers: { authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' } });
    const gzipped = gzipSync(Buffer.from('{"resourceSpans":[]}'));
    const json: RawTraceBody = { body: gzipped, contentType: 'application/json', contentEncoding: 'gzip' };
    const binary = protobufBody(1000);

    expect(f.forward(json)).toBe(true);
    expect(f.forward(binary)).toBe(true);
    await f.shutdown(5000);

    expect(down.received).toHaveLength(2);
    const byType = new Map(down.received.map((r) => [r.headers['content-type'], r]));
    const gz = byType.get('application/json')!;
    expect(gz.body.equals(gzipped)).toBe(true);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['authorization']).toBe('Bearer s3cret');
    expect(gz.headers['x-scope-orgid']).toBe('tenant-1');
    const pb = byType.get('application/x-protobuf')!;
    expect(pb.body.equals(Buffer.from(binary.body))).toBe(true);
    expect(pb.headers['content-encoding']).toBeUndefined();
    expect(f.stats()).toMatchObject({ queuedRequests: 0, queuedBytes: 0, sent: 2, failed: 0, retried: 0 });
    expect(dropped(f)).toEqual({ queue_full: 0, retries_exhausted: 0, permanent_error: 0, shutdown: 0 });
  });

  it('waits at least Retry-After (seconds) before retrying a 503, then delivers', async () => {
    const down = await downstream((res, i) => (i === 0 ? status(503, { 'retry-after': '1' })(res, i) : status(200)(res, i)));
    const f = forwarder({ url: down.url });
    f.forward(protobufBody());
    await f.shutdown(5000);

    expect(down.received).toHaveLength(2);
    expect(down.received[1]!.at - down.received[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(f.stats()).toMatchObject({ sent: 1, failed: 1, retried: 1, queuedRequests: 0 });
  });

  it('reads Retry-After as seconds or an HTTP-date, and ignores what it cannot read', () => {
    const now = Date.parse('Sun, 06 Dec 2026 12:00:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Dec 2026 12:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('never retries a 400 (or any status but 429/502/503/504)', async () => {
    const down = await downstream(status(400));
    const { log, lines } = capturedLog();
    const f = forwarder({ url: down.url, log });
    f.forward(protobufBody());
    f.forward(protobufBody());
    await f.shutdown(5000);

    expect(down.received).toHaveLength(2);
    expect(f.stats()).toMatchObject({ sent: 0, failed: 2, retried: 0 });
    expect(dropped(f)['permanent_error']).toBe(2);
    // One line per reason per interval: the second drop is counted, not written.
    expect(lines).toEqual([
      `fedscope warn: trace forwarding to ${down.url} dropped a request (permanent_error): HTTP 400: downstream says no`,
    ]);
  });

  it('retries a 503 up to maxAttempts, then drops the request as retries_exhausted', async () => {
    const down = await downstream(status(503));
    const f = forwarder({ url: down.url, maxAttempts: 3 });
    f.forward(protobufBody());
    await f.shutdown(5000);

    expect(down.received).toHaveLength(3);
    expect(f.stats()).toMatchObject({ sent: 0, failed: 3, retried: 2, queuedRequests: 0, queuedBytes: 0 });
    expect(dropped(f)).toMatchObject({ retries_exhausted: 1, permanent_error: 0 });
  });

  it('retries when the downstream is down (connection refused), counts every attempt, and delivers once it is up', async () => {
    const port = await freePort();
    const f = forwarder({ url: `http://127.0.0.1:${port}/v1/traces`, maxAttempts: 3 });
    f.forward(protobufBody());
    await f.shutdown(5000);
    expect(f.stats()).toMatchObject({ sent: 0, failed: 3, retried: 2 });
    expect(dropped(f)['retries_exhausted']).toBe(1);

    // Down for the first attempts, then up: the retries get it through.
    const down = await downstream(status(200));
    await down.close();
    const g = forwarder({ url: down.url, maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 100 });
    g.forward(protobufBody());
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(g.stats().failed).toBeGreaterThanOrEqual(1);
    const again = createServer((_req, res) => res.writeHead(200).end());
    servers.push(again);
    await new Promise<void>((resolve) => again.listen(Number(new URL(down.url).port), '127.0.0.1', resolve));
    await g.shutdown(5000);
    expect(g.stats()).toMatchObject({ sent: 1, queuedRequests: 0 });
    expect(g.stats().retried).toBe(g.stats().failed);
  });

  it('drops newcomers as queue_full at the request bound and at the byte bound', async () => {
    const pending: ServerResponse[] = [];
    const down = await downstream((res) => pending.push(res));
    const f = forwarder({ url: down.url, concurrency: 1, maxQueueRequests: 2, maxQueueBytes: 1000 });

    expect(f.forward(protobufBody(100))).toBe(true); // in flight
    expect(f.forward(protobufBody(100))).toBe(true); // queued
    expect(f.forward(protobufBody(100))).toBe(false); // third request
    expect(f.stats()).toMatchObject({ queuedRequests: 2, queuedBytes: 200 });

    const g = forwarder({ url: down.url, concurrency: 1, maxQueueRequests: 10, maxQueueBytes: 1000 });
    expect(g.forward(protobufBody(600))).toBe(true);
    expect(g.forward(protobufBody(600))).toBe(false); // 1200 bytes > 1000
    expect(g.forward(protobufBody(400))).toBe(true); // exactly 1000
    expect(dropped(f)['queue_full']).toBe(1);
    expect(dropped(g)['queue_full']).toBe(1);

    while (pending.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const res of pending.splice(0)) res.writeHead(200).end();
    await f.shutdown(0);
  });

  it('shutdown keeps sending until its deadline, then drops what is left as shutdown', async () => {
    // Each answer takes 200 ms; one sender; 6 requests need 1.2 s but get 500 ms.
    const down = await downstream((res) => setTimeout(() => res.writeHead(200).end(), 200));
    const f = forwarder({ url: down.url, concurrency: 1 });
    for (let i = 0; i < 6; i++) expect(f.forward(protobufBody())).toBe(true);

    const started = performance.now();
    await f.shutdown(500);
    const elapsed = performance.now() - started;

    const { sent } = f.stats();
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(3);
    expect(dropped(f)['shutdown']).toBe(6 - sent);
    expect(f.stats()).toMatchObject({ queuedRequests: 0, queuedBytes: 0 });
    expect(elapsed).toBeLessThan(1500);
    // After shutdown began, nothing more is taken.
    expect(f.forward(protobufBody())).toBe(false);
    expect(dropped(f)['shutdown']).toBe(7 - sent);
    await expect(f.shutdown(500)).resolves.toBeUndefined();
  });

  it('shutdown gives up a retry that could not start before the deadline', async () => {
    const down = await downstream(status(503, { 'retry-after': '30' }));
    const f = forwarder({ url: down.url });
    f.forward(protobufBody());
    while (down.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = performance.now();
    await f.shutdown(2000);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(f.stats()).toMatchObject({ sent: 0, failed: 1, queuedRequests: 0 });
    expect(dropped(f)['shutdown']).toBe(1);
  });

  it('rejects a header that could split the request or is not a header name, naming it', () => {
    const url = 'http://127.0.0.1:4318/v1/traces';
    expect(() => new TraceForwarder({ url, headers: { authorization: 'Bearer a\r\nX-Evil: 1' } })).toThrow(
      /invalid forward\.headers\.authorization: the value has a control character/,
    );
    expect(() => new TraceForwarder({ url, headers: { 'x bad': 'v' } })).toThrow(FedscopeConfigError);
    expect(() => new TraceForwarder({ url, headers: { 'x bad': 'v' } })).toThrow(
      /invalid forward\.headers: "x bad" is not a valid header name/,
    );
    expect(() => new TraceForwarder({ url, headers: { 'Content-Type': 'text/plain' } })).toThrow(/forward\.headers\.Content-Type/);
    expect(() => new TraceForwarder({ url: 'ftp://jaeger/v1/traces' })).toThrow(/invalid forward: expected an http/);
    expect(() => new TraceForwarder({ url: 'jaeger:4318' })).toThrow(FedscopeConfigError);
    expect(() => new TraceForwarder({ url, maxQueueRequests: 0 })).toThrow(RangeError);
  });

  it('never throws into the caller, whatever it is handed', () => {
    const f = forwarder({ url: 'http://127.0.0.1:1/v1/traces' });
    expect(f.forward(undefined as unknown as RawTraceBody)).toBe(false);
    expect(dropped(f)['permanent_error']).toBe(1);
  });
});
