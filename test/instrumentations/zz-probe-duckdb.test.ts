import { it, expect } from 'vitest';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DuckDBInstrumentation } from '../../instrumentations/duckdb/index.js';
import { startInMemoryTracing } from '../support/in-memory-tracing.js';

it('probe', async () => {
  const tracing = startInMemoryTracing();
  const inst = new DuckDBInstrumentation();
  registerInstrumentations({ instrumentations: [inst], tracerProvider: tracing.provider });
  const duck = await import('@duckdb/node-api');
  const db = await duck.DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll('SELECT 42 AS x');
  console.log(r.getRowsJS());
  await c.run('SELEC 1').catch(() => undefined);
  console.log(tracing.spans().map((s) => [s.name, s.instrumentationScope.name, JSON.stringify(s.attributes), s.status]));
  expect(tracing.spans().length).toBeGreaterThan(0);
});
