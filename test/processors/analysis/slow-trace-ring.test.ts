import { describe, expect, it } from 'vitest';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import { SlowTraceRing, SLOW_TRACES_PER_SLOT } from '../../../processors/analysis/slow-trace-ring.js';
import type { ClassifiedSpan } from '../../../processors/classified-span.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { classifiedSpan } from '../../support/classified-span-fixture.js';

/** 2026-01-01T00:00:00Z. */
const T0_MS = 1_767_225_600_000;
let ids = 0;

function root(durationMs: number, more: Partial<ClassifiedSpan> = {}): ClassifiedSpan {
  ids++;
  return classifiedSpan({
    role: 'query',
    durationMs,
    endTimeMs: T0_MS,
    queryName: 'orders',
    service: 'shop',
    traceId: ids.toString(16).padStart(32, '0'),
    spanId: ids.toString(16).padStart(16, '0'),
    startTimeMs: T0_MS - durationMs,
    ...more,
  });
}

const durations = (ring: SlowTraceRing, window: number, nowMs: number, limit = 100) =>
  ring.slowest(window, nowMs, limit).map((t) => t.durationMs);

describe('SlowTraceRing', () => {
  it('keeps the 5 slowest root spans of each minute, slowest first, with their ids, start and error', () => {
    const ring = new SlowTraceRing();
    const now = T0_MS + 30_000;
    for (const ms of [12, 50, 3, 80, 7, 64, 1, 99, 20]) ring.offer(root(ms, { error: ms === 64 }), now);
    expect(SLOW_TRACES_PER_SLOT).toBe(5);
    expect(durations(ring, 60, now)).toEqual([99, 80, 64, 50, 20]);
    const [slowest, , failed] = ring.slowest(60, now, 3);
    expect(slowest).toEqual({
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      durationMs: 99,
      startTime: new Date(T0_MS - 99).toISOString(),
      error: false,
    });
    expect(failed?.error).toBe(true);
    expect(ring.slowest(60, now, 2)).toHaveLength(2);
  });

  it('answers a window from the minutes it covers, and forgets a minute once it is over 15 minutes old', () => {
    const ring = new SlowTraceRing();
    for (let minute = 0; minute < 20; minute++) ring.offer(root(100 + minute), T0_MS + minute * 60_000 + 1_000);
    const now = T0_MS + 19 * 60_000 + 2_000;
    expect(durations(ring, 60, now)).toEqual([119]);
    expect(durations(ring, 300, now)).toEqual([119, 118, 117, 116, 115]);
    expect(durations(ring, 900, now)).toEqual([119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 109, 108, 107, 106, 105]);
    // Nothing recorded for 16 minutes: every slot is too old.
    expect(durations(ring, 900, now + 16 * 60_000)).toEqual([]);
  });

  it('skips a span without a trace id (nothing to open)', () => {
    const ring = new SlowTraceRing();
    ring.offer(root(500, { traceId: undefined }), T0_MS);
    expect(durations(ring, 60, T0_MS)).toEqual([]);
  });
});

describe('AnalysisState.slowTraces', () => {
  it('lists per (service, query) the slowest root spans in the window, queries by their slowest, filtered by service', () => {
    const clock = new ManualClock(T0_MS);
    const state = new AnalysisState({ clock });
    state.record(root(40, { queryName: 'orders', service: 'shop' }));
    state.record(root(90, { queryName: 'stock', service: 'shop' }));
    state.record(root(70, { queryName: 'orders', service: 'billing' }));
    state.record(root(10, { queryName: 'orders', service: 'shop' }));
    state.record(root(500, { role: 'stage', stage: 'fetch' }));
    const all = state.slowTraces(60, undefined, 10);
    expect(all.map((q) => [q.service, q.query, q.traces.map((t) => t.durationMs)])).toEqual([
      ['shop', 'stock', [90]],
      ['billing', 'orders', [70]],
      ['shop', 'orders', [40, 10]],
    ]);
    expect(state.slowTraces(60, 'billing', 10).map((q) => q.query)).toEqual(['orders']);
    expect(state.slowTraces(60, 'nobody', 10)).toEqual([]);
    clock.advance(61_000);
    expect(state.slowTraces(60, undefined, 10)).toEqual([]);
    expect(state.slowTraces(300, undefined, 10)).toHaveLength(3);
  });

  it('is bounded by the analysis query bound: queries beyond it share the overflow series, which is counted', () => {
    const state = new AnalysisState({ clock: new ManualClock(T0_MS), maxQueries: 2 });
    for (const [query, ms] of [
      ['a', 5],
      ['b', 6],
      ['c', 700],
      ['d', 8],
    ] as const)
      state.record(root(ms, { queryName: query }));
    expect(state.slowTraces(60, undefined, 10).map((q) => [q.service, q.query, q.traces.map((t) => t.durationMs)])).toEqual([
      ['', '~overflow', [700, 8]],
      ['shop', 'b', [6]],
      ['shop', 'a', [5]],
    ]);
    expect(state.slowTraces(60, 'shop', 10).map((q) => q.query)).toEqual(['b', 'a']);
    expect(state.limits().find((limit) => limit.name === 'series.query')).toMatchObject({ limit: 2, overflowed: 2 });
  });
});
