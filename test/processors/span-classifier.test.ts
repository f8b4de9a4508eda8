import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifySpan } from '../../processors/span-classifier.js';
import { isPoolWaitSpanName, POOL_WAIT_SPAN_NAMES } from '../../src/span-model/attributes.js';
import { defaultSourceName, sourceNameOf } from '../../src/span-model/source-name.js';
import { startInMemoryTracing, type InMemoryTracing } from '../support/in-memory-tracing.js';

let tracing: InMemoryTracing;
beforeEach(() => {
  tracing = startInMemoryTracing();
});
afterEach(async () => {
  await tracing.shutdown();
});

function ended(name: string, kind: SpanKind, attributes: Attributes, error = false): ReadableSpan {
  const span = trace.getTracer('test-scope').startSpan(name, { kind, attributes });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return tracing.spans().at(-1)!;
}

describe('classifySpan', () => {
  it('recognises a federated query root, a stage and a cache stage', () => {
    expect(
      classifySpan(ended('federation.query q', SpanKind.INTERNAL, { 'federation.query.name': 'q', 'federation.rows.returned': 3 })),
    ).toMatchObject({
      role: 'query',
      queryName: 'q',
      rowsReturned: 3,
    });
    expect(
      classifySpan(ended('federation.stage merge', SpanKind.INTERNAL, { 'federation.stage': 'merge', 'federation.query.name': 'q' })),
    ).toMatchObject({
      role: 'stage',
      stage: 'merge',
      queryName: 'q',
    });
    expect(
      classifySpan(ended('federation.stage cache', SpanKind.INTERNAL, { 'federation.stage': 'cache', 'federation.cache.hit': true })),
    ).toMatchObject({
      role: 'cache',
      cacheHit: true,
    });
  });

  it('reads stable DB semantic conventions, as instrumentation-pg emits them', () => {
    const c = classifySpan(
      ended('pg.query:SELECT test', SpanKind.CLIENT, {
        'db.system.name': 'postgresql',
        'db.namespace': 'test',
        'db.query.text': 'SELECT $1::int',
        'server.address': '127.0.0.1',
        'server.port': 5432,
      }),
    );
    expect(c).toMatchObject({
      role: 'source',
      system: 'postgresql',
      namespace: 'test',
      queryText: 'SELECT $1::int',
      source: 'postgresql://127.0.0.1:5432/test',
      scopeName: 'test-scope',
    });
  });

  it('reads the old DB attribute names too', () => {
    const c = classifySpan(
      ended('SELECT', SpanKind.CLIENT, {
        'db.system': 'mysql',
        'db.name': 'shop',
        'db.statement': 'SELECT 1',
        'db.operation': 'SELECT',
        'net.peer.name': 'x',
      }),
    );
    expect(c).toMatchObject({
      role: 'source',
      system: 'mysql',
      namespace: 'shop',
      queryText: 'SELECT 1',
      operationName: 'SELECT',
      serverAddress: 'x',
      source: 'mysql://x/shop',
    });
  });

  it('prefers federation.source, and reads HTTP client spans with their status', () => {
    const c = classifySpan(
      ended('GET', SpanKind.CLIENT, {
        'http.request.method': 'GET',
        'http.response.status_code': 503,
        'server.address': 'crm',
        'federation.source': 'crm',
      }),
    );
    expect(c).toMatchObject({ role: 'source', system: 'http', source: 'crm', error: true, errorType: '503' });
  });

  it('marks ERROR status as an error with error.type or _OTHER', () => {
    expect(classifySpan(ended('x', SpanKind.CLIENT, { 'db.system.name': 'sqlite', 'error.type': 'SQLITE_BUSY' }, true))).toMatchObject({
      error: true,
      errorType: 'SQLITE_BUSY',
    });
    expect(classifySpan(ended('x', SpanKind.CLIENT, { 'db.system.name': 'sqlite' }, true))).toMatchObject({
      error: true,
      errorType: '_OTHER',
    });
  });

  it('leaves unrelated spans as other', () => {
    expect(classifySpan(ended('GET /health', SpanKind.SERVER, { 'http.request.method': 'GET' })).role).toBe('other');
    expect(classifySpan(ended('compute', SpanKind.INTERNAL, {})).role).toBe('other');
  });

  it('names sources from system, address, port and namespace', () => {
    expect(defaultSourceName({ 'db.system.name': 'duckdb', 'db.namespace': 'memory' })).toBe('duckdb:///memory');
    expect(defaultSourceName({ 'db.system.name': 'postgresql', 'server.address': 'db', 'server.port': 5432 })).toBe('postgresql://db:5432');
    expect(defaultSourceName({})).toBeUndefined();
  });
});

