import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instrumentAdapter } from '../../instrumentations/adapter.js';
import { federatedQuery, stage } from '../../instrumentations/federation-stage.js';
import { parentIdOf, startInMemoryTracing, type InMemoryTracing } from '../support/in-memory-tracing.js';

let tracing: InMemoryTracing;
beforeEach(() => {
  tracing = startInMemoryTracing();
});
afterEach(async () => {
  await tracing.shutdown();
});

/** An adapter with a private field: calling its methods with the proxy as `this` would throw. */
class MemoryDb {
  #rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
  calls: string[] = [];
  async query(sql: string): Promise<{ rows: Array<{ id: number }> }> {
    this.calls.push(sql);
    if (sql.includes('broken')) throw Object.assign(new Error('syntax error at or near "broken"'), { code: '42601' });
    return { rows: this.#rows };
  }
  runSync(sql: string): Array<{ id: number }> {
    this.calls.push(sql);
    return this.#rows.slice(0, 2);
  }
  describe(): string {
    return `memdb with ${this.#rows.length} rows`;
  }
}

describe('instrumentAdapter on a SQL adapter', () => {
  it('makes each call a CLIENT span with stable DB semantic conventions and federation.source', async () => {
    const db = instrumentAdapter(new MemoryDb(), {
      source: 'orders-db',
      system: 'postgresql',
      namespace: 'shop',
      serverAddress: 'db1',
      serverPort: 5432,
    });
    await db.query("SELECT id, total FROM orders WHERE customer = 'alice' AND total > 100");
    const span = tracing.spans()[0]!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.name).toBe('SELECT orders');
    expect(span.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.query.summary': 'SELECT orders',
      'db.query.text': 'SELECT id, total FROM orders WHERE customer = ? AND total > ?',
      'server.address': 'db1',
      'server.port': 5432,
      'federation.source': 'orders-db',
      'db.response.returned_rows': 3,
    });
    expect(span.attributes['federation.query.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('returns the same result object, runs methods with the adapter as this, and leaves other members alone', async () => {
    const raw = new MemoryDb();
    const db = instrumentAdapter(raw, { source: 's', system: 'postgresql', methods: ['query', 'runSync'] });
    const direct = await raw.query('SELECT 1');
    const wrapped = await db.query('SELECT 1');
    expect(wrapped.rows).toBe(direct.rows);
    expect(db.runSync('SELECT 2')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(db.describe()).toBe('memdb with 3 rows');
    expect(db.calls).toBe(raw.calls);
    expect(raw.calls).toEqual(['SELECT 1', 'SELECT 1', 'SELECT 2']);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- compares the method's identity across reads, never calls it
    expect(db.query).toBe(db.query);
    expect(tracing.spans()).toHaveLength(2);
    expect(tracing.spans()[1]!.attributes['db.response.returned_rows']).toBe(2);
  });

  it('rethrows the adapter error unchanged and records it with error.type from the driver code', async () => {
    const db = instrumentAdapter(new MemoryDb(), { source: 's', system: 'postgresql' });
    const error = await db.query('SELECT broken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code: string }).code).toBe('42601');
    const span = tracing.spans()[0]!;
    // The error comes back as thrown; the span's copy of its message is redacted.
    expect((error as Error).message).toBe('syntax error at or near "broken"');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'syntax error at or near ?' });
    expect(span.attributes['error.type']).toBe('42601');
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('keeps raw text only on request and none with queryText off', async () => {
    const sql = "SELECT * FROM users WHERE email = 'a@b.c'";
    await instrumentAdapter(new MemoryDb(), { source: 's', system: 'postgresql', queryText: 'raw' }).query(sql);
    await instrumentAdapter(new MemoryDb(), { source: 's', system: 'postgresql', queryText: 'off' }).query(sql);
    const [raw, off] = tracing.spans();
    expect(raw!.attributes['db.query.text']).toBe(sql);
    expect(off!.attributes['db.query.text']).toBeUndefined();
    expect(off!.attributes['db.query.summary']).toBe('SELECT users');
  });

  it('reads { text } and { sql } query objects', async () => {
    const adapter = { query: async (q: { text?: string; sql?: string }) => [q] };
    const db = instrumentAdapter(adapter, { source: 's', system: 'mysql' });
    await db.query({ text: 'DELETE FROM carts WHERE id = 9' });
    await db.query({ sql: 'UPDATE carts SET n = 2' });
    expect(tracing.spans().map((s) => s.attributes['db.query.text'])).toEqual(['DELETE FROM carts WHERE id = ?', 'UPDATE carts SET n = ?']);
  });

  it('still runs the call when describeCall or requestHook throws', async () => {
    const raw = new MemoryDb();
    const db = instrumentAdapter(raw, {
      source: 's',
      system: 'postgresql',
      describeCall: () => {
        throw new Error('bad describe');
      },
      requestHook: () => {
        throw new Error('bad hook');
      },
    });
    await expect(db.query('SELECT 1')).resolves.toEqual({ rows: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(raw.calls).toEqual(['SELECT 1']);
    expect(tracing.spans()[0]!.name).toBe('postgresql');
  });

  it('returns a non-native thenable as it is, without calling then', () => {
    let thenCalls = 0;
    const lazy = { then: () => thenCalls++ };
    const db = instrumentAdapter({ query: (_sql: string) => lazy }, { source: 's', system: 'sqlite' });
    expect(db.query('SELECT 1')).toBe(lazy);
    expect(thenCalls).toBe(0);
  });

  it('nests under the current stage and tells the query root which sources it used', async () => {
    const a = instrumentAdapter(new MemoryDb(), { source: 'pg-orders', system: 'postgresql' });
    const b = instrumentAdapter(new MemoryDb(), { source: 'duck-events', system: 'duckdb' });
    await federatedQuery('q', () => stage('fetch', () => Promise.all([a.query('SELECT 1'), b.query('SELECT 2'), a.query('SELECT 3')])));
    const fetch = tracing.span('federation.stage fetch');
    const calls = tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(parentIdOf(call)).toBe(fetch.spanContext().spanId);
      expect(call.attributes['federation.query.name']).toBe('q');
    }
    expect(tracing.span('federation.query q').attributes['federation.source.count']).toBe(2);
  });
});

describe('instrumentAdapter on an HTTP source', () => {
  it('uses HTTP client conventions, redacts credentials and marks 5xx as errors', async () => {
    const http = instrumentAdapter(
      { get: async (url: string) => ({ status: url.includes('fail') ? 503 : 200, url }) },
      {
        source: 'crm',
        system: 'http',
        methods: ['get'],
        describeCall: ({ args }) => ({ kind: 'http', method: 'get', url: String(args[0]) }),
      },
    );
    await http.get('http://user:secret@crm.local:8080/customers?region=emea');
    await http.get('https://crm.local/fail');
    const [ok, failed] = tracing.spans();
    expect(ok!.name).toBe('GET');
    expect(ok!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': 'http://REDACTED:REDACTED@crm.local:8080/customers?region=emea',
      'server.address': 'crm.local',
      'server.port': 8080,
      'http.response.status_code': 200,
      'federation.source': 'crm',
    });
    expect(ok!.attributes['db.system.name']).toBeUndefined();
    expect(failed!.attributes).toMatchObject({ 'server.port': 443, 'http.response.status_code': 503, 'error.type': '503' });
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('reads fetch-style (url, init) arguments by default', async () => {
    const client = instrumentAdapter(
      { request: async (_url: string, _init?: { method?: string }) => ({ status: 204 }) },
      { source: 'api', system: 'http', methods: ['request'] },
    );
    await client.request('http://api.local/items/1', { method: 'delete' });
    expect(tracing.spans()[0]!.attributes).toMatchObject({ 'http.request.method': 'DELETE', 'url.full': 'http://api.local/items/1' });
  });
});
