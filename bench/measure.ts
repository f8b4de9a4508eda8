/** Timing helpers shared by the benchmark entries. */

/** Result of timing one function. */
export interface Timing {
  /** Median nanoseconds per operation over the rounds. */
  nsPerOp: number;
  /** Operations per second at that median. */
  opsPerSecond: number;
}

/**
 * Times `fn` (one operation per call) in `rounds` rounds of `iterations` calls after a warm-up,
 * and reports the median round: robust to a GC or a noisy neighbour in one round.
 */
export function timeSync(fn: () => void, iterations: number, rounds = 7): Timing {
  for (let i = 0; i < Math.min(iterations, 50_000); i++) fn();
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    perRound.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return fromRounds(perRound);
}

/** Like {@link timeSync} for async operations, awaited one after another. */
export async function timeAsync(fn: () => Promise<unknown>, iterations: number, rounds = 7): Promise<Timing> {
  for (let i = 0; i < Math.min(iterations, 5_000); i++) await fn();
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    perRound.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return fromRounds(perRound);
}

function fromRounds(perRound: number[]): Timing {
  const sorted = [...perRound].sort((a, b) => a - b);
  const nsPerOp = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return { nsPerOp, opsPerSecond: 1e9 / nsPerOp };
}

/** Rounds to `digits` significant digits for printing. */
export function round(value: number, digits = 3): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}
