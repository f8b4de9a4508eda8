// Suggestions on real runtime workloads: the federation runtime (and the stage API) over a loopback
// HTTP service, embedded DuckDB and SQLite and in-process sources, traced by the real SDK into
// fedscope's span processor, assembler and aggregator. Each kind must appear when its evidence
// holds and must not appear otherwise. No timing is asserted: the workloads are built so that the
// evidence is lopsided (a 40 ms failing attempt before a fast retry, 30 000 rows into a merge).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BetterSqlite3Instrumentation } from '../../../instrumentations/better-sqlite3/index.js';
import { DuckDBInstrumentation } from '../../../instrumentations/duckdb/index.js';
import { federatedQuery, stage } from '../../../instrumentations/federation-stage.js';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { FederationSpanProcessor } from '../../../processors/federation-span-processor.js';
import { BottleneckAggregator } from '../../../processors/trace-analysis/bottleneck-aggregator.js';
import { TraceAssembler } from '../../../processors/trace-analysis/trace-assembler.js';
import type { Suggestion, TraceAnalysis } from '../../../processors/trace-analysis/types.js';
import { DuckDBSource, Federation, FunctionSource, HttpSource, SqliteSource, type Row } from '../../../src/federation/index.js';
import { ATTR_FEDERATION_DEPENDS_ON, ATTR_FEDERATION_RETRY_ATTEMPT } from '../../../src/span-model/attributes.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';

/** The analysis chain of the test running now; the processor hands every span to it. */
let chain: { assembler: TraceAssembler; aggregator: BottleneckAggregator; analyses: TraceAnalysis[] };
const processor = new FederationSpanProcessor({ sinks: [{ record: (span: ClassifiedSpan) => chain.assembler.record(span) }] });
// Order matters: instrumentations are registered before the drivers are first loaded.
const tracing = startInMemoryTracing([processor]);
registerInstrumentations({
  instrumentations: [new DuckDBInstrumentation(), new BetterSqlite3Instrumentation()],
  tracerProvider: tracing.provider,
});
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as typeof import('better-sqlite3');
const { DuckDBInstance } = await import('@duckdb/node-api');

const EXECUTIONS = 6;
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i, k: i % 97, v: `r${i}` }));

/** Loopback JSON service: `/rows?n=&delay=` answers n rows after a delay; `/flaky` answers 503 after 40 ms on every other call. */
const http = { url: '', flakyCalls: 0, flaky: true, close: async () => undefined as void };

beforeAll(async () => {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (delay: number, n: number): void => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows(n))), delay);
    };
    if (url.pathname === '/flaky') {
      if (http.flaky && http.flakyCalls++ % 2 === 0) setTimeout(() => res.writeHead(503).end(), 40);
      else reply(2, 5);
      return;
    }
    reply(Number(url.searchParams.get('delay') ?? 0), Number(url.searchParams.get('n') ?? 5));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  http.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  http.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await http.close();
  await tracing.shutdown();
});
beforeEach(() => {
  const clock = new ManualClock(1_000_000);
  const analyses: TraceAnalysis[] = [];
  const aggregator = new BottleneckAggregator({ clock, onAnalysis: (a) => analyses.push(a) });
  chain = { aggregator, assembler: new TraceAssembler([aggregator], { graceMs: 0 }, clock), analyses };
  tracing.exporter.reset();
});

/** Runs `query` EXECUTIONS times one after another, then analyses the traces; returns its suggestions. */
async function suggestionsOf(name: string, query: () => Promise<unknown>): Promise<Suggestion[]> {
  for (let i = 0; i < EXECUTIONS; i++) await query();
  chain.assembler.flush();
  expect(chain.analyses.filter((a) => a.queryName === name)).toHaveLength(EXECUTIONS);
  return chain.aggregator.snapshot().queries.find((q) => q.queryName === name)?.suggestions ?? [];
}

const kinds = (suggestions: Suggestion[]) => suggestions.map((s) => s.kind);

