/** Seeded draws for the detector tests, on the PRNG every test and bench shares. */
import { seededRandom } from '../../support/seeded-random.js';

/** Uniform in [0, 1), seeded. */
export function uniform(seed: number): () => number {
  return seededRandom(seed);
}

/** Standard normal draws (Box–Muller on {@link uniform}). */
export function normal(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Lognormal latencies in ms: `median × e^(σ·N(0,1))`. */
export function lognormal(seed: number, median: number, sigma: number): () => number {
  const n = normal(seed);
  return () => median * Math.exp(sigma * n());
}
