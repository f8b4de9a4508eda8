import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { applyDbStatementAttributes, dbSpanName, embeddedDatabaseNamespace } from '../../../src/span-model/db-call-attributes.js';

describe('applyDbStatementAttributes', () => {
  it('fills the DB conventions from the text and names the span after the summary', () => {
    const attributes: Attributes = {};
    const name = applyDbStatementAttributes(attributes, {
      system: 'duckdb',
      namespace: 'memory',
      text: "SELECT * FROM orders WHERE id = 42 AND tag = 'x'",
      queryText: 'sanitized',
    });
    expect(name).toBe('SELECT orders');
    expect(attributes).toMatchObject({
      'db.system.name': 'duckdb',
      'db.namespace': 'memory',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'orders',
      'db.query.summary': 'SELECT orders',
      'db.query.text': 'SELECT * FROM orders WHERE id = ? AND tag = ?',
    });
    expect(attributes['federation.query.fingerprint']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the text as written in raw mode and removes any text in off mode', () => {
    const raw: Attributes = {};
    applyDbStatementAttributes(raw, { system: 'sqlite', text: 'DELETE FROM t WHERE id = 7', queryText: 'raw' });
    expect(raw['db.query.text']).toBe('DELETE FROM t WHERE id = 7');
    const off: Attributes = { 'db.query.text': 'DELETE FROM t WHERE id = 7' };
    applyDbStatementAttributes(off, { system: 'postgresql', text: 'DELETE FROM t WHERE id = 7', queryText: 'off' });
    expect(off['db.query.text']).toBeUndefined();
    expect(off['db.operation.name']).toBe('DELETE');
    // The fingerprint groups statistics even when the text is not exported.
    expect(off['federation.query.fingerprint']).toBe(raw['federation.query.fingerprint']);
  });

  it('lets explicit operation and collection win over the parsed ones, and falls back to the system name', () => {
    const attributes: Attributes = {};
    expect(
      applyDbStatementAttributes(attributes, {
        system: 'postgresql',
        queryText: 'sanitized',
        operationName: 'COPY',
        collectionName: 'events',
      }),
    ).toBe('COPY events');
    expect(applyDbStatementAttributes({}, { system: 'postgresql', queryText: 'sanitized' })).toBe('postgresql');
    expect(dbSpanName('mysql', 'SELECT', undefined, undefined)).toBe('SELECT');
  });
});

describe('embeddedDatabaseNamespace', () => {
  it.each([
    [undefined, 'memory'],
    ['', 'memory'],
    [':memory:', 'memory'],
    [':memory:cache', 'cache'],
    ['/var/data/orders.duckdb', 'orders'],
    ['relative/analytics.db', 'analytics'],
    ['C:\\data\\sales.sqlite3', 'sales'],
    ['file:inventory.db?mode=ro', 'inventory'],
    ['plainname', 'plainname'],
  ])('%s → %s', (path, namespace) => {
    expect(embeddedDatabaseNamespace(path)).toBe(namespace);
  });
});
