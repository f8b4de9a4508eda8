/**
 * How query text is put on source-call spans (`db.query.text`) and how error texts are written:
 * `sanitized` (literals become `?`, error texts redacted), `raw` (as written: the explicit opt-in),
 * `off` (no query text; error texts redacted).
 */
export type QueryTextMode = 'sanitized' | 'raw' | 'off';

let processDefault: QueryTextMode = 'sanitized';

/** The query-text mode that instrumentations use when they are not given one. */
export function defaultQueryTextMode(): QueryTextMode {
  return processDefault;
}

/** Sets the process-wide default query-text mode (startFedscope does, from its `queryText` option). */
export function setDefaultQueryTextMode(mode: QueryTextMode): void {
  processDefault = mode;
}
