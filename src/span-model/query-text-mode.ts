import type { QueryTextMode } from '../options/types.js';

let processDefault: QueryTextMode = 'sanitized';

/** The query-text mode that instrumentations use when they are not given one. */
export function defaultQueryTextMode(): QueryTextMode {
  return processDefault;
}

/** Sets the process-wide default query-text mode (startFedscope does, from its `queryText` option). */
export function setDefaultQueryTextMode(mode: QueryTextMode): void {
  processDefault = mode;
}
