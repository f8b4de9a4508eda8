// A FunctionSource's calls are source calls like any other: one CLIENT span per attempt, named
// after the registered source, which fedscope's span classifier counts as a call of that source.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { classifySpan } from '../../../processors/span-classifier.js';
import { Federation, FunctionSource } from '../../../src/federation/index.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';

const tracing = startInMemoryTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.exporter.reset());

const clientSpans = () => tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);

describe('FunctionSource calls', () => {
  it('are CLIENT spans "function {source}" with federation.source, kind function, rows and no db.system.name', async () => {
    const federation = new Federation({ cache: false });
    federation.source(
      'inventory',
      new FunctionSource(() => [
        { sku: 'a', stock: 3 },
        { sku: 'b', stock: 0 },
      ]),
    );
    const { rows } = await federation.query({
      name: 'stock',
      parts: { items: { source: 'inventory', sql: 'SELECT sku, stock FROM items' } },
    });
    expect(rows).toHaveLength(2);

    const [span, ...others] = clientSpans();
    expect(others).toEqual([]);
    expect(span!.name).toBe('function inventory');
    expect(span!.attributes).toMatchObject({
      'federation.source': 'inventory',
      'federation.source.kind': 'function',
      'federation.part': 'items',
      'federation.query.name': 'stock',
      'db.response.returned_rows': 2,
    });
    expect(span!.attributes['db.system.name']).toBeUndefined();
    expect(span!.attributes['db.query.text']).toBeUndefined();
    // A child of the part's fetch stage, like a driver's span.
    const parent = tracing.spans().find((s) => s.spanContext().spanId === span!.parentSpanContext?.spanId);
    expect(parent?.attributes['federation.stage']).toBe('fetch');
    expect(classifySpan(span!)).toMatchObject({
      role: 'source',
      source: 'inventory',
      error: false,
      rowsReturned: 2,
      queryName: 'stock',
      part: 'items',
    });
    // The query's root counts the source.
    expect(tracing.span('federation.query stock').attributes['federation.source.count']).toBe(1);
    await federation.close();
  });

  it('make one failed span per attempt, the retry marked, each classified as a failed call of the source', async () => {
    const federation = new Federation({ cache: false });
    let calls = 0;
    const flaky = new FunctionSource(() => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      return { rows: [{ id: 1 }] };
    });
    federation.source('profiles', flaky, { retry: { maxAttempts: 2, baseDelayMs: 0 }, breaker: false });
    await federation.query({ name: 'lookup', parts: { p: { source: 'profiles', request: { path: '/profiles' } } } });
    expect(calls).toBe(2);

    const spans = clientSpans();
    expect(spans.map((s) => s.name)).toEqual(['function profiles', 'function profiles']);
    const [failed, retried] = spans;
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed!.attributes['error.type']).toBeDefined();
    expect(failed!.attributes['federation.retry.attempt']).toBeUndefined();
    expect(classifySpan(failed!)).toMatchObject({ role: 'source', source: 'profiles', error: true });
    expect(retried!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(retried!.attributes).toMatchObject({
      'federation.retry.attempt': 1,
      'federation.source.kind': 'function',
      'db.response.returned_rows': 1,
    });
    expect(classifySpan(retried!)).toMatchObject({ role: 'source', source: 'profiles', error: false, retryAttempt: 1 });
    await federation.close();
  });

  it('make no span when called without being registered (no source name to give it)', async () => {
    const source = new FunctionSource(() => [{ x: 1 }]);
    await expect(source.execute({ kind: 'sql', sql: 'SELECT 1', params: [] }, new AbortController().signal)).resolves.toEqual({
      rows: [{ x: 1 }],
    });
    expect(clientSpans()).toEqual([]);
  });
});
