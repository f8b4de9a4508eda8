/** Seeded pseudo-random helpers for the SQL fuzz tests (mulberry32: small, fast, reproducible). */

import { seededRandom } from '../../support/seeded-random.js';

export { seededRandom };

/** An integer in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** One element of a non-empty list. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[randomInt(random, items.length)] as T;
}
