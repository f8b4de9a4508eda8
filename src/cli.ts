#!/usr/bin/env node
/**
 * The `fedscope` command.
 *
 *   fedscope check-rules FILE…   validate alert rules files (YAML or JSON); exit 1 naming the problem
 *   fedscope version             print fedscope's version
 *   fedscope help                this text
 */
import { loadAlertRulesFileSync } from '../processors/alerts/load-alert-rules.js';
import { FEDSCOPE_VERSION } from './version.js';

const USAGE = `usage: fedscope <command>

commands:
  check-rules FILE...   validate alert rules files (YAML or JSON)
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
    case 'check-rules': {
      if (rest.length === 0) {
        err('fedscope check-rules: name at least one rules file\n');
        return 2;
      }
      let failed = 0;
      for (const file of rest) {
        try {
          const rules = loadAlertRulesFileSync(file);
          out(`${file}: ${rules.length} rule(s) OK: ${rules.map((r) => r.alert).join(', ')}\n`);
        } catch (error) {
          failed++;
          err(`${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
      return failed === 0 ? 0 : 1;
    }
    default:
      err(`fedscope: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

// Run only when executed as the command, not when imported (tests import runCli).
if (process.argv[1] !== undefined && /(?:^|[\\/])(?:cli\.(?:js|ts)|fedscope)$/.test(process.argv[1])) {
  process.exitCode = runCli(process.argv.slice(2), (t) => process.stdout.write(t), (t) => process.stderr.write(t));
}
