/** What `npm run soak -- …` was asked for. */
export interface SoakOptions {
  /** Minutes the load runs. */
  readonly minutes: number;
  /** Target federated queries per second. */
  readonly rate: number;
}

/** The defaults: half an hour at 1,000 queries/s. */
export const DEFAULT_SOAK_OPTIONS: SoakOptions = { minutes: 30, rate: 1000 };

const USAGE = 'usage: npm run soak -- [--minutes N] [--rate N]   (defaults: --minutes 30 --rate 1000)';

/**
 * Reads `--minutes N` and `--rate N` (also `--minutes=N`).
 * @throws Error naming the bad argument, with the usage line
 */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const values: { minutes: number; rate: number } = { ...DEFAULT_SOAK_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    if (flag !== '--minutes' && flag !== '--rate') throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value <= 0)
      throw new Error(`${flag} takes a positive number, got ${JSON.stringify(raw ?? '')}\n${USAGE}`);
    if (flag === '--minutes') {
      if (value < 1) throw new Error(`--minutes must be at least 1 (the fault schedule needs room), got ${value}\n${USAGE}`);
      values.minutes = value;
    } else values.rate = value;
  }
  return values;
}
