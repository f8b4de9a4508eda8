import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace, type Span, type TracerProvider } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstrumentation, type DuckDBRequestHookInfo, type DuckDBResponseHookInfo } from '../../../instrumentations/duckdb/index.js';
import { federatedQuery } from '../../../instrumentations/federation-stage.js';
import { withSourceContext } from '../../../instrumentations/source-context.js';
import { setDefaultQueryTextMode } from '../../../src/span-model/query-text-mode.js';
import { redactMessage } from '../../../src/span-model/redact.js';
import { parentIdOf, startInMemoryTracing } from '../../support/in-memory-tracing.js';

// The instrumentation must be registered before the driver is loaded; the driver is imported after.
const tracing = startInMemoryTracing();
const instrumentation = new DuckDBInstrumentation();
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
const { DuckDBInstance, DuckDBPendingResultState } = await import('@duckdb/node-api');

const tempDir = mkdtempSync(join(tmpdir(), 'fedscope-duckdb-'));

async function memoryConnection() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer VARCHAR NOT NULL, total DOUBLE)');
  await connection.run("INSERT INTO orders VALUES (1, 'ada', 10.5), (2, 'bob', 20), (3, 'cyd', 7)");
  tracing.exporter.reset();
  return connection;
}

beforeEach(() => {
  instrumentation.setConfig({});
  setDefaultQueryTextMode('sanitized');
  tracing.exporter.reset();
});
afterAll(async () => {
  rmSync(tempDir, { recursive: true, force: true });
  await tracing.shutdown();
});

