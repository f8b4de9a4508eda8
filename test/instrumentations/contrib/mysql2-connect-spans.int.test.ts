// Connection spans for mysql2 (mysql2.connect, mysql2-pool.connect), made by fedscope from mysql2's
// own tracing channels, against a real MariaDB: a successful handshake, a refused connection (no
// contrib span at all) classified as connection work, pool checkouts with the handshake nested,
// spans inside a federated query, counted subscriptions, nothing while the instrumentation is off;
// then channel events replayed directly (synchronous throw, odd order, a failing namer).
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { diag, DiagLogLevel, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contribDbInstrumentations } from '../../../instrumentations/contrib/index.js';
import { MYSQL2_CONNECT_SCOPE_NAME, traceMysql2Connections } from '../../../instrumentations/contrib/mysql2-connect-spans.js';
import { federatedQuery } from '../../../instrumentations/federation-stage.js';
import { FederationSpanProcessor } from '../../../processors/federation-span-processor.js';
import { classifyDbError } from '../../../src/span-model/error-class.js';
import { redactMessage } from '../../../src/span-model/redact.js';
import { freePort } from '../../support/free-port.js';
import { parentIdOf, startInMemoryTracing } from '../../support/in-memory-tracing.js';
import { TestMetricReader } from '../../support/test-metric-reader.js';
import { capturingSink } from '../../support/db-metric-points.js';

// Order matters: instrumentations are registered before mysql2 is first required.
const reader = new TestMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const sink = capturingSink();
const CONNECT_NAMES = ['mysql2.connect', 'mysql2-pool.connect'];
/** Connect spans as they start, and the names of spans as they end (synchronously, in span.end()). */
const started: ReadableSpan[] = [];
const endedNames: string[] = [];
const tracker: SpanProcessor = {
  onStart: (span) => {
    if (CONNECT_NAMES.includes(span.name)) started.push(span);
  },
  onEnd: (span) => endedNames.push(span.name),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const tracing = startInMemoryTracing([new FederationSpanProcessor({ meterProvider, sinks: [sink] }), tracker]);
const instrumentations = contribDbInstrumentations({
  pg: false,
  sources: { [`${process.env['MYSQL_HOST'] ?? '127.0.0.1'}/${process.env['MYSQL_DATABASE'] ?? 'test'}`]: 'shop' },
});
const mysql2Instrumentation = instrumentations[0]!;
registerInstrumentations({ instrumentations, tracerProvider: tracing.provider, meterProvider });
const { mysqlConfig, needsMariaDB } = await import('../../support/real-servers.js');
const mysql = createRequire(import.meta.url)('mysql2/promise') as typeof import('mysql2/promise');

const mariadb = await needsMariaDB();
const config = mysqlConfig();
const mysqlCallbacks = createRequire(import.meta.url)('mysql2') as typeof import('mysql2');

function connectSpans(): ReadableSpan[] {
  return tracing.spans().filter((s) => CONNECT_NAMES.includes(s.name));
}

function named(name: string): ReadableSpan[] {
  return tracing.spans().filter((s) => s.name === name);
}

async function refusal(run: () => Promise<unknown>): Promise<Error & { code?: string }> {
  return run().then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (error: Error & { code?: string }) => error,
  );
}

beforeEach(() => {
  tracing.exporter.reset();
  sink.spans.length = 0;
  endedNames.length = 0;
});
afterEach(() => {
  // Whatever happened, every connect span that started has ended.
  const open = started.filter((s) => !s.ended).map((s) => s.name);
  started.length = 0;
  expect(open).toEqual([]);
});
afterAll(async () => {
  await tracing.shutdown();
  await meterProvider.shutdown();
});

