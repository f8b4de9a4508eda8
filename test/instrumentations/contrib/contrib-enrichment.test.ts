import * as diagnosticsChannel from 'node:diagnostics_channel';
import { context, SpanKind, SpanStatusCode, type Attributes, type TracerProvider } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  captureMysql2Errors,
  contribSourceNamer,
  enrichingTracerProvider,
  mysql2ReturnedRows,
  pgErrorCodeOfException,
  pgReturnedRows,
  sourceMapKeys,
  type ContribSpanEnrichment,
} from '../../../instrumentations/contrib/index.js';
import { federatedQuery } from '../../../instrumentations/federation-stage.js';
import { withSourceContext } from '../../../instrumentations/source-context.js';
import type { QueryTextMode } from '../../../src/span-model/query-text-mode.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';

const tracing = startInMemoryTracing();
let mode: QueryTextMode = 'sanitized';
let rename = true;
const enrichment: ContribSpanEnrichment = {
  nameSource: contribSourceNamer({ '127.0.0.1:5432/test': 'orders-db' }),
  queryText: () => mode,
  get renameSpans() {
    return rename;
  },
};
const provider: TracerProvider = enrichingTracerProvider(tracing.provider, enrichment);
const pgConnection: Attributes = {
  'db.system.name': 'postgresql',
  'db.namespace': 'test',
  'server.address': '127.0.0.1',
  'server.port': 5432,
};
const mysqlConnection: Attributes = {
  'db.system.name': 'mysql',
  'db.namespace': 'shop',
  'server.address': 'db.internal',
  'server.port': 3306,
};

