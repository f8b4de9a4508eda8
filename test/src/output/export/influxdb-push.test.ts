// The InfluxDB push against a small local HTTP server that answers as InfluxDB 2.x (and 1.x)
// would, including its failures: 503 with Retry-After, 429, 400, 401, partial writes, a dead port.
// InfluxDB 1.6 has no /api/v2/write, so the 2.x path is checked here; influxdb.int.test.ts writes to a real 1.6.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FedscopeLog } from '../../../../src/diagnostics/fedscope-log.js';
import type { ResolvedInfluxDbConfig } from '../../../../src/options/resolved-config.js';
import { resolveConfig } from '../../../../src/options/resolve-config.js';
import { currentExportRows, type ExportRow } from '../../../../src/output/export/export-rows.js';
import { influxLineOfRow } from '../../../../src/output/export/influx-line-of-row.js';
import { InfluxDbPush, type InfluxDbPushOptions } from '../../../../src/output/export/influxdb-push.js';
import { InfluxDbMetricProducer } from '../../../../src/output/metrics/influxdb-metric-producer.js';
import { freePort } from '../../../support/free-port.js';
import { healthOf, seriesOf, snapshotOf } from '../../../support/snapshot-fixtures.js';

const TOKEN = 'tok-3xq9-SECRET';

/** What the server got. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** Answers each request with the next reply (the last one repeats); `hang` holds the request open. */
type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

let server: Server;
let base: string;
let received: Received[];
let replies: Reply[];
let lines: string[];
let log: FedscopeLog;
const pushes: InfluxDbPush[] = [];

beforeEach(async () => {
  received = [];
  replies = [{ status: 204 }];
  lines = [];
  log = new FedscopeLog({ write: (line) => lines.push(line), level: 'warn', forwardToDiag: false, repeatIntervalMs: 0 });
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      });
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(pushes.splice(0).map((push) => push.shutdown(0)));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function v2(overrides: Partial<ResolvedInfluxDbConfig> = {}): ResolvedInfluxDbConfig {
  return resolveConfig({ influxdb: { url: base, org: 'acme corp', bucket: 'figs', token: TOKEN, ...overrides } }, {}).influxdb!;
}

function newPush(config: ResolvedInfluxDbConfig, options: InfluxDbPushOptions = {}): InfluxDbPush {
  const push = new InfluxDbPush(config, { initialBackoffMs: 10, maxBackoffMs: 20, random: () => 0.5, log, logIntervalMs: 0, ...options });
  pushes.push(push);
  return push;
}

/** Five rows: overall, one query, one stage, two sources. */
const ROWS: ExportRow[] = currentExportRows(
  snapshotOf(seriesOf({}, 9, 1, 30), {
    queries: [seriesOf({ service: 'api', query: 'orders by region' }, 9, 1, 30)],
    stages: [seriesOf({ service: 'api', query: 'orders by region', stage: 'fetch' }, 9, 0, 20)],
    sources: [seriesOf({ service: 'api', source: 'pg' }, 9), seriesOf({ service: 'api', source: 'cache' }, 3)],
  }),
  healthOf(88),
  1_767_225_600,
);
const BODY = `${ROWS.map((row) => influxLineOfRow(row)).join('\n')}\n`;

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const settled = (push: InfluxDbPush) => () => push.stats().queuedBatches === 0;

