/**
 * `npm run soak [-- --minutes N --rate N]` (not in CI): fedscope under a steady federated load for
 * half an hour (by default, at 1,000 queries/s) over real PostgreSQL and MariaDB, an embedded
 * DuckDB and an HTTP source, while the databases are cut, the OTLP receiver and Alertmanager are
 * down for a minute each; then it checks that the process lived, every alert notification reached
 * Alertmanager, every span was received or counted as dropped with its cause, memory stayed flat,
 * and the rate was held. Prints a JSON summary, then a short table; exits 1 when a check fails,
 * 2 when the soak could not run. See soak/soak-run.ts for the steps, soak/fault-plan.ts for the faults.
 */
import { renderSoakReport } from './soak-report.js';
import { parseSoakOptions, type SoakOptions } from './soak-options.js';
import { SoakRun } from './soak-run.js';

let options: SoakOptions;
try {
  options = parseSoakOptions(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const soak = new SoakRun(options);
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  // The first signal winds the soak down (children ended, tables dropped); a second one leaves at once.
  if (++interrupts > 1) process.exit(130);
  process.stderr.write(`[soak] ${signal}: stopping\n`);
  soak.interrupt();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const summary = await soak.run();
  console.log(JSON.stringify(summary, null, 2));
  console.log(`\n${renderSoakReport(summary)}`);
  process.exit(summary.passed ? 0 : 1);
} catch (error) {
  console.error(`the soak could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
