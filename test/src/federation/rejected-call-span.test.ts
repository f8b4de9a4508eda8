// Calls a source's open circuit breaker refuses are source calls that failed with `breaker_open`:
// one CLIENT span each, which fedscope's span classifier counts as a failed call of that source.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { classifySpan } from '../../../processors/span-classifier.js';
import { Federation, FederationError, FunctionSource } from '../../../src/federation/index.js';
import { startInMemoryTracing } from '../../support/in-memory-tracing.js';

const tracing = startInMemoryTracing();
afterAll(() => tracing.shutdown());

describe('calls refused by an open breaker', () => {
  it('make a failed CLIENT source span with error.type breaker_open, which the classifier counts', async () => {
    let clock = 0;
    let calls = 0;
    const federation = new Federation({ now: () => clock, cache: false });
    const down = new FunctionSource(
      () => {
        calls++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      },
      { system: 'postgresql' },
    );
    federation.source('ledger', down, { retry: false, breaker: { consecutiveFailures: 2, coolDownMs: 1_000 } });
    const sql = () => federation.query({ name: 'balances', parts: { rows: { source: 'ledger', sql: 'SELECT 1' } } });
    for (let i = 0; i < 6; i++) await expect(sql()).rejects.toBeInstanceOf(FederationError);
    expect(calls).toBe(2); // the breaker opened after two failures and refused the other four

    const refusedSpans = () => tracing.spans().filter((s) => s.kind === SpanKind.CLIENT && s.attributes['error.type'] === 'breaker_open');
    const refused = refusedSpans();
    expect(refused).toHaveLength(4);
    for (const span of refused) {
      expect(span.name).toBe('postgresql');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({
        'federation.source': 'ledger',
        'federation.part': 'rows',
        'federation.query.name': 'balances',
        'db.system.name': 'postgresql',
        'error.type': 'breaker_open',
      });
      // A child of the part's fetch stage, like the call it stands for.
      const parent = tracing.spans().find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
      expect(parent?.attributes['federation.stage']).toBe('fetch');
      expect(classifySpan(span)).toMatchObject({
        role: 'source',
        source: 'ledger',
        error: true,
        errorType: 'breaker_open',
        queryName: 'balances',
      });
    }

    // Once the cool-down has passed the probe goes through (its own `function ledger` span), fails,
    // and the breaker refuses again.
    clock += 1_000;
    await expect(sql()).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toBe(3);
    await expect(sql()).rejects.toMatchObject({ code: 'BREAKER_OPEN' });
    expect(refusedSpans()).toHaveLength(5);

    // An HTTP source's refused call is an HTTP client span.
    federation.source(
      'flaky',
      new FunctionSource(() => {
        throw new Error('boom');
      }),
      { retry: false, breaker: { consecutiveFailures: 1, coolDownMs: 1_000 } },
    );
    const http = () =>
      federation.query({ name: 'profiles', parts: { p: { source: 'flaky', request: { path: '/profiles', method: 'post' } } } });
    await expect(http()).rejects.toThrow(/boom/);
    await expect(http()).rejects.toMatchObject({ code: 'BREAKER_OPEN' });
    const httpSpan = refusedSpans().at(-1)!;
    expect(httpSpan.name).toBe('POST');
    expect(httpSpan.attributes).toMatchObject({
      'federation.source': 'flaky',
      'http.request.method': 'POST',
      'error.type': 'breaker_open',
    });
    expect(classifySpan(httpSpan)).toMatchObject({ role: 'source', source: 'flaky', system: 'http', errorType: 'breaker_open' });
    await federation.close();
  });
});
