import { SLOW_TRACE_WINDOWS_SECONDS, type SlowTracesQuery } from '../../../processors/analysis/slow-trace-types.js';
import type { HistoryQueryError } from '../../../processors/history/types.js';
import { checkParameterNames } from './history-query-params.js';

const PARAMETERS: readonly string[] = ['window', 'service'];
/** The window when none is asked, seconds. */
export const DEFAULT_SLOW_TRACE_WINDOW_SECONDS = 300;

/**
 * Reads the query string of `/fedscope/slow-traces.json` (`window` = 60, 300 or 900 seconds,
 * default 300; `service`, optional) into a {@link SlowTracesQuery}.
 * @returns the query, or the first parameter refused and why (answered with 400 as history.json does)
 */
export function parseSlowTracesQuery(search: URLSearchParams): SlowTracesQuery | HistoryQueryError {
  const refused = checkParameterNames(search, PARAMETERS);
  if (refused) return refused;
  const windowText = search.get('window');
  const windowSeconds = windowText === null ? DEFAULT_SLOW_TRACE_WINDOW_SECONDS : Number(windowText);
  if (!SLOW_TRACE_WINDOWS_SECONDS.includes(windowSeconds) || (windowText !== null && !/^\d+$/.test(windowText)))
    return { parameter: 'window', reason: `not a window: give ${SLOW_TRACE_WINDOWS_SECONDS.join(', ')} (seconds)` };
  const service = search.get('service');
  if (service === '') return { parameter: 'service', reason: 'empty: name a service or leave the parameter out for all' };
  return { windowSeconds, service: service ?? undefined };
}
