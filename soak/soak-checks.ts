import { exposedSamples } from './exposition-counters.js';
import type { MemoryTrend } from './memory-trend.js';
import type { ReceivedSpanCounts } from './span-counting-receiver.js';
import type { AlertLedger, SoakCheck, SpanLedger } from './soak-summary.js';

/** The OTel SDK's span-processor counter on `/metrics` (the batch processor's drops carry `error_type="queue_full"`). */
const PROCESSED = 'otel_sdk_processor_span_processed_total';

/** fedscope's exporter counter on `/metrics`: exported spans, failed ones with `error_type`. */
const EXPORTED = 'otel_sdk_exporter_span_exported_total';

/** Least achieved share of the target rate that passes. */
export const MIN_RATE_SHARE = 0.95;

/**
 * Balances the sampled spans the service ended against what the receiver got and what the
 * service's `/metrics` counts as lost, by cause: queue drops of the batch processor
 * (`otel_sdk_processor_span_processed_total{error_type="queue_full"}`) and failed exports
 * (`otel_sdk_exporter_span_exported_total{error_type}`), read after a flush, so nothing is in
 * flight. The processor's count of failed exports (its other `error_type`s) must equal the
 * exporter's: two counters, one loss.
 */
export function spanLedger(ended: number, received: ReceivedSpanCounts, metricsText: string): SpanLedger {
  const droppedByCause: Record<string, number> = {};
  const add = (cause: string, value: number): void => void (droppedByCause[cause] = (droppedByCause[cause] ?? 0) + value);
  // The processor's counter also counts the spans of failed exports (its error_type is the error's
  // class name); those are taken from the exporter's counter, which keeps the cause: only the
  // queue's drops come from here, the rest is the SDK's view of the same failures.
  let processorExportFailures = 0;
  for (const sample of exposedSamples(metricsText, PROCESSED)) {
    const errorType = sample.labels['error_type'];
    if (errorType === 'queue_full') add(errorType, sample.value);
    else if (errorType !== undefined) processorExportFailures += sample.value;
  }
  let exportedOk = 0;
  let exportFailures = 0;
  for (const sample of exposedSamples(metricsText, EXPORTED)) {
    const errorType = sample.labels['error_type'];
    if (errorType === undefined) exportedOk += sample.value;
    else if (sample.value > 0) {
      add(`export:${errorType}`, sample.value);
      exportFailures += sample.value;
    }
  }
  const dropped = Object.values(droppedByCause).reduce((a, b) => a + b, 0);
  return {
    ended,
    received: received.spans,
    rejectedByReceiver: received.rejectedSpans,
    exportedOk,
    droppedByCause,
    dropped,
    unaccounted: ended - received.spans - dropped,
    exportFailuresSeenByProcessor: processorExportFailures,
    exportFailures,
  };
}

/**
 * The span check: every ended span arrived or was counted as dropped with its cause, what `/metrics`
 * calls exported arrived, and the SDK's processor and fedscope's exporter agree on the failed exports.
 */
export function spanCheck(ledger: SpanLedger | null, problem: string | undefined): SoakCheck {
  const name = 'span drops counted exactly';
  if (ledger === null) return { name, pass: false, detail: problem ?? 'no span figures (the service did not drain)' };
  const causes = Object.entries(ledger.droppedByCause)
    .map(([cause, n]) => `${cause} ${n}`)
    .join(', ');
  return {
    name,
    pass:
      ledger.unaccounted === 0 &&
      ledger.exportedOk === ledger.received &&
      ledger.rejectedByReceiver === 0 &&
      ledger.exportFailuresSeenByProcessor === ledger.exportFailures,
    detail:
      `ended ${ledger.ended} = received ${ledger.received} + dropped ${ledger.dropped} (${causes || 'none'})` +
      `${ledger.unaccounted === 0 ? '' : `; ${ledger.unaccounted} unaccounted`}; /metrics exported ${ledger.exportedOk}` +
      `${ledger.exportFailuresSeenByProcessor === ledger.exportFailures ? '' : `; the SDK's processor counts ${ledger.exportFailuresSeenByProcessor} spans of failed exports, the exporter ${ledger.exportFailures}`}` +
      `${ledger.rejectedByReceiver > 0 ? `; ${ledger.rejectedByReceiver} rejected by the receiver` : ''}`,
  };
}

