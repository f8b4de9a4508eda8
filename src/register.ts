/**
 * `node --import fedscope/register app.js`: starts fedscope from the environment alone
 * (`OTEL_*` and `FEDSCOPE_*` variables) before the application's first line runs, shuts it down
 * (exporting what is buffered) when the application ends on its own, and flushes on SIGINT/SIGTERM.
 * A bad variable is reported on stderr and the application runs without fedscope: telemetry must
 * not stop the service it observes. `OTEL_SDK_DISABLED=true` starts nothing.
 */
import { fedscopeLog } from './diagnostics/fedscope-log.js';
import { registerShutdownBeforeExit } from './sdk/shutdown-before-exit.js';
import { registerShutdownOnSignals } from './sdk/shutdown-on-signals.js';
import { startFedscope } from './sdk/start-fedscope.js';
import type { FedscopeHandle } from './sdk/fedscope-handle.js';

/**
 * `OTEL_SDK_DISABLED` read by the OTel spec's boolean rule: only `true` (any case, trimmed) is true;
 * any other non-empty value than `false` is read as false, with a warning.
 */
function sdkDisabled(): boolean {
  const raw = process.env['OTEL_SDK_DISABLED']?.trim() ?? '';
  const value = raw.toLowerCase();
  if (value === 'true') return true;
  if (value !== '' && value !== 'false') {
    fedscopeLog.warn("OTEL_SDK_DISABLED is not 'true' or 'false' (case-insensitive); read as false", `got ${raw.slice(0, 40)}`);
  }
  return false;
}

let handle: FedscopeHandle | undefined;
if (sdkDisabled()) {
  fedscopeLog.info('not started: OTEL_SDK_DISABLED=true (no tracing, no metrics, no instrumentations)');
} else {
  try {
    handle = startFedscope();
    registerShutdownBeforeExit(handle);
    registerShutdownOnSignals(handle);
  } catch (error) {
    process.stderr.write(`fedscope: not started: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** The handle started by this entry point; undefined when it did not start (a bad variable, or `OTEL_SDK_DISABLED=true`). */
export const fedscope: FedscopeHandle | undefined = handle;