describe('DuckDBInstrumentation', () => {
  it("makes one CLIENT span per statement with the DB conventions, returning DuckDB's result unchanged", async () => {
    const connection = await memoryConnection();
    const reader = await connection.runAndReadAll("SELECT id, total FROM orders WHERE customer <> 'bob' ORDER BY id");
    expect(reader.getRowObjectsJS()).toEqual([
      { id: 1, total: 10.5 },
      { id: 3, total: 7 },
    ]);
    // runAndReadAll calls runAndRead calls run: only the outermost call is a span.
    const [span] = tracing.spans();
    expect(tracing.spans()).toHaveLength(1);
    expect(span!.name).toBe('SELECT orders');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.instrumentationScope.name).toBe('fedscope/instrumentation-duckdb');
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toMatchObject({
      'db.system.name': 'duckdb',
      'db.namespace': 'memory',
      'federation.source': 'duckdb:memory',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.query.summary': 'SELECT orders',
      'db.query.text': 'SELECT id, total FROM orders WHERE customer <> ? ORDER BY id',
      'db.response.returned_rows': 2,
    });
    expect(span!.attributes['federation.query.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('traces parameterised runs and prepared statements once per execution, with the prepared SQL', async () => {
    const connection = await memoryConnection();
    const result = await connection.run('SELECT * FROM orders WHERE id >= $1', [2]);
    expect(result.rowCount).toBe(2);
    const prepared = await connection.prepare('UPDATE orders SET total = total + $1 WHERE id = $2');
    prepared.bind([1, 1]);
    await prepared.run();
    prepared.bind([2, 3]);
    const reader = await prepared.runAndReadAll();
    expect(reader.rowsChanged).toBe(1);
    const spans = tracing.spans();
    expect(spans.map((s) => s.name)).toEqual(['SELECT orders', 'UPDATE orders', 'UPDATE orders']);
    expect(spans[0]!.attributes['db.response.returned_rows']).toBe(2);
    expect(spans[1]!.attributes).toMatchObject({
      'db.operation.name': 'UPDATE',
      'db.query.text': 'UPDATE orders SET total = total + $1 WHERE id = $2',
      'db.response.returned_rows': 0,
    });
    expect(spans[2]!.attributes['federation.query.fingerprint']).toBe(spans[1]!.attributes['federation.query.fingerprint']);
  });

  it('leaves the row count out for streamed results it has not read', async () => {
    const connection = await memoryConnection();
    const streamed = await connection.stream('SELECT * FROM range(5)');
    expect((await streamed.getRows()).length).toBe(5);
    const reader = await connection.streamAndReadAll('SELECT * FROM range(4)');
    expect(reader.currentRowCount).toBe(4);
    const [stream, readAll] = tracing.spans();
    expect(stream!.attributes['db.response.returned_rows']).toBeUndefined();
    expect(readAll!.attributes['db.response.returned_rows']).toBe(4);
  });

  it.each([
    ['SELEC 1', 'DUCKDB_ERROR_PARSER', 'syntax_error'],
    ['SELECT * FROM no_such_table', 'DUCKDB_ERROR_CATALOG', 'syntax_error'],
    ["INSERT INTO orders VALUES (1, 'dup', 0)", 'DUCKDB_ERROR_CONSTRAINT', 'constraint_violation'],
    ['INSERT INTO orders VALUES (9, NULL, 0)', 'DUCKDB_ERROR_CONSTRAINT', 'constraint_violation'],
    ["SELECT 'abc'::INTEGER", 'DUCKDB_ERROR_CONVERSION', 'other'],
  ])("records %s as %s (%s) and rethrows DuckDB's error", async (sql, errorType, errorClass) => {
    const connection = await memoryConnection();
    const error = await connection.run(sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const [span] = tracing.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: redactMessage((error as Error).message) });
    expect(span!.attributes).toMatchObject({ 'error.type': errorType, 'federation.error.class': errorClass });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('follows a pending result (start, startStream, prepared start) until its result is read', async () => {
    const connection = await memoryConnection();
    const pending = await connection.start("SELECT id FROM orders WHERE customer <> 'bob'");
    // Started, not yet read: the span is still open.
    expect(tracing.spans()).toHaveLength(0);
    await pending.runAllTasks();
    const reader = await pending.readAll();
    expect(reader.currentRowCount).toBe(2);
    // readAll calls getResult: still one span.
    expect(tracing.spans()).toHaveLength(1);
    expect(tracing.spans()[0]!.attributes).toMatchObject({
      'db.query.summary': 'SELECT orders',
      'db.response.returned_rows': 2,
      'federation.source': 'duckdb:memory',
    });

    const streaming = await connection.startStream('SELECT * FROM range(3)');
    const streamed = await streaming.getResult();
    expect((await streamed.getRows()).length).toBe(3);
    const prepared = await connection.prepare('SELECT total FROM orders WHERE id = $1');
    prepared.bindInteger(1, 2);
    const fromPrepared = prepared.start();
    while (fromPrepared.runTask() !== DuckDBPendingResultState.RESULT_READY);
    expect((await (await fromPrepared.getResult()).getRows()).length).toBe(1);
    const [, stream, preparedSpan] = tracing.spans();
    expect(stream!.attributes['db.query.text']).toBe('SELECT * FROM range(?)');
    expect(stream!.attributes['db.response.returned_rows']).toBeUndefined(); // streamed, not read by fedscope
    expect(preparedSpan!.attributes).toMatchObject({
      'db.query.text': 'SELECT total FROM orders WHERE id = $1',
      'db.response.returned_rows': 1,
    });
    // The convenience methods built on start still make one span each.
    await connection.startThenReadAll('SELECT 1');
    expect(tracing.spans()).toHaveLength(4);
  });

  it("ends a pending result's span with the error of its start or of its execution", async () => {
    const connection = await memoryConnection();
    await expect(connection.start('SELEC 1')).rejects.toThrow();
    const pending = await connection.start("SELECT 'abc'::INTEGER");
    const error = await pending
      .runAllTasks()
      .then(() => pending.getResult())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    const [parse, conversion] = tracing.spans();
    expect(parse!.attributes).toMatchObject({ 'error.type': 'DUCKDB_ERROR_PARSER', 'federation.error.class': 'syntax_error' });
    expect(conversion!.status.code).toBe(SpanStatusCode.ERROR);
    expect(conversion!.attributes['error.type']).toBe('DUCKDB_ERROR_CONVERSION');
    expect(tracing.spans()).toHaveLength(2);
  });

  it('classifies an interrupted statement as a timeout', async () => {
    const connection = await memoryConnection();
    const running = connection.run('SELECT count(*) FROM range(100000000000) a');
    setTimeout(() => connection.interrupt(), 50);
    await expect(running).rejects.toThrow(/INTERRUPT/);
    const [span] = tracing.spans();
    expect(span!.attributes).toMatchObject({ 'error.type': 'DUCKDB_ERROR_INTERRUPT', 'federation.error.class': 'timeout' });
  });

  it('gives a failed prepare a span of its own (successful prepares make none)', async () => {
    const connection = await memoryConnection();
    await connection.prepare('SELECT * FROM orders WHERE id = $1');
    expect(tracing.spans()).toHaveLength(0);
    await expect(connection.prepare('SELECT * FRM orders')).rejects.toThrow(/Parser Error/);
    await new Promise((resolve) => setImmediate(resolve));
    const [span] = tracing.spans();
    expect(span!.attributes).toMatchObject({
      'error.type': 'DUCKDB_ERROR_PARSER',
      'federation.error.class': 'syntax_error',
      'federation.source': 'duckdb:memory',
    });
  });

  it('honours the query-text mode: the process default, then the instrumentation option', async () => {
    const connection = await memoryConnection();
    setDefaultQueryTextMode('off');
    await connection.run('SELECT * FROM orders WHERE id = 1');
    instrumentation.setConfig({ queryText: 'raw' });
    await connection.run('SELECT * FROM orders WHERE id = 2');
    const [off, raw] = tracing.spans();
    expect(off!.attributes['db.query.text']).toBeUndefined();
    expect(off!.attributes['db.query.summary']).toBe('SELECT orders');
    expect(raw!.attributes['db.query.text']).toBe('SELECT * FROM orders WHERE id = 2');
  });

  it('names the source and namespace: default per database file, or as configured', async () => {
    const instance = await DuckDBInstance.create(join(tempDir, 'analytics.duckdb'));
    const connection = await instance.connect();
    await connection.run('SELECT 1');
    instrumentation.setConfig({ source: 'warehouse' });
    await connection.run('SELECT 2');
    instrumentation.setConfig({ source: ({ namespace }) => `lake/${namespace}` });
    await connection.run('SELECT 3');
    instrumentation.setConfig({
      source: () => {
        throw new Error('broken resolver');
      },
    });
    await connection.run('SELECT 4');
    expect(tracing.spans().map((s) => [s.attributes['db.namespace'], s.attributes['federation.source']])).toEqual([
      ['analytics', 'duckdb:analytics'],
      ['analytics', 'warehouse'],
      ['analytics', 'lake/analytics'],
      ['analytics', 'duckdb:analytics'],
    ]);
    connection.closeSync();
    instance.closeSync();
  });

  it('calls the hooks and survives hooks that throw', async () => {
    const connection = await memoryConnection();
    const requests: DuckDBRequestHookInfo[] = [];
    const responses: DuckDBResponseHookInfo[] = [];
    instrumentation.setConfig({
      requestHook: (span: Span, info) => {
        requests.push(info);
        span.setAttribute('app.request', info.method);
      },
      responseHook: (_span, info) => responses.push(info),
    });
    const reader = await connection.runAndReadAll('SELECT count(*) AS n FROM orders');
    expect(requests).toMatchObject([{ method: 'runAndReadAll', sql: 'SELECT count(*) AS n FROM orders', namespace: 'memory' }]);
    expect(responses[0]!.result).toBe(reader);
    instrumentation.setConfig({
      requestHook: () => {
        throw new Error('hook bug');
      },
      responseHook: () => {
        throw new Error('hook bug');
      },
    });
    const again = await connection.runAndReadAll('SELECT 1 AS one');
    expect(again.getRowObjectsJS()).toEqual([{ one: 1 }]);
    expect(tracing.spans().map((s) => s.attributes['app.request'])).toEqual(['runAndReadAll', undefined]);
  });

  it('requires a parent span when asked to, and nests under it', async () => {
    const connection = await memoryConnection();
    instrumentation.setConfig({ requireParentSpan: true });
    await connection.run('SELECT 1');
    expect(tracing.spans()).toHaveLength(0);
    const tracer = trace.getTracer('app');
    await tracer.startActiveSpan('request', async (parent) => {
      await connection.run('SELECT 2');
      parent.end();
    });
    const child = tracing.spans().find((s) => s.kind === SpanKind.CLIENT)!;
    expect(parentIdOf(child)).toBe(tracing.span('request').spanContext().spanId);
  });

  it('makes no span when tracing is suppressed or the instrumentation is disabled', async () => {
    const connection = await memoryConnection();
    await context.with(suppressTracing(context.active()), () => connection.run('SELECT 1'));
    instrumentation.disable();
    try {
      await connection.run('SELECT 2');
    } finally {
      instrumentation.enable();
    }
    await connection.run('SELECT 3');
    expect(tracing.spans().map((s) => s.attributes['db.query.text'])).toEqual(['SELECT ?']);
    expect(tracing.spans()).toHaveLength(1);
  });

  it('still runs the statement when fedscope cannot start a span', async () => {
    const connection = await memoryConnection();
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer bug');
        },
        startActiveSpan: () => {
          throw new Error('tracer bug');
        },
      }),
    };
    instrumentation.setTracerProvider(broken);
    try {
      const reader = await connection.runAndReadAll('SELECT 40 + 2 AS answer');
      expect(reader.getRowObjectsJS()).toEqual([{ answer: 42 }]);
    } finally {
      instrumentation.setTracerProvider(tracing.provider);
    }
  });

  it('counts as a source of the running federated query', async () => {
    const connection = await memoryConnection();
    await federatedQuery('orders-report', async () => {
      await connection.run('SELECT * FROM orders');
      await connection.run('SELECT 1');
    });
    const root = tracing.span('federation.query orders-report');
    expect(root.attributes['federation.source.count']).toBe(1);
    const call = tracing.spans().find((s) => s.name === 'SELECT orders')!;
    expect(call.attributes['federation.query.name']).toBe('orders-report');
    expect(parentIdOf(call)).toBe(root.spanContext().spanId);
  });

  it('takes the source and part a federation runtime declared for the call', async () => {
    const connection = await memoryConnection();
    instrumentation.setConfig({ source: 'configured' });
    await context.with(withSourceContext(context.active(), { source: 'orders-lake', part: 'recent-orders' }), () =>
      connection.run('SELECT * FROM orders'),
    );
    await connection.run('SELECT 1');
    const [declared, plain] = tracing.spans();
    expect(declared!.attributes).toMatchObject({ 'federation.source': 'orders-lake', 'federation.part': 'recent-orders' });
    expect(plain!.attributes['federation.source']).toBe('configured');
    expect(plain!.attributes['federation.part']).toBeUndefined();
  });
});
