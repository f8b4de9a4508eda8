import { describe, expect, it } from 'vitest';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { SpanSeriesIndex } from '../../../processors/span-metrics/span-series-index.js';
import { classifiedSpan as span } from '../../support/classified-span-fixture.js';

const readers = [(s: ClassifiedSpan) => s.source, (s: ClassifiedSpan) => s.serverPort, (s: ClassifiedSpan) => s.errorType];

describe('SpanSeriesIndex', () => {
  it('finds a series by the values its readers give, absent, empty and numbers kept apart', () => {
    const index = new SpanSeriesIndex<string>(readers);
    const a = span({ role: 'source', source: 'pg', serverPort: 5432 });
    const b = span({ role: 'source', source: 'pg', serverPort: 5432, errorType: '' });
    const c = span({ role: 'source', source: 'pg', serverPort: 5433 });
    expect(index.get(a)).toBeUndefined();
    index.add(a, 'a');
    index.add(b, 'b');
    index.add(c, 'c');
    expect(index.get(span({ role: 'source', source: 'pg', serverPort: 5432 }))).toBe('a');
    expect(index.get(span({ role: 'source', source: 'pg', serverPort: 5432, errorType: '' }))).toBe('b');
    expect(index.get(c)).toBe('c');
    expect(index.get(span({ role: 'source', source: 'mysql', serverPort: 5432 }))).toBeUndefined();
    expect(index.get(span({ role: 'source', source: 'pg' }))).toBeUndefined();
  });

  it('lists series in the order added, unindexed ones included, and counts only indexed ones', () => {
    const index = new SpanSeriesIndex<string>(readers);
    index.add(span({ role: 'source', source: 'x' }), 'first');
    index.add(span({ role: 'source', source: 'y' }), 'second');
    index.addUnindexed('overflow');
    expect(index.values()).toEqual(['first', 'second', 'overflow']);
    expect(index.size).toBe(2);
  });

  it('needs at least one reader', () => {
    expect(() => new SpanSeriesIndex<string>([])).toThrow(RangeError);
  });
});
