import { describe, expect, it } from 'vitest';
import { parseExportQuery, parseHistoryQuery } from '../../../../src/output/http/history-query-params.js';

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

describe('parseExportQuery', () => {
  const parseExport = (query: string) => parseExportQuery(new URLSearchParams(query));

  it('reads the format (json by default), an optional series and the range as history.json does', () => {
    expect(parseExport('')).toEqual({ format: 'json', series: undefined, from: undefined, to: undefined, step: undefined });
    expect(parseExport('format=influx&series=overall&from=1767225600&to=2026-01-01T01:00:00Z&step=60')).toEqual({
      format: 'influx',
      series: 'overall',
      from: 1_767_225_600,
      to: 1_767_229_200,
      step: 60,
    });
    expect(parseExport('format=csv')).toMatchObject({ format: 'csv' });
  });

  it.each([
    ['format=xml', 'format', /not a format: give json, csv, influx/],
    ['format=', 'format', /not a format/],
    ['format=csv&format=json', 'format', /more than once/],
    ['series=', 'series', /empty/],
    ['from=yesterday', 'from', /not a time/],
    ['to=2026-01-01T00:00:00', 'to', /not a time/],
    ['from=200&to=100', 'from', /before/],
    ['from=100&step=-1', 'step', /positive/],
    ['window=5m', 'window', /unknown parameter \(known: format, series, from, to, step\)/],
  ])('refuses %j, naming %s', (query, parameter, reason) => {
    const result = parseExport(query);
    expect(result).toMatchObject({ parameter });
    expect((result as { reason: string }).reason).toMatch(reason);
  });

  it('refuses a bad range in the same words as history.json', () => {
    for (const range of ['from=x', 'to=x', 'from=9&to=1', 'step=0']) expect(parseExport(range)).toEqual(parse(`series=overall&${range}`));
  });
});
