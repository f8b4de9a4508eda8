import type { FedscopeHandle } from './fedscope-handle.js';

/** Past the shutdown budget, how long the process may still take before it is made to exit. */
const EXIT_MARGIN_MS = 500;

/**
 * On SIGINT/SIGTERM: flush and shut fedscope down, then exit — but only when no other handler
 * of the application handles the signal, so an application's own graceful shutdown stays in charge.
 */
export function registerShutdownOnSignals(handle: FedscopeHandle): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (process.listenerCount(signal) > 0) {
        void handle.shutdown();
        return;
      }
      // The shutdown resolves within its budget; the margin is for a step that ignored it.
      setTimeout(() => process.exit(signalExitCode(signal)), handle.shutdownTimeoutMs + EXIT_MARGIN_MS).unref();
      void handle.shutdown().finally(() => process.exit(signalExitCode(signal)));
    });
  }
}

/** 128 + signal number, as shells report a process killed by a signal. */
function signalExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? 130 : 143;
}
