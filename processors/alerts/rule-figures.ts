import { checkAnalysisWindow, checkSnapshotFigure, SNAPSHOT_FIELDS, SNAPSHOT_SCOPES } from './snapshot-figure-provider.js';
import { closestWord } from '../../src/text/closest-word.js';

/**
 * The figures `startFedscope`'s pipeline supplies beside the span statistics (its
 * `PipelineFigureProvider`): host and runtime saturation, the overall health score, breaker states.
 */
export const PIPELINE_FIGURE_NAMES: readonly string[] = [
  'system.cpuPercent',
  'system.memoryPercent',
  'system.eventLoopDelayP99Ms',
  'health.score',
  'breaker.open',
];

/**
 * What the figures and windows of threshold and anomaly rules are checked against when rules are
 * validated for a known pipeline (start-up, `fedscope check-rules`): a figure no provider supplies
 * would otherwise stay no-data forever, and a window the analysis does not keep would stop start-up.
 */
export interface AlertRuleContext {
  /** The analysis windows in seconds (`analysis.windowsSeconds`, by default 60, 300, 900). */
  readonly windowsSeconds: readonly number[];
  /** Figures supplied beside the snapshot's. @default PIPELINE_FIGURE_NAMES */
  readonly figures?: readonly string[];
}

/** One problem of a rule's figure reference: the field it is in and what is wrong. */
export interface RuleFigureProblem {
  readonly field: 'figure' | 'window';
  readonly problem: string;
}

/**
 * Checks a rule's figure and window against `context`: snapshot figures as the snapshot provider
 * checks them (scope, field, analysis window), any other figure against `context.figures`, with a
 * "did you mean" hint for a misspelling. Returns every problem found (none when fine).
 */
export function checkRuleFigure(figure: string, window: string | undefined, context: AlertRuleContext): RuleFigureProblem[] {
  const scope = figure.split('.')[0] ?? '';
  if ((SNAPSHOT_SCOPES as readonly string[]).includes(scope)) {
    const problems: RuleFigureProblem[] = [];
    const figureProblem = checkSnapshotFigure(figure);
    if (figureProblem !== undefined) problems.push({ field: 'figure', problem: figureProblem });
    const windowProblem = checkAnalysisWindow(window, context.windowsSeconds);
    if (windowProblem !== undefined) problems.push({ field: 'window', problem: windowProblem });
    return problems;
  }
  const others = context.figures ?? PIPELINE_FIGURE_NAMES;
  if (others.includes(figure)) return [];
  const known = [...SNAPSHOT_SCOPES.flatMap((s) => SNAPSHOT_FIELDS.map((f) => `${s}.${f}`)), ...others];
  const closest = closestWord(figure, known);
  const hint = closest === undefined ? '' : ` (did you mean ${JSON.stringify(closest)}?)`;
  const problems: RuleFigureProblem[] = [
    {
      field: 'figure',
      problem: `unknown figure ${JSON.stringify(figure)}${hint}; figures are {${SNAPSHOT_SCOPES.join(',')}}.{${SNAPSHOT_FIELDS.join(',')}} and ${others.join(', ')}`,
    },
  ];
  // Only snapshot figures have windows, and a misspelt figure most likely meant one: check it as such.
  const windowProblem = checkAnalysisWindow(window, context.windowsSeconds);
  if (windowProblem !== undefined) problems.push({ field: 'window', problem: windowProblem });
  return problems;
}
