/**
 * Thrown by {@link startFedscope} when an option or an environment variable is invalid.
 * `field` names the option path (e.g. `prometheus.port`) or the variable (e.g. `OTEL_TRACES_SAMPLER`).
 */
export class FedscopeConfigError extends Error {
  /** The option path or environment variable that is wrong. */
  readonly field: string;

  /**
   * @param field - option path or environment variable name
   * @param problem - what is wrong and what is allowed
   */
  constructor(field: string, problem: string) {
    super(`fedscope: invalid ${field}: ${problem}`);
    this.name = 'FedscopeConfigError';
    this.field = field;
  }
}
