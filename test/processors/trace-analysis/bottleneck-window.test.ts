import { describe, expect, it } from 'vitest';
import { BottleneckWindow, OTHER_KEY } from '../../../processors/trace-analysis/bottleneck-window.js';
import type { PathShare, TraceAnalysis } from '../../../processors/trace-analysis/types.js';

/** An analysis whose critical path splits between the given stages and sources (ms each). */
function analysis(stages: Record<string, number>, sources: Record<string, number>): TraceAnalysis {
  const shares = (kind: 'stage' | 'source', ms: Record<string, number>): PathShare[] =>
    Object.entries(ms)
      .map(([name, value]) => ({ kind, name, ms: value, share: value / 100 }))
      .sort((a, b) => b.ms - a.ms);
  const stageShares = shares('stage', stages);
  const sourceShares = shares('source', sources);
  return {
    traceId: 't',
    service: 'svc',
    queryName: 'q',
    durationMs: 100,
    startTimeMs: 0,
    spans: [],
    criticalPath: [],
    stages: stageShares,
    sources: sourceShares,
    bottleneckStage: stageShares[0],
    bottleneckSource: sourceShares[0],
    fanOuts: [],
    candidates: [],
    rowsFetched: undefined,
    rowsReturned: undefined,
    cacheLookups: 0,
    cacheHits: 0,
    cacheMissCriticalMs: 0,
    orphans: 0,
    truncated: false,
  };
}

describe('BottleneckWindow', () => {
  it('sums each stage and source apart, a stage and a source of one name included, and puts keys past the bound in (other)', () => {
    const window = new BottleneckWindow(1000, 10, 4, 0);
    // Four keys fit; a stage and a source both named `pg` are two keys.
    window.record(analysis({ fetch: 60, pg: 10 }, { pg: 50, crm: 20 }), 100);
    window.record(analysis({ fetch: 40, merge: 30 }, { pg: 30, geo: 5 }), 200);
    const keys = [...window.totals(10_000, 200).keys.values()];
    const find = (kind: string, name: string) => keys.find((k) => k.kind === kind && k.name === name);
    expect(find('stage', 'fetch')).toEqual({ kind: 'stage', name: 'fetch', traces: 2, bottleneck: 2, criticalMs: 100, share: 1 });
    expect(find('stage', 'pg')).toMatchObject({ traces: 1, bottleneck: 0, criticalMs: 10 });
    expect(find('source', 'pg')).toMatchObject({ traces: 2, bottleneck: 2, criticalMs: 80 });
    expect(find('source', 'crm')).toMatchObject({ traces: 1, criticalMs: 20 });
    // The second trace's new stage and source went to their kind's (other) entry, each counted.
    expect(find('stage', OTHER_KEY)).toMatchObject({ traces: 1, criticalMs: 30 });
    expect(find('source', OTHER_KEY)).toMatchObject({ traces: 1, criticalMs: 5 });
    expect(find('stage', 'merge')).toBeUndefined();
    expect(window.overflowed).toBe(2);
    // A new slot starts empty: the bound is per slot.
    window.record(analysis({ merge: 30 }, { geo: 5 }), 1200);
    expect([...window.totals(1000, 1200).keys.values()].map((k) => `${k.kind}:${k.name}`).sort()).toEqual(['source:geo', 'stage:merge']);
  });
});
