/** Bounds and windows of the derived statistics. */
export interface AnalysisOptions {
  /**
   * Sliding windows in seconds: the shortest a multiple of 5, the others multiples of 60.
   * @default [60, 300, 900]
   */
  windowsSeconds?: number[];
  /**
   * Most (service, federated query name) pairs tracked; more go to an overflow series. Bounds the
   * services' totals (all of a service's queries together) as well.
   * @default 500
   */
  maxQueries?: number;
  /**
   * Most (service, query, stage) combinations tracked.
   * @default 2000
   */
  maxStages?: number;
  /**
   * Most (service, source) pairs tracked (a source called by two services counts twice).
   * @default 500
   */
  maxSources?: number;
  /**
   * Most (service, source, statement fingerprint) combinations tracked, kept for those that take
   * the most time (a new one is admitted only over a resident with less estimated time).
   * @default 1000
   */
  maxStatements?: number;
  /**
   * Seconds after which an idle series is dropped; must exceed the longest window.
   * @default 3600
   */
  idleExpirySeconds?: number;
  /**
   * Length of each top-statements list (and statements exported as metrics).
   * @default 10
   */
  topStatements?: number;
}

/** The default bounds of {@link AnalysisOptions}, in one place for the state and for what documents them (help texts). */
export const DEFAULT_ANALYSIS_BOUNDS = {
  maxQueries: 500,
  maxStages: 2000,
  maxSources: 500,
  maxStatements: 1000,
  topStatements: 10,
  /** The least idle expiry; it is at least twice the longest window. */
  idleExpirySeconds: 3600,
} as const;
