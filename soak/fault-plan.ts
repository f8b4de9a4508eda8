/** The faults the soak injects. */
export type FaultKind = 'otlp-receiver-down' | 'database-cut' | 'alertmanager-down';

/** One fault: what, when (from the load's start) and for how long. */
export interface FaultWindow {
  readonly kind: FaultKind;
  readonly startMs: number;
  readonly durationMs: number;
}

/** The longest outage: a minute, as the issue asks. */
const MAX_OUTAGE_MS = 60_000;

/**
 * When the alerts raised by the database cut resolve: the shortest analysis window (1 m) must
 * forget the failures, plus an evaluation or two.
 */
const ALERT_RESOLVE_AFTER_CUT_MS = 65_000;

/**
 * The fault schedule for a load of `durationMs`, scaled with it: each outage lasts a tenth of the
 * run, 60 s at most (so 60 s from a 10-minute run up); the OTLP receiver goes down at 34% of the
 * run and the databases are cut at 45%, both inside the middle third, so the memory check compares
 * two fault-free thirds on a long run. Alertmanager goes down after the databases come back,
 * centred on when the cut's alerts resolve, so resolved notifications (and re-sends) must wait for
 * it; on a short run it is brought forward to end by 90% of the run. The outages never overlap.
 */
export function planFaults(durationMs: number): FaultWindow[] {
  const outageMs = Math.round(Math.min(MAX_OUTAGE_MS, durationMs / 10));
  const otlpStart = Math.round(durationMs * 0.34);
  const cutStart = Math.max(Math.round(durationMs * 0.45), otlpStart + outageMs);
  const cutEnd = cutStart + outageMs;
  const centred = cutEnd + Math.max(outageMs / 2, ALERT_RESOLVE_AFTER_CUT_MS - outageMs / 2);
  const alertmanagerStart = Math.round(Math.max(cutEnd, Math.min(centred, durationMs * 0.9 - outageMs)));
  return [
    { kind: 'otlp-receiver-down', startMs: otlpStart, durationMs: outageMs },
    { kind: 'database-cut', startMs: cutStart, durationMs: outageMs },
    { kind: 'alertmanager-down', startMs: alertmanagerStart, durationMs: outageMs },
  ];
}