describe('suggestions on the federation runtime', () => {
  it('never suggests parallelising parts that depend on each other; the runtime writes federation.depends_on', async () => {
    const federation = new Federation({ cache: false }).source('crm', new HttpSource({ baseUrl: http.url }));
    const suggestions = await suggestionsOf('dependent', () =>
      federation.query({
        name: 'dependent',
        parts: {
          users: { source: 'crm', request: { path: '/rows', query: { n: 3, delay: 15 } } },
          orders: { source: 'crm', dependsOn: ['users'], request: (r) => ({ path: '/rows', query: { n: r['users']!.length, delay: 15 } }) },
        },
      }),
    );
    const fetches = tracing.spans().filter((s) => s.name === 'federation.stage fetch');
    expect(
      fetches.filter((s) => s.attributes['federation.part'] === 'orders').map((s) => s.attributes[ATTR_FEDERATION_DEPENDS_ON]),
    ).toEqual(Array(EXECUTIONS).fill(['users']));
    expect(
      fetches
        .filter((s) => s.attributes['federation.part'] === 'users')
        .every((s) => s.attributes[ATTR_FEDERATION_DEPENDS_ON] === undefined),
    ).toBe(true);
    expect(kinds(suggestions)).not.toContain('parallelize_parts');
    // the fetches hold the path, the concat merge does not
    expect(kinds(suggestions)).not.toContain('merge_dominates');
    await federation.close();
    // the names are part of the public API (imported late: the package entry must not load drivers first)
    const api = await import('../../../src/index.js');
    expect([api.ATTR_FEDERATION_DEPENDS_ON, api.ATTR_FEDERATION_RETRY_ATTEMPT]).toEqual([
      'federation.depends_on',
      'federation.retry.attempt',
    ]);
  });

  it('suggests retries_dominate (not parallelize_parts) when a 503-ing HTTP source is retried, and not without failures', async () => {
    const federation = new Federation({ cache: false }).source('crm', new HttpSource({ baseUrl: http.url }), {
      retry: { maxAttempts: 3, baseDelayMs: 10 },
    });
    const run = () =>
      federation.query({
        name: 'flaky',
        parts: {
          tiers: { source: 'crm', request: { path: '/flaky' } },
          regions: { source: 'crm', request: { path: '/rows', query: { delay: 2 } } },
        },
      });
    http.flaky = true;
    http.flakyCalls = 0;
    const suggestions = await suggestionsOf('flaky', run);
    // the source calls carry the retry ordinal: absent on the first try, 1 on the retry
    const calls = tracing
      .spans()
      .filter(
        (s) =>
          s.attributes['federation.part'] === 'tiers' && s.attributes['federation.source'] === 'crm' && s.name !== 'federation.stage fetch',
      );
    expect(calls.map((s) => s.attributes[ATTR_FEDERATION_RETRY_ATTEMPT] ?? 0).sort()).toEqual([
      ...Array(EXECUTIONS).fill(0),
      ...Array(EXECUTIONS).fill(1),
    ]);
    expect(kinds(suggestions)).not.toContain('parallelize_parts');
    const retries = suggestions.find((s) => s.kind === 'retries_dominate')!;
    expect(retries).toBeDefined();
    expect(retries.subject).toBe('crm');
    expect(retries.evidence).toMatchObject({ executions: EXECUTIONS, retries: 1, example: { source: 'crm', part: 'tiers' } });
    // every number in the message is a mean over the same executions as the evidence
    expect(retries.message).toContain(
      `took ${Number(retries.evidence['meanSavingMs'])} of ${Number(retries.evidence['meanDurationMs'])} ms`,
    );
    expect(retries.message).toContain(`in ${EXECUTIONS} of ${EXECUTIONS} executions`);

    http.flaky = false;
    chain.analyses.length = 0;
    const clock = new ManualClock(1_000_000);
    chain.aggregator = new BottleneckAggregator({ clock, onAnalysis: (a) => chain.analyses.push(a) });
    chain.assembler = new TraceAssembler([chain.aggregator], { graceMs: 0 }, clock);
    expect(kinds(await suggestionsOf('flaky', run))).not.toContain('retries_dominate');
    await federation.close();
  });

  it('calls a merge that many rows reach rows-bound: push aggregation down', async () => {
    const big = rows(30_000);
    const federation = new Federation({ cache: false })
      .source('events', new FunctionSource(() => big))
      .source('dims', new FunctionSource(() => rows(10)));
    const suggestions = await suggestionsOf('rows_merge', () =>
      federation.query({
        name: 'rows_merge',
        parts: { e: { source: 'events', sql: 'SELECT * FROM events' }, d: { source: 'dims', sql: 'SELECT * FROM dims' } },
        merge: { sql: 'SELECT d.v, count(*) AS n FROM e JOIN d USING (k) GROUP BY d.v' },
      }),
    );
    const merge = suggestions.find((s) => s.kind === 'merge_dominates')!;
    expect(merge).toBeDefined();
    expect(merge.evidence).toMatchObject({ bound: 'rows', meanRowsIntoMerge: 30_010, rowsTraces: EXECUTIONS, traces: EXECUTIONS });
    expect(merge.message).toContain('rows-bound');
    expect(merge.message).toContain('Push aggregation and filters down');
    expect(merge.message).not.toContain('merge SQL itself');
    await federation.close();
  });

  it('calls a merge that few rows reach but whose SQL is heavy SQL-bound: simplify the merge SQL', async () => {
    const federation = new Federation({ cache: false }).source('small', new FunctionSource(() => rows(900)));
    const suggestions = await suggestionsOf('sql_merge', () =>
      federation.query({
        name: 'sql_merge',
        parts: { t: { source: 'small', sql: 'SELECT * FROM small' } },
        // a 900 × 900 × 8 self-join: the SQL, not the 900 rows, is the cost
        merge: { sql: 'SELECT a.k, count(*) AS n FROM t a, t b, range(8) r WHERE (a.id + b.id + r.range) % 7 = 0 GROUP BY a.k' },
      }),
    );
    const merge = suggestions.find((s) => s.kind === 'merge_dominates')!;
    expect(merge).toBeDefined();
    expect(merge.evidence).toMatchObject({ bound: 'sql', meanRowsIntoMerge: 900, meanRowsReturned: 97 });
    expect(merge.message).toContain('merge SQL itself is the cost');
    expect(merge.message).not.toContain('Push aggregation');
    await federation.close();
  });

  it('counts rows fetched per part, cache hits and HTTP parts included, so they never fall below the rows a join returns', async () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE orders (customer_id INTEGER, revenue INTEGER); INSERT INTO orders WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 200) SELECT x % 25, x FROM s',
    );
    const federation = new Federation({ cache: { ttlMs: 60_000 } })
      .source('shop', new SqliteSource(db))
      .source('crm', new HttpSource({ baseUrl: http.url }));
    const run = () =>
      federation.query({
        name: 'top_customers',
        parts: {
          top: { source: 'shop', sql: 'SELECT customer_id AS id, sum(revenue) AS revenue FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 10' },
          customers: { source: 'crm', request: { path: '/rows', query: { n: 25 } } },
        },
        merge: { sql: 'SELECT t.id, t.revenue, c.v FROM top t LEFT JOIN customers c USING (id) ORDER BY t.revenue DESC' },
      });
    await suggestionsOf('top_customers', run);
    // the first execution fetched both parts, the others were answered by the cache: same rows
    const cached = chain.analyses.filter((a) => a.cacheHits > 0);
    expect(cached).toHaveLength(EXECUTIONS - 1);
    for (const a of chain.analyses) expect({ fetched: a.rowsFetched, returned: a.rowsReturned }).toEqual({ fetched: 35, returned: 10 });
    const window = chain.aggregator.snapshot().queries.find((q) => q.queryName === 'top_customers')!.windows[0]!;
    expect(window.rows).toEqual({ fetched: 35 * EXECUTIONS, returned: 10 * EXECUTIONS, traces: EXECUTIONS });
    await federation.close();
    db.close();
  });
});

