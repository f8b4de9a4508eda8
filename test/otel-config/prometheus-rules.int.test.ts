import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { needsPromtool, promtoolPath } from '../support/promtool.js';

const configDir = fileURLToPath(new URL('../../otel-config/', import.meta.url));
const promtool = needsPromtool();

promtool.describe('otel-config/prometheus-rules.yml', () => {
  test('promtool check rules accepts it', () => {
    const run = spawnSync(promtoolPath(), ['check', 'rules', 'prometheus-rules.yml'], {
      cwd: configDir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS: 10 rules found');
  });

  test('promtool test rules passes its unit tests', () => {
    const run = spawnSync(promtoolPath(), ['test', 'rules', 'prometheus-rules.test.yml'], {
      cwd: configDir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  });
});
