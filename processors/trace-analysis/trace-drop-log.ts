import { DEFAULT_REPEAT_INTERVAL_MS, fedscopeLog, type FedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import type { TraceAssemblyStats, TraceDropReason } from './types.js';

/** How often, at most, the drop counters are compared with those already reported (ms). */
const CHECK_INTERVAL_MS = 1000;

/** Options of a {@link TraceDropLog}. */
export interface TraceDropLogOptions {
  /** Where the line goes. @default the process-wide fedscope logger */
  log?: FedscopeLog;
  /** Least time between two lines, ms. @default 60000 */
  intervalMs?: number;
}

/**
 * The trace assembler's drops on stderr: at most one warning line per interval with the traces and
 * spans dropped since the previous line, by reason, and the coverage they leave, e.g.
 * `the trace assembler dropped 1,200 traces (trace_limit 1,000, sampled_out 200) and 3,600 spans
 * (…) in the last 60 s; critical paths and bottlenecks describe 78.4% of federated queries (coverage)`.
 *
 * The assembler has no timer: it calls {@link TraceDropLog.check} from its own work (every span
 * and every read), which costs one comparison until a check is due (once a second); drops after
 * the last span are written at the next read (a scrape), the figures exact.
 */
export class TraceDropLog {
  private readonly log: FedscopeLog;
  private readonly intervalMs: number;
  private dueAtMs = Number.NEGATIVE_INFINITY;
  /** When the counts already reported were taken (the first check, then each line). */
  private reportedAtMs: number | undefined;
  private reportedSpans: Partial<Record<TraceDropReason, number>> = {};
  private reportedTraces: Partial<Record<TraceDropReason, number>> = {};

  /** @param options - where the line goes and the least time between two */
  constructor(options: TraceDropLogOptions = {}) {
    this.log = options.log ?? fedscopeLog;
    this.intervalMs = Math.max(0, options.intervalMs ?? DEFAULT_REPEAT_INTERVAL_MS);
  }

  /**
   * Writes a line when one is due and something was dropped since the previous one.
   * @param nowMs - the assembler's clock
   * @param stats - the assembler's counters, read only when a check is due
   */
  check(nowMs: number, stats: () => TraceAssemblyStats): void {
    if (nowMs < this.dueAtMs) return;
    const current = stats();
    this.reportedAtMs ??= nowMs;
    const spans = since(current.droppedSpans, this.reportedSpans);
    const traces = since(current.droppedTraces, this.reportedTraces);
    if (spans.total === 0 && traces.total === 0) {
      this.dueAtMs = nowMs + CHECK_INTERVAL_MS;
      return;
    }
    const seconds = Math.max(1, Math.round((nowMs - this.reportedAtMs) / 1000));
    const parts = [
      ...(traces.total > 0 ? [`${format(traces.total)} trace${traces.total === 1 ? '' : 's'} (${traces.byReason})`] : []),
      ...(spans.total > 0 ? [`${format(spans.total)} span${spans.total === 1 ? '' : 's'} (${spans.byReason})`] : []),
    ];
    this.log.report(
      'warn',
      `the trace assembler dropped ${parts.join(' and ')} in the last ${seconds} s; critical paths and bottlenecks describe ${(current.coverage * 100).toFixed(1)}% of federated queries (coverage; the traceAssembly options set the bounds)`,
    );
    this.reportedSpans = { ...current.droppedSpans };
    this.reportedTraces = { ...current.droppedTraces };
    this.reportedAtMs = nowMs;
    this.dueAtMs = nowMs + Math.max(this.intervalMs, CHECK_INTERVAL_MS);
  }
}

/** The drops since `reported`, in total and as `reason count, …` (largest first). */
function since(
  current: Record<TraceDropReason, number>,
  reported: Partial<Record<TraceDropReason, number>>,
): { total: number; byReason: string } {
  const added = (Object.entries(current) as Array<[TraceDropReason, number]>)
    .map(([reason, count]) => [reason, count - (reported[reason] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]);
  return {
    total: added.reduce((total, [, count]) => total + count, 0),
    byReason: added.map(([reason, count]) => `${reason} ${format(count)}`).join(', '),
  };
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
