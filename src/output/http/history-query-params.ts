import type { HistoryQuery, HistoryQueryError } from '../../../processors/history/types.js';
import { EXPORT_FORMATS, type ExportFormat, type ExportQuery } from '../export/export-report.js';

const HISTORY_PARAMETERS: readonly string[] = ['series', 'from', 'to', 'step'];
const EXPORT_PARAMETERS: readonly string[] = ['format', 'series', 'from', 'to', 'step'];
/** A unix time in seconds: digits, optionally with a fraction. */
const UNIX_SECONDS = /^\d{1,11}(\.\d+)?$/;
/** An ISO 8601 date-time with a time zone (`Z` or an offset), as `Date.parse` reads it. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads the query string of `/fedscope/history.json` (`series`, `from`, `to`, `step`) into a
 * {@link HistoryQuery}: times as unix seconds or ISO 8601 with a zone, the step in seconds. The
 * store checks what depends on its tiers (the retention, a step no tier has).
 * @returns the query, or the first parameter refused and why
 */
export function parseHistoryQuery(search: URLSearchParams): HistoryQuery | HistoryQueryError {
  const unknown = checkParameterNames(search, HISTORY_PARAMETERS);
  if (unknown) return unknown;
  const series = search.get('series');
  if (series === null || series === '')
    return {
      parameter: 'series',
      reason: 'required: overall, service:<service>, query:<service>/<query>, stage:<service>/<query>/<stage> or source:<service>/<source>',
    };
  const range = parseRange(search);
  return 'parameter' in range ? range : { series, ...range };
}

/**
 * Reads the query string of `/fedscope/export` (`format`, `series`, `from`, `to`, `step`) into an
 * {@link ExportQuery}: the format (default `json`), the series when one is named, and the range
 * as {@link parseHistoryQuery} reads it, refused for the same reasons in the same words.
 * @returns the query, or the first parameter refused and why
 */
export function parseExportQuery(search: URLSearchParams): ExportQuery | HistoryQueryError {
  const unknown = checkParameterNames(search, EXPORT_PARAMETERS);
  if (unknown) return unknown;
  const format = search.get('format') ?? 'json';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    return { parameter: 'format', reason: `not a format: give ${EXPORT_FORMATS.join(', ')}` };
  const series = search.get('series');
  if (series === '') return { parameter: 'series', reason: 'empty: name a series or leave the parameter out for all' };
  const range = parseRange(search);
  return 'parameter' in range ? range : { format: format as ExportFormat, series: series ?? undefined, ...range };
}

/** Refuses a parameter the route does not know and one given twice (the JSON routes with parameters share it). */
export function checkParameterNames(search: URLSearchParams, known: readonly string[]): HistoryQueryError | undefined {
  for (const name of new Set(search.keys())) {
    if (!known.includes(name)) return { parameter: name, reason: `unknown parameter (known: ${known.join(', ')})` };
    if (search.getAll(name).length > 1) return { parameter: name, reason: 'given more than once' };
  }
  return undefined;
}

/** `from`, `to` (unix seconds or ISO 8601 with a zone, `from` before `to`) and `step` (positive seconds). */
function parseRange(search: URLSearchParams): Omit<HistoryQuery, 'series'> | HistoryQueryError {
  const from = parseTime(search.get('from'));
  if (Number.isNaN(from))
    return { parameter: 'from', reason: 'not a time: give unix seconds or ISO 8601 with a zone (2026-01-01T12:00:00Z)' };
  const to = parseTime(search.get('to'));
  if (Number.isNaN(to)) return { parameter: 'to', reason: 'not a time: give unix seconds or ISO 8601 with a zone (2026-01-01T12:00:00Z)' };
  if (from !== undefined && to !== undefined && from >= to) return { parameter: 'from', reason: 'must be before `to`' };
  const stepText = search.get('step');
  const step = stepText === null ? undefined : UNIX_SECONDS.test(stepText) ? Number(stepText) : NaN;
  if (step !== undefined && !(step > 0)) return { parameter: 'step', reason: 'not a positive number of seconds' };
  return { from, to, step };
}

/** Unix seconds from either form; `undefined` when absent, `NaN` when unreadable. */
function parseTime(text: string | null): number | undefined {
  if (text === null) return undefined;
  if (UNIX_SECONDS.test(text)) return Number(text);
  if (ISO_8601.test(text)) return Date.parse(text) / 1000;
  return NaN;
}
