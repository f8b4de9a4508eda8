/** One table printed by `npm run bench`. */
export interface BenchTable {
  /** What the table measures, e.g. "wrapped adapter call". */
  title: string;
  /** Column headings. */
  columns: string[];
  /** Rows of cells; numbers are printed as they are, so round them first. */
  rows: Array<Array<string | number>>;
  /** Lines printed under the table: the baseline, the goal, how to read the ratios. */
  notes?: string[];
}

/** A benchmark entry: `bench/run.ts` runs every registered entry in turn. */
export interface BenchEntry {
  /** Short id used to pick entries: `npm run bench -- <id> …`. */
  id: string;
  /** Runs the measurement and returns its table(s). */
  run(): Promise<BenchTable[]>;
}
