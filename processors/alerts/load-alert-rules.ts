import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { describeValue } from '../../src/text/describe-value.js';
import { parseYamlText } from '../../src/text/parse-yaml-text.js';
import { AlertRulesError, type AlertRuleProblem } from './alert-rules-error.js';
import type { AlertRuleContext } from './rule-figures.js';
import type { ResolvedAlertRule } from './types.js';
import { collectAlertRules } from './validate-alert-rules.js';

/** Largest rules file read (bytes): a thousand rules take about 300 KB. */
export const MAX_RULES_FILE_BYTES = 1024 * 1024;
/** Most rules in one file: each is evaluated every interval, and a start must stay quick. */
export const MAX_RULES_PER_FILE = 1000;

/**
 * Parses a rules file's text: YAML or JSON (JSON is YAML), either `{ rules: [...] }` or a bare
 * list of rules. See `AlertRuleDefinition` for a rule's fields (files may spell them in snake
 * case: `keep_firing_for`, `no_data`, `latency_threshold_ms`, `window_scale`). Every problem of the
 * file is reported at once (a syntax error stops the reading).
 * @param text - file contents
 * @param fileName - named in every error message
 * @param context - the pipeline's analysis windows and figures, to check figures and windows against
 * @throws AlertRulesError listing every problem, each naming the file, the rule and the field
 */
export function parseAlertRules(text: string, fileName: string, context?: AlertRuleContext): ResolvedAlertRule[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RULES_FILE_BYTES) throw tooLarge(fileName, bytes);
  let document: unknown;
  try {
    document = parseYamlText(text);
  } catch (error) {
    throw new AlertRulesError(fileName, undefined, undefined, 'syntax', `not valid YAML/JSON${(error as Error).message}`);
  }
  const problems: AlertRuleProblem[] = [];
  const fileProblem = (field: string, problem: string) =>
    problems.push({ source: fileName, ruleIndex: undefined, ruleName: undefined, field, problem });
  let rules: unknown = document;
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    for (const key of Object.keys(document)) {
      if (key !== 'rules') fileProblem(key, 'unknown top-level key; a rules file holds `rules:` (a list of rules)');
    }
    rules = (document as { rules?: unknown }).rules;
  } else if (!Array.isArray(document)) {
    fileProblem('rules', `expected \`rules:\` with a list of rules, got ${describeValue(document)}`);
    rules = [];
  }
  if (Array.isArray(rules) && rules.length > MAX_RULES_PER_FILE)
    throw new AlertRulesError(
      fileName,
      undefined,
      undefined,
      'rules',
      `holds ${rules.length} rules, more than the ${MAX_RULES_PER_FILE} a file may hold (each is evaluated every interval); split it or drop rules`,
    );
  const resolved = collectAlertRules(rules ?? [], fileName, context, problems);
  if (problems.length > 0) throw AlertRulesError.of(problems);
  return resolved;
}

/**
 * Reads and validates a rules file (YAML or JSON). Errors name the file by its base name.
 * @param path - the file
 * @param context - the pipeline's analysis windows and figures, to check figures and windows against
 * @throws AlertRulesError when unreadable or invalid, listing every problem
 */
export async function loadAlertRulesFile(path: string, context?: AlertRuleContext): Promise<ResolvedAlertRule[]> {
  let text: string;
  try {
    // Checked before reading: a huge file is refused without holding it.
    const { size } = await stat(path);
    if (size > MAX_RULES_FILE_BYTES) throw tooLarge(basename(path), size);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof AlertRulesError) throw error;
    throw new AlertRulesError(
      basename(path),
      undefined,
      undefined,
      'file',
      `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseAlertRules(text, basename(path), context);
}

/**
 * {@link loadAlertRulesFile}, synchronously: for start-up, where the rules must be valid before
 * anything runs, and for `fedscope check-rules`.
 * @param path - the file
 * @param context - the pipeline's analysis windows and figures, to check figures and windows against
 * @throws AlertRulesError when unreadable or invalid, listing every problem
 */
export function loadAlertRulesFileSync(path: string, context?: AlertRuleContext): ResolvedAlertRule[] {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_RULES_FILE_BYTES) throw tooLarge(basename(path), size);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof AlertRulesError) throw error;
    throw new AlertRulesError(
      basename(path),
      undefined,
      undefined,
      'file',
      `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseAlertRules(text, basename(path), context);
}

function tooLarge(fileName: string, bytes: number): AlertRulesError {
  return new AlertRulesError(
    fileName,
    undefined,
    undefined,
    'file',
    `is ${bytes} bytes, more than the ${MAX_RULES_FILE_BYTES} bytes a rules file may have`,
  );
}