describe.skipIf(mariadb.skip)(`mysql2 connect spans from tracing channels (${mariadb.label})`, () => {
  it('makes one mysql2.connect span for a successful connection, and contrib still traces its queries', async () => {
    const connection = await mysql.createConnection(config);
    try {
      const [rows] = await connection.query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await connection.end();
    }
    const [connect, ...more] = named('mysql2.connect');
    expect(more).toEqual([]);
    expect(connect!.kind).toBe(SpanKind.CLIENT);
    expect(connect!.status.code).toBe(SpanStatusCode.UNSET);
    expect(connect!.instrumentationScope.name).toBe(MYSQL2_CONNECT_SCOPE_NAME);
    expect(connect!.attributes).toEqual({
      'db.system.name': 'mysql',
      'db.namespace': config.database,
      'server.address': config.host,
      'server.port': config.port,
      'federation.source': 'shop',
    });
    expect(connect!.events).toEqual([]);
    const [query] = named('SELECT');
    expect(query!.instrumentationScope.name).toBe('@opentelemetry/instrumentation-mysql2');
    expect(query!.attributes).toMatchObject({ 'federation.source': 'shop', 'db.query.text': 'SELECT ? AS one' });
    expect(connectSpans()).toHaveLength(1);
    // Connecting is connection work for the processor, not a source call.
    expect(sink.spans.filter((s) => s.role === 'connection').map((s) => [s.source, s.poolWait, s.error])).toEqual([['shop', true, false]]);
  });

  it('makes a failed mysql2.connect span for a refused connection, classified as a connection error', async () => {
    const port = await freePort();
    const error = await refusal(() => mysql.createConnection({ ...config, port }));
    const expected = classifyDbError(error, { system: 'mysql' });
    expect(expected).toEqual({ errorType: 'connection_error', errorClass: 'connection_error', statusCode: undefined });

    const spans = tracing.spans();
    expect(spans.map((s) => s.name)).toEqual(['mysql2.connect']);
    const [span] = spans;
    // The span's copy of the driver's message is redacted; the error thrown is not.
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: redactMessage(error.message) });
    expect(span!.attributes).toMatchObject({
      'db.system.name': 'mysql',
      'db.namespace': config.database,
      'server.address': config.host,
      'server.port': port,
      'federation.source': 'shop',
      'error.type': 'connection_error',
      'federation.error.class': 'connection_error',
    });
    expect(span!.attributes).not.toHaveProperty('db.response.status_code');
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);

    const [classified, ...others] = sink.spans;
    expect(others).toEqual([]);
    expect(classified).toMatchObject({ role: 'connection', source: 'shop', error: true, errorType: 'connection_error', poolWait: true });
  });

  it('makes a mysql2-pool.connect span per checkout, with the handshake of a new connection under it', async () => {
    const pool = mysql.createPool({ ...config, connectionLimit: 1 });
    try {
      const first = await pool.getConnection();
      first.release();
      // The idle connection is reused: a checkout without a handshake.
      const second = await pool.getConnection();
      second.release();
      const [rows] = await pool.query('SELECT 2 AS two');
      expect(rows).toEqual([{ two: 2 }]);
    } finally {
      await pool.end();
    }
    const checkouts = named('mysql2-pool.connect');
    const [handshake, ...moreHandshakes] = named('mysql2.connect');
    // Two getConnection calls and the one pool.query makes internally; one handshake.
    expect(checkouts).toHaveLength(3);
    expect(moreHandshakes).toEqual([]);
    // The first checkout opened the connection (checkouts end before their callbacks, so in order).
    expect(parentIdOf(handshake!)).toBe(checkouts[0]!.spanContext().spanId);
    for (const checkout of checkouts) {
      expect(checkout.kind).toBe(SpanKind.CLIENT);
      expect(checkout.status.code).toBe(SpanStatusCode.UNSET);
      expect(checkout.attributes).toEqual({
        'db.system.name': 'mysql',
        'db.namespace': config.database,
        'server.address': config.host,
        'server.port': config.port,
        'federation.source': 'shop',
      });
    }
    expect(named('SELECT')).toHaveLength(1);
  });

  it('fails the pool checkout and its handshake when the server refuses', async () => {
    const port = await freePort();
    const pool = mysql.createPool({ ...config, port, connectionLimit: 1 });
    try {
      const error = await refusal(() => pool.getConnection());
      expect(error.code).toBe('ECONNREFUSED');
    } finally {
      await pool.end();
    }
    const [checkout] = named('mysql2-pool.connect');
    const [handshake] = named('mysql2.connect');
    for (const span of [checkout!, handshake!]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({
        'error.type': 'connection_error',
        'federation.error.class': 'connection_error',
        'server.port': port,
      });
    }
    expect(parentIdOf(handshake!)).toBe(checkout!.spanContext().spanId);
  });

  it("ends a pool checkout span before the caller's callback runs, so the callback is not counted as waiting", async () => {
    const pool = mysqlCallbacks.createPool({ ...config, connectionLimit: 1 });
    const seenInCallback = await new Promise<string[]>((resolve, reject) => {
      pool.getConnection((error, connection) => {
        if (error) return reject(error);
        const seen = [...endedNames];
        connection.release();
        resolve(seen);
      });
    });
    await new Promise<void>((resolve) => pool.end(() => resolve()));
    expect(seenInCallback).toContain('mysql2-pool.connect');
    expect(named('mysql2-pool.connect')).toHaveLength(1);
  });

  it('puts connect spans inside a federated query under its active span, with the query name', async () => {
    await federatedQuery('orders', async () => {
      const connection = await mysql.createConnection(config);
      await connection.end();
    });
    const root = tracing.span('federation.query orders');
    const connect = tracing.span('mysql2.connect');
    expect(parentIdOf(connect)).toBe(root.spanContext().spanId);
    expect(connect.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(connect.attributes).toMatchObject({ 'federation.query.name': 'orders', 'federation.source': 'shop' });
    // The query counted the source it connected to.
    expect(root.attributes['federation.source.count']).toBe(1);
  });

  it('makes one span per connection however many subscriptions are held', async () => {
    const releaseA = traceMysql2Connections({ tracerProvider: tracing.provider });
    const releaseB = traceMysql2Connections({ tracerProvider: tracing.provider });
    try {
      const connection = await mysql.createConnection(config);
      await connection.end();
      expect(connectSpans()).toHaveLength(1);
    } finally {
      releaseA();
      releaseB();
      releaseB();
    }
    // Releasing the extra ones (twice, even) leaves the instrumentation's own subscription.
    tracing.exporter.reset();
    const connection = await mysql.createConnection(config);
    await connection.end();
    expect(connectSpans()).toHaveLength(1);
  });

  it('makes no connect spans while the instrumentation is disabled, and makes them again once re-enabled', async () => {
    mysql2Instrumentation.disable();
    try {
      const connection = await mysql.createConnection(config);
      await connection.query('SELECT 1');
      await connection.end();
      const pool = mysql.createPool({ ...config, connectionLimit: 1 });
      (await pool.getConnection()).release();
      await pool.end();
      await refusal(async () => mysql.createConnection({ ...config, port: await freePort() }));
      expect(tracing.spans()).toEqual([]);
    } finally {
      mysql2Instrumentation.enable();
    }
    const connection = await mysql.createConnection(config);
    await connection.end();
    expect(named('mysql2.connect')).toHaveLength(1);
  });

  it('still ends a connect span that was in flight when the instrumentation was disabled', async () => {
    try {
      const connecting = mysql.createConnection(config);
      mysql2Instrumentation.disable();
      await (await connecting).end();
    } finally {
      mysql2Instrumentation.enable();
    }
    const [span, ...more] = named('mysql2.connect');
    expect(more).toEqual([]);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.ended).toBe(true);
  });

  it('follows the tracer provider the instrumentation is given', async () => {
    const exporter = new InMemorySpanExporter();
    const other = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    mysql2Instrumentation.setTracerProvider(other);
    try {
      const connection = await mysql.createConnection(config);
      await connection.query('SELECT 3');
      await connection.end();
    } finally {
      mysql2Instrumentation.setTracerProvider(tracing.provider);
    }
    // Connect and query spans both went to the instrumentation's new provider.
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['mysql2.connect', 'SELECT']);
    expect(tracing.spans()).toEqual([]);
    await other.shutdown();
  });
});

