import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BetterSqlite3Instrumentation } from '../../../instrumentations/better-sqlite3/index.js';
import { setDefaultQueryTextMode } from '../../../src/span-model/query-text-mode.js';
import { parentIdOf, startInMemoryTracing } from '../../support/in-memory-tracing.js';

// Registered before better-sqlite3 is loaded; the driver is imported after.
const tracing = startInMemoryTracing();
const instrumentation = new BetterSqlite3Instrumentation();
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
const { default: Database } = await import('better-sqlite3');
type Db = InstanceType<typeof Database>;

const tempDir = mkdtempSync(join(tmpdir(), 'fedscope-sqlite-'));

function memoryDb(): Db {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total REAL);
    INSERT INTO customers VALUES (1, 'ada'), (2, 'bob');
    INSERT INTO orders VALUES (10, 1, 9.5), (11, 1, 3), (12, 2, 7);
  `);
  tracing.exporter.reset();
  return db;
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

describe('BetterSqlite3Instrumentation', () => {
  it("makes one CLIENT span per statement execution with the DB conventions, returning the driver's result", () => {
    const db = memoryDb();
    const statement = db.prepare('SELECT id, total FROM orders WHERE customer_id = ? AND total > 5');
    expect(statement.all(1)).toEqual([{ id: 10, total: 9.5 }]);
    expect(tracing.spans()).toHaveLength(1);
    const [span] = tracing.spans();
    expect(span!.name).toBe('SELECT orders');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.instrumentationScope.name).toBe('fedscope/instrumentation-better-sqlite3');
    expect(span!.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.namespace': 'memory',
      'federation.source': 'sqlite:memory',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.query.summary': 'SELECT orders',
      'db.query.text': 'SELECT id, total FROM orders WHERE customer_id = ? AND total > ?',
      'db.response.returned_rows': 1,
    });
    expect(span!.attributes['federation.query.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('counts returned rows per method: get 1 or 0, run 0, exec none', () => {
    const db = memoryDb();
    expect(db.prepare('SELECT name FROM customers WHERE id = ?').get(2)).toEqual({ name: 'bob' });
    expect(db.prepare('SELECT name FROM customers WHERE id = ?').get(99)).toBeUndefined();
    expect(db.prepare('UPDATE orders SET total = total * 2 WHERE customer_id = ?').run(1).changes).toBe(2);
    db.exec('DELETE FROM orders WHERE id = 12');
    expect(tracing.spans().map((s) => [s.name, s.attributes['db.response.returned_rows']])).toEqual([
      ['SELECT customers', 1],
      ['SELECT customers', 0],
      ['UPDATE orders', 0],
      ['DELETE orders', undefined],
    ]);
  });

  it('keeps an iterate() span open until the iteration ends, counting its rows', () => {
    const db = memoryDb();
    const seen: number[] = [];
    for (const row of db.prepare('SELECT id FROM orders ORDER BY id').iterate() as Iterable<{ id: number }>) seen.push(row.id);
    expect(seen).toEqual([10, 11, 12]);
    for (const row of db.prepare('SELECT id FROM orders ORDER BY id').iterate() as Iterable<{ id: number }>) {
      if (row.id === 10) break;
    }
    const spans = tracing.spans();
    expect(spans.map((s) => s.attributes['db.response.returned_rows'])).toEqual([3, 1]);
    expect(spans.every((s) => s.status.code === SpanStatusCode.UNSET)).toBe(true);
  });

  it('gives a prepare that throws (syntax, unknown table) a span of its own', () => {
    const db = memoryDb();
    expect(() => db.prepare('SELEC * FROM orders')).toThrow(/syntax error/);
    expect(() => db.prepare('SELECT * FROM no_such_table')).toThrow(/no such table/);
    expect(tracing.spans().map((s) => [s.attributes['error.type'], s.attributes['federation.error.class'], s.status.code])).toEqual([
      ['SQLITE_ERROR', 'syntax_error', SpanStatusCode.ERROR],
      ['SQLITE_ERROR', 'syntax_error', SpanStatusCode.ERROR],
    ]);
  });

  it.each([
    ["INSERT INTO customers VALUES (1, 'dup')", 'SQLITE_CONSTRAINT_PRIMARYKEY'],
    ['INSERT INTO customers VALUES (3, NULL)', 'SQLITE_CONSTRAINT_NOTNULL'],
    ['INSERT INTO orders VALUES (13, 42, 1)', 'SQLITE_CONSTRAINT_FOREIGNKEY'],
  ])('records %s as a constraint violation (%s)', (sql, code) => {
    const db = memoryDb();
    const error = (() => {
      try {
        db.prepare(sql).run();
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect((error as { code?: string }).code).toBe(code);
    const [span] = tracing.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    expect(span!.attributes).toMatchObject({
      'error.type': code,
      'federation.error.class': 'constraint_violation',
      'db.response.status_code': code,
    });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('classifies a lock that does not come free in time (SQLITE_BUSY) as a timeout', () => {
    const file = join(tempDir, 'busy.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER)');
    const waiter = new Database(file, { timeout: 10 });
    holder.exec('BEGIN EXCLUSIVE');
    tracing.exporter.reset();
    try {
      expect(() => waiter.prepare('INSERT INTO t VALUES (1)').run()).toThrow(/locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      waiter.close();
    }
    const failed = tracing.spans().find((s) => s.status.code === SpanStatusCode.ERROR)!;
    expect(failed.attributes).toMatchObject({
      'error.type': 'SQLITE_BUSY',
      'federation.error.class': 'timeout',
      'db.namespace': 'busy',
      'federation.source': 'sqlite:busy',
    });
  });

  it('traces the statements of a transaction, BEGIN and COMMIT included', () => {
    const db = memoryDb();
    const insert = db.prepare('INSERT INTO customers VALUES (?, ?)');
    db.transaction((rows: Array<[number, string]>) => {
      for (const row of rows) insert.run(...row);
    })([
      [3, 'cyd'],
      [4, 'dee'],
    ]);
    expect(tracing.spans().map((s) => s.name)).toEqual(['BEGIN', 'INSERT customers', 'INSERT customers', 'COMMIT']);
  });

  it('honours the query-text mode, source option and requireParentSpan', async () => {
    const db = memoryDb();
    setDefaultQueryTextMode('off');
    db.prepare('SELECT * FROM customers WHERE id = 1').get();
    instrumentation.setConfig({ queryText: 'raw', source: ({ namespace }) => `edge/${namespace}` });
    db.prepare('SELECT * FROM customers WHERE id = 2').get();
    instrumentation.setConfig({ requireParentSpan: true });
    db.prepare('SELECT 1').get();
    trace.getTracer('app').startActiveSpan('request', (parent) => {
      db.prepare('SELECT 2').get();
      parent.end();
    });
    const [off, raw, child] = tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(off!.attributes['db.query.text']).toBeUndefined();
    expect(raw!.attributes).toMatchObject({ 'db.query.text': 'SELECT * FROM customers WHERE id = 2', 'federation.source': 'edge/memory' });
    expect(child!.attributes['db.query.text']).toBeUndefined();
    expect(parentIdOf(child!)).toBe(tracing.span('request').spanContext().spanId);
    expect(tracing.spans()).toHaveLength(4);
  });

  it('calls the hooks, survives hooks that throw, and stops tracing when disabled', () => {
    const db = memoryDb();
    const methods: string[] = [];
    instrumentation.setConfig({
      requestHook: (_span, info) => {
        methods.push(info.method);
        throw new Error('hook bug');
      },
      responseHook: () => {
        throw new Error('hook bug');
      },
    });
    expect(db.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 3 });
    instrumentation.disable();
    try {
      db.prepare('SELECT 1').get();
    } finally {
      instrumentation.enable();
    }
    db.prepare('SELECT 2').get();
    expect(methods).toEqual(['get', 'get']);
    expect(tracing.spans()).toHaveLength(2);
  });

  it('names a file database after its file', () => {
    const db = new Database(join(tempDir, 'inventory.db'));
    db.exec('CREATE TABLE IF NOT EXISTS items (id INTEGER)');
    expect(tracing.spans()[0]!.attributes).toMatchObject({ 'db.namespace': 'inventory', 'federation.source': 'sqlite:inventory' });
    db.close();
  });
});
