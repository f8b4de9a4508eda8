import { fedscopeLog } from '../diagnostics/fedscope-log.js';
import type { FedscopeHandle } from './fedscope-handle.js';

/**
 * When the application ends on its own (its event loop runs dry, Node emits `beforeExit`), shuts
 * fedscope down once: the spans and metrics still buffered are exported, then the process exits.
 *
 * Without it, a short-lived application loses whatever the batch processor had not yet sent.
 * Shutting down (rather than flushing) lets the loop run dry for good: a flush alone would start
 * new work, end, and emit `beforeExit` again. The wait is bounded by the exporters' own timeouts
 * (`OTEL_EXPORTER_OTLP_TIMEOUT`); it does not force an exit, because an application may start new
 * work in its own `beforeExit` handler. `process.exit()` and fatal errors do not emit `beforeExit`.
 */
export function registerShutdownBeforeExit(handle: FedscopeHandle): void {
  process.once('beforeExit', () => {
    handle.shutdown().catch((error: unknown) => fedscopeLog.warn('shutdown before exit failed', error));
  });
}
