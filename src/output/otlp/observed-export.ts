import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/**
 * Runs one export of a wrapped exporter and tells `observe`, then `resultCallback`, its result —
 * once, however often the exporter calls back, and a synchronous throw as a failed result.
 * `observe` may throw: the caller still hears the result (counting or logging must never keep a
 * processor or reader from it).
 *
 * @param start - starts the export with the callback to settle it
 * @param observe - counts or logs the result
 * @param resultCallback - the caller's callback
 */
export function observedExport(
  start: (done: (result: ExportResult) => void) => void,
  observe: (result: ExportResult) => void,
  resultCallback: (result: ExportResult) => void,
): void {
  let settled = false;
  const done = (result: ExportResult): void => {
    if (settled) return; // an exporter that calls back twice must not be counted twice
    settled = true;
    try {
      observe(result);
    } catch {
      // Observing must not keep the caller from hearing the result.
    }
    resultCallback(result);
  };
  try {
    start(done);
  } catch (error) {
    done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
  }
}
