import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { needsPromtool, promtoolPath } from '../support/promtool.js';

const configDir = fileURLToPath(new URL('../../otel-config/', import.meta.url));
const promtool = needsPromtool();

/** The rule files shipped in otel-config/, each with its promtool unit tests and its rule count. */
const RULE_FILES = [
  // fedscope's alert pack, loaded by prometheus.yml.
  { rules: 'prometheus-rules.yml', tests: 'prometheus-rules.test.yml', count: 10 },
  // Fleet-wide percentiles: the unit tests merge two companions' histograms into one percentile.
  { rules: 'fleet-recording-rules.yml', tests: 'fleet-recording-rules.test.yml', count: 13 },
];

function runPromtool(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(promtoolPath(), args, { cwd: configDir, encoding: 'utf8', timeout: 30_000 });
}

for (const file of RULE_FILES) {
  promtool.describe(`otel-config/${file.rules}`, () => {
    test('promtool check rules accepts it', () => {
      const run = runPromtool('check', 'rules', file.rules);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`SUCCESS: ${file.count} rules found`);
    });

    test('promtool test rules passes its unit tests', () => {
      const run = runPromtool('test', 'rules', file.tests);
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('SUCCESS');
    });
  });
}
