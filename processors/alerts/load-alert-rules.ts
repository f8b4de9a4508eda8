import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { describeValue } from '../../src/options/value-checks.js';
import { AlertRulesError } from './alert-rules-error.js';
import type { ResolvedAlertRule } from './types.js';
import { validateAlertRules } from './validate-alert-rules.js';

/**
 * Parses a rules file's text: YAML or JSON (JSON is YAML), either `{ rules: [...] }` or a bare
 * list of rules. See `AlertRuleDefinition` for a rule's fields (files may spell them in snake
 * case: `keep_firing_for`, `no_data`, `latency_threshold_ms`, `window_scale`).
 * @param text - file contents
 * @param fileName - named in every error message
 * @throws AlertRulesError naming the file, the rule and the field
 */
export function parseAlertRules(text: string, fileName: string): ResolvedAlertRule[] {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    throw new AlertRulesError(fileName, undefined, undefined, 'syntax', `not valid YAML/JSON${where}: ${message}`);
  }
  let rules: unknown = document;
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const keys = Object.keys(document);
    const extra = keys.filter((key) => key !== 'rules');
    if (extra.length > 0) throw new AlertRulesError(fileName, undefined, undefined, extra[0] ?? '', 'unknown top-level key; a rules file holds `rules:` (a list of rules)');
    rules = (document as { rules?: unknown }).rules;
  } else if (!Array.isArray(document)) {
    throw new AlertRulesError(fileName, undefined, undefined, 'rules', `expected \`rules:\` with a list of rules, got ${describeValue(document)}`);
  }
  return validateAlertRules(rules ?? [], fileName);
}

/**
 * Reads and validates a rules file (YAML or JSON). Errors name the file by its base name.
 * @throws AlertRulesError when unreadable or invalid
 */
export async function loadAlertRulesFile(path: string): Promise<ResolvedAlertRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AlertRulesError(basename(path), undefined, undefined, 'file', `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseAlertRules(text, basename(path));
}

/**
 * {@link loadAlertRulesFile}, synchronously: for start-up, where the rules must be valid before
 * anything runs.
 * @throws AlertRulesError naming the file, the rule and the field
 */
export function loadAlertRulesFileSync(path: string): ResolvedAlertRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AlertRulesError(basename(path), undefined, undefined, 'file', `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseAlertRules(text, basename(path));
}
