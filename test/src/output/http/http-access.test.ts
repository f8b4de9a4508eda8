// Access control of fedscope's HTTP server: the bearer token (missing, wrong, right, compared in
// constant time), /metrics optionally open, the dashboard's static files open, per-client rate
// limits (429 with Retry-After, bounded memory), and HTTPS with a CA made by openssl.
import * as crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BearerTokenCheck } from '../../../../src/output/http/bearer-token-check.js';
import { ClientRateLimiter } from '../../../../src/output/http/client-rate-limiter.js';
import { dashboardRoutes } from '../../../../src/output/http/dashboard-routes.js';
import { BEARER_CHALLENGE, HttpAccessGuard } from '../../../../src/output/http/http-access-guard.js';
import { getRoute, MetricsServer, type MetricsServerSecurity } from '../../../../src/output/http/metrics-server.js';
import { HttpAccessMetricProducer } from '../../../../src/output/metrics/http-access-metric-producer.js';
import { httpGet } from '../../../support/http-get.js';
import { makeTestCertificates, type TestCertificates } from '../../../support/test-certificates.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const TOKEN = 'test-token-0123456789abcdef';
const tokenSha256 = BearerTokenCheck.digest(TOKEN);
const NO_LIMIT = undefined;
const servers: MetricsServer[] = [];