describe('classifySpan: stable and older semantic conventions', () => {
  // Each pair: [stable name, older name, stable value, older value, the ClassifiedSpan field, what it reads as].
  const dbPairs: Array<[string, string, string | number, string | number, string, string | number, string | number]> = [
    ['db.system.name', 'db.system', 'mysql', 'postgresql', 'system', 'mysql', 'postgresql'],
    ['db.query.text', 'db.statement', 'SELECT 1', 'SELECT 2', 'queryText', 'SELECT 1', 'SELECT 2'],
    ['db.namespace', 'db.name', 'shop', 'crm', 'namespace', 'shop', 'crm'],
    ['db.operation.name', 'db.operation', 'SELECT', 'INSERT', 'operationName', 'SELECT', 'INSERT'],
    ['server.address', 'net.peer.name', 'db-a', 'db-b', 'serverAddress', 'db-a', 'db-b'],
    ['server.port', 'net.peer.port', 5432, 6432, 'serverPort', 5432, 6432],
  ];
  const base: Attributes = { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 0' };

  for (const [stable, older, stableValue, olderValue, field, readStable, readOlder] of dbPairs) {
    it(`reads ${older} when ${stable} is absent, and ${stable} when both are there`, () => {
      const onlyOlder: Attributes = { ...base, [older]: olderValue };
      delete onlyOlder[stable];
      expect(classifySpan(ended('q', SpanKind.CLIENT, onlyOlder))).toMatchObject({ role: 'source', [field]: readOlder });
      const onlyStable: Attributes = { ...base, [stable]: stableValue };
      expect(classifySpan(ended('q', SpanKind.CLIENT, onlyStable))).toMatchObject({ role: 'source', [field]: readStable });
      const both: Attributes = { ...base, [stable]: stableValue, [older]: olderValue };
      expect(classifySpan(ended('q', SpanKind.CLIENT, both))).toMatchObject({ role: 'source', [field]: readStable });
    });
  }

  it('maps older db.system values to the stable db.system.name values, in the source name too', () => {
    const cases: Array<[string, string]> = [
      ['postgresql', 'postgresql'],
      ['mysql', 'mysql'],
      ['mariadb', 'mariadb'],
      ['sqlite', 'sqlite'],
      ['mssql', 'microsoft.sql_server'],
      ['oracle', 'oracle.db'],
      ['db2', 'ibm.db2'],
    ];
    for (const [older, stable] of cases) {
      const c = classifySpan(
        ended('SELECT', SpanKind.CLIENT, { 'db.system': older, 'db.statement': 'SELECT 1', 'net.peer.name': 'db', 'net.peer.port': 1521 }),
      );
      expect(c, older).toMatchObject({ role: 'source', system: stable, source: `${stable}://db:1521` });
    }
    // A stable value is never remapped, and it wins over an older one on the same span.
    expect(
      classifySpan(ended('q', SpanKind.CLIENT, { 'db.system.name': 'oracle.db', 'db.system': 'mssql', 'db.statement': 'SELECT 1' })),
    ).toMatchObject({
      system: 'oracle.db',
    });
  });

  it('names the source the same whichever era the span speaks', () => {
    const stable = classifySpan(
      ended('SELECT orders', SpanKind.CLIENT, {
        'db.system.name': 'postgresql',
        'db.namespace': 'shop',
        'db.query.text': 'SELECT * FROM orders WHERE id = $1',
        'server.address': 'orders-db',
        'server.port': 5432,
      }),
    );
    const older = classifySpan(
      ended('SELECT shop.orders', SpanKind.CLIENT, {
        'db.system': 'postgresql',
        'db.name': 'shop',
        'db.statement': 'SELECT * FROM orders WHERE id = ?',
        'net.peer.name': 'orders-db',
        'net.peer.port': 5432,
      }),
    );
    expect(older.source).toBe('postgresql://orders-db:5432/shop');
    expect(older.source).toBe(stable.source);
  });

  it('reads older HTTP client attributes: http.method, http.status_code, http.url, net.peer.*', () => {
    const c = classifySpan(
      ended('HTTP GET', SpanKind.CLIENT, {
        'http.method': 'GET',
        'http.url': 'https://crm.internal:8443/api/customers?id=7',
        'http.status_code': 502,
        'net.peer.name': 'crm.internal',
        'net.peer.port': 8443,
      }),
    );
    expect(c).toMatchObject({
      role: 'source',
      system: 'http',
      serverAddress: 'crm.internal',
      serverPort: 8443,
      source: 'http://crm.internal:8443',
      error: true,
      errorType: '502',
    });
    expect(classifySpan(ended('HTTP GET', SpanKind.CLIENT, { 'http.method': 'GET', 'http.status_code': 200 }))).toMatchObject({
      role: 'source',
      system: 'http',
      error: false,
      errorType: undefined,
    });
  });

  it('takes the server from url.full or http.url when the span names no server.address or net.peer.name', () => {
    for (const key of ['url.full', 'http.url']) {
      const method = key === 'url.full' ? 'http.request.method' : 'http.method';
      const c = classifySpan(ended('GET', SpanKind.CLIENT, { [method]: 'GET', [key]: 'http://user:secret@Billing:9000/v1/invoices' }));
      expect(c, key).toMatchObject({ role: 'source', serverAddress: 'billing', serverPort: 9000, source: 'http://billing:9000' });
    }
    // server.address wins over the URL's host; a URL without a port leaves the port unknown.
    const named = classifySpan(
      ended('GET', SpanKind.CLIENT, { 'http.request.method': 'GET', 'server.address': 'crm', 'url.full': 'https://10.0.0.7/x' }),
    );
    expect(named).toMatchObject({ serverAddress: 'crm', serverPort: undefined, source: 'http://crm' });
    expect(classifySpan(ended('GET', SpanKind.CLIENT, { 'http.request.method': 'GET', 'url.full': 'https://10.0.0.7/x' }))).toMatchObject({
      serverAddress: '10.0.0.7',
      source: 'http://10.0.0.7',
    });
  });

  it('prefers the stable HTTP names over the older ones on the same span', () => {
    const c = classifySpan(
      ended('POST', SpanKind.CLIENT, {
        'http.request.method': 'POST',
        'http.method': 'GET',
        'http.response.status_code': 200,
        'http.status_code': 500,
        'url.full': 'https://new-host/x',
        'http.url': 'https://old-host/x',
      }),
    );
    expect(c).toMatchObject({ role: 'source', system: 'http', error: false, serverAddress: 'new-host' });
    const failed = classifySpan(ended('GET', SpanKind.CLIENT, { 'http.method': 'GET', 'http.status_code': 404, 'error.type': 'NotFound' }));
    expect(failed).toMatchObject({ error: true, errorType: 'NotFound' });
  });

  it('keeps federation.* meanings and leaves older-convention server spans as other', () => {
    const c = classifySpan(
      ended('SELECT', SpanKind.CLIENT, {
        'federation.source': 'orders',
        'db.system': 'postgresql',
        'db.statement': 'SELECT 1',
        'net.peer.name': 'db',
      }),
    );
    expect(c).toMatchObject({ role: 'source', source: 'orders', system: 'postgresql', serverAddress: 'db' });
    expect(classifySpan(ended('GET /orders', SpanKind.SERVER, { 'http.method': 'GET', 'http.status_code': 500 })).role).toBe('other');
    expect(
      classifySpan(ended('federation.stage fetch', SpanKind.INTERNAL, { 'federation.stage': 'fetch', 'http.method': 'GET' })).role,
    ).toBe('stage');
  });

  it('classes an older-convention DB span without a statement as connection work', () => {
    const c = classifySpan(ended('connect', SpanKind.CLIENT, { 'db.system': 'mysql', 'net.peer.name': 'db', 'db.name': 'shop' }));
    expect(c).toMatchObject({ role: 'connection', source: 'mysql://db/shop' });
  });

  it('names sources from the older attributes in defaultSourceName', () => {
    expect(defaultSourceName({ 'db.system': 'mssql', 'net.peer.name': 'sql1', 'net.peer.port': 1433, 'db.name': 'erp' })).toBe(
      'microsoft.sql_server://sql1:1433/erp',
    );
    expect(defaultSourceName({ 'http.method': 'GET', 'http.url': 'https://api.example.com:444/v2' })).toBe('http://api.example.com:444');
    expect(defaultSourceName({ 'http.request.method': 'GET', 'url.full': 'https://api.example.com/v2' })).toBe('http://api.example.com');
    expect(defaultSourceName({ 'net.peer.name': 'db' })).toBeUndefined();
  });
});

describe('classifySpan: connection work', () => {
  it('classes a driver DB span without a statement as connection, keeping its source', () => {
    const c = classifySpan(
      ended(
        'pg.connect',
        SpanKind.CLIENT,
        { 'db.system.name': 'postgresql', 'server.address': 'db', 'server.port': 5432, 'db.namespace': 'shop' },
        true,
      ),
    );
    expect(c).toMatchObject({ role: 'connection', source: 'postgresql://db:5432/shop', error: true });
  });

  it('keeps a statement-less span of fedscope own adapter a source call', () => {
    const span = trace
      .getTracer('fedscope')
      .startSpan('postgresql', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'federation.source': 'pg' } });
    span.end();
    expect(classifySpan(tracing.spans().at(-1)!).role).toBe('source');
  });

  it('marks the pool-acquire spans of pg and mysql2 as pool waits, by their exact names only', () => {
    const db = { 'db.system.name': 'postgresql', 'server.address': 'db' };
    const waits = ['pg-pool.connect', 'pg.connect', 'mysql2-pool.connect', 'mysql2.connect'];
    const others = ['redis.connect', 'pg.connection', 'PG.CONNECT', 'pg.connect ', '.connect', 'connect', 'SELECT orders'];
    expect(waits.map((name) => classifySpan(ended(name, SpanKind.CLIENT, db)).poolWait)).toEqual(waits.map(() => true));
    // The check compares the `.connect` suffix first: every name of the set must end with it.
    expect([...POOL_WAIT_SPAN_NAMES].filter((name) => !isPoolWaitSpanName(name))).toEqual([]);
    expect(others.map((name) => classifySpan(ended(name, SpanKind.CLIENT, db)).poolWait)).toEqual(others.map(() => false));
    // Or by the attribute, whatever the name.
    expect(classifySpan(ended('acquire', SpanKind.CLIENT, { ...db, 'federation.pool.wait': true })).poolWait).toBe(true);
  });
});