describe('InfluxDbPush writes', () => {
  it('2.x: POST /api/v2/write?org&bucket&precision=ns with Authorization: Token, the rows as line protocol', async () => {
    const push = newPush(v2());
    push.push(ROWS);
    await until(settled(push));
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/api/v2/write?org=acme+corp&bucket=figs&precision=ns');
    expect(request!.headers['authorization']).toBe(`Token ${TOKEN}`);
    expect(request!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(request!.body).toBe(BODY);
    expect(push.stats()).toMatchObject({ writtenPoints: 5, succeededRequests: 1, failedRequests: 0, queuedBatches: 0, queuedPoints: 0 });
    expect(lines).toEqual([]);
  });

  it('1.x: POST /write?db&precision=ns, with HTTP Basic auth when a user is set, none otherwise', async () => {
    const withUser = newPush(
      resolveConfig({ influxdb: { url: `${base}/`, database: 'fed db', username: 'ann', password: 'pw:1' } }, {}).influxdb!,
    );
    withUser.push(ROWS);
    await until(settled(withUser));
    const anonymous = newPush(resolveConfig({}, { FEDSCOPE_INFLUXDB_URL: base, FEDSCOPE_INFLUXDB_DATABASE: 'fed' }).influxdb!);
    anonymous.push(ROWS);
    await until(settled(anonymous));
    expect(received.map((r) => [r.url, r.headers['authorization']])).toEqual([
      ['/write?db=fed+db&precision=ns', `Basic ${Buffer.from('ann:pw:1').toString('base64')}`],
      ['/write?db=fed&precision=ns', undefined],
    ]);
  });

  it('splits the rows into batches of at most maxBatchLines lines and maxBatchBytes bytes, sent in order', async () => {
    const push = newPush(v2({ maxBatchLines: 2 }));
    push.push(ROWS);
    await until(settled(push));
    expect(received.map((r) => r.body.split('\n').length - 1)).toEqual([2, 2, 1]);
    expect(received.map((r) => r.body).join('')).toBe(BODY);
    const small = newPush(v2(), { maxBatchBytes: Buffer.byteLength(influxLineOfRow(ROWS[0]!)!) + 2 });
    small.push(ROWS);
    await until(settled(small));
    expect(received.slice(3).map((r) => r.body.split('\n').length - 1)).toEqual([1, 1, 1, 1, 1]);
    expect(small.stats().writtenPoints).toBe(5);
  });
});

describe('InfluxDbPush retries and drops', () => {
  it('retries 503 after the Retry-After the server asks, then writes', async () => {
    replies = [{ status: 503, headers: { 'retry-after': '1' }, body: 'busy' }, { status: 204 }];
    const push = newPush(v2());
    push.push(ROWS);
    await until(settled(push));
    expect(received).toHaveLength(2);
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(950);
    expect(received[1]!.body).toBe(received[0]!.body);
    expect(push.stats()).toMatchObject({ writtenPoints: 5, succeededRequests: 1, failedRequests: 1, retriedRequests: 1 });
    expect(push.stats().droppedPoints.get('retries_exhausted')).toBe(0);
  });

  it('retries 429 and 500 with exponential backoff, and gives up after maxAttempts: retries_exhausted', async () => {
    replies = [{ status: 429 }, { status: 500 }, { status: 502 }];
    const push = newPush(v2(), { maxAttempts: 3, initialBackoffMs: 40, maxBackoffMs: 1000 });
    push.push(ROWS);
    await until(settled(push));
    expect(received).toHaveLength(3);
    // 40 ms, then 80 ms, each jittered to 75 % by the pinned random.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(28);
    expect(received[2]!.at - received[1]!.at).toBeGreaterThanOrEqual(58);
    expect(push.stats()).toMatchObject({ writtenPoints: 0, failedRequests: 3, retriedRequests: 2 });
    expect(push.stats().droppedPoints.get('retries_exhausted')).toBe(5);
    expect(lines).toEqual([
      expect.stringMatching(
        /^fedscope warn: the InfluxDB push to http:\/\/127\.0\.0\.1:\d+\/api\/v2\/write dropped 5 points \(retries_exhausted=5\); the latest: HTTP 502$/,
      ),
    ]);
  });

  it('drops a batch the server refuses with 400 at once, without retrying: rejected', async () => {
    replies = [{ status: 400, body: '{"code":"invalid","message":"unable to parse"}' }];
    const push = newPush(v2());
    push.push(ROWS);
    await until(settled(push));
    expect(received).toHaveLength(1);
    expect(push.stats().droppedPoints.get('rejected')).toBe(5);
    // The server's words are redacted as every outside text in fedscope's lines is (quoted strings, numbers).
    expect(lines[0]).toMatch(/dropped 5 points \(rejected=5\); the latest: HTTP 400: \{\?:\?\}$/);
  });

  it('drops on 401 without retrying, and never logs the token, even when the server echoes it', async () => {
    replies = [{ status: 401, body: `unauthorized token ${TOKEN} (Authorization: Token ${TOKEN})` }];
    const push = newPush(v2());
    push.push(ROWS);
    await until(settled(push));
    expect(received).toHaveLength(1);
    expect(push.stats().droppedPoints.get('rejected')).toBe(5);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dropped 5 points \(rejected=5\); the latest: HTTP 401: unauthorized token/);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.join('\n')).not.toContain('3xq9');
  });

  it('counts the points a 1.x partial write dropped, and the rest as written', async () => {
    replies = [{ status: 400, body: '{"error":"partial write: field type conflict: input field \\"count\\" is type float dropped=2"}' }];
    const push = newPush(v2());
    push.push(ROWS);
    await until(settled(push));
    expect(push.stats()).toMatchObject({ writtenPoints: 3, succeededRequests: 1 });
    expect(push.stats().droppedPoints.get('rejected')).toBe(2);
  });

  it('retries network errors (nothing listens) and then drops them: retries_exhausted', async () => {
    const push = newPush(v2({ url: `http://127.0.0.1:${await freePort()}` }), { maxAttempts: 2 });
    push.push(ROWS);
    await until(settled(push));
    expect(push.stats()).toMatchObject({ failedRequests: 2, retriedRequests: 1 });
    expect(push.stats().droppedPoints.get('retries_exhausted')).toBe(5);
    expect(lines[0]).toMatch(/dropped 5 points \(retries_exhausted=5\); the latest: TypeError: fetch failed .*ECONNREFUSED/);
  });

  it('holds at most maxQueuedBatches waiting: the oldest waiting batch makes room (queue_full)', async () => {
    replies = ['hang'];
    const push = newPush(v2({ maxBatchLines: 1, maxQueuedBatches: 2 }));
    push.push(ROWS); // 5 batches of one line: 1 in flight, 2 waiting, the 2 oldest waiting dropped
    await until(() => received.length === 1);
    expect(push.stats()).toMatchObject({ queuedBatches: 3, queuedPoints: 3 });
    expect(push.stats().droppedPoints.get('queue_full')).toBe(2);
    await push.shutdown(50);
    expect(push.stats().droppedPoints.get('shutdown')).toBe(3);
    expect(push.stats()).toMatchObject({ queuedBatches: 0, writtenPoints: 0 });
  });

  it('on shutdown writes what is queued, gives up within the deadline what cannot be (shutdown), and refuses later rows', async () => {
    const push = newPush(v2());
    push.push(ROWS);
    await push.shutdown(2_000);
    expect(push.stats().writtenPoints).toBe(5);

    replies = [{ status: 503, headers: { 'retry-after': '60' } }];
    const stuck = newPush(v2());
    stuck.push(ROWS);
    await until(() => received.length === 2);
    const started = Date.now();
    await stuck.shutdown(300);
    expect(Date.now() - started).toBeLessThan(1_000); // the 60 s retry could not start before the deadline
    expect(stuck.stats().droppedPoints.get('shutdown')).toBe(5);
    stuck.push(ROWS);
    expect(stuck.stats().droppedPoints.get('shutdown')).toBe(10);
    await expect(stuck.shutdown(300)).resolves.toBeUndefined();
  });

  it('logs drops at most once per interval, summing the points by reason, and the rest at shutdown', async () => {
    replies = [{ status: 400 }];
    const push = newPush(v2({ maxBatchLines: 2 }), { logIntervalMs: 60_000 });
    push.push(ROWS);
    await until(settled(push));
    expect(lines).toEqual([expect.stringMatching(/dropped 2 points \(rejected=2\); the latest: HTTP 400$/)]);
    push.push(ROWS.slice(0, 1));
    await until(settled(push));
    expect(lines).toHaveLength(1);
    await push.shutdown(100);
    push.push(ROWS.slice(0, 2));
    expect(lines).toEqual([
      expect.stringMatching(/dropped 2 points \(rejected=2\)/),
      expect.stringMatching(/dropped 4 points \(rejected=4\); the latest: HTTP 400$/),
    ]);
    expect(push.stats().droppedPoints.get('rejected')).toBe(6);
    expect(push.stats().droppedPoints.get('shutdown')).toBe(2);
  });

  it('never throws: a row no line can carry is counted as invalid', () => {
    const push = newPush(v2());
    const broken = {
      ...ROWS[0]!,
      fields: {
        ...ROWS[0]!.fields,
        count: 1.5,
        errors: NaN,
        error_ratio: null,
        throughput_per_second: null,
        p50_ms: null,
        p95_ms: null,
        p99_ms: null,
        health_score: null,
      },
    };
    expect(() => push.push([broken])).not.toThrow();
    expect(push.stats().droppedPoints.get('invalid')).toBe(1);
  });
});

