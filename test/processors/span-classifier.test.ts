import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifySpan } from '../../processors/span-classifier.js';
import { defaultSourceName } from '../../src/span-model/source-name.js';
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
      source: 'mysql:///shop',
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
});
