/**
 * Seeded random draws shared by every test and bench: one PRNG, one Box–Muller transform, and the
 * small helpers built on them, so a sequence means the same thing wherever a seed appears.
 *
 * @module
 */

/** A seeded PRNG (mulberry32: small, fast, reproducible), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal draws from a uniform source (Box–Muller, both values of each pair: the long
 * detector runs draw tens of millions, and using both halves their cost).
 */
export function normalFrom(random: () => number): () => number {
  let spare = Number.NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = Number.NaN;
      return value;
    }
    const u = 1 - random(); // (0, 1]: the logarithm stays finite
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Lognormal draws (latencies in ms, say) from a uniform source: `median × e^(σ·N(0,1))`. */
export function lognormalFrom(random: () => number, median: number, sigma: number): () => number {
  const normal = normalFrom(random);
  return () => median * Math.exp(sigma * normal());
}

/** An integer in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** One element of a non-empty list. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[randomInt(random, items.length)] as T;
}
