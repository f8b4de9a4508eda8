/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` (installed by
 * `npm run servers`), driven by puppeteer-core. Like the other real components, a missing browser
 * skips the suites that need it, and fails them when servers are required (CI).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { launch, type Browser } from 'puppeteer-core';
import { requirementGate, START_HINT, type Env, type RequirementGate } from './real-servers.js';

/** The Chromium executable: `$CHROMIUM_PATH` when set, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(env: Env = process.env): string {
  const configured = env['CHROMIUM_PATH'];
  return configured === undefined || configured === '' ? '/usr/bin/chromium' : configured;
}

/**
 * Declares that the calling test file needs Chromium, like `needsPostgres()`: a skipped test
 * naming the problem when it is missing, a failing one when servers are required. Call it at the
 * top level of the test file.
 */
export function needsChromium(env: Env = process.env): RequirementGate {
  const path = chromiumPath(env);
  const run = spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 20_000 });
  const problem =
    run.error === undefined && run.status === 0
      ? undefined
      : `Chromium (${path}) is not installed or not runnable. ${START_HINT} (it installs Debian's chromium package), or set CHROMIUM_PATH.`;
  return requirementGate('Chromium', problem, env);
}

/** Starts headless Chromium (no sandbox: tests run as root in containers; no GPU). */
export function launchChromium(env: Env = process.env): Promise<Browser> {
  return launch({
    executablePath: chromiumPath(env),
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