// Events as mysql2's tracing channels deliver them in cases a real server cannot provoke on
// demand: spans end exactly once whatever the order, and telemetry never throws into the driver.
describe('mysql2 connect spans: channel events', () => {
  const connectChannel = diagnosticsChannel.tracingChannel<unknown, object>('mysql2:connect');
  const poolChannel = diagnosticsChannel.tracingChannel<unknown, object>('mysql2:pool:connect');
  const message = (): Record<string, unknown> => ({ database: 'inventory', serverAddress: 'db.internal', serverPort: 3307, user: 'app' });
  const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:3307'), { code: 'ECONNREFUSED', fatal: true });

  it('ends the span once, failed, when the traced function throws synchronously', () => {
    expect(() =>
      connectChannel.tracePromise(() => {
        throw refused();
      }, message()),
    ).toThrow('ECONNREFUSED');
    const [span, ...more] = named('mysql2.connect');
    expect(more).toEqual([]);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({
      'db.namespace': 'inventory',
      'server.address': 'db.internal',
      'server.port': 3307,
      'federation.source': 'mysql://db.internal:3307/inventory',
      'error.type': 'connection_error',
      'federation.error.class': 'connection_error',
    });
  });

  it('ends a pool span once when the callback is called synchronously with an error', () => {
    const outcome: unknown[] = [];
    poolChannel.traceCallback(
      (cb: (error: Error | null) => void) => cb(refused()),
      0,
      message(),
      null,
      (error: Error | null) => outcome.push(error?.message),
    );
    expect(outcome).toEqual(['connect ECONNREFUSED 10.0.0.9:3307']);
    const [span, ...more] = named('mysql2-pool.connect');
    expect(more).toEqual([]);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('ends the span once when the events come in an unexpected order, and ignores an error after the end', () => {
    const m = message();
    connectChannel.start.publish(m);
    connectChannel.asyncEnd.publish(m);
    connectChannel.asyncStart.publish(m);
    connectChannel.error.publish({ ...m, error: refused() });
    Object.assign(m, { error: refused() });
    connectChannel.error.publish(m);
    connectChannel.end.publish(m);
    connectChannel.asyncEnd.publish(m);
    const [span, ...more] = named('mysql2.connect');
    expect(more).toEqual([]);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('omits an empty database and makes no span for an event it never saw start', () => {
    const m = { ...message(), database: '' };
    connectChannel.start.publish(m);
    connectChannel.asyncStart.publish(m);
    connectChannel.asyncEnd.publish(message());
    const [span, ...more] = named('mysql2.connect');
    expect(more).toEqual([]);
    expect(span!.attributes).not.toHaveProperty('db.namespace');
    expect(span!.attributes['federation.source']).toBe('mysql://db.internal:3307');
  });

  it('never throws into mysql2 when telemetry fails, and reports it through diag', async () => {
    const errors: unknown[][] = [];
    diag.setLogger(
      { error: (...args: unknown[]) => errors.push(args), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.ERROR,
    );
    const release = traceMysql2Connections({
      tracerProvider: tracing.provider,
      nameSource: () => {
        throw new Error('namer broke');
      },
    });
    try {
      await expect(connectChannel.tracePromise(async () => 'connected', message())).resolves.toBe('connected');
      // diagnostics_channel rethrows a subscriber's error on the next tick; give it the chance.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      release();
      diag.disable();
    }
    expect(named('mysql2.connect')).toEqual([]);
    expect(errors.map(([text]) => String(text))).toContainEqual(
      expect.stringMatching(/^fedscope: mysql2 connect span handler failed: namer broke$/),
    );
    // With the broken subscription released, the instrumentation's own makes spans again.
    await connectChannel.tracePromise(async () => 'connected', message());
    expect(named('mysql2.connect')).toHaveLength(1);
  });
});