/**
 * The alert check: fedscope's Alertmanager channel lost nothing (no drop, rejection or discard,
 * nothing left queued or spooled), Alertmanager received at least what fedscope counts as
 * delivered, listed every alert start fedscope notified, and at the end lists exactly what fedscope
 * fires (so every resolved notification arrived too).
 */
export function alertCheck(ledger: AlertLedger | null, problem: string | undefined): SoakCheck {
  const name = 'every alert notification arrived in Alertmanager';
  if (ledger === null) return { name, pass: false, detail: problem ?? 'no alert figures' };
  const d = ledger.delivery;
  const received = ledger.alertmanagerReceived;
  const receivedTotal = received === null ? null : received.firing + received.resolved;
  const failures: string[] = [];
  if (d === null) failures.push('no delivery counters');
  else {
    const lost = d.dropped + d.rejected + d.discarded;
    if (lost > 0) failures.push(`${lost} dropped/rejected/discarded`);
    if (d.queued > 0) failures.push(`${d.queued} still queued`);
    if (receivedTotal !== null && receivedTotal < d.delivered)
      failures.push(`Alertmanager received ${receivedTotal} < ${d.delivered} delivered`);
  }
  if (received === null) failures.push("Alertmanager's counters unread");
  else if (received.resolved < ledger.resolvedNotifications)
    failures.push(`Alertmanager received ${received.resolved} resolved < ${ledger.resolvedNotifications} raised`);
  if (received !== null && received.invalid > 0) failures.push(`${received.invalid} refused as invalid`);
  if (ledger.firingNotListed.length > 0) failures.push(`${ledger.firingNotListed.length} firing never listed`);
  if (ledger.missingAtEnd.length > 0) failures.push(`${ledger.missingAtEnd.length} firing but not listed at the end`);
  if (ledger.staleAtEnd.length > 0) failures.push(`${ledger.staleAtEnd.length} listed but resolved at the end`);
  if (ledger.spooledFiles.length > 0) failures.push(`spool not empty after shutdown (${ledger.spooledFiles.join(', ')})`);
  if (problem !== undefined) failures.push(problem);
  const figures =
    `${ledger.firingNotifications} firing + ${ledger.resolvedNotifications} resolved raised; ` +
    (d === null ? '' : `${d.delivered} delivered after ${d.failedAttempts} failed attempts; `) +
    (received === null ? '' : `Alertmanager received ${received.firing} firing + ${received.resolved} resolved`);
  return { name, pass: failures.length === 0, detail: failures.length === 0 ? figures : `${failures.join('; ')} — ${figures}` };
}

/** The memory check. */
export function memoryCheck(trend: MemoryTrend): SoakCheck {
  const mib = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const growth = trend.heapGrowth === null ? 'n/a' : `${(trend.heapGrowth * 100).toFixed(1)}%`;
  return {
    name: 'memory stayed flat',
    pass: trend.flat,
    detail:
      `median heap after GC: first third ${mib(trend.firstThirdMedianHeapBytes)} (${trend.firstThirdSamples} samples), ` +
      `last third ${mib(trend.lastThirdMedianHeapBytes)} (${trend.lastThirdSamples}); growth ${growth} (tolerance ${(trend.tolerance * 100).toFixed(0)}%); ` +
      `RSS ${mib(trend.firstThirdMedianRssBytes)} → ${mib(trend.lastThirdMedianRssBytes)} ` +
      `(external ${mib(trend.firstThirdMedianExternalBytes)} → ${mib(trend.lastThirdMedianExternalBytes)}, ` +
      `outside V8 ${mib(trend.firstThirdMedianNativeBytes)} → ${mib(trend.lastThirdMedianNativeBytes)})`,
  };
}

/** The rate check: finished queries per second reached {@link MIN_RATE_SHARE} of the target. */
export function rateCheck(achieved: number, target: number, shed: number): SoakCheck {
  return {
    name: `query rate ≥ ${MIN_RATE_SHARE * 100}% of target`,
    pass: achieved >= MIN_RATE_SHARE * target,
    detail: `${achieved.toFixed(1)} of ${target} queries/s finished (${((achieved / target) * 100).toFixed(1)}%), ${shed} arrivals shed`,
  };
}
