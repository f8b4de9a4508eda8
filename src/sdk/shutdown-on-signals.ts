import type { FedscopeHandle } from './fedscope-handle.js';

/** Longest a signal-triggered flush may hold the process. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

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
      setTimeout(() => process.exit(signalExitCode(signal)), SHUTDOWN_TIMEOUT_MS).unref();
      void handle.shutdown().finally(() => process.exit(signalExitCode(signal)));
    });
  }
}

/** 128 + signal number, as shells report a process killed by a signal. */
function signalExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return signal === 'SIGINT' ? 130 : 143;
}
