import type { ClassifiedSpan } from '../classified-span.js';
import type { SlowTraceExemplar } from './slow-trace-types.js';

/** Width of a slot: the slowest queries are kept per minute. */
const SLOT_MS = 60_000;
/** Slowest queries kept per slot. */
export const SLOW_TRACES_PER_SLOT = 5;
/** 15 minutes (the longest window) and the minute under way. */
const SLOTS = 16;
const ENTRIES = SLOTS * SLOW_TRACES_PER_SLOT;

/**
 * The slowest root spans of one federated query, per 1-minute slot over the last 15 minutes
 * (5 per slot), in preallocated arrays: 80 entries, about 3 KB plus the trace and span id strings
 * it holds (about 10 KB when full). A span is kept when its slot has room or it is slower than
 * the fastest held, which it replaces: O(1) per span (a comparison, and a scan of 5 when kept). A
 * slot whose minute is over 15 minutes old is reused for the minute under way.
 */
export class SlowTraceRing {
  private readonly minute = new Int32Array(SLOTS).fill(-1);
  private readonly filled = new Uint8Array(SLOTS);
  /** Index (within its slot) of the fastest entry of a full slot: the one a slower span replaces. */
  private readonly fastest = new Uint8Array(SLOTS);
  private readonly durationMs = new Float64Array(ENTRIES);
  private readonly recordedAtMs = new Float64Array(ENTRIES);
  private readonly startMs = new Float64Array(ENTRIES);
  private readonly failed = new Uint8Array(ENTRIES);
  private readonly traceIds: string[] = new Array<string>(ENTRIES).fill('');
  private readonly spanIds: string[] = new Array<string>(ENTRIES).fill('');

  /** Keeps the span if it is among the 5 slowest of its minute (`nowMs`, the time it is recorded). */
  offer(span: ClassifiedSpan, nowMs: number): void {
    const { traceId, spanId } = span;
    if (traceId === undefined || spanId === undefined) return;
    const minute = Math.floor(nowMs / SLOT_MS);
    const slot = minute % SLOTS;
    if (this.minute[slot] !== minute) {
      this.minute[slot] = minute;
      this.filled[slot] = 0;
    }
    const base = slot * SLOW_TRACES_PER_SLOT;
    const filled = this.filled[slot]!;
    let at: number;
    if (filled < SLOW_TRACES_PER_SLOT) {
      at = base + filled;
      this.filled[slot] = filled + 1;
    } else {
      at = base + this.fastest[slot]!;
      if (span.durationMs <= this.durationMs[at]!) return;
    }
    this.durationMs[at] = span.durationMs;
    this.recordedAtMs[at] = nowMs;
    this.startMs[at] = span.startTimeMs ?? span.endTimeMs - span.durationMs;
    this.failed[at] = span.error ? 1 : 0;
    this.traceIds[at] = traceId;
    this.spanIds[at] = spanId;
    if (this.filled[slot] === SLOW_TRACES_PER_SLOT) {
      let fastest = 0;
      for (let i = 1; i < SLOW_TRACES_PER_SLOT; i++) if (this.durationMs[base + i]! < this.durationMs[base + fastest]!) fastest = i;
      this.fastest[slot] = fastest;
    }
  }

  /**
   * The slowest `limit` kept among those recorded in the last `windowSeconds` (at most 900),
   * slowest first. Within a window that starts inside a minute, that minute's 5 slowest are
   * kept for the whole minute: a slower one recorded before the window's start may have pushed
   * out one recorded after it.
   */
  slowest(windowSeconds: number, nowMs: number, limit: number): SlowTraceExemplar[] {
    const fromMs = nowMs - windowSeconds * 1000;
    const newest = Math.floor(nowMs / SLOT_MS);
    const oldest = Math.floor(fromMs / SLOT_MS);
    const picked: number[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const minute = this.minute[slot]!;
      if (minute < oldest || minute > newest) continue;
      const base = slot * SLOW_TRACES_PER_SLOT;
      for (let i = 0; i < this.filled[slot]!; i++) {
        const at = base + i;
        const recorded = this.recordedAtMs[at]!;
        if (recorded > fromMs && recorded <= nowMs) picked.push(at);
      }
    }
    picked.sort((a, b) => this.durationMs[b]! - this.durationMs[a]!);
    return picked.slice(0, limit).map((at) => ({
      traceId: this.traceIds[at]!,
      spanId: this.spanIds[at]!,
      durationMs: Math.round(this.durationMs[at]! * 1000) / 1000,
      startTime: new Date(this.startMs[at]!).toISOString(),
      error: this.failed[at] === 1,
    }));
  }
}
