#!/usr/bin/env node
/**
 * The `fedscope` command.
 *
 *   fedscope check-rules [--windows-seconds 60,300,900] FILE…
 *                                validate alert rules files (YAML or JSON) exactly as start-up does;
 *                                exit 1 listing every problem, one per line
 *   fedscope version             print fedscope's version
 *   fedscope help                this text
 */
import { AlertRulesError, formatAlertRuleProblem } from '../processors/alerts/alert-rules-error.js';
import { loadAlertRulesFileSync } from '../processors/alerts/load-alert-rules.js';
import type { AlertRuleContext } from '../processors/alerts/rule-figures.js';
import { alertRuleContext, resolveConfig } from './options/resolve-config.js';
import { FEDSCOPE_VERSION } from './version.js';

const USAGE = `usage: fedscope <command>

commands:
  check-rules [--windows-seconds 60,300,900] FILE...
                        validate alert rules files (YAML or JSON) as start-up does, against the
                        analysis windows given (those of analysis.windowsSeconds; default 60,300,900)
  version               print the version
  help                  show this help
`;

/** Runs one CLI invocation; returns the exit code. */
export function runCli(args: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const [command, ...rest] = args;
  switch (command) {
    case 'version':
    case '--version':
      out(`${FEDSCOPE_VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      out(USAGE);
      return 0;
    case 'check-rules':
      return checkRules(rest, out, err);
    default:
      err(`fedscope: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

/** `check-rules`: start-up's validation of each file, every problem on its own line. */
function checkRules(args: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  const files: string[] = [];
  let windows: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--windows-seconds') windows = args[++i] ?? '';
    else if (arg.startsWith('--windows-seconds=')) windows = arg.slice('--windows-seconds='.length);
    else files.push(arg);
  }
  if (files.length === 0) {
    err('fedscope check-rules: name at least one rules file\n');
    return 2;
  }
  let context: AlertRuleContext;
  try {
    // The windows go through start-up's own option checks, then start-up's rule context is built from them.
    const windowsSeconds = windows === undefined ? undefined : windows.split(',').map((w) => (w.trim() === '' ? NaN : Number(w)));
    context = alertRuleContext(
      resolveConfig({ analysis: windowsSeconds === undefined ? {} : { windowsSeconds }, alerts: false }, {}).analysis,
    );
  } catch (error) {
    err(`fedscope check-rules: --windows-seconds: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    try {
      const rules = loadAlertRulesFileSync(file, context);
      out(`${file}: ${rules.length} rule(s) OK: ${rules.map((r) => r.alert).join(', ')}\n`);
    } catch (error) {
      failed++;
      if (error instanceof AlertRulesError) for (const problem of error.problems) err(`${formatAlertRuleProblem(problem)}\n`);
      else err(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

// Run only when executed as the command, not when imported (tests import runCli).
if (process.argv[1] !== undefined && /(?:^|[\\/])(?:cli\.(?:js|ts)|fedscope)$/.test(process.argv[1])) {
  process.exitCode = runCli(
    process.argv.slice(2),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
