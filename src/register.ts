/**
 * `node --import fedscope/register app.js`: starts fedscope from the environment alone
 * (`OTEL_*` and `FEDSCOPE_*` variables) before the application's first line runs, and flushes on
 * SIGINT/SIGTERM. A bad variable is reported on stderr and the application runs without fedscope:
 * telemetry must not stop the service it observes.
 */
import { registerShutdownOnSignals } from './sdk/shutdown-on-signals.js';
import { startFedscope } from './sdk/start-fedscope.js';
import type { FedscopeHandle } from './sdk/fedscope-handle.js';

let handle: FedscopeHandle | undefined;
try {
  handle = startFedscope();
  registerShutdownOnSignals(handle);
} catch (error) {
  process.stderr.write(`fedscope: not started: ${error instanceof Error ? error.message : String(error)}\n`);
}

/** The handle started by this entry point, if it started. */
export const fedscope: FedscopeHandle | undefined = handle;
