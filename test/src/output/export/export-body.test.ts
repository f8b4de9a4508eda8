import { describe, expect, it } from 'vitest';
import { csvNumberCell, csvTextCell } from '../../../../src/output/export/csv-cell.js';
import { exportBody } from '../../../../src/output/export/export-body.js';
import type { ExportReport } from '../../../../src/output/export/export-report.js';
import { currentExportRows, type ExportRow } from '../../../../src/output/export/export-rows.js';
import { healthOf, seriesOf, snapshotOf } from '../../../support/snapshot-fixtures.js';

const T0 = 1_767_225_600;

function current(rows: ExportRow[]): ExportReport {
  return { kind: 'current', generatedAt: '2026-01-01T00:00:05.000Z', windowSeconds: 60, rows };
}

const text = (report: ExportReport, format: 'json' | 'csv' | 'influx'): string => [...exportBody(report, format).chunks].join('');

const NASTY = { service: '=HYPERLINK("http://x")', query: 'a,b "c"\nd', source: '-2+3' };
const rows = currentExportRows(
  snapshotOf(seriesOf({}, 4, 1, 12), {
    queries: [seriesOf({ service: NASTY.service, query: NASTY.query }, 4, 1, 12)],
    sources: [seriesOf({ service: '@sum', source: NASTY.source }, 2, 0, null)],
  }),
  healthOf(70),
  T0,
);

describe('csv cells', () => {
  it('quotes as RFC 4180 asks: commas, quotes (doubled), CR and LF', () => {
    expect(csvTextCell('plain')).toBe('plain');
    expect(csvTextCell('a,b')).toBe('"a,b"');
    expect(csvTextCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvTextCell('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('neutralises text that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvTextCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
    ]);
    expect(csvTextCell('=A1,B1')).toBe('"\'=A1,B1"');
    expect(csvNumberCell(-1.5)).toBe('-1.5');
    expect([null, undefined, NaN, Infinity].map(csvNumberCell)).toEqual(['', '', '', '']);
  });
});

describe('exportBody', () => {
  it('csv: a header row, one record per row, CRLF, ISO times, empty cells for missing figures, formulas neutralised', () => {
    const body = exportBody(current(rows), 'csv');
    expect(body.contentType).toBe('text/csv; charset=utf-8; header=present');
    expect(body.filename).toBe('fedscope-current-1767225605.csv');
    const csv = text(current(rows), 'csv');
    expect(csv.split('\r\n')[0]).toBe(
      'time,series,measurement,service,query,stage,source,overflow,count,errors,error_ratio,throughput_per_second,p50_ms,p95_ms,p99_ms,health_score',
    );
    expect(csv.split('\r\n')[1]).toBe('2026-01-01T00:00:00.000Z,overall,fedscope_overall,,,,,,4,1,0.25,0.06666666666666667,6,12,24,70');
    expect(csv).toContain(`'=HYPERLINK(""http://x"")`);
    expect(csv).toContain('"a,b ""c""\nd"');
    expect(csv).toContain(",'@sum,,,'-2+3,,2,0,0,0.03333333333333333,,,,\r\n");
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.match(/\r\n/g)).toHaveLength(4); // the header and three rows: the LF inside quotes is not a record end
  });

  it('json: the report with its rows, times in unix seconds', () => {
    const body = exportBody(current(rows), 'json');
    expect(body.contentType).toBe('application/json; charset=utf-8');
    const parsed = JSON.parse(text(current(rows), 'json')) as { kind: string; windowSeconds: number; rows: ExportRow[] };
    expect(parsed.kind).toBe('current');
    expect(parsed.windowSeconds).toBe(60);
    expect(parsed.rows).toEqual(rows);
  });

  it('json and csv of no rows are still whole documents', () => {
    expect(JSON.parse(text(current([]), 'json'))).toMatchObject({ rows: [] });
    expect(text(current([]), 'csv').split('\r\n')).toHaveLength(2);
    expect(text(current([]), 'influx')).toBe('');
  });

  it('influx: one line per row, count and errors as integers, missing figures left out, ns timestamps', () => {
    const body = exportBody({ kind: 'history', generatedAt: '', from: T0, to: T0 + 60, rows }, 'influx');
    expect(body.contentType).toBe('text/plain; charset=utf-8');
    expect(body.filename).toBe(`fedscope-history-${T0}-${T0 + 60}.lp`);
    const lines = [...body.chunks].join('').split('\n');
    expect(lines).toEqual([
      `fedscope_overall count=4i,errors=1i,error_ratio=0.25,throughput_per_second=0.06666666666666667,p50_ms=6,p95_ms=12,p99_ms=24,health_score=70 ${T0}000000000`,
      `fedscope_query,query=a\\,b\\ "c"\\ d,service=\\=HYPERLINK("http://x") count=4i,errors=1i,error_ratio=0.25,throughput_per_second=0.06666666666666667,p50_ms=6,p95_ms=12,p99_ms=24 ${T0}000000000`,
      `fedscope_source,service=@sum,source=-2+3 count=2i,errors=0i,error_ratio=0,throughput_per_second=0.03333333333333333 ${T0}000000000`,
      '',
    ]);
  });

  it('writes many rows in chunks', () => {
    const many = Array.from({ length: 1201 }, () => rows[0]!);
    expect([...exportBody(current(many), 'csv').chunks]).toHaveLength(4); // the header, then 500 + 500 + 201 rows
    expect((JSON.parse(text(current(many), 'json')) as { rows: unknown[] }).rows).toHaveLength(1201);
  });
});
