import { describe, expect, it } from 'vitest';
import { parseHistoryQuery } from '../../../../src/output/http/history-query-params.js';

const parse = (query: string) => parseHistoryQuery(new URLSearchParams(query));

describe('parseHistoryQuery', () => {
  it('reads unix seconds, ISO 8601 with a zone and a step in seconds', () => {
    expect(parse('series=query%3Aapi%2Forders&from=1767225600&to=2026-01-01T01:00:00Z&step=60')).toEqual({
      series: 'query:api/orders',
      from: 1_767_225_600,
      to: 1_767_229_200,
      step: 60,
    });
    expect(parse('series=overall&from=2026-01-01T01:00:00.5%2B01:00')).toEqual({
      series: 'overall',
      from: 1_767_225_600.5,
      to: undefined,
      step: undefined,
    });
  });

  it.each([
    ['', 'series', /required/],
    ['series=', 'series', /required/],
    ['series=overall&from=yesterday', 'from', /not a time/],
    ['series=overall&from=2026-01-01T00:00:00', 'from', /not a time/], // no zone
    ['series=overall&from=2026-13-01T00:00:00Z', 'from', /not a time/],
    ['series=overall&to=-5', 'to', /not a time/],
    ['series=overall&from=200&to=100', 'from', /before/],
    ['series=overall&step=0', 'step', /positive/],
    ['series=overall&step=ten', 'step', /positive/],
    ['series=overall&series=other', 'series', /more than once/],
    ['series=overall&window=5m', 'window', /unknown parameter/],
  ])('refuses %j, naming %s', (query, parameter, reason) => {
    const result = parse(query);
    expect(result).toMatchObject({ parameter });
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});