describe('parallelize_parts on independent parts', () => {
  // Two parts of the loopback service; its delays bound each part's duration from below.
  const customers = () => fetch(`${http.url}/rows?n=4&delay=15`).then((r) => r.json() as Promise<Row[]>);
  const orders = () => fetch(`${http.url}/rows?n=8&delay=10`).then((r) => r.json() as Promise<Row[]>);

  it('appears when independent parts run one after another (stage API), quoting means of the same executions', async () => {
    const suggestions = await suggestionsOf('sequential', () =>
      federatedQuery('sequential', async () => {
        // independent parts awaited one by one: the mistake the suggestion is for
        const a = await stage('fetch', customers, { part: 'customers' });
        const b = await stage('fetch', orders, { part: 'orders' });
        return [...a, ...b];
      }),
    );
    const parallel = suggestions.find((s) => s.kind === 'parallelize_parts')!;
    expect(parallel).toBeDefined();
    expect(parallel.subject).toBe('sequential: fetch[customers], fetch[orders]');
    expect(parallel.evidence).toMatchObject({ executions: EXECUTIONS, occurrence: 1, waves: 2 });
    const e = parallel.evidence;
    expect(parallel.message).toContain(
      `they took ${Number(e['wallMs'])} ms where running them concurrently would take ${Number(e['parallelWallMs'])} ms`,
    );
    expect(parallel.message).toContain(`save about ${Number(e['meanSavingMs'])} ms`);
    expect(parallel.message).toContain(`in ${EXECUTIONS} of ${EXECUTIONS} executions`);
  });

  it('does not appear when the same independent parts run concurrently (stage API and the runtime)', async () => {
    const together = await suggestionsOf('together', () =>
      federatedQuery('together', () =>
        Promise.all([stage('fetch', customers, { part: 'customers' }), stage('fetch', orders, { part: 'orders' })]),
      ),
    );
    expect(kinds(together)).not.toContain('parallelize_parts');

    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const db = new Database(':memory:');
    const federation = new Federation({ cache: false })
      .source('duck', new DuckDBSource(duck))
      .source('lite', new SqliteSource(db))
      .source('crm', new HttpSource({ baseUrl: http.url }));
    const suggestions = await suggestionsOf('concurrent', () =>
      federation.query({
        name: 'concurrent',
        parts: {
          sums: { source: 'duck', sql: 'SELECT sum(i * i) AS s FROM range(3000000) t(i)' },
          counts: {
            source: 'lite',
            sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) AS n FROM c',
          },
          customers: { source: 'crm', request: { path: '/rows', query: { n: 4, delay: 15 } } },
        },
      }),
    );
    expect(kinds(suggestions)).not.toContain('parallelize_parts');
    await federation.close();
    duck.closeSync();
    db.close();
  });
});
