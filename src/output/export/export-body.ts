import { csvNumberCell, csvRecord, csvTextCell } from './csv-cell.js';
import type { ExportFormat, ExportReport } from './export-report.js';
import { EXPORT_FIELD_NAMES, EXPORT_TAG_NAMES, type ExportRow } from './export-rows.js';
import { influxLineOfRow } from './influx-line-of-row.js';

/** An export written in one format: its media type, its file name and its text in chunks. */
export interface ExportBody {
  /** The `Content-Type`. */
  contentType: string;
  /** The file name offered in `Content-Disposition`. */
  filename: string;
  /** The body, in chunks of about {@link ROWS_PER_CHUNK} rows, produced as they are read. */
  chunks: Iterable<string>;
}

/** Rows per chunk: big enough for few writes, small enough that no chunk is large. */
const ROWS_PER_CHUNK = 500;

/** The CSV header: the time, the series and its measurement, the tags, the fields. */
const CSV_HEADER: readonly string[] = ['time', 'series', 'measurement', ...EXPORT_TAG_NAMES, ...EXPORT_FIELD_NAMES];

const FORMATS: Readonly<
  Record<ExportFormat, { contentType: string; extension: string; write: (report: ExportReport) => Iterable<string> }>
> = {
  json: { contentType: 'application/json; charset=utf-8', extension: 'json', write: jsonChunks },
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', write: csvChunks },
  influx: { contentType: 'text/plain; charset=utf-8', extension: 'lp', write: influxChunks },
};

/**
 * Writes an export in a format:
 * - `json`: `{ kind, generatedAt, windowSeconds | tier, from, to, rows: [{ time, series, measurement, tags, fields }] }`, times in unix seconds;
 * - `csv`: RFC 4180 with a header row, CRLF line ends, the time in ISO 8601, one column per tag and field
 *   (empty where a row has none), text cells neutralised against formula injection (see `csv-cell.ts`);
 * - `influx`: InfluxDB line protocol, one line per row (see `influx-line-of-row.ts`).
 */
export function exportBody(report: ExportReport, format: ExportFormat): ExportBody {
  const { contentType, extension, write } = FORMATS[format];
  const range =
    report.kind === 'current' ? `${Math.floor(Date.parse(report.generatedAt) / 1000)}` : `${report.from ?? ''}-${report.to ?? ''}`;
  return { contentType, filename: `fedscope-${report.kind}-${range}.${extension}`, chunks: write(report) };
}

function* jsonChunks(report: ExportReport): Generator<string> {
  const { rows, ...head } = report;
  yield `${JSON.stringify(head).slice(0, -1)},"rows":[`;
  let first = true;
  for (const chunk of inChunks(rows)) {
    yield (first ? '' : ',') + chunk.map((row) => JSON.stringify(row)).join(',');
    first = false;
  }
  yield ']}';
}

function* csvChunks(report: ExportReport): Generator<string> {
  yield csvRecord(CSV_HEADER.map(csvTextCell));
  for (const chunk of inChunks(report.rows)) yield chunk.map(csvRow).join('');
}

function csvRow(row: ExportRow): string {
  return csvRecord([
    csvTextCell(new Date(row.time * 1000).toISOString()),
    csvTextCell(row.series),
    csvTextCell(row.measurement),
    ...EXPORT_TAG_NAMES.map((name) => csvTextCell(row.tags[name] ?? '')),
    ...EXPORT_FIELD_NAMES.map((name) => csvNumberCell(row.fields[name])),
  ]);
}

function* influxChunks(report: ExportReport): Generator<string> {
  for (const chunk of inChunks(report.rows)) {
    const lines = chunk.map(influxLineOfRow).filter((line) => line !== undefined);
    if (lines.length > 0) yield `${lines.join('\n')}\n`;
  }
}

function* inChunks(rows: Iterable<ExportRow>): Generator<ExportRow[]> {
  let chunk: ExportRow[] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length >= ROWS_PER_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
