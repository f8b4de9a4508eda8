/**
 * Seeded latency distributions and exact nearest-rank quantiles, shared by the stats tests and
 * `bench/percentiles.bench.ts`.
 */

import { normalFrom, seededRandom } from './seeded-random.js';

/** One test distribution of latencies in milliseconds. */
export interface LatencyDistribution {
  /** Short id. */
  id: string;
  /** What it models. */
  description: string;
  /** Draws `n` values with the given seed. */
  sample(n: number, seed: number): Float64Array;
}

/** The four distributions of the percentile goals (see shared/notes/percentiles-and-anomalies.md). */
export const DISTRIBUTIONS: readonly LatencyDistribution[] = [
  {
    id: 'lognormal',
    description: 'lognormal, median 5 ms, σ 1.5',
    sample(n, seed) {
      const normal = normalFrom(seededRandom(seed));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = 5 * Math.exp(1.5 * normal());
      return out;
    },
  },
  {
    id: 'bimodal',
    description: '85% lognormal(0.2 ms, σ 0.3), 15% lognormal(30 ms, σ 0.3)',
    sample(n, seed) {
      const random = seededRandom(seed);
      const normal = normalFrom(seededRandom(seed ^ 0x5bd1e995));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = (random() < 0.85 ? 0.2 : 30) * Math.exp(0.3 * normal());
      return out;
    },
  },
  {
    id: 'pareto',
    description: 'Pareto, x_m 1 ms, α 1.5',
    sample(n, seed) {
      const random = seededRandom(seed);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = 1 / Math.pow(1 - random(), 1 / 1.5);
      return out;
    },
  },
  {
    id: 'uniform',
    description: 'uniform 20–30 ms',
    sample(n, seed) {
      const random = seededRandom(seed);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = 20 + 10 * random();
      return out;
    },
  },
];

/** The quantiles of the goals. */
export const GOAL_QUANTILES: readonly number[] = [0.5, 0.9, 0.95, 0.99, 0.999];

/** Exact nearest-rank quantile of ascending `sorted`: the value of rank ⌈q·n⌉ (at least 1). */
export function exactQuantile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

/** |estimate − exact| / exact. */
export function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / Math.abs(exact);
}

/** An ascending copy. */
export function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}
