import { fedscopeLog, type FedscopeLog } from '../../diagnostics/fedscope-log.js';

/** Options of a {@link SpanLossLog}. */
export interface SpanLossLogOptions {
  /** Where the line goes. @default the process-wide fedscope logger */
  log?: FedscopeLog;
  /** Least time between two lines. @default 60000 */
  intervalMs?: number;
  /** Wait after the first loss before the first line, so a burst is reported as one figure. @default 1000 */
  firstLineDelayMs?: number;
  /** Epoch milliseconds. @default `Date.now` */
  now?: () => number;
}

/** Most distinct reasons tallied per kind; more are counted under `_OTHER`. */
const MAX_REASONS = 16;

/**
 * Tallies the spans the trace export lost — dropped by the batch processor (`queue_full`) and
 * failed at export (by `error.type`) — and writes one warning line per interval at most:
 * `12,345 spans dropped (queue_full), 3 export failures (timeout) losing 1,536 spans in the last 60 s`.
 * Figures are the counts since the previous line. Timers are unref'd.
 */
export class SpanLossLog {
  private readonly log: FedscopeLog;
  private readonly intervalMs: number;
  private readonly firstLineDelayMs: number;
  private readonly now: () => number;
  private dropped = new Map<string, number>();
  private failed = new Map<string, { exports: number; spans: number }>();
  private windowStart: number | undefined;
  private lastLineAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: SpanLossLogOptions = {}) {
    this.log = options.log ?? fedscopeLog;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.firstLineDelayMs = options.firstLineDelayMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Counts spans the batch processor dropped. */
  recordDropped(reason: string, spans: number): void {
    if (!(spans > 0)) return;
    const key = boundedKey(this.dropped, reason);
    this.dropped.set(key, (this.dropped.get(key) ?? 0) + spans);
    this.schedule();
  }

  /** Counts one failed export call of `spans` spans. */
  recordFailedExport(reason: string, spans: number): void {
    const key = boundedKey(this.failed, reason);
    const entry = this.failed.get(key) ?? { exports: 0, spans: 0 };
    entry.exports++;
    entry.spans += spans;
    this.failed.set(key, entry);
    this.schedule();
  }

  /** Writes the line for what was counted since the previous one, if anything. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const line = this.line();
    if (line === undefined) return;
    this.log.report('warn', line);
    this.lastLineAt = this.now();
    this.windowStart = undefined;
    this.dropped = new Map();
    this.failed = new Map();
  }

  /** Writes what is left and stops scheduling lines. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** The line for what was counted since the previous one; `undefined` when nothing was lost. */
  line(): string | undefined {
    const parts: string[] = [];
    const droppedTotal = sum([...this.dropped.values()]);
    if (droppedTotal > 0) parts.push(`${format(droppedTotal)} spans dropped (${reasons(this.dropped, (n) => n)})`);
    const exports = sum([...this.failed.values()].map((f) => f.exports));
    if (exports > 0) {
      const spans = sum([...this.failed.values()].map((f) => f.spans));
      parts.push(
        `${format(exports)} export failure${exports === 1 ? '' : 's'} (${reasons(this.failed, (f) => f.exports)}) losing ${format(spans)} spans`,
      );
    }
    if (parts.length === 0) return undefined;
    const seconds = Math.max(1, Math.round((this.now() - (this.windowStart ?? this.now())) / 1000));
    return `${parts.join(', ')} in the last ${seconds} s`;
  }

  private schedule(): void {
    const now = this.now();
    this.windowStart ??= this.lastLineAt !== undefined && now - this.lastLineAt < this.intervalMs ? this.lastLineAt : now;
    if (this.timer !== undefined || this.closed) return;
    const delay =
      this.lastLineAt === undefined ? this.firstLineDelayMs : Math.max(this.firstLineDelayMs, this.lastLineAt + this.intervalMs - now);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delay);
    this.timer.unref();
  }
}

function boundedKey(map: ReadonlyMap<string, unknown>, reason: string): string {
  return map.has(reason) || map.size < MAX_REASONS - 1 ? reason : '_OTHER';
}

function reasons<T>(map: ReadonlyMap<string, T>, count: (value: T) => number): string {
  if (map.size === 1) return [...map.keys()][0]!;
  return [...map.entries()]
    .sort((a, b) => count(b[1]) - count(a[1]))
    .map(([reason, value]) => `${reason}: ${format(count(value))}`)
    .join(', ');
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
