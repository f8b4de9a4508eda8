import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWatched } from '../../support/child-process.js';
import { freePort } from '../../support/free-port.js';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

/** A tiny application run with `node --import fedscope/register`, from the built package; returns its folder. */
function writeApp(): { dir: string; app: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fedscope-register-'));
  // The app resolves 'fedscope' as an installed package would: through node_modules.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'fedscope'), 'dir');
  const app = join(dir, 'app.mjs');
  writeFileSync(
    app,
    `import { federatedQuery, stage } from 'fedscope';
     for (let i = 0; i < 3; i++) await federatedQuery('register_check', () => stage('fetch', () => i));
     console.log('app ran');
     setInterval(() => {}, 1000);`,
  );
  return { dir, app };
}

describe('node --import fedscope/register', () => {
  it('starts fedscope from the environment, serves /metrics, and exits on SIGTERM after flushing', async () => {
    const port = await freePort();
    const { dir, app } = writeApp();
    const child = startWatched('node', ['--import', 'fedscope/register', app], { OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_SERVICE_NAME: 'register-test' }, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/federation_queries_total\{federation_query_name="register_check"[^}]*\} 3/);
      expect(text).toMatch(/target_info\{[^}]*service_name="register-test"/);
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(143);
    } finally {
      child.child.kill('SIGKILL');
    }
  });

  it('reports a bad variable on stderr and lets the application run without fedscope', async () => {
    const { dir, app } = writeApp();
    const child = startWatched('node', ['--import', 'fedscope/register', app], { OTEL_TRACES_SAMPLER: 'sometimes' }, dir);
    try {
      await child.waitFor(/app ran/, 20_000);
      expect(child.output()).toMatch(/fedscope: not started: fedscope: invalid OTEL_TRACES_SAMPLER: expected one of 'always_on'/);
    } finally {
      child.child.kill('SIGKILL');
    }
  });
});
