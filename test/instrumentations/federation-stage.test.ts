import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { federatedQuery, stage } from '../../instrumentations/federation-stage.js';
import { parentIdOf, startInMemoryTracing, type InMemoryTracing } from '../support/in-memory-tracing.js';

let tracing: InMemoryTracing;
beforeEach(() => {
  tracing = startInMemoryTracing();
});
afterEach(async () => {
  await tracing.shutdown();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('federatedQuery and stage', () => {
  it('builds a root with nested stages across await and Promise.all, with span-model attributes', async () => {
    const result = await federatedQuery(
      'orders_by_region',
      async (query) => {
        stage('plan', () => undefined);
        const parts = await stage('dispatch', () =>
          Promise.all(
            ['pg', 'duck'].map((part) =>
              stage(
                'fetch',
                async () => {
                  await sleep(5);
                  query.addSource(part);
                  return [part, part];
                },
                { part },
              ),
            ),
          ),
        );
        return stage('merge', () => parts.flat());
      },
      { id: 'q-1' },
    );

    expect(result).toEqual(['pg', 'pg', 'duck', 'duck']);
    const root = tracing.span('federation.query orders_by_region');
    expect(root.kind).toBe(SpanKind.INTERNAL);
    expect(parentIdOf(root)).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'federation.query.name': 'orders_by_region',
      'federation.query.id': 'q-1',
      'federation.source.count': 2,
      'federation.rows.returned': 4,
    });
    const rootId = root.spanContext().spanId;
    const dispatch = tracing.span('federation.stage dispatch');
    expect(parentIdOf(dispatch)).toBe(rootId);
    expect(parentIdOf(tracing.span('federation.stage plan'))).toBe(rootId);
    expect(parentIdOf(tracing.span('federation.stage merge'))).toBe(rootId);
    const fetches = tracing.spans().filter((s) => s.name === 'federation.stage fetch');
    expect(fetches).toHaveLength(2);
    for (const fetch of fetches) {
      expect(parentIdOf(fetch)).toBe(dispatch.spanContext().spanId);
      expect(fetch.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(fetch.attributes['federation.stage']).toBe('fetch');
      expect(fetch.attributes['federation.query.name']).toBe('orders_by_region');
    }
    expect(fetches.map((f) => f.attributes['federation.part']).sort()).toEqual(['duck', 'pg']);
  });

  it('runs sync functions synchronously and returns their value', () => {
    const value = federatedQuery('sync', () => stage('plan', () => 41) + 1);
    expect(value).toBe(42);
    expect(tracing.spans().map((s) => s.name)).toEqual(['federation.stage plan', 'federation.query sync']);
  });

  it('records a thrown error, sets ERROR status and error.type, and rethrows the same value', async () => {
    class SourceDown extends Error {
      override name = 'SourceDown';
    }
    const thrown = new SourceDown('pg unreachable');
    let caught: unknown;
    try {
      await federatedQuery('failing', () => stage('fetch', async () => Promise.reject(thrown)));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
    for (const name of ['federation.stage fetch', 'federation.query failing']) {
      const span = tracing.span(name);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'pg unreachable' });
      expect(span.attributes['error.type']).toBe('SourceDown');
      const exception = span.events.find((e) => e.name === 'exception');
      expect(exception?.attributes?.['exception.message']).toBe('pg unreachable');
      expect(exception?.attributes?.['exception.type']).toBe('SourceDown');
    }
  });

  it('rethrows synchronous errors unchanged, also non-Error values', () => {
    const weird = { code: 'E_WEIRD' };
    expect(() =>
      federatedQuery('sync-fail', () =>
        stage('plan', () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: user code may throw a non-Error value
          throw weird;
        }),
      ),
    ).toThrow(expect.objectContaining({ code: 'E_WEIRD' }));
    expect(tracing.span('federation.stage plan').attributes['error.type']).toBe('E_WEIRD');
  });

  it('keeps concurrent queries apart: each stage under its own root', async () => {
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        federatedQuery(name, async () => {
          await sleep(Math.random() * 5);
          await stage('fetch', () => sleep(2));
        }),
      ),
    );
    for (const name of ['a', 'b', 'c']) {
      const root = tracing.span(`federation.query ${name}`);
      const child = tracing.spans().find((s) => s.name === 'federation.stage fetch' && s.attributes['federation.query.name'] === name);
      expect(child && parentIdOf(child)).toBe(root.spanContext().spanId);
    }
  });

  it('sets cache attributes from scope lookups and explicit row counts', () => {
    federatedQuery('cached', (query) => {
      query.recordCacheLookup(true);
      query.recordCacheLookup(false);
      query.setRowsReturned(7);
      return [1];
    });
    expect(tracing.span('federation.query cached').attributes).toMatchObject({
      'federation.cache.hit': true,
      'federation.cache.hits': 1,
      'federation.cache.lookups': 2,
      'federation.rows.returned': 7,
    });
  });

  it('makes the stage span the active span inside the stage', () => {
    stage('plan', (span) => {
      expect(trace.getActiveSpan()).toBe(span);
    });
  });

  it('falls back to "unnamed" instead of throwing on an empty name', () => {
    expect(federatedQuery('', () => 1)).toBe(1);
    expect(tracing.span('federation.query unnamed')).toBeDefined();
  });
});
