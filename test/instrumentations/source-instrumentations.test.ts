import { describe, expect, it } from 'vitest';
import { isInstalled, sourceInstrumentations } from '../../instrumentations/source-instrumentations.js';

describe('sourceInstrumentations', () => {
  it('builds one instrumentation per installed driver, contrib pg/mysql2 first', () => {
    const instrumentations = sourceInstrumentations();
    try {
      expect(instrumentations.map((i) => i.instrumentationName)).toEqual([
        '@opentelemetry/instrumentation-pg',
        '@opentelemetry/instrumentation-mysql2',
        'fedscope/instrumentation-duckdb',
        'fedscope/instrumentation-better-sqlite3',
      ]);
    } finally {
      for (const i of instrumentations) i.disable();
    }
  });

  it('leaves out drivers turned off, and passes the query-text mode on', () => {
    const instrumentations = sourceInstrumentations({ pg: false, mysql2: false, betterSqlite3: false, queryText: 'off' });
    try {
      expect(instrumentations.map((i) => i.instrumentationName)).toEqual(['fedscope/instrumentation-duckdb']);
      expect(instrumentations[0]!.getConfig()).toMatchObject({ queryText: 'off' });
    } finally {
      for (const i of instrumentations) i.disable();
    }
  });

  it('knows which drivers are installed without loading them', () => {
    expect(isInstalled('pg')).toBe(true);
    expect(isInstalled('@duckdb/node-api')).toBe(true);
    expect(isInstalled('fedscope-no-such-driver')).toBe(false);
  });
});
