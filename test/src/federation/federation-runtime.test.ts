// The federation runtime without servers: planner errors, merges, the breaker with an injected
// clock, retries by error class, single-flight, the partial policy, and status().
import { SpanKind } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { activeSourceContext } from '../../../instrumentations/source-context.js';
import {
  Federation,
  FederationError,
  FunctionSource,
  HttpStatusError,
  type Row,
  type SourceRequest,
} from '../../../src/federation/index.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';

const tracing = startInMemoryTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.exporter.reset());

const rows = (n: number, offset = 0): Row[] => Array.from({ length: n }, (_, i) => ({ id: i + offset, v: `r${i + offset}` }));
const fixed = (data: Row[]) => new FunctionSource(() => data);

async function failure(promise: Promise<unknown>): Promise<FederationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FederationError);
  return error as FederationError;
}

describe('planner', () => {
  const federation = new Federation().source('a', fixed(rows(3))).source('b', fixed(rows(2)));

  it('names the part for unknown sources, cycles, unknown dependencies and unsupported requests', async () => {
    let e = await failure(federation.query({ name: 'q', parts: { x: { source: 'nope', sql: 'SELECT 1' } } }));
    expect([e.code, e.part]).toEqual(['UNKNOWN_SOURCE', 'x']);
    e = await failure(
      federation.query({
        name: 'q',
        parts: {
          x: { source: 'a', sql: 'S', dependsOn: ['y'] },
          y: { source: 'b', sql: 'S', dependsOn: ['z'] },
          z: { source: 'a', sql: 'S', dependsOn: ['x'] },
        },
      }),
    );
    expect(e.code).toBe('CYCLIC_DEPENDENCY');
    expect(e.message).toMatch(/x -> y -> z -> x/);
    e = await failure(federation.query({ name: 'q', parts: { x: { source: 'a', sql: 'S', dependsOn: ['ghost'] } } }));
    expect([e.code, e.part]).toEqual(['UNKNOWN_DEPENDENCY', 'x']);
    e = await failure(federation.query({ name: 'q', parts: { x: { source: 'a' } } }));
    expect([e.code, e.part]).toEqual(['INVALID_QUERY', 'x']);
    expect(() => federation.source('a', fixed([]))).toThrow(/already registered/);
  });

  it('fails oversize parts and queries naming the part', async () => {
    const small = new Federation({ maxRowsPerPart: 5, maxRowsPerQuery: 8 }).source('a', fixed(rows(6))).source('b', fixed(rows(4)));
    let e = await failure(small.query({ name: 'q', parts: { big: { source: 'a', sql: 'SELECT' } } }));
    expect([e.code, e.part]).toEqual(['ROWS_EXCEEDED', 'big']);
    e = await failure(
      small.query({
        name: 'q',
        parts: {
          one: { source: 'b', sql: 'SELECT 1' },
          two: { source: 'b', sql: 'SELECT 2' },
          three: { source: 'a', sql: 'S', maxRows: 10 },
        },
      }),
    );
    expect(e.code).toBe('ROWS_EXCEEDED');
  });
});

describe('merges', () => {
  const federation = new Federation()
    .source(
      'left',
      fixed([
        { k: 1, a: 'x' },
        { k: 2, a: 'y' },
        { k: 3, a: 'z' },
      ]),
    )
    .source(
      'right',
      fixed([
        { k: '1', b: true },
        { k: '3', b: false },
      ]),
    )
    .source('sorted1', fixed([{ t: 1 }, { t: 4 }, { t: 9 }]))
    .source('sorted2', fixed([{ t: 2 }, { t: 3 }, { t: 10 }]));
  afterAll(() => federation.close());

  it('joins on a key across types, merges ordered parts, concatenates', async () => {
    const parts = { l: { source: 'left', sql: 'S' }, r: { source: 'right', sql: 'S' } };
    expect((await federation.query({ name: 'j', parts, merge: { join: { left: 'l', right: 'r', on: 'k' } } })).rows).toEqual([
      { k: 1, a: 'x', b: true },
      { k: 3, a: 'z', b: false },
    ]);
    expect(
      (await federation.query({ name: 'j', parts, merge: { join: { left: 'l', right: 'r', on: 'k', type: 'left' } } })).rows,
    ).toHaveLength(3);
    const ordered = await federation.query({
      name: 'o',
      parts: { s1: { source: 'sorted1', sql: 'S' }, s2: { source: 'sorted2', sql: 'S' } },
      merge: { orderedMerge: ['s1', 's2'], key: 't' },
    });
    expect(ordered.rows.map((r) => r['t'])).toEqual([1, 2, 3, 4, 9, 10]);
    expect((await federation.query({ name: 'c', parts })).rows).toHaveLength(5);
  });

  it('runs merge SQL in DuckDB with each part as a typed table, and names merge errors', async () => {
    const result = await federation.query({
      name: 'sql_merge',
      parts: { l: { source: 'left', sql: 'S' }, r: { source: 'right', sql: 'S' } },
      merge: { sql: 'SELECT l.k, l.a, r.b FROM l JOIN r ON l.k = CAST(r.k AS INTEGER) WHERE l.k > ? ORDER BY l.k', params: [1] },
    });
    expect(result.rows).toEqual([{ k: 3, a: 'z', b: false }]);
    const e = await failure(
      federation.query({ name: 'bad', parts: { l: { source: 'left', sql: 'S' } }, merge: { sql: 'SELECT nope FROM l' } }),
    );
    expect([e.code, e.part]).toEqual(['MERGE_FAILED', 'merge']);
    expect(e.message).toMatch(/nope/);
  });
});

