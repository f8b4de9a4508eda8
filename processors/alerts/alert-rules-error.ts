import { FedscopeConfigError } from '../../src/options/fedscope-config-error.js';

/**
 * A rule (from a rules file or from code) is invalid. The message names where it is, the rule
 * (1-based index and name) and the field, e.g.
 * `rules.yaml: rule 3 ("HighErrorRate"): for: expected a duration like 30s, got "soon"`.
 * It is a {@link FedscopeConfigError} so callers that catch configuration errors catch it too.
 */
export class AlertRulesError extends FedscopeConfigError {
  /** The file (or `rules` for rules given in code). */
  readonly source: string;
  /** 1-based index of the rule, `undefined` for a problem with the file as a whole. */
  readonly ruleIndex: number | undefined;
  /** The rule's `alert` name when it has one. */
  readonly ruleName: string | undefined;

  /**
   * @param source - file name or `rules`
   * @param ruleIndex - 1-based rule index, or undefined
   * @param ruleName - the rule's name when known
   * @param field - the field within the rule (e.g. `for`, `labels.team`)
   * @param problem - what is wrong and what is allowed
   */
  constructor(source: string, ruleIndex: number | undefined, ruleName: string | undefined, field: string, problem: string) {
    super(field, problem);
    const rule = ruleIndex === undefined ? '' : ` rule ${ruleIndex}${ruleName === undefined ? '' : ` (${JSON.stringify(ruleName)})`}:`;
    // FedscopeConfigError's message shape ("fedscope: invalid …") is for options; rules name the file first.
    this.message = `${source}:${rule} ${field}: ${problem}`;
    this.name = 'AlertRulesError';
    this.source = source;
    this.ruleIndex = ruleIndex;
    this.ruleName = ruleName;
  }
}