/** A server with `/metrics`, one JSON route and the dashboard, behind a guard built from `access`. */
async function start(
  access: Partial<ConstructorParameters<typeof HttpAccessGuard>[0]>,
  tls?: MetricsServerSecurity['tls'],
): Promise<{ base: string; guard: HttpAccessGuard }> {
  const guard = new HttpAccessGuard({ tokenSha256: undefined, metricsOpen: false, rateLimit: NO_LIMIT, ...access }, '/metrics');
  const json = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = new MetricsServer(
    [getRoute('/metrics', json('metrics')), getRoute('/fedscope/snapshot.json', json({ queries: [] })), ...dashboardRoutes()],
    { guard, ...(tls ? { tls } : {}) },
  );
  servers.push(server);
  return { base: await server.listen('127.0.0.1', 0), guard };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('BearerTokenCheck', () => {
  const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

  it('accepts the right token only, with the scheme in any case', () => {
    const check = new BearerTokenCheck(tokenSha256);
    expect(check.acceptsHeader(`Bearer ${TOKEN}`)).toBe(true);
    expect(check.acceptsHeader(`bearer ${TOKEN}`)).toBe(true);
    expect(check.acceptsHeader(undefined)).toBe(false);
    expect(check.acceptsHeader('')).toBe(false);
    expect(check.acceptsHeader(`Bearer ${TOKEN}x`)).toBe(false);
    expect(check.acceptsHeader(`Bearer ${TOKEN.slice(0, -1)}`)).toBe(false);
    expect(check.acceptsHeader(`Basic ${TOKEN}`)).toBe(false);
    expect(check.acceptsHeader(TOKEN)).toBe(false);
  });

  it('compares equal-length digests with crypto.timingSafeEqual whatever is presented', () => {
    const check = new BearerTokenCheck(tokenSha256);
    for (const header of [undefined, 'Bearer x', `Bearer ${'y'.repeat(5000)}`, `Bearer ${TOKEN}`, 'garbage']) {
      timingSafeEqual.mockClear();
      check.acceptsHeader(header);
      expect(timingSafeEqual, String(header).slice(0, 20)).toHaveBeenCalledTimes(1);
      const [a, b] = timingSafeEqual.mock.calls[0]!;
      expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    }
  });

  it('refuses a digest that is not SHA-256', () => {
    expect(() => new BearerTokenCheck(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('the metrics server with a token', () => {
  it('answers 401 with the Bearer challenge and no detail without the token or with a wrong one', async () => {
    const { base, guard } = await start({ tokenSha256 });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      for (const path of ['/metrics', '/fedscope/snapshot.json']) {
        const answer = await httpGet(`${base}${path}`, { headers });
        expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(answer.headers['www-authenticate']).toBe(BEARER_CHALLENGE);
        expect(answer.body).toBe('unauthorized\n');
        expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
    expect(guard.stats().refusals.get('unauthorized')).toBe(6);
  });

  it('serves every route with the right token, and no CORS header', async () => {
    const { base } = await start({ tokenSha256 });
    const headers = { authorization: `Bearer ${TOKEN}` };
    const snapshot = await httpGet(`${base}/fedscope/snapshot.json`, { headers });
    expect(snapshot.status).toBe(200);
    expect(JSON.parse(snapshot.body)).toEqual({ queries: [] });
    expect(snapshot.headers['access-control-allow-origin']).toBeUndefined();
    expect((await httpGet(`${base}/metrics`, { headers })).status).toBe(200);
    // Paths that are not fedscope's stay 404 (or the host server's), token or not.
    expect((await httpGet(`${base}/elsewhere`)).status).toBe(404);
  });

  it('serves the dashboard page and its assets (no data in them) without the token, the data behind it', async () => {
    const { base } = await start({ tokenSha256 });
    const page = await httpGet(`${base}/fedscope/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    const script = /src="(assets\/[^"]+\/dashboard\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    expect((await httpGet(`${base}/fedscope/${script!}`)).status).toBe(200);
    expect((await httpGet(`${base}/fedscope`)).status).toBe(308);
    expect((await httpGet(`${base}/fedscope/snapshot.json`)).status).toBe(401);
  });

  it('serves /metrics without the token when metricsOpen, and nothing else', async () => {
    const { base } = await start({ tokenSha256, metricsOpen: true });
    expect((await httpGet(`${base}/metrics`)).status).toBe(200);
    expect((await httpGet(`${base}/fedscope/snapshot.json`)).status).toBe(401);
  });

  it('guards the mounted handler the same way', async () => {
    const guard = new HttpAccessGuard({ tokenSha256, metricsOpen: false, rateLimit: NO_LIMIT }, '/metrics');
    const server = new MetricsServer([getRoute('/metrics', (_req, res) => res.end('ok'))], { guard });
    const answers: number[] = [];
    const res = {
      writeHead: (status: number) => answers.push(status),
      end: () => undefined,
    } as unknown as import('node:http').ServerResponse;
    const req = (authorization?: string) =>
      ({
        url: '/metrics',
        method: 'GET',
        headers: authorization ? { authorization } : {},
        socket: {},
      }) as import('node:http').IncomingMessage;
    expect(server.handler(req(), res)).toBe(true);
    expect(answers).toEqual([401]);
    expect(server.handler({ ...req(), url: '/app' } as import('node:http').IncomingMessage, res)).toBe(false);
  });
});

describe('per-client rate limits', () => {
  it('answers 429 with Retry-After past the burst, per client, and never limits /metrics', async () => {
    const { base, guard } = await start({ rateLimit: { requestsPerSecond: 1, burst: 3, maxClients: 100 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await httpGet(`${base}/fedscope/snapshot.json`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await httpGet(`${base}/fedscope/`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another client (another loopback address) has its own bucket.
    expect((await httpGet(`${base}/fedscope/snapshot.json`, { localAddress: '127.0.0.2' })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await httpGet(`${base}/metrics`)).status).toBe(200);
    expect(guard.stats().refusals.get('rate_limited')).toBe(3);
    expect(guard.stats().rateLimiter).toEqual({ limited: 3, evicted: 0, clients: 2 });
  });

  it('refills at the configured rate and gives the seconds to wait', () => {
    let now = 0;
    const limiter = new ClientRateLimiter({ requestsPerSecond: 0.5, burst: 2, maxClients: 10 }, () => now);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([undefined, undefined]);
    expect(limiter.take('a')).toBe(2); // one token at 0.5/s
    now += 1000;
    expect(limiter.take('a')).toBe(1);
    now += 1000;
    expect(limiter.take('a')).toBeUndefined();
  });

  it('remembers at most maxClients, forgetting the least recently seen first', () => {
    const limiter = new ClientRateLimiter({ requestsPerSecond: 1, burst: 1, maxClients: 3 }, () => 0);
    limiter.take('keep');
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`flood-${i}`);
      if (i % 2 === 0) expect(limiter.take('keep')).toBe(1); // seen recently: kept, still limited
    }
    expect(limiter.stats().clients).toBe(3);
    expect(limiter.stats().evicted).toBeGreaterThan(9_000);
    expect(limiter.take('flood-0')).toBeUndefined(); // forgotten: a full bucket again
  });

  it('counts refusals and the limiter on /metrics', async () => {
    const { base, guard } = await start({ tokenSha256, rateLimit: { requestsPerSecond: 1, burst: 1, maxClients: 5 } });
    await httpGet(`${base}/fedscope/snapshot.json`);
    await httpGet(`${base}/fedscope/snapshot.json`);
    const producer = new HttpAccessMetricProducer(guard);
    const { resourceMetrics } = await producer.collect();
    const metrics = new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]));
    const refusals = metrics.get('fedscope.http.refusals')!.dataPoints.map((p) => [p.attributes['reason'], p.value]);
    expect(refusals).toEqual([
      ['unauthorized', 1],
      ['rate_limited', 1],
    ]);
    expect(metrics.get('fedscope.http.rate_limit.clients')!.dataPoints[0]!.value).toBe(1);
    expect(metrics.get('fedscope.http.rate_limit.evictions')!.dataPoints[0]!.value).toBe(0);
  });
});

describe('HTTPS', () => {
  let certificates: TestCertificates;
  beforeAll(() => void (certificates = makeTestCertificates()));
  afterAll(() => certificates.remove());

  it('serves over TLS with the certificate and key, trusted through the generated CA', async () => {
    const { readFileSync } = await import('node:fs');
    const { base } = await start({ tokenSha256 }, { cert: readFileSync(certificates.certFile), key: readFileSync(certificates.keyFile) });
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpGet(`${base}/fedscope/snapshot.json`, { ca: certificates.ca, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    expect((await httpGet(`${base}/metrics`, { ca: certificates.ca })).status).toBe(401);
    // Without the CA the certificate is not trusted.
    await expect(httpGet(`${base}/metrics`)).rejects.toThrow(/certificate/);
    // Plain HTTP to the TLS port gets no answer of fedscope's.
    await expect(httpGet(base.replace('https:', 'http:') + '/metrics')).rejects.toThrow();
  });
});