describe('resilience', () => {
  it('retries retryable errors only, with backoff, and counts attempts', async () => {
    let calls = 0;
    const flaky = new FunctionSource(() => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      return rows(1);
    });
    let badCalls = 0;
    const bad = new FunctionSource(() => {
      badCalls++;
      throw Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    });
    let httpCalls = 0;
    const overloaded = new FunctionSource(() => {
      httpCalls++;
      throw new HttpStatusError(httpCalls === 1 ? 503 : 404, 'http://x/y');
    });
    const federation = new Federation({ cache: false, sourceDefaults: { retry: { maxAttempts: 4, baseDelayMs: 1 } } })
      .source('flaky', flaky)
      .source('bad', bad)
      .source('http', overloaded);
    const ok = await federation.query({ name: 'r', parts: { p: { source: 'flaky', sql: 'S' } } });
    expect(ok.parts['p']).toMatchObject({ status: 'ok', attempts: 3 });
    expect(calls).toBe(3);
    const e = await failure(federation.query({ name: 'r', parts: { p: { source: 'bad', sql: 'SELEC 1' } } }));
    expect([e.code, e.part, badCalls]).toEqual(['SOURCE_ERROR', 'p', 1]);
    await failure(federation.query({ name: 'r', parts: { p: { source: 'http', request: { path: '/y' } } } }));
    expect(httpCalls).toBe(2); // 503 retried, 404 not
  });

  it('opens the breaker after consecutive failures, half-opens after the cool-down, closes on a good probe', async () => {
    let now = 1_000;
    let failing = true;
    let calls = 0;
    const source = new FunctionSource(() => {
      calls++;
      if (failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return rows(1);
    });
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const federation = new Federation({ now: () => now, meterProvider, cache: false }).source('db', source, {
      retry: false,
      breaker: { consecutiveFailures: 3, coolDownMs: 5_000 },
    });
    const q = () => federation.query({ name: 'b', parts: { p: { source: 'db', sql: 'SELECT 1' } } });
    for (let i = 0; i < 3; i++) expect((await failure(q())).code).toBe('SOURCE_ERROR');
    expect(federation.status().sources[0]!.breaker?.state).toBe('open');
    expect((await failure(q())).code).toBe('BREAKER_OPEN');
    expect(calls).toBe(3);
    now += 5_000;
    expect(federation.status().sources[0]!.breaker?.state).toBe('half_open');
    failing = false;
    // Only one probe goes through while half-open.
    const [first, second] = await Promise.allSettled([q(), q()]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && (second.reason as FederationError).code).toBe('BREAKER_OPEN');
    expect(federation.status().sources[0]!.breaker?.state).toBe('closed');
    const points = await reader.points('circuit_breaker_state_transitions', { breaker: 'db' });
    const byState = Object.fromEntries(points.map((p) => [p.attributes['state'], p.value]));
    expect(byState).toEqual({ open: 1, half_open: 1, closed: 1 });
    expect((await reader.points('circuit_breaker_state', { breaker: 'db' }))[0]?.value).toBe(0);
    const status = federation.status();
    expect(status.recentErrors.map((r) => r.code)).toEqual([
      'SOURCE_ERROR',
      'SOURCE_ERROR',
      'SOURCE_ERROR',
      'BREAKER_OPEN',
      'BREAKER_OPEN',
    ]);
    expect(status.sources[0]).toMatchObject({ calls: 4, errors: 3, inFlight: 0, queued: 0 });
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
    await meterProvider.shutdown();
  });

  it('times out a slow source, aborting its signal, and queues beyond the concurrency limit', async () => {
    let maxRunning = 0;
    let runningNow = 0;
    const slow = new FunctionSource(
      (request: SourceRequest, signal) =>
        new Promise<Row[]>((resolve, reject) => {
          runningNow++;
          maxRunning = Math.max(maxRunning, runningNow);
          const ms = request.kind === 'sql' ? Number(request.params[0]) : 0;
          const timer = setTimeout(() => {
            runningNow--;
            resolve(rows(1));
          }, ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            runningNow--;
            reject(signal.reason);
          });
        }),
    );
    const federation = new Federation({ cache: false }).source('slow', slow, { timeoutMs: 100, retry: false, concurrency: 2 });
    const e = await failure(federation.query({ name: 't', parts: { p: { source: 'slow', sql: 'S', params: [5_000] } } }));
    expect([e.code, e.part]).toEqual(['TIMEOUT', 'p']);
    const queued = Promise.all(
      Array.from({ length: 6 }, (_, i) => federation.query({ name: 't', parts: { p: { source: 'slow', sql: 'S', params: [20 + i] } } })),
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(federation.status().sources[0]).toMatchObject({ inFlight: 2, queued: 4 });
    expect(federation.status().inFlightQueries.length).toBe(6);
    await queued;
    expect(maxRunning).toBe(2);
  });

  it('returns partial results naming the missing parts, skipping dependants', async () => {
    const federation = new Federation({ cache: false })
      .source('good', fixed(rows(2)))
      .source('down', new FunctionSource(() => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))), {
        retry: false,
      });
    const result = await federation.query({
      name: 'p',
      onPartFailure: 'partial',
      parts: { a: { source: 'good', sql: 'S' }, b: { source: 'down', sql: 'S' }, c: { source: 'good', sql: 'S2', dependsOn: ['b'] } },
    });
    expect(result.partial).toBe(true);
    expect(result.missingParts).toEqual(['b', 'c']);
    expect(result.parts['c']).toMatchObject({ status: 'skipped', error: { code: 'DEPENDENCY_FAILED' } });
    expect(result.rows).toHaveLength(2);
  });
});

