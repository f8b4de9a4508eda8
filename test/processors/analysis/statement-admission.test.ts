// The statement table under a heavy-tailed stream: a Zipf distribution over 100,000 distinct
// statements, each with its own latency distribution. With room for 1,000, the top 10 by total time
// it reports are the true top 10, their percentiles within 1 % of the exact ones, and few
// statements get a series only to lose it (the cost per span stays flat in the cardinality).
import { describe, expect, it } from 'vitest';
import { AnalysisState } from '../../../processors/analysis/analysis-state.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { classifiedSpan } from '../../support/classified-span-fixture.js';
import { lognormalFrom, seededRandom } from '../../support/seeded-random.js';

const DISTINCT = 100_000;
const SPANS = 300_000;
const ZIPF_EXPONENT = 1.1;

/** Ranks 0…n-1 drawn with probability ∝ 1 / (rank + 1)^s, by inverting the cumulative weights. */
function zipfSampler(random: () => number, n: number, s: number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cumulative[r] = total += 1 / (r + 1) ** s;
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function exactQuantile(sorted: number[], q: number): number {
  // The nearest-rank quantile, as the sketch estimates it (to within its relative accuracy).
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

describe('statement admission under a Zipf stream over 100,000 statements', () => {
  it('reports the true top 10 by total time with percentiles within 1 %, and churns little', () => {
    const random = seededRandom(42);
    const rank = zipfSampler(random, DISTINCT, ZIPF_EXPONENT);
    // Each statement's median latency: 0.5–50 ms, not in rank order, so "most time" is not "most calls".
    const medians = Array.from({ length: DISTINCT }, () => 0.5 * 100 ** random());
    const latency = medians.map((median) => lognormalFrom(random, median, 0.6));
    const clock = new ManualClock(1_000_000);
    const state = new AnalysisState({ clock, maxStatements: 1000, windowsSeconds: [60, 300, 900] });
    const samples = new Map<number, number[]>();
    for (let i = 0; i < SPANS; i++) {
      const r = rank();
      const ms = latency[r]!();
      let list = samples.get(r);
      if (list === undefined) samples.set(r, (list = []));
      list.push(ms);
      // 2 ms apart: 600 s in all, within the 15-minute window and the idle expiry.
      clock.advance(2);
      state.record(classifiedSpan({ role: 'source', source: 'pg', durationMs: ms, endTimeMs: clock.now(), fingerprint: `fp${r}` }));
    }
    const truth = [...samples].map(([r, list]) => ({ fingerprint: `fp${r}`, total: list.reduce((a, b) => a + b, 0), list }));
    truth.sort((a, b) => b.total - a.total);
    const trueTop = truth.slice(0, 10);

    const snapshot = state.snapshot();
    const reported = snapshot.topStatements.mostTotalTime;
    expect(reported.map((s) => s.labels['fingerprint'])).toEqual(trueTop.map((t) => t.fingerprint));
    for (const statement of reported) {
      const exact = trueTop.find((t) => t.fingerprint === statement.labels['fingerprint'])!;
      const sorted = [...exact.list].sort((a, b) => a - b);
      const window = statement.windows.find((w) => w.windowSeconds === 900)!;
      // Admitted at its second appearance at the latest: the window holds all but its first call.
      expect(window.count).toBeGreaterThanOrEqual(exact.list.length - 1);
      for (const [q, value] of [
        [0.5, window.p50],
        [0.95, window.p95],
        [0.99, window.p99],
      ] as const) {
        const expected = exactQuantile(sorted, q);
        expect(Math.abs(value! - expected) / expected, `${statement.labels['fingerprint']} p${q * 100}`).toBeLessThanOrEqual(0.01);
      }
    }
    // Flat cost: most of the 100,000 statements never get a series; of those that do, few are evicted again.
    const bound = snapshot.limits.find((l) => l.name === 'statements')!;
    expect(bound.current).toBe(1000);
    expect(bound.evicted).toBeLessThan(SPANS * 0.02);
    expect(bound.overflowed).toBeGreaterThan(SPANS * 0.2);
  }, 60_000);
});