describe('classifySpan, span after span', () => {
  it('writes into the classification it is given, every field of the span before overwritten', () => {
    const failedHttp = ended(
      'GET',
      SpanKind.CLIENT,
      {
        'http.request.method': 'GET',
        'url.full': 'https://api.example.com:8443/v1/orders',
        'http.response.status_code': 504,
        'error.type': 'timeout',
        'federation.part': 'orders',
        'federation.depends_on': ['customers'],
        'federation.retry.attempt': 2,
        'federation.query.fingerprint': 'f00d',
        'db.response.returned_rows': 7,
      },
      true,
    );
    const plainDb = ended('SELECT orders', SpanKind.CLIENT, { 'db.system.name': 'sqlite', 'db.query.text': 'SELECT 1' });
    const into = classifySpan(failedHttp);
    expect(into).toMatchObject({ timedOut: true, part: 'orders', retryAttempt: 2, fingerprint: 'f00d', rowsReturned: 7 });
    expect(classifySpan(plainDb, undefined, into)).toBe(into);
    expect(into).toEqual(classifySpan(plainDb));
    expect(classifySpan(failedHttp, undefined, into)).toEqual(classifySpan(failedHttp));
  });

  it('gives every span the same answer whatever spans of other attribute orders came before it', () => {
    // The classifier remembers the key order of a few recent span shapes: spans of many shapes,
    // sharing keys at other positions and first keys with other orders after them, interleaved.
    const keys = [
      'db.system.name',
      'server.address',
      'server.port',
      'db.namespace',
      'federation.source',
      'db.query.text',
      'http.request.method',
      'url.full',
      'custom.a',
      'custom.b',
    ];
    const values: Record<string, string | number> = {
      'db.system.name': 'postgresql',
      'server.address': 'db1',
      'server.port': 5432,
      'db.namespace': 'shop',
      'federation.source': 'orders-pg',
      'db.query.text': 'SELECT 1',
      'http.request.method': 'GET',
      'url.full': 'http://api:8080/x',
      'custom.a': 'a',
      'custom.b': 'b',
    };
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const spans: ReadableSpan[] = [];
    const expected: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 40; i++) {
      const order = [...keys].sort(() => random(3) - 1).slice(0, 2 + random(keys.length - 1));
      const attributes = Object.fromEntries(order.map((key) => [key, values[key]!]));
      spans.push(ended(`s${i}`, SpanKind.CLIENT, attributes));
      // What the rules give, read off the attributes present.
      const has = (key: string) => order.includes(key);
      const system = has('db.system.name') ? 'postgresql' : has('http.request.method') ? 'http' : undefined;
      const callsSource = has('federation.source') || system !== undefined;
      const connection = has('db.system.name') && !has('db.query.text');
      const role = !callsSource ? 'other' : connection ? 'connection' : 'source';
      expected.push({
        role,
        system,
        serverAddress: has('server.address') ? 'db1' : has('url.full') ? 'api' : undefined,
        serverPort: has('server.port') ? 5432 : !has('server.address') && has('url.full') ? 8080 : undefined,
        namespace: has('db.namespace') ? 'shop' : undefined,
        queryText: has('db.query.text') ? 'SELECT 1' : undefined,
        source: role === 'other' ? undefined : has('federation.source') ? 'orders-pg' : defaultSourceName(attributes),
      });
    }
    for (let round = 0; round < 400; round++) {
      const i = random(spans.length);
      expect(classifySpan(spans[i]!), `span ${i} in round ${round}`).toMatchObject(expected[i]!);
    }
  });

  it('names a source as defaultSourceName does, also when two names share a remembered slot', () => {
    // Same lengths and port: the same slot of sourceNameOf's memory, taking turns in it.
    const parts: Array<[string, string | undefined, number | undefined, string | undefined]> = [
      ['postgresql', 'db1', 5432, 'shop'],
      ['postgresql', 'db2', 5432, 'shop'],
      ['postgresql', 'db1', 5432, 'shoq'],
      ['postgresql', 'db1', undefined, undefined],
      ['http', 'api', 80, undefined],
    ];
    for (let round = 0; round < 3; round++)
      for (const [system, host, port, namespace] of parts) {
        const attributes = {
          'db.system.name': system === 'http' ? undefined : system,
          'http.request.method': system === 'http' ? 'GET' : undefined,
          'server.address': host,
          'server.port': port,
          'db.namespace': namespace,
        };
        const name = sourceNameOf(system, host, port, namespace);
        expect(name).toBe(defaultSourceName(attributes));
        expect(classifySpan(ended('call', SpanKind.CLIENT, attributes)).source).toBe(name);
      }
  });
});