describe('cache and spans', () => {
  it('runs 50 concurrent identical parts once, and answers later ones from the cache', async () => {
    let calls = 0;
    const source = new FunctionSource(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return rows(3);
    });
    const federation = new Federation().source('s', source);
    const spec = { name: 'c', parts: { p: { source: 's', sql: 'SELECT * FROM t WHERE id = ?', params: [7] } } };
    const results = await Promise.all(Array.from({ length: 50 }, () => federation.query(spec)));
    expect(calls).toBe(1);
    expect(results.every((r) => r.rows.length === 3)).toBe(true);
    expect(results.filter((r) => r.parts['p']!.cacheHit)).toHaveLength(49);
    await federation.query(spec);
    expect(calls).toBe(1);
    await federation.query({ ...spec, parts: { p: { ...spec.parts.p, params: [8] } } });
    expect(calls).toBe(2);
    expect(federation.status().cache).toMatchObject({ entries: 2, hits: 50, misses: 2 });
    const cacheSpans = tracing.spans().filter((s) => s.name === 'federation.stage cache');
    expect(cacheSpans.filter((s) => s.attributes['federation.cache.hit'] === true)).toHaveLength(50);
    const roots = tracing.spans().filter((s) => s.name === 'federation.query c');
    expect(roots.filter((s) => s.attributes['federation.cache.hit'] === true)).toHaveLength(50);
  });

  it('makes plan, dispatch, fetch (per part) and merge stages and sets the source context for the call', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const source = new FunctionSource(() => {
      const ctx = activeSourceContext();
      seen.push([ctx?.source, ctx?.part]);
      return rows(2);
    });
    const federation = new Federation({ cache: false }).source('src', source);
    await federation.query({ name: 'stages', parts: { one: { source: 'src', sql: 'A' }, two: { source: 'src', sql: 'B' } } });
    expect(seen.sort()).toEqual([
      ['src', 'one'],
      ['src', 'two'],
    ]);
    const names = tracing.spans().map((s) => s.name);
    expect(names.filter((n) => n === 'federation.stage fetch')).toHaveLength(2);
    for (const n of ['federation.stage plan', 'federation.stage dispatch', 'federation.stage merge']) expect(names).toContain(n);
    const root = tracing.span('federation.query stages');
    expect(root.attributes).toMatchObject({ 'federation.rows.returned': 4, 'federation.source.count': 1 });
    // Each FunctionSource call is a source span of its own, named after the registered source.
    expect(
      tracing
        .spans()
        .filter((s) => s.kind === SpanKind.CLIENT)
        .map((s) => s.name),
    ).toEqual(['function src', 'function src']);
  });
});
