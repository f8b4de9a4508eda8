#!/usr/bin/env node
/**
 * The `fedscope` command.
 *
 *   fedscope check-rules [--windows-seconds 60,300,900] FILE…
 *                                validate alert rules files (YAML or JSON) exactly as start-up does;
 *                                exit 1 listing every problem, one per line
 *   fedscope collector [flags]   the collector companion: receives OTLP traces and runs the analysis
 *                                on them until SIGTERM/SIGINT (`fedscope collector --help` lists the flags)
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
  collector [flags]     the collector companion: receives OTLP traces (HTTP and gRPC) and runs
                        fedscope's analysis on them until SIGTERM/SIGINT; --help lists the flags
  version               print the version
  help                  show this help
`;

/**
 * Runs one CLI invocation of a command that returns at once; returns the exit code. `collector`
 * runs until a signal: {@link runCliAsync} runs it (and every other command).
 */
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
    case 'collector':
      err('fedscope: the collector command runs until stopped; run it with runCliAsync\n');
      return 2;
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

/** Runs one CLI invocation, the long-running `collector` included; resolves with the exit code. */
export async function runCliAsync(args: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  if (args[0] !== 'collector') return runCli(args, out, err);
  // Loaded on demand: the other commands need neither the receivers nor gRPC.
  const { runCollectorCommand } = await import('./collector/collector-command.js');
  return runCollectorCommand(args.slice(1), { env: process.env, out, err });
}

// Run only when executed as the command, not when imported (tests import runCli).
if (process.argv[1] !== undefined && /(?:^|[\\/])(?:cli\.(?:js|ts)|fedscope)$/.test(process.argv[1])) {
  const out = (t: string): boolean => process.stdout.write(t);
  const err = (t: string): boolean => process.stderr.write(t);
  // The collector exits once drained, whatever handles a library left open; the other commands end on their own.
  if (process.argv[2] === 'collector')
    void runCliAsync(process.argv.slice(2), out, err).then(
      (code) => process.exit(code),
      (error: unknown) => {
        err(`fedscope collector: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  else process.exitCode = runCli(process.argv.slice(2), out, err);
}