/** What instrumentation-pg 0.76 does for a query: start, set the text, then end or fail. */
function pgQuery(text: string, failure?: { code: string; message: string }): void {
  const span = provider
    .getTracer('@opentelemetry/instrumentation-pg')
    .startSpan('pg.query:SELECT test', { kind: SpanKind.CLIENT, attributes: pgConnection });
  span.setAttribute('db.query.text', text);
  if (failure) {
    span.recordException(`PostgreSQL error of type 'error' occurred (code: ${failure.code})`);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}

/** What instrumentation-mysql2 0.69 does: text in the start attributes, status message on error. */
function mysqlQuery(text: string, failure?: Error): void {
  const span = provider.getTracer('@opentelemetry/instrumentation-mysql2').startSpan('SELECT', {
    kind: SpanKind.CLIENT,
    attributes: { ...mysqlConnection, 'db.query.text': text },
  });
  if (failure) {
    // mysql2 publishes the error on its tracing channel right before calling contrib's callback.
    diagnosticsChannel.channel('tracing:mysql2:query:error').publish({ error: failure });
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}

beforeEach(() => {
  mode = 'sanitized';
  rename = true;
  tracing.exporter.reset();
});
afterAll(async () => {
  await tracing.shutdown();
});

describe('enrichingTracerProvider', () => {
  it("gives a pg query span the source, the statement's attributes and a summary name, sanitising contrib's raw text", () => {
    pgQuery("SELECT * FROM orders WHERE id = 42 AND note = 'secret'");
    const [span] = tracing.spans();
    expect(span!.name).toBe('SELECT orders');
    expect(span!.attributes).toMatchObject({
      ...pgConnection,
      'federation.source': 'orders-db',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.query.summary': 'SELECT orders',
      'db.query.text': 'SELECT * FROM orders WHERE id = ? AND note = ?',
    });
    expect(JSON.stringify(span!.attributes)).not.toContain('secret');
  });

  it("classifies a pg failure from the SQLSTATE in contrib's exception text", () => {
    pgQuery('INSERT INTO orders VALUES (1)', { code: '23505', message: 'duplicate key value violates unique constraint "orders_pkey"' });
    const [span] = tracing.spans();
    expect(span!.attributes).toMatchObject({
      'error.type': '23505',
      'federation.error.class': 'constraint_violation',
      'db.response.status_code': '23505',
    });
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('classifies a mysql2 failure from the error mysql2 published, else from the message', () => {
    const release = captureMysql2Errors();
    try {
      const error = Object.assign(new Error("Duplicate entry '1' for key 'PRIMARY'"), {
        code: 'ER_DUP_ENTRY',
        errno: 1062,
        sqlState: '23000',
      });
      mysqlQuery('INSERT INTO items VALUES (1)', error);
    } finally {
      release();
    }
    // Without the channel (older mysql2), the English message still classifies.
    mysqlQuery('SELEC 1', new Error("You have an error in your SQL syntax; check the manual near 'SELEC 1'"));
    const [dup, syntax] = tracing.spans();
    expect(dup!.attributes).toMatchObject({
      'federation.source': 'mysql://db.internal:3306/shop',
      'db.query.summary': 'INSERT items',
      'error.type': 'ER_DUP_ENTRY',
      'federation.error.class': 'constraint_violation',
      'db.response.status_code': '1062',
    });
    expect(syntax!.attributes).toMatchObject({ 'error.type': 'ER_PARSE_ERROR', 'federation.error.class': 'syntax_error' });
    expect(syntax!.attributes['db.response.status_code']).toBeUndefined();
  });

  it('never attaches a published error to a span that failed with another message', () => {
    const release = captureMysql2Errors();
    try {
      diagnosticsChannel
        .channel('tracing:mysql2:query:error')
        .publish({ error: Object.assign(new Error('other'), { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' }) });
      mysqlQuery('SELECT 1', new Error('Lock wait timeout exceeded; try restarting transaction'));
    } finally {
      release();
    }
    expect(tracing.spans()[0]!.attributes['error.type']).toBe('ER_LOCK_WAIT_TIMEOUT');
  });

  it('removes the text in off mode and keeps it as written in raw mode', () => {
    mode = 'off';
    pgQuery('SELECT * FROM orders WHERE id = 1');
    mysqlQuery('SELECT * FROM items WHERE id = 1');
    mode = 'raw';
    pgQuery('SELECT * FROM orders WHERE id = 2');
    const [pgOff, mysqlOff, pgRaw] = tracing.spans();
    expect(pgOff!.attributes['db.query.text']).toBeUndefined();
    expect(mysqlOff!.attributes['db.query.text']).toBeUndefined();
    expect(mysqlOff!.attributes['db.query.summary']).toBe('SELECT items');
    expect(pgRaw!.attributes['db.query.text']).toBe('SELECT * FROM orders WHERE id = 2');
  });

  it("keeps contrib's span names when renameSpans is false, and leaves connect spans' names alone", () => {
    rename = false;
    pgQuery('SELECT 1');
    rename = true;
    provider.getTracer('pg').startSpan('pg.connect', { kind: SpanKind.CLIENT, attributes: pgConnection }).end();
    expect(tracing.spans().map((s) => s.name)).toEqual(['pg.query:SELECT test', 'pg.connect']);
    expect(tracing.spans()[1]!.attributes['federation.source']).toBe('orders-db');
  });

  it('passes spans without db.system.name through untouched', () => {
    provider
      .getTracer('x')
      .startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET' } })
      .end();
    expect(tracing.spans()[0]!.attributes).toEqual({ 'http.request.method': 'GET' });
  });

  it('adds the running federated query to contrib spans started inside it', () => {
    federatedQuery('report', () => pgQuery('SELECT 1'));
    const root = tracing.span('federation.query report');
    expect(root.attributes['federation.source.count']).toBe(1);
    expect(tracing.spans()[0]!.attributes['federation.query.name']).toBe('report');
  });
});

describe('enrichingTracerProvider inside a declared source context', () => {
  it('takes the source and part the federation runtime declared', () => {
    context.with(withSourceContext(context.active(), { source: 'billing', part: 'invoices' }), () => pgQuery('SELECT * FROM invoices'));
    expect(tracing.spans()[0]!.attributes).toMatchObject({ 'federation.source': 'billing', 'federation.part': 'invoices' });
  });
});

describe('contribSourceNamer', () => {
  const attributes = (host: string, port: number, database: string): Attributes => ({
    'db.system.name': 'postgresql',
    'server.address': host,
    'server.port': port,
    'db.namespace': database,
  });

  it("defaults to the processor's source name and looks map keys up from specific to general", () => {
    const name = contribSourceNamer({
      'pg1:5432': 'by-port',
      pg2: 'by-host',
      'pg3/sales': 'by-db',
      'postgresql://pg4:5432/x': 'by-default-name',
    });
    expect(name(attributes('pg1', 5432, 'a'))).toBe('by-port');
    expect(name(attributes('pg2', 5432, 'a'))).toBe('by-host');
    expect(name(attributes('pg3', 6543, 'sales'))).toBe('by-db');
    expect(name(attributes('pg4', 5432, 'x'))).toBe('by-default-name');
    expect(name(attributes('other', 5432, 'y'))).toBe('postgresql://other:5432/y');
    expect(name({ 'db.system.name': 'mysql', 'server.address': 'h', 'server.port': 3306, 'db.namespace': 'toString' })).toBe(
      'mysql://h:3306/toString',
    );
  });

  it('uses a resolver function, falling back to the default when it returns nothing or throws', () => {
    expect(contribSourceNamer(({ database }) => (database === 'a' ? 'A' : undefined))(attributes('h', 1, 'a'))).toBe('A');
    expect(contribSourceNamer(() => undefined)(attributes('h', 1, 'b'))).toBe('postgresql://h:1/b');
    expect(
      contribSourceNamer(() => {
        throw new Error('bug');
      })(attributes('h', 1, 'c')),
    ).toBe('postgresql://h:1/c');
  });

  it('names connections in turn correctly while reusing the last name, old attribute names included', () => {
    const name = contribSourceNamer(undefined);
    const a = name(attributes('pg1', 5432, 'a'));
    expect(name(attributes('pg1', 5432, 'a'))).toBe(a);
    expect(name(attributes('pg1', 5432, 'b'))).toBe('postgresql://pg1:5432/b');
    expect(name(attributes('pg1', 5433, 'b'))).toBe('postgresql://pg1:5433/b');
    expect(name(attributes('pg1', 5432, 'a'))).toBe('postgresql://pg1:5432/a');
    expect(name({ 'db.system': 'mysql', 'server.address': 'h', 'db.name': 'x' })).toBe('mysql://h/x');
    expect(name({ 'db.system': 'mysql', 'server.address': 'h', 'db.name': 'y' })).toBe('mysql://h/y');
    const counter = (() => {
      let calls = 0;
      return contribSourceNamer(() => `call${++calls}`);
    })();
    // A resolver function is asked every time: it may answer differently.
    expect([counter(attributes('h', 1, 'a')), counter(attributes('h', 1, 'a'))]).toEqual(['call1', 'call2']);
  });

  it('lists the map keys in lookup order', () => {
    expect(sourceMapKeys({ system: 'mysql', host: 'h', port: 3306, database: 'd' }, 'mysql://h:3306/d')).toEqual([
      'mysql://h:3306/d',
      'h:3306/d',
      'h/d',
      'h:3306',
      'h',
    ]);
  });
});

describe('contrib result and error helpers', () => {
  it('counts returned rows of pg and mysql2 results', () => {
    expect(pgReturnedRows({ rows: [{}, {}], rowCount: 2 })).toBe(2);
    expect(pgReturnedRows({ rows: [], rowCount: 5, command: 'UPDATE' })).toBe(0);
    expect(pgReturnedRows(undefined)).toBeUndefined();
    expect(mysql2ReturnedRows([{ a: 1 }, { a: 2 }])).toBe(2);
    expect(mysql2ReturnedRows({ affectedRows: 3, insertId: 0 })).toBe(0);
    expect(mysql2ReturnedRows([[{ a: 1 }], { affectedRows: 1 }, [{ b: 1 }, { b: 2 }]])).toBe(3);
    expect(
      mysql2ReturnedRows([
        [1, 2],
        [3, 4],
      ]),
    ).toBe(2);
  });

  it("reads the code out of instrumentation-pg's exception text", () => {
    expect(pgErrorCodeOfException("PostgreSQL error of type 'error' occurred (code: 40P01)")).toBe('40P01');
    expect(pgErrorCodeOfException("PostgreSQL error of type 'Error' occurred (code: ECONNREFUSED)")).toBe('ECONNREFUSED');
    expect(pgErrorCodeOfException("PostgreSQL error of type 'Error' occurred (code: UNKNOWN)")).toBeUndefined();
    expect(pgErrorCodeOfException(new Error('x'))).toBeUndefined();
  });
});

describe('dropContribOperationDurationViews', () => {
  it("drops contrib pg's operation-duration histogram and keeps its pool metrics", async () => {
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const { TestMetricReader } = await import('../../support/test-metric-reader.js');
    const { dropContribOperationDurationViews } = await import('../../../instrumentations/contrib/index.js');
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader], views: dropContribOperationDurationViews() });
    const pgMeter = meterProvider.getMeter('@opentelemetry/instrumentation-pg');
    pgMeter.createHistogram('db.client.operation.duration').record(0.01, { 'db.system.name': 'postgresql' });
    pgMeter.createUpDownCounter('db.client.connection.count').add(1, { 'db.client.connection.state': 'idle' });
    meterProvider.getMeter('fedscope').createHistogram('db.client.operation.duration').record(0.02, { 'db.system.name': 'postgresql' });
    const metrics = await reader.collect();
    const names = metrics.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => `${s.scope.name} ${m.descriptor.name}`));
    expect(names.sort()).toEqual(['@opentelemetry/instrumentation-pg db.client.connection.count', 'fedscope db.client.operation.duration']);
    await meterProvider.shutdown();
  });
});
