import { FedscopeConfigError } from '../../src/diagnostics/fedscope-config-error.js';

/** One problem found in rules: where (file, rule, field) and what. */
export interface AlertRuleProblem {
  /** The file (or `rules` for rules given in code). */
  readonly source: string;
  /** 1-based index of the rule, `undefined` for a problem with the file as a whole. */
  readonly ruleIndex: number | undefined;
  /** The rule's `alert` name when it has one. */
  readonly ruleName: string | undefined;
  /** The field within the rule (e.g. `for`, `labels.team`). */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly problem: string;
}

/** One problem as one line: `rules.yaml: rule 3 ("HighErrorRate"): for: expected a duration like 30s, got "soon"`. */
export function formatAlertRuleProblem(p: AlertRuleProblem): string {
  const rule =
    p.ruleIndex === undefined ? '' : ` rule ${p.ruleIndex}${p.ruleName === undefined ? '' : ` (${JSON.stringify(p.ruleName)})`}:`;
  return `${p.source}:${rule} ${p.field}: ${p.problem}`;
}

/**
 * Rules (from a rules file or from code) are invalid. The message has one line per problem, each
 * naming where it is, the rule (1-based index and name) and the field, e.g.
 * `rules.yaml: rule 3 ("HighErrorRate"): for: expected a duration like 30s, got "soon"`; every
 * problem of a file is reported at once. `source`, `ruleIndex`, `ruleName` and `field` are the
 * first problem's; `problems` holds them all. It is a {@link FedscopeConfigError} so callers that
 * catch configuration errors catch it too.
 */
export class AlertRulesError extends FedscopeConfigError {
  /** The file (or `rules` for rules given in code). */
  readonly source: string;
  /** 1-based index of the rule, `undefined` for a problem with the file as a whole. */
  readonly ruleIndex: number | undefined;
  /** The rule's `alert` name when it has one. */
  readonly ruleName: string | undefined;
  /** Every problem found, in file order; the first is the one named by the fields above. */
  readonly problems: readonly AlertRuleProblem[];

  /**
   * @param source - file name or `rules`
   * @param ruleIndex - 1-based rule index, or undefined
   * @param ruleName - the rule's name when known
   * @param field - the field within the rule (e.g. `for`, `labels.team`)
   * @param problem - what is wrong and what is allowed
   * @param more - further problems found in the same run
   */
  constructor(
    source: string,
    ruleIndex: number | undefined,
    ruleName: string | undefined,
    field: string,
    problem: string,
    more: readonly AlertRuleProblem[] = [],
  ) {
    super(field, problem);
    this.problems = [{ source, ruleIndex, ruleName, field, problem }, ...more];
    // FedscopeConfigError's message shape ("fedscope: invalid …") is for options; rules name the file first.
    this.message = this.problems.map(formatAlertRuleProblem).join('\n');
    this.name = 'AlertRulesError';
    this.source = source;
    this.ruleIndex = ruleIndex;
    this.ruleName = ruleName;
  }

  /**
   * One error reporting all of `problems`.
   * @param problems - at least one
   */
  static of(problems: readonly AlertRuleProblem[]): AlertRulesError {
    const [first, ...more] = problems;
    if (first === undefined) throw new RangeError('AlertRulesError.of needs at least one problem');
    return new AlertRulesError(first.source, first.ruleIndex, first.ruleName, first.field, first.problem, more);
  }
}