describe('InfluxDbMetricProducer', () => {
  it('reports points by outcome and reason, requests by outcome and the queue', async () => {
    replies = [{ status: 400 }, { status: 204 }];
    const push = newPush(v2({ maxBatchLines: 3 }));
    push.push(ROWS);
    await until(settled(push));
    const { resourceMetrics } = await new InfluxDbMetricProducer(push).collect();
    const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
    const points = (name: string) => metrics.find((m) => m.descriptor.name === name)!.dataPoints.map((p) => [p.attributes, p.value]);
    expect(resourceMetrics.scopeMetrics[0]!.scope.name).toBe('fedscope.influxdb');
    expect(points('fedscope.influxdb.points')).toEqual([
      [{ outcome: 'written' }, 2],
      [{ outcome: 'dropped', reason: 'queue_full' }, 0],
      [{ outcome: 'dropped', reason: 'retries_exhausted' }, 0],
      [{ outcome: 'dropped', reason: 'rejected' }, 3],
      [{ outcome: 'dropped', reason: 'shutdown' }, 0],
      [{ outcome: 'dropped', reason: 'invalid' }, 0],
    ]);
    expect(points('fedscope.influxdb.requests')).toEqual([
      [{ outcome: 'success' }, 1],
      [{ outcome: 'failure' }, 1],
      [{ outcome: 'retry' }, 0],
    ]);
    expect(points('fedscope.influxdb.queue.batches')).toEqual([[{}, 0]]);
    expect(points('fedscope.influxdb.queue.points')).toEqual([[{}, 0]]);
    expect(JSON.stringify(metrics)).not.toContain(TOKEN);
  });
});
