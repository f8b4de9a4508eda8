/**
 * Timing helpers shared by the benchmark entries, and the one place where variants are compared:
 * {@link alternateRounds} runs every variant once per round, the order flipped each round, after
 * a warm-up; {@link spreadOf} and {@link pairedRatios} turn the rounds into a median and the
 * slowest–fastest spread, and ratios taken within each round (so drift of the machine between
 * rounds hits a variant and its baseline alike).
 */

/** Result of timing one function. */
export interface Timing {
  /** Median nanoseconds per operation over the rounds. */
  nsPerOp: number;
  /** Operations per second at that median. */
  opsPerSecond: number;
}

/**
 * Times `fn` (one operation per call) in `rounds` rounds of `iterations` calls after a warm-up,
 * and reports the median round: robust to a GC or a noisy neighbour in one round. For one
 * function alone; to compare variants use {@link alternateRounds}.
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
  const nsPerOp = median(perRound);
  return { nsPerOp, opsPerSecond: 1e9 / nsPerOp };
}

/** Wall-clock and CPU nanoseconds per operation of one variant in one round. */
export interface Cost {
  /** Wall-clock nanoseconds per operation. */
  wallNs: number;
  /** CPU nanoseconds per operation of the whole process (user + system, every thread: GC and native threads included). */
  cpuNs: number;
}

/** Runs `work` (which performs `operations` operations) once and returns its wall and CPU cost per operation. */
export async function measureCost(work: () => unknown, operations: number): Promise<Cost> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const wallNs = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return { wallNs: wallNs / operations, cpuNs: ((used.user + used.system) * 1000) / operations };
}

/** The fewest counted rounds {@link alternateRounds} accepts: fewer gives no meaningful spread. */
export const MIN_ROUNDS = 10;

/** How {@link alternateRounds} runs. */
export interface AlternationOptions {
  /** Counted rounds (at least {@link MIN_ROUNDS}). */
  rounds: number;
  /**
   * Rounds run first and not counted (JIT warm-up, first allocations).
   * @default 1
   */
  warmUpRounds?: number;
}

/** Per variant, the figures of every counted round; index `i` of every variant is the same round. */
export type RoundsByVariant<V extends string, F extends string> = Record<V, Array<Record<F, number>>>;

/**
 * Runs `runRound` for every variant in every round, the order of the variants flipped each
 * round (A B C, C B A, A B C, …) so that neither position favours a variant; warm-up rounds first,
 * uncounted. `round` counts from 0 over warm-up and counted rounds alike (e.g. to pick fresh
 * input per round).
 * @throws RangeError when fewer than {@link MIN_ROUNDS} rounds are asked for
 */
export async function alternateRounds<V extends string, F extends string>(
  variants: readonly V[],
  runRound: (variant: V, round: number) => Promise<Record<F, number>> | Record<F, number>,
  options: AlternationOptions,
): Promise<RoundsByVariant<V, F>> {
  if (options.rounds < MIN_ROUNDS) throw new RangeError(`at least ${MIN_ROUNDS} counted rounds, got ${options.rounds}`);
  const warmUp = options.warmUpRounds ?? 1;
  const byVariant = Object.fromEntries(variants.map((variant) => [variant, []])) as unknown as RoundsByVariant<V, F>;
  for (let round = 0; round < warmUp + options.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const figures = await runRound(variant, round);
      if (round >= warmUp) byVariant[variant].push(figures);
    }
  }
  return byVariant;
}

/** One synchronous variant for {@link alternateSync}: an operation and how many to time per round. */
export interface SyncVariant {
  /** One operation. */
  operation: () => void;
  /** Operations per round. */
  iterations: number;
}

/**
 * {@link alternateRounds} for synchronous operations: each round times every variant's
 * `iterations` calls (nanoseconds per call in `ns`), the order flipped each round.
 */
export function alternateSync<V extends string>(
  variants: Readonly<Record<V, SyncVariant>>,
  options: AlternationOptions,
): Promise<RoundsByVariant<V, 'ns'>> {
  return alternateRounds<V, 'ns'>(
    Object.keys(variants) as V[],
    (name) => {
      const { operation, iterations } = variants[name];
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) operation();
      return { ns: Number(process.hrtime.bigint() - start) / iterations };
    },
    options,
  );
}

/** Median and extremes of a figure over rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median (mean of the middle two for an even count) of `values`; NaN when there are none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, minimum and maximum of `values`. */
export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Figure `figure` of `variant` over the rounds, each value passed through `map` (e.g. ns → µs, or a rate). */
export function figureOf<V extends string, F extends string>(
  rounds: RoundsByVariant<V, F>,
  variant: V,
  figure: F,
  map: (value: number) => number = (value) => value,
): number[] {
  return rounds[variant].map((figures) => map(figures[figure]));
}

/**
 * Within each round, `numerator`'s figure divided by `denominator`'s: for a cost (ns per operation)
 * pass the variant as numerator and its baseline as denominator; for a throughput ratio, the reverse.
 */
export function pairedRatios<V extends string, F extends string>(
  rounds: RoundsByVariant<V, F>,
  numerator: V,
  denominator: V,
  figure: F,
): number[] {
  const below = rounds[denominator];
  return rounds[numerator].map((figures, i) => figures[figure] / below[i]![figure]);
}

/** `median (min–max)`, each to `digits` significant digits. */
export function formatSpread(values: readonly number[], digits = 3): string {
  const spread = spreadOf(values);
  return `${round(spread.median, digits)} (${round(spread.min, digits)}–${round(spread.max, digits)})`;
}

/** Rounds to `digits` significant digits for printing. */
export function round(value: number, digits = 3): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}

/** Lets timers and I/O run (a scrape, a deferred flush), as a service's event loop does between requests. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
